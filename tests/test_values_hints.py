"""`check --hints` with the real helm: each finding names the values key that controls it and the
value that fixes it, or the template line that writes it, in every report format."""

import json
import subprocess
import sys

import pytest
import yaml

from conftest import FIXTURES_DIR

CHARTS = FIXTURES_DIR / "values-charts"
NESTED_JOB = "tests/fixtures/values-charts/nested/templates/webhook-job.yaml:15"


def _hints(harden, chart, *args):
    result = harden("check", str(CHARTS / chart), "--hints", *args, "--format", "json", "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    return [(f["rule"], f["container"], f["path"].rsplit("/", 1)[-1], f["hint"]) for f in json.loads(result.stdout)["findings"]]


@pytest.fixture(scope="module")
def nested_hints(harden_env):
    result = subprocess.run([sys.executable, "-m", "helm_harden", "check", str(CHARTS / "nested"), "--hints",
                             "--format", "json", "--fail-on", "never"],
                            cwd=FIXTURES_DIR.parent.parent, env=harden_env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return [(f["rule"], f["container"], f["path"].rsplit("/", 1)[-1], f["hint"]) for f in json.loads(result.stdout)["findings"]]


def test_every_finding_has_a_hint_naming_a_key_or_a_template_line(nested_hints):
    assert nested_hints == [
        ("run-as-non-root", "controller", "runAsNonRoot", "set controller.podSecurityContext.runAsNonRoot: true"),
        ("run-as-user-group", "controller", "runAsUser",
         "set controller.containerSecurityContext.runAsUser (a non-zero UID the image runs as)"),
        ("run-as-user-group", "controller", "runAsGroup", "set controller.containerSecurityContext.runAsGroup (a non-zero GID)"),
        ("read-only-root-filesystem", "controller", "readOnlyRootFilesystem",
         "set controller.containerSecurityContext.readOnlyRootFilesystem: true"),
        ("seccomp-profile", "controller", "seccompProfile", "set controller.podSecurityContext.seccompProfile.type: RuntimeDefault"),
        # No values key writes a pod-level field the template does not: its pod's spec: line.
        ("automount-service-account-token", None, "automountServiceAccountToken",
         "no values key reaches this field: change tests/fixtures/values-charts/nested/templates/controller.yaml:12"),
        ("run-as-non-root", "patch", "runAsNonRoot", "set controller.admissionWebhooks.patch.securityContext.runAsNonRoot: true"),
        ("run-as-user-group", "patch", "runAsUser", f"no values key reaches this field: change {NESTED_JOB}"),
        ("run-as-user-group", "patch", "runAsGroup", f"no values key reaches this field: change {NESTED_JOB}"),
        # The patch container is a hook's: Helm 3 never post-renders it, and Flux's patches never see it.
        ("drop-capabilities", "patch", "drop", "no values key reaches this field: a patch "
         f"(fix --format kustomize) fixes it, or change {NESTED_JOB}"),
        ("read-only-root-filesystem", "patch", "readOnlyRootFilesystem", f"no values key reaches this field: change {NESTED_JOB}"),
        ("no-privilege-escalation", "patch", "allowPrivilegeEscalation", "no values key reaches this field: a "
         f"patch (fix --format kustomize) fixes it, or change {NESTED_JOB}"),
        ("seccomp-profile", "patch", "seccompProfile",
         "set controller.admissionWebhooks.patch.securityContext.seccompProfile.type: RuntimeDefault"),
        ("automount-service-account-token", None, "automountServiceAccountToken",
         "no values key reaches this field: change tests/fixtures/values-charts/nested/templates/webhook-job.yaml:9"),
    ]


def test_hinted_keys_are_keys_the_chart_reads(harden, nested_hints, tmp_path):
    """Set every `set KEY: VALUE` hint and render: each of those findings is gone, none is added."""
    overlay: dict = {}
    hinted = set()
    for rule, container, field, hint in nested_hints:
        if hint.startswith("set ") and "(" not in hint:
            key, value = hint[len("set "):].split(": ", 1)
            node = overlay
            *parents, last = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = yaml.safe_load(value)
            hinted.add((rule, container, field))
    path = tmp_path / "hinted.yaml"
    path.write_text(yaml.safe_dump(overlay))
    after = {(rule, container, field) for rule, container, field, _ in _hints(harden, "nested", "-f", str(path))}
    before = {(rule, container, field) for rule, container, field, _ in nested_hints}
    assert before - after == hinted
    assert after - before == set()


def test_an_explicit_value_from_values_is_named_with_the_value_that_fixes_it(harden):
    hints = _hints(harden, "umbrella", "--set", "worker.securityContext.privileged=true")
    assert ("no-privileged", "worker", "privileged", "set worker.securityContext.privileged: false") in hints


def test_an_image_hint_names_the_keys_it_is_made_of(harden):
    hints = _hints(harden, "switches", "--set", "image.tag=latest")
    assert ("image-tag-pinned", "api", "image",
            "the image comes from image.registry, image.repository, image.tag: pin its tag or digest there") in hints


def test_hints_reach_every_report_format(harden, tmp_path):
    outputs = {name: tmp_path / f"report.{name}" for name in ("sarif", "markdown", "github", "junit")}
    args = [arg for name, path in outputs.items() for arg in ("--format", name, "--output", str(path))]
    result = harden("check", str(CHARTS / "nested"), "--hints", *args, "--format", "text", "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    hint = "set controller.podSecurityContext.runAsNonRoot: true"
    assert f"      hint: {hint}" in result.stdout.splitlines()
    sarif = json.loads(outputs["sarif"].read_text())["runs"][0]["results"][0]
    assert sarif["message"]["text"].endswith(f"(hint: {hint})")
    assert sarif["properties"]["hint"] == hint
    for name in ("markdown", "github", "junit"):
        assert f"(hint: {hint})" in outputs[name].read_text(), name


def test_hints_need_one_chart(harden):
    result = harden("check", str(FIXTURES_DIR / "chart-repo"), "--hints")
    assert (result.returncode, result.stderr.splitlines()[-1]) == (
        2, "helm-harden: error: --hints works on one chart (a directory or packaged chart), without --diff or --pss"
        " (see: python -m helm_harden check --help)")


CANNOT_BE_FALSE = ("allowPrivilegeEscalation cannot be false while the container is privileged or adds SYS_ADMIN"
                   " (the API server rejects the object): remove that first")


def test_a_privileged_container_gets_no_hint_the_api_server_rejects(harden):
    hints = _hints(harden, "umbrella", "--set", "worker.securityContext.privileged=true")
    assert [hint for hint in hints if hint[1] == "worker" and hint[0] != "run-as-user-group"] == [
        ("no-privileged", "worker", "privileged", "set worker.securityContext.privileged: false"),
        ("drop-capabilities", "worker", "privileged", "set worker.securityContext.privileged: false"),
        ("read-only-root-filesystem", "worker", "readOnlyRootFilesystem",
         "set worker.securityContext.readOnlyRootFilesystem: true"),
        ("no-privilege-escalation", "worker", "allowPrivilegeEscalation", CANNOT_BE_FALSE),
        ("seccomp-profile", "worker", "privileged", "set worker.securityContext.privileged: false"),
    ]


def test_a_map_shared_with_a_privileged_container_gets_no_hint_that_breaks_it(harden):
    template = "tests/fixtures/values-charts/shared-privileged/templates/daemonset.yaml"
    patch = "post-render or a patch (fix --format flux|kustomize) fixes it"
    refused = "would fix it, but its values map did not verify (the render with the map's keys adds or changes a finding elsewhere): " + patch
    assert _hints(harden, "shared-privileged") == [
        ("no-privileged", "agent", "privileged", f"no values key reaches this field: change {template}:26"),
        ("drop-capabilities", "exporter", "drop", f"securityContext.capabilities.drop: [ALL] {refused}"),
        ("drop-capabilities", "agent", "privileged", f"no values key reaches this field: change {template}:26"),
        ("no-privilege-escalation", "exporter", "allowPrivilegeEscalation",
         f"securityContext.allowPrivilegeEscalation: false {refused}"),
        ("no-privilege-escalation", "agent", "allowPrivilegeEscalation", CANNOT_BE_FALSE),
        ("seccomp-profile", "exporter", "seccompProfile", f"securityContext.seccompProfile.type: RuntimeDefault {refused}"),
        ("seccomp-profile", "agent", "privileged", f"no values key reaches this field: change {template}:26"),
        ("automount-service-account-token", None, "automountServiceAccountToken",
         f"no values key reaches this field: change {template}:13"),
    ]

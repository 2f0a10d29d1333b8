"""The engine: one runner for the default profile and the Pod Security profiles, the policy that
applies to every rule ID alike (exemptions, annotations, severities), and its safety net."""

from __future__ import annotations

import datetime

from helm_harden.config import parse_config
from helm_harden.engine import Engine
from helm_harden.manifest import parse_documents

TODAY = datetime.date(2030, 6, 15)

HOST_PODS = """\
apiVersion: v1
kind: Pod
metadata: {name: exempted}
spec:
  hostNetwork: true
  containers: [{name: app, image: app:1.0}]
---
apiVersion: v1
kind: Pod
metadata:
  name: annotated
  annotations: {ignore.helm-harden.io/pss.host-namespaces: "a node agent; reviewed"}
spec:
  hostPID: true
  containers: [{name: app, image: app:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  hostIPC: true
  securityContext:
    sysctls: [{name: net.ipv4.tcp_rmem, value: "4096 87380 6291456"}, {name: kernel.msgmax, value: "65536"}]
  containers: [{name: app, image: app:1.0}]
"""

EXEMPT_ONE = """\
exemptions:
  - {rule: pss/host-namespaces, name: exempted, reason: the test's exemption}
"""


def scan(config_text: str, stream: str = HOST_PODS, **engine_options):
    engine = Engine(parse_config(config_text, ".helm-harden.yaml"), namespace="default", today=TODAY, **engine_options)
    return engine.scan("stream.yaml", parse_documents(stream, "stream.yaml"))


def rows(result) -> list[tuple]:
    return [(f.rule, str(f.severity), f.name, f.path, f.suppressed) for f in result.findings]


def test_pss_findings_honour_exemptions_and_annotations_while_verdicts_stay_exact():
    result = scan(EXEMPT_ONE, pss_level="baseline")
    assert rows(result) == [
        ("pss/host-namespaces", "error", "exempted", "/spec/hostNetwork", "the test's exemption"),
        ("pss/host-namespaces", "error", "annotated", "/spec/hostPID", "a node agent; reviewed"),
        ("pss/host-namespaces", "error", "plain", "/spec/hostIPC", None),
        ("pss/sysctls", "error", "plain", "/spec/securityContext/sysctls/1/name", None),
    ]
    assert [(v.workload.name, v.admitted, v.controls) for v in result.verdicts] == [
        ("exempted", False, ("Host Namespaces",)),
        ("annotated", False, ("Host Namespaces",)),
        ("plain", False, ("Host Namespaces", "Sysctls")),
    ]
    assert result.rules[:3] == ("pss/host-process", "pss/host-namespaces", "pss/privileged-containers")


def test_severities_from_the_config_apply_to_controls():
    result = scan("rules:\n  pss/sysctls: {severity: info}\n", pss_level="baseline", kube_version=(1, 31))
    assert [(f.rule, str(f.severity), f.path) for f in result.findings if f.name == "plain"] == [
        ("pss/host-namespaces", "error", "/spec/hostIPC"),
        ("pss/sysctls", "info", "/spec/securityContext/sysctls/0/name"),  # tcp_rmem is safe from 1.32 only
        ("pss/sysctls", "info", "/spec/securityContext/sysctls/1/name"),
    ]


def test_the_config_enables_a_control_in_the_default_run():
    config = "rules:\n  pss/sysctls: {enabled: true}\n" + "".join(
        f"  {rule}: {{enabled: false}}\n"
        for rule in ("run-as-non-root", "run-as-user-group", "drop-capabilities", "no-privilege-escalation",
                     "seccomp-profile", "resource-limits", "read-only-root-filesystem")
    )
    result = scan(config)
    assert "pss/sysctls" in result.rules and "pss/host-namespaces" not in result.rules
    assert [(f.rule, f.name, f.path, f.message) for f in result.findings if f.rule.startswith("pss/")] == [
        ("pss/sysctls", "plain", "/spec/securityContext/sysctls/1/name",
         "Sysctls (baseline): sysctl kernel.msgmax is not in the safe set of this policy version"),
    ]


HOST_NETWORK_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: agent}
spec:
  hostNetwork: true
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: app
      image: app:1.0
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
"""


def test_check_pss_with_an_exemption_or_a_baseline_passes_and_still_gives_the_verdict(harden, tmp_path):
    config = tmp_path / "exempt.yaml"
    config.write_text("exemptions:\n  - {rule: 'pss/*', name: agent, reason: a node agent}\n", encoding="utf-8")
    exempted = harden("check", "-", "--pss", "baseline", "--config", str(config), stdin=HOST_NETWORK_POD)
    assert exempted.returncode == 0
    assert "  Pod default/agent: would be rejected at baseline latest: Host Namespaces\n" in exempted.stdout

    baseline = tmp_path / "baseline.json"
    plain = harden("check", "-", "--pss", "restricted", "--write-baseline", str(baseline), stdin=HOST_NETWORK_POD)
    assert plain.returncode == 1
    again = harden("check", "-", "--pss", "restricted", "--baseline", str(baseline), stdin=HOST_NETWORK_POD)
    assert again.returncode == 0


def test_rules_lists_the_controls(harden):
    lines = harden("rules").stdout.splitlines()
    assert any(line.startswith("pss/host-namespaces ") and line.endswith("(--pss only)") for line in lines)
    assert len([line for line in lines if line.startswith("pss/")]) == 19


# --- a rule bug is an internal error; the safety net of post-render -------------------------

import sys  # noqa: E402
import types  # noqa: E402

import click  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from helm_harden import commands  # noqa: E402
from helm_harden.config import Config, RuleSettings  # noqa: E402
from helm_harden.patch import SetDefault  # noqa: E402
from helm_harden.rules.base import Rule, Severity, Violation  # noqa: E402

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: app
      image: app:1.0
"""


def rule_config(check, fix: str | None = "default") -> Config:
    """A config running one rule whose ``check`` the test writes: a rule with a bug in it."""
    module = types.ModuleType("buggy_rule", "A rule with a bug, for the engine's safety net.")
    module.ID, module.SUMMARY, module.SEVERITY, module.FIX, module.SCOPE = "buggy", "buggy", Severity.ERROR, fix, "container"
    module.check = check
    rule = Rule.of(module)
    return Config((RuleSettings(rule, True, Severity.ERROR, fix == "default", {}),))


def post_render(config: Config, stream: str = POD):
    @click.command()
    def command():
        sys.exit(commands.guarded(lambda: commands._post_render(lambda: config, None, None, None, "never", True), "post-render"))

    return CliRunner().invoke(command, [], input=stream)


def test_a_rule_that_raises_is_an_internal_error_not_an_input_error():
    def check(pod, container, context):
        return container.security_context.missing_attribute  # the bug

    result = post_render(rule_config(check))
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == "helm-harden: internal error: AttributeError (set HELM_HARDEN_DEBUG=1 or use helm --debug for details)\n"


def test_a_fix_that_does_not_repair_its_violation_stops_post_render():
    def check(pod, container, context):  # reports the container, and fills a field it never reads
        if container.security_context.get("runAsNonRoot") is not True:
            yield Violation(container.security_context_path + ("runAsNonRoot",), "not non-root",
                            fix=(SetDefault(container.security_context_path + ("runAsUser",), 10001),))

    result = post_render(rule_config(check))
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == "helm-harden: error: <stdin> (document 1): the buggy fix did not repair Pod web; refusing\n"


class _TypeDependentFill(SetDefault):
    """A fill whose text (its ``value``, and what it writes into ruamel's round-trip mapping) is not
    what it puts into the parsed object."""

    def apply(self, root) -> bool:
        parent = root["spec"]["containers"][0]
        if "workingDir" in parent:
            return False
        parent["workingDir"] = "/parsed" if type(parent) is dict else "/rewritten"
        return True


def test_a_rewrite_that_does_not_parse_back_to_the_fixed_object_stops_post_render():
    def check(pod, container, context):
        if "workingDir" not in container.data:
            yield Violation(container.path + ("workingDir",), "no workingDir",
                            fix=(_TypeDependentFill(container.path + ("workingDir",), "/rewritten"),))

    result = post_render(rule_config(check))
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == (
        "helm-harden: error: <stdin> (document 1): rewriting the document would change more than its fixes; refusing\n")


def test_diff_refuses_what_it_cannot_combine_with(harden, tmp_path):
    for extra, option in (
        (["--pss", "baseline"], "--pss"),
        (["--output", str(tmp_path / "r.txt")], "--output"),
        (["--format", "json"], "--format"),
        (["--baseline", str(tmp_path / "b.json")], "--baseline"),
    ):
        result = harden("check", "-", "--diff", *extra, stdin=POD)
        assert result.returncode == 2 and result.stdout == "", option
        assert result.stderr == (
            f"helm-harden: error: --diff cannot be combined with {option} (see: python -m helm_harden check --help)\n")

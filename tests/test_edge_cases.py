"""Inputs and outputs at the edges: symlinked reports, stdin's config, skipped folders, Secrets
in diffs, odd YAML, malformed values and config mistakes."""

import json

import pytest

from helm_harden.rules import RULES
from conftest import TESTS_DIR

CHARTS = TESTS_DIR.parent / "charts-under-test"
BARE_POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: a:1.0\n"


def test_a_report_written_to_a_symlink_goes_through_it(harden, tmp_path):
    (tmp_path / "target.txt").write_text("old\n")
    (tmp_path / "link.txt").symlink_to("target.txt")
    result = harden("check", str(CHARTS / "hardened"), "--output", "link.txt", cwd=tmp_path)
    assert result.returncode == 0
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "target.txt").read_text() == "No findings in 9 workloads (10 objects checked).\n"


def test_check_of_stdin_reads_the_config_where_it_runs(harden, harden_env, tmp_path):
    (tmp_path / ".helm-harden.yaml").write_text("rules:\n  image-tag-pinned: {enabled: false}\n  resource-limits: {enabled: false}\n")
    env = {k: v for k, v in harden_env.items() if k != "HELM_HARDEN_CONFIG"}
    pod = BARE_POD.replace("a:1.0", "a:latest")
    result = harden("check", "-", "--format", "json", cwd=tmp_path, stdin=pod, env=env)
    rules = sorted({f["rule"] for f in json.loads(result.stdout)["findings"]})
    assert "image-tag-pinned" not in rules and "resource-limits" not in rules
    assert rules == ["automount-service-account-token", "drop-capabilities", "no-privilege-escalation",
                     "read-only-root-filesystem", "run-as-non-root", "run-as-user-group", "seccomp-profile"]


def test_post_render_matches_namespace_exemptions_with_its_namespace_option(harden, harden_env, tmp_path):
    config = tmp_path / "exempt.yaml"
    config.write_text("exemptions:\n  - rule: no-privilege-escalation\n    namespace: team-a\n    reason: setuid helper\n")
    exempted = harden("post-render", "-q", "--config", str(config), "-n", "team-a", stdin=BARE_POD)
    assert "allowPrivilegeEscalation" not in exempted.stdout
    elsewhere = harden("post-render", "-q", "--config", str(config), "-n", "team-b", stdin=BARE_POD)
    assert "allowPrivilegeEscalation: false" in elsewhere.stdout
    env = dict(harden_env, HELM_NAMESPACE="team-a")
    from_helm = harden("post-render", "-q", "--config", str(config), stdin=BARE_POD, env=env)
    assert from_helm.stdout == exempted.stdout


def test_a_directory_of_files_skips_vcs_and_virtualenv_folders(harden, tmp_path):
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "pod.yaml").write_text(BARE_POD)
    for junk in (".git", "node_modules", ".venv"):
        (tmp_path / "manifests" / junk).mkdir()
        (tmp_path / "manifests" / junk / "broken.json").write_text("{not json")
    result = harden("check", "manifests", "--format", "json", "--fail-on", "never", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {f["origin"] for f in json.loads(result.stdout)["findings"]} == {"manifests/pod.yaml"}


def test_a_diff_never_shows_a_secret_beside_a_workload(harden, tmp_path):
    stream = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: v1, kind: Secret, metadata: {name: s}, stringData: {password: hunter2}}\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers:\n    - {name: c, image: a:1.0}\n"
    )
    (tmp_path / "list.yaml").write_text(stream)
    result = harden("check", "list.yaml", "--diff", "--fail-on", "never", cwd=tmp_path)
    assert "hunter2" not in result.stdout + result.stderr
    assert [line for line in result.stdout.splitlines() if not line.startswith(("---", "+++", "#"))] == []


def test_directives_and_application_tags_pass_through_byte_for_byte(harden):
    stream = "%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n--- !custom\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: !tagged y}\n"
    result = harden("post-render", "-q", stdin=stream)
    assert (result.returncode, result.stdout) == (0, stream)


@pytest.mark.parametrize("value, problem", [
    ("!!int hunter2-secret", "a value does not match its explicit !!int tag"),
    ("!!float hunter2-secret", "a value does not match its explicit !!float tag"),
    ("!!bool hunter2-secret", "a value does not match its explicit !!bool tag"),
    ("!!timestamp hunter2-secret", "an explicit !!timestamp tag is not supported (Go's time formats decide it)"),
])
def test_a_value_that_does_not_match_its_tag_is_an_input_error_that_quotes_nothing(harden, value, problem):
    stream = f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\nstringData:\n  password: {value}\n"
    for command in (("check", "-"), ("post-render",)):
        result = harden(*command, stdin=stream)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == f"helm-harden: error: <stdin>: line 5: {problem}\n"


@pytest.mark.parametrize("field", [
    "securityContext: {capabilities: {add: [{a: 1}]}}",
    "securityContext: {seLinuxOptions: {type: [a]}}",
    "securityContext: {appArmorProfile: {type: [a]}}",
])
def test_fields_of_an_unexpected_type_never_crash(harden, field):
    pod = BARE_POD + f"    {field}\n"
    for command in (("check", "-", "--fail-on", "never"), ("check", "-", "--pss", "restricted", "--fail-on", "never"),
                    ("post-render", "-q")):
        result = harden(*command, stdin=pod)
        assert result.returncode in (0, 2), (command, result.stderr)
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("config, message", [
    ("kube_version: banana\n", "line 1: invalid Kubernetes version 'banana' (expected e.g. 1.30 or v1.30.2)"),
    ("rules:\n  drop-capabilities: {allowed_add: [{a: 1}]}\n", "line 2: drop-capabilities.allowed_add must be a list of strings"),
    ("rules:\n  no-privileged: {severity: !foo x}\n", "line 2: unknown severity 'x' (expected info, warning or error)"),
    ("exemptions:\n  - {rule: no-privileged, reason: r, expires: !!timestamp soon}\n", "line 2: an explicit !!timestamp tag is not supported (Go's time formats decide it)"),
    ("rules:\n  run-as-user-group: {fix: true, run_as_user: !!bool maybe}\n", "line 2: a value does not match its explicit !!bool tag"),
    ("rules:\n  run-as-user-group: {fix: true, run_as_user: 0.0}\n", "line 2: run-as-user-group.run_as_user must be at least 1: 0 is root"),
    ("? [a]\n: b\n", "line 1: a mapping or list is used as a mapping key"),
    ("rules:\n  run-as-user-group: {fix: true, run_as_user: 0}\n", "line 2: run-as-user-group.run_as_user must be at least 1: 0 is root"),
])
def test_config_mistakes_name_their_line(harden, tmp_path, config, message):
    path = tmp_path / "config.yaml"
    path.write_text(config)
    result = harden("check", "-", "--config", str(path), stdin=BARE_POD)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"helm-harden: error: {path}: {message}\n"


def test_sarif_in_pss_mode_describes_the_controls(harden):
    result = harden("check", str(CHARTS / "webapp"), "--pss", "restricted", "--format", "sarif")
    run = json.loads(result.stdout)["runs"][0]
    described = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert described == [rule.id for rule in RULES]
    assert len([rule for rule in described if rule.startswith("pss/")]) == 19
    # What ran is the restricted profile: every hardening rule and every baseline control it replaces is off.
    [invocation] = run["invocations"]
    assert {o["descriptor"]["id"] for o in invocation["ruleConfigurationOverrides"]} == {
        rule.id for rule in RULES if not rule.is_control} | {"pss/capabilities-baseline", "pss/seccomp-baseline",
                                                             "pss/host-path-volumes", "pss/proc-mount"}
    assert {r["ruleId"] for r in run["results"]} == {
        "pss/capabilities-restricted", "pss/privilege-escalation", "pss/running-as-non-root", "pss/seccomp-restricted",
    }
    assert all(described[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_rules_shows_the_settings_in_effect(harden, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("rules:\n  read-only-root-filesystem: {fix: true}\n  run-as-user-group: {min_id: 10000}\n"
                    "  image-tag-pinned: {enabled: false}\n")
    lines = harden("rules", "--config", str(path)).stdout.splitlines()
    assert lines[0].split() == ["RULE", "SEVERITY", "FIX", "DESCRIPTION"]
    by_rule = {line.split()[0]: line for line in lines[1:] if not line.startswith(" ")}
    assert by_rule["read-only-root-filesystem"].split()[2:4] == ["on", "(opt-in)"]
    assert by_rule["resource-limits"].split()[2:4] == ["off", "(opt-in)"]
    assert by_rule["run-as-non-root"].split()[2] == "on"
    assert by_rule["image-tag-pinned"].endswith("(disabled)")
    assert "options: min_id=10000, platform_assigns_ids=False" in lines[lines.index(by_rule["run-as-user-group"]) + 1]


ALIASED = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    container.apparmor.security.beta.kubernetes.io/app: unconfined
spec:
  containers:
  - name: app
    image: app:1.0
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
      appArmorProfile: &empty {}
  securityContext:
    runAsNonRoot: true
    seccompProfile: *empty
"""


def test_a_fix_is_not_applied_through_a_yaml_alias(harden):
    """Filling seccompProfile.type would also fill the appArmorProfile the alias shares it with."""
    stream = ALIASED
    result = harden("post-render", "-q", stdin=stream)
    assert (result.returncode, result.stdout) == (0, stream)
    report = json.loads(harden("check", "-", "--format", "json", stdin=stream).stdout)
    seccomp = [f for f in report["findings"] if f["rule"] == "seccomp-profile"]
    assert [(f["fixable"], f["note"]) for f in seccomp] == [
        (False, "not fixed: the fix would also change the other places a YAML alias shares this value with"),
    ]

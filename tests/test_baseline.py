"""Baselines: ``--write-baseline FILE`` records today's findings, ``--baseline FILE`` fails only on
new ones and reports the recorded ones that are gone.

Every test works on a copy of tests/fixtures/chart-repo without its two broken renders (the
chart with missing dependencies and the worker's ci/no-queue-values.yaml), so exit codes are
about findings only. Commands run in subprocesses with the real helm.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CHART_REPO_NAME

REPO = CHART_REPO_NAME
WEB = f"{REPO}/charts/web"
API = f"{REPO}/charts/team-b/api"
WORKER = f"{REPO}/charts/team-b/worker"


@pytest.fixture
def workdir(chart_repo_copy) -> Path:
    """A git work tree holding ``chart-repo``: the fixture repository with every render succeeding.
    (Fingerprints name a chart by its path in the git work tree.)"""
    shutil.rmtree(chart_repo_copy / REPO / "charts/needs-deps")
    (chart_repo_copy / WORKER / "ci/no-queue-values.yaml").unlink()
    subprocess.run(["git", "init", "-q", str(chart_repo_copy)], check=True)
    return chart_repo_copy


def run_json(harden, workdir: Path, *args: str, target: str = REPO) -> tuple[int, dict]:
    result = harden("check", target, *args, "--format", "json", cwd=workdir)
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout)


def entry(chart, template, kind, name, container, rule, field) -> dict:
    return {"chart": chart, "template": template, "kind": kind, "name": name, "container": container, "rule": rule,
            "field": field}


READ_ONLY = "securityContext/readOnlyRootFilesystem"
ESCALATION = "securityContext/allowPrivilegeEscalation"
WEB_ESCALATION = entry(WEB, "web/templates/deployment.yaml", "Deployment", "web", "app", "no-privilege-escalation", ESCALATION)

# One entry per fingerprint: a finding seen under several values files is recorded once.
BASELINE_ENTRIES = [
    entry(API, "api/templates/cronjob.yaml", "CronJob", "api-report", "report", "read-only-root-filesystem", READ_ONLY),
    entry(API, "api/templates/cronjob.yaml", "CronJob", "api-report", "report", "image-tag-pinned", "image"),
    entry(API, "api/templates/deployment.yaml", "Deployment", "api", "api", "no-privileged", "securityContext/privileged"),
    entry(API, "api/templates/deployment.yaml", "Deployment", "api", "api", "drop-capabilities", "securityContext/privileged"),
    entry(API, "api/templates/deployment.yaml", "Deployment", "api", "api", "no-privilege-escalation", ESCALATION),
    entry(API, "api/templates/deployment.yaml", "Deployment", "api", "api", "seccomp-profile", "securityContext/privileged"),
    entry(WEB, "web/charts/metrics/templates/deployment.yaml", "Deployment", "metrics", "exporter", "resource-limits",
          "resources/limits/memory"),
    entry(WEB, "web/templates/deployment.yaml", "Deployment", "web", "app", "read-only-root-filesystem", READ_ONLY),
    WEB_ESCALATION,
    entry(WORKER, "worker/templates/job.yaml", "Job", "worker", "worker", "seccomp-profile",
          "securityContext/seccompProfile"),
]

# (chart directory name, values_file, rule, name, baselined) of the repository's findings.
ALL_BASELINED = [
    ("api", "ci/debug-values.yaml", "no-privileged", "api", True),
    ("api", "ci/debug-values.yaml", "drop-capabilities", "api", True),
    ("api", "ci/debug-values.yaml", "no-privilege-escalation", "api", True),
    ("api", "ci/debug-values.yaml", "seccomp-profile", "api", True),
    ("api", "ci/debug-values.yaml", "read-only-root-filesystem", "api-report", True),
    ("api", "ci/debug-values.yaml", "image-tag-pinned", "api-report", True),
    ("api", "ci/default-values.yaml", "read-only-root-filesystem", "api-report", True),
    ("api", "ci/hardened-values.yaml", "read-only-root-filesystem", "api-report", True),
    ("worker", "ci/default-values.yaml", "seccomp-profile", "worker", True),
    ("web", "ci/default-values.yaml", "resource-limits", "metrics", True),
    ("web", "ci/default-values.yaml", "read-only-root-filesystem", "web", True),
    ("web", "ci/escalate-values.yaml", "resource-limits", "metrics", True),
    ("web", "ci/escalate-values.yaml", "no-privilege-escalation", "web", True),
    ("web", "ci/hardened-values.yaml", "resource-limits", "metrics", True),
]


def baseline_rows(report: dict) -> list[tuple]:
    return [(f["origin"].rsplit("/", 1)[1], f["values_file"], f["rule"], f["name"], f["baselined"]) for f in report["findings"]]


def recorded(path: Path) -> list[dict]:
    """The baseline's entries without their fingerprints, checked to be sorted by fingerprint."""
    document = json.loads(path.read_text())
    fingerprints = [e["fingerprint"] for e in document["findings"]]
    assert fingerprints == sorted(fingerprints)
    return [{k: v for k, v in e.items() if k != "fingerprint"} for e in document["findings"]]


def by_fields(entries: list[dict]) -> list[dict]:
    return sorted(entries, key=lambda e: tuple(str(v) for v in e.values()))


def write_baseline(harden, workdir: Path, *args: str) -> Path:
    code, _ = run_json(harden, workdir, "--write-baseline", "baseline.json", *args)
    assert code == 1  # writing a baseline does not change the verdict of the run
    return workdir / "baseline.json"


# --- the round trip -----------------------------------------------------------------------------


def test_write_then_apply_the_baseline(harden, workdir):
    path = write_baseline(harden, workdir)
    document = json.loads(path.read_text())
    assert document["version"] == 1
    assert document["tool"].startswith("helm-harden ")
    assert by_fields(recorded(path)) == by_fields(BASELINE_ENTRIES)

    code, report = run_json(harden, workdir, "--baseline", "baseline.json")
    assert code == 0
    assert baseline_rows(report) == ALL_BASELINED
    assert report["baseline"] == {"new": 0, "fixed": []}
    assert (report["summary"]["findings"], report["summary"]["baselined"]) == (14, 14)


def test_the_baseline_file_holds_the_reports_fingerprints(harden, workdir):
    path = write_baseline(harden, workdir)
    _, report = run_json(harden, workdir)
    written = {e["fingerprint"]: {k: v for k, v in e.items() if k != "fingerprint"} for e in json.loads(path.read_text())["findings"]}
    assert sorted(written) == sorted({f["fingerprint"] for f in report["findings"]})
    for f in report["findings"]:
        field = f["path"].split("/containers/0/", 1)[1]  # every fixture finding is in a pod's first container
        expected = entry(f["origin"], f["source"], f["kind"], f["name"], f["container"], f["rule"], field)
        assert written[f["fingerprint"]] == expected


def test_text_report_with_a_baseline(harden, workdir):
    write_baseline(harden, workdir)
    result = harden("check", REPO, "--baseline", "baseline.json", cwd=workdir)
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[-2:] == [
        "Baseline: 0 new findings, 0 recorded findings fixed.",
        "10 findings (6 errors, 4 warnings) in 13 workloads, 13 objects checked: 1 fixable by post-render,"
        " 9 need a chart change. (10 in the baseline)",
    ]
    assert lines[:3] == [
        "api/templates/cronjob.yaml [ci/debug-values.yaml]",
        "  CronJob team-b/api-report",
        "    warning  image-tag-pinned           report: image busybox:latest uses the floating tag latest [manual] [baseline]",
    ]


def test_one_finding_fixed_and_one_new(harden, workdir):
    write_baseline(harden, workdir)
    _, before = run_json(harden, workdir)
    [gone] = [f for f in before["findings"] if f["rule"] == "no-privilege-escalation" and f["name"] == "web"]
    (workdir / WEB / "ci/escalate-values.yaml").write_text(
        "readOnlyRootFilesystem: true\nallowPrivilegeEscalation: false\nimage: nginx:latest\n"
    )

    code, report = run_json(harden, workdir, "--baseline", "baseline.json")
    assert code == 1
    assert report["baseline"] == {"new": 1, "fixed": [{"fingerprint": gone["fingerprint"], **WEB_ESCALATION}]}
    expected = [row for row in ALL_BASELINED if row[2:4] != ("no-privilege-escalation", "web")]
    expected.insert(12, ("web", "ci/escalate-values.yaml", "image-tag-pinned", "web", False))
    assert baseline_rows(report) == expected

    result = harden("check", REPO, "--baseline", "baseline.json", cwd=workdir)
    assert result.stdout.splitlines()[-2] == "Baseline: 1 new finding, 1 recorded finding fixed."


def test_new_findings_below_fail_on_do_not_fail(harden, workdir):
    write_baseline(harden, workdir)
    (workdir / WEB / "ci/escalate-values.yaml").write_text("readOnlyRootFilesystem: true\nimage: nginx:latest\n")
    code, report = run_json(harden, workdir, "--baseline", "baseline.json", "--fail-on", "error")
    assert (code, report["baseline"]["new"]) == (0, 1)


def test_a_new_finding_under_several_values_files(harden, workdir):
    write_baseline(harden, workdir)
    (workdir / WEB / "values.yaml").write_text(
        "readOnlyRootFilesystem: false\nallowPrivilegeEscalation: false\nimage: nginx\n"
    )
    code, report = run_json(harden, workdir, "--baseline", "baseline.json")
    assert code == 1
    new = [(f["values_file"], f["rule"], f["name"]) for f in report["findings"] if not f["baselined"]]
    assert new == [
        ("ci/default-values.yaml", "image-tag-pinned", "web"),
        ("ci/escalate-values.yaml", "image-tag-pinned", "web"),
        ("ci/hardened-values.yaml", "image-tag-pinned", "web"),
    ]
    assert report["baseline"] == {"new": 3, "fixed": []}


# --- what a fingerprint does not depend on ----------------------------------------------------


def _fingerprints(report: dict) -> list[tuple]:
    return [(f["origin"], f["values_file"], f["rule"], f["name"], f["fingerprint"]) for f in report["findings"]]


def test_fingerprints_survive_moved_lines(harden, workdir):
    write_baseline(harden, workdir)
    _, before = run_json(harden, workdir)
    for template in (f"{API}/templates/deployment.yaml", f"{API}/templates/cronjob.yaml", f"{WEB}/templates/deployment.yaml"):
        path = workdir / template
        path.write_text("# moved down by a header comment\n\n{{/* and a template comment */}}\n\n" + path.read_text())
    metrics = workdir / WEB / "charts/metrics/templates/deployment.yaml"
    metrics.write_text(metrics.read_text().replace("spec:\n  selector:", "spec:\n\n  # a comment\n  selector:"))

    code, after = run_json(harden, workdir, "--baseline", "baseline.json")
    assert code == 0
    assert _fingerprints(after) == _fingerprints(before)
    assert after["baseline"] == {"new": 0, "fixed": []}


def test_fingerprints_are_the_same_under_every_values_file(harden, workdir):
    _, report = run_json(harden, workdir)
    by_finding: dict[tuple, set] = {}
    for f in report["findings"]:
        by_finding.setdefault((f["origin"], f["rule"], f["kind"], f["name"], f["container"]), set()).add(f["fingerprint"])
    assert sorted((key[3], key[1], len(prints)) for key, prints in by_finding.items()) == [
        ("api", "drop-capabilities", 1),
        ("api", "no-privilege-escalation", 1),
        ("api", "no-privileged", 1),
        ("api", "seccomp-profile", 1),
        ("api-report", "image-tag-pinned", 1),
        ("api-report", "read-only-root-filesystem", 1),
        ("metrics", "resource-limits", 1),
        ("web", "no-privilege-escalation", 1),
        ("web", "read-only-root-filesystem", 1),
        ("worker", "seccomp-profile", 1),
    ]
    assert len({f["fingerprint"] for f in report["findings"]}) == 10


def test_renaming_a_values_file_keeps_its_findings_baselined(harden, workdir):
    write_baseline(harden, workdir)
    ci = workdir / WEB / "ci"
    (ci / "escalate-values.yaml").rename(ci / "insecure-values.yaml")
    code, report = run_json(harden, workdir, "--baseline", "baseline.json")
    assert code == 0
    assert report["baseline"] == {"new": 0, "fixed": []}
    assert [(f["values_file"], f["rule"], f["baselined"]) for f in report["findings"] if f["name"] == "web"] == [
        ("ci/default-values.yaml", "read-only-root-filesystem", True),
        ("ci/insecure-values.yaml", "no-privilege-escalation", True),
    ]


@pytest.mark.parametrize("spelling", ["trailing-slash", "from-inside", "absolute"])
def test_fingerprints_do_not_depend_on_how_the_repository_is_named(harden, workdir, spelling):
    """A baseline written by ``check chart-repo`` at the top of the work tree holds when the
    same repository is checked as ``chart-repo/``, as ``.`` from inside it, or by its absolute
    path (as CI does on a runner whose checkout lives somewhere else than a developer's)."""
    write_baseline(harden, workdir)
    target, cwd = {
        "trailing-slash": (f"{REPO}/", workdir),
        "from-inside": (".", workdir / REPO),
        "absolute": (str(workdir / REPO), workdir),
    }[spelling]
    result = harden("check", target, "--baseline", str(workdir / "baseline.json"), "--format", "json", cwd=cwd)
    assert (result.returncode, result.stderr) == (0, "")
    report = json.loads(result.stdout)
    assert report["baseline"] == {"new": 0, "fixed": []}
    assert [f["baselined"] for f in report["findings"]] == [True] * 14


def test_two_charts_of_the_same_name_are_told_apart(harden, workdir):
    write_baseline(harden, workdir)
    shutil.copytree(workdir / WEB, workdir / REPO / "charts/team-c/web")
    code, report = run_json(harden, workdir, "--baseline", "baseline.json")
    assert code == 1
    new = [(f["origin"], f["values_file"], f["rule"], f["name"]) for f in report["findings"] if not f["baselined"]]
    copy = f"{REPO}/charts/team-c/web"
    assert new == [
        (copy, "ci/default-values.yaml", "resource-limits", "metrics"),
        (copy, "ci/default-values.yaml", "read-only-root-filesystem", "web"),
        (copy, "ci/escalate-values.yaml", "resource-limits", "metrics"),
        (copy, "ci/escalate-values.yaml", "no-privilege-escalation", "web"),
        (copy, "ci/hardened-values.yaml", "resource-limits", "metrics"),
    ]
    assert report["baseline"] == {"new": 5, "fixed": []}


def test_each_missing_resource_is_its_own_finding(harden, workdir):
    write_baseline(harden, workdir)
    metrics = workdir / WEB / "charts/metrics/templates/deployment.yaml"
    metrics.write_text(metrics.read_text().replace("          resources:\n            requests: {cpu: 10m, memory: 16Mi}\n", ""))
    code, report = run_json(harden, workdir, "--baseline", "baseline.json")
    assert code == 1
    resources = "/spec/template/spec/containers/0/resources"
    per_render = [(f"{resources}/requests/cpu", False), (f"{resources}/requests/memory", False),
                  (f"{resources}/limits/memory", True)]
    assert [(f["path"], f["baselined"]) for f in report["findings"] if f["name"] == "metrics"] == per_render * 3
    assert report["baseline"] == {"new": 6, "fixed": []}


def test_a_single_chart_checked_against_the_repositorys_baseline(harden, workdir):
    write_baseline(harden, workdir)
    code, report = run_json(harden, workdir, "--baseline", "baseline.json", target=API)
    assert code == 0
    assert [(f["rule"], f["baselined"]) for f in report["findings"]] == [("read-only-root-filesystem", True)]


# --- baselines and exemptions --------------------------------------------------------------------


EXEMPT_WEB_ESCALATION = (
    "exemptions:\n"
    "  - rule: no-privilege-escalation\n"
    "    chart: web\n"
    "    reason: the escalate values are a negative test\n"
)


def _exemption_rows(report: dict) -> list[tuple]:
    return [(f["rule"], f["suppressed"], f["baselined"]) for f in report["findings"] if f["name"] == "web"]


def test_suppressed_findings_are_not_written_to_the_baseline(harden, workdir):
    (workdir / "exempt.yaml").write_text(EXEMPT_WEB_ESCALATION)
    path = write_baseline(harden, workdir, "--config", "exempt.yaml")
    assert by_fields(recorded(path)) == by_fields([e for e in BASELINE_ENTRIES if e != WEB_ESCALATION])

    code, report = run_json(harden, workdir, "--baseline", "baseline.json", "--config", "exempt.yaml")
    assert code == 0
    assert report["baseline"] == {"new": 0, "fixed": []}
    assert _exemption_rows(report) == [("read-only-root-filesystem", False, True), ("no-privilege-escalation", True, False)]


def test_removing_the_exemption_makes_the_finding_new(harden, workdir):
    (workdir / "exempt.yaml").write_text(EXEMPT_WEB_ESCALATION)
    write_baseline(harden, workdir, "--config", "exempt.yaml")
    code, report = run_json(harden, workdir, "--baseline", "baseline.json")
    assert code == 1
    assert report["baseline"] == {"new": 1, "fixed": []}
    assert _exemption_rows(report) == [("read-only-root-filesystem", False, True), ("no-privilege-escalation", False, False)]


def test_an_expired_exemption_makes_the_finding_new(harden, workdir):
    (workdir / "exempt.yaml").write_text(EXEMPT_WEB_ESCALATION)
    write_baseline(harden, workdir, "--config", "exempt.yaml")
    (workdir / "expired.yaml").write_text(EXEMPT_WEB_ESCALATION + "    expires: 2001-01-01\n")
    code, report = run_json(harden, workdir, "--baseline", "baseline.json", "--config", "expired.yaml")
    assert code == 1
    assert report["baseline"] == {"new": 1, "fixed": []}
    [finding] = [f for f in report["findings"] if f["rule"] == "no-privilege-escalation" and f["name"] == "web"]
    assert (finding["suppressed"], finding["baselined"], finding["note"]) == (
        False, False, "the exemption for this finding expired on 2001-01-01 (the escalate values are a negative test)"
    )


def test_exempting_a_baselined_finding_is_neither_new_nor_fixed(harden, workdir):
    write_baseline(harden, workdir)
    (workdir / "exempt.yaml").write_text(EXEMPT_WEB_ESCALATION)
    code, report = run_json(harden, workdir, "--baseline", "baseline.json", "--config", "exempt.yaml")
    assert code == 0
    assert report["baseline"] == {"new": 0, "fixed": []}
    assert _exemption_rows(report) == [("read-only-root-filesystem", False, True), ("no-privilege-escalation", True, True)]
    assert (report["summary"]["suppressed"], report["summary"]["baselined"]) == (1, 13)


# --- broken baseline files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "the baseline is not valid JSON"),
        ("", "the baseline is not valid JSON"),
        ('[{"fingerprint": "abc"}]', "not a helm-harden baseline (version 1)"),
        ('{"version": 2, "findings": []}', "not a helm-harden baseline (version 1)"),
        ('{"version": "1", "findings": []}', "not a helm-harden baseline (version 1)"),
        ('{"version": 1}', "the baseline's findings must be a list of entries with a fingerprint"),
        ('{"version": 1, "findings": [{"rule": "no-privileged"}]}',
         "the baseline's findings must be a list of entries with a fingerprint"),
        ('{"version": 1, "findings": [{"fingerprint": ["abc"]}]}',
         "the baseline's findings must be a list of entries with a fingerprint"),
    ],
    ids=["truncated", "empty", "a-list", "other-version", "version-as-string", "no-findings", "no-fingerprint",
         "fingerprint-not-a-string"],
)
def test_a_corrupt_baseline_is_one_error_line(harden, workdir, content, message):
    (workdir / "baseline.json").write_text(content)
    result = harden("check", API, "--baseline", "baseline.json", "--format", "json", cwd=workdir)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"helm-harden: error: baseline.json: {message}\n"


def test_a_missing_baseline_is_one_error_line(harden, workdir):
    result = harden("check", API, "--baseline", "nowhere.json", cwd=workdir)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "helm-harden: error: nowhere.json: cannot read the baseline: No such file or directory\n"


def test_a_baseline_that_cannot_be_written_is_one_error_line(harden, workdir):
    result = harden("check", API, "--write-baseline", "no-such-dir/baseline.json", cwd=workdir)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "helm-harden: error: no-such-dir/baseline.json: cannot write the baseline: No such file or directory\n"
    )

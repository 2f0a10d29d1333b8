"""CI on real chart repositories: chart-testing's convention, merged findings, GitHub's and
Markdown's limits, stable identities, shards, changed-charts-only runs and excludes.

The fixture charts in tests/fixtures/shapes have the shapes of real charts, written for these
tests:

- exporter: like a database metrics exporter, its defaults do not render (a password is
  required, through a helper) and its two ci/ files do, with the same findings;
- ingress: like an ingress controller chart, many ci/ files that all render the same
  controller, so one finding per values file would flood a pull request;
- jenkins: like a CI server chart, a StatefulSet whose containers come from helpers, with
  multi-line template comments, and a test pod named with ``randAlphaNum``;
- vault: like a secrets server chart, whose securityContext lines are produced by
  ``template``/``include`` lines.

Every CLI test runs ``python -m helm_harden`` in a subprocess with the real helm, on a copy of
the fixtures in a temporary directory (a real git repository where the test needs one).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES_DIR

SHAPES = FIXTURES_DIR / "shapes"

# The exporter's findings under each of its ci/ files, as (rule, kind, name, container).
EXPORTER_FINDINGS = [
    ("run-as-user-group", "Deployment", "release-name-exporter", "exporter"),
    ("drop-capabilities", "Deployment", "release-name-exporter", "exporter"),
    ("read-only-root-filesystem", "Deployment", "release-name-exporter", "exporter"),
    ("no-privilege-escalation", "Deployment", "release-name-exporter", "exporter"),
    ("seccomp-profile", "Deployment", "release-name-exporter", "exporter"),
]
EXPORTER_VALUES = ["ci/password-values.yaml", "ci/secret-ref-values.yaml"]


def copy_shapes(tmp_path: Path, *charts: str) -> Path:
    """A repository in ``tmp_path/repo`` holding copies of the named fixture charts under charts/."""
    repo = tmp_path / "repo"
    for chart in charts:
        shutil.copytree(SHAPES / chart, repo / "charts" / chart)
    return repo


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity (no user config is needed)."""
    return subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false",
         "-c", "init.defaultBranch=main", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout


def git_init(repo: Path) -> None:
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "charts")


def check_json(harden, cwd: Path, *args: str) -> tuple[int, dict, str]:
    result = harden("check", *args, "--format", "json", cwd=cwd)
    return result.returncode, json.loads(result.stdout), result.stderr


def rows(report: dict) -> list[tuple]:
    return [(f["values_file"], f["rule"], f["kind"], f["name"], f["container"]) for f in report["findings"]]


# --- chart-testing's convention ------------------------------------------------------------------


def test_a_chart_whose_defaults_do_not_render_passes_with_its_ci_files(harden, tmp_path):
    """Rendered with its defaults the exporter fails ("password is required"); chart-testing
    renders it only with its ci/ files, and so does a repository scan: no failure, exit 1 for
    the findings."""
    repo = copy_shapes(tmp_path, "exporter")
    defaults = harden("check", "charts/exporter", "--format", "json", cwd=repo)
    assert defaults.returncode == 3
    assert "config.datasource.password is required" in defaults.stderr

    code, report, stderr = check_json(harden, repo, ".")
    assert (code, stderr, report["failures"]) == (1, "", [])
    assert rows(report) == [(values, *finding) for values in EXPORTER_VALUES for finding in EXPORTER_FINDINGS]


def test_a_repository_whose_root_is_a_chart_finds_its_ci_files(harden, tmp_path):
    """``check .`` at the root of a git repository that is itself a chart: the chart's ci/ files,
    as for a chart inside a repository."""
    root = tmp_path / "exporter"
    shutil.copytree(SHAPES / "exporter", root)
    git_init(root)
    code, report, stderr = check_json(harden, root, ".")
    assert (code, stderr, report["failures"]) == (1, "", [])
    assert rows(report) == [(values, *finding) for values in EXPORTER_VALUES for finding in EXPORTER_FINDINGS]
    assert {f["origin"] for f in report["findings"]} == {"."}


def test_a_chart_given_on_its_own_renders_as_helm_would(harden, tmp_path):
    """Outside a repository's root, one chart is rendered once: with its defaults, or with the
    -f files given (here one of its ci/ files)."""
    repo = copy_shapes(tmp_path, "exporter")
    code, report, _ = check_json(harden, repo, "charts/exporter", "-f", "charts/exporter/ci/password-values.yaml")
    assert (code, report["failures"]) == (1, [])
    assert rows(report) == [(None, *finding) for finding in EXPORTER_FINDINGS]


# --- stable identities ------------------------------------------------------------------------

TEST_POD_SPELLING = "{{ .Release.Name }}-ui-test-{{ randAlphaNum 5 | lower }}"


def test_a_baseline_holds_for_an_object_helm_names_at_random(harden, tmp_path):
    """The jenkins-like test pod is named with randAlphaNum: another name on every render, the
    same fingerprints, so a baseline run twice reports nothing new and nothing fixed."""
    repo = copy_shapes(tmp_path, "jenkins")
    written = harden("check", ".", "--write-baseline", "baseline.json", "--format", "json", cwd=repo)
    first = json.loads(written.stdout)
    code, second, stderr = check_json(harden, repo, ".", "--baseline", "baseline.json")
    assert (code, stderr) == (0, "")
    assert second["baseline"] == {"new": 0, "fixed": []}
    assert all(f["baselined"] for f in second["findings"])

    def pods(report):
        return [f for f in report["findings"] if f["kind"] == "Pod"]

    names = [{f["name"] for f in pods(report)} for report in (first, second)]
    assert names[0].isdisjoint(names[1])  # helm named the pod afresh under each values file, each run
    assert all(name.startswith("release-name-ui-test-") for name in names[0] | names[1])
    assert [(f["rule"], f["path"], f["fingerprint"]) for f in pods(first)] == [
        (f["rule"], f["path"], f["fingerprint"]) for f in pods(second)
    ]
    recorded = json.loads((repo / "baseline.json").read_text())["findings"]
    assert sorted({(e["kind"], e["name"]) for e in recorded}) == [
        ("Pod", TEST_POD_SPELLING), ("StatefulSet", "release-name-jenkins"),
    ]


def test_sarif_fingerprints_of_a_randomly_named_object_repeat(harden, tmp_path):
    repo = copy_shapes(tmp_path, "jenkins")
    runs = [json.loads(harden("check", ".", "--format", "sarif", cwd=repo).stdout)["runs"][0]["results"] for _ in "ab"]
    names = [{r["locations"][0]["logicalLocations"][0]["name"] for r in results if r["message"]["text"].startswith("Pod ")}
             for results in runs]
    assert names[0] != names[1]
    assert [r["partialFingerprints"] for r in runs[0]] == [r["partialFingerprints"] for r in runs[1]]


def test_a_name_only_spelled_like_its_template_keeps_its_own_identity(tmp_path):
    """A rendered name that does not fit the template's words is not taken for it."""
    from helm_harden.fingerprint import stable_name

    chart = tmp_path / "jenkins"
    shutil.copytree(SHAPES / "jenkins", chart)
    source = "jenkins/templates/tests/jenkins-test.yaml"
    assert stable_name(str(chart), source, "Pod", "release-name-ui-test-ab1cd") == TEST_POD_SPELLING
    assert stable_name(str(chart), source, "Pod", "something-else") == "something-else"
    assert stable_name(str(chart), source, "Job", "release-name-ui-test-ab1cd") == "release-name-ui-test-ab1cd"
    statefulset = "jenkins/templates/controller-statefulset.yaml"
    assert stable_name(str(chart), statefulset, "StatefulSet", "release-name-jenkins") == "release-name-jenkins"

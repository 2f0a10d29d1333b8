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
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES_DIR

SHAPES = FIXTURES_DIR / "shapes"

# The exporter's findings under each of its ci/ files, as (rule, kind, name, container); the
# token finding is the pod's, so it names no container.
EXPORTER_FINDINGS = [
    ("run-as-user-group", "Deployment", "release-name-exporter", "exporter"),
    ("drop-capabilities", "Deployment", "release-name-exporter", "exporter"),
    ("read-only-root-filesystem", "Deployment", "release-name-exporter", "exporter"),
    ("no-privilege-escalation", "Deployment", "release-name-exporter", "exporter"),
    ("seccomp-profile", "Deployment", "release-name-exporter", "exporter"),
    ("automount-service-account-token", "Deployment", "release-name-exporter", None),
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


# --- beyond one machine: shards, changed charts, excludes --------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Chart.Name }}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
        - name: app
          image: example/app:1.0.0
          {{- include "lib.securityContext" . | nindent 10 }}
"""

LIBRARY_HELPER = """\
{{- define "lib.securityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
{{- end -}}
"""


def make_chart(directory: Path, name: str, *, library: bool = False, depends_on: str | None = None) -> None:
    """A small chart: a library chart with one helper, or an application using the library."""
    (directory / "templates").mkdir(parents=True)
    chart = f"apiVersion: v2\nname: {name}\nversion: 0.1.0\ntype: {'library' if library else 'application'}\n"
    if depends_on:
        chart += f"dependencies:\n  - name: lib\n    version: 0.1.0\n    repository: file://{depends_on}\n"
    (directory / "Chart.yaml").write_text(chart)
    if library:
        (directory / "templates/_helpers.tpl").write_text(LIBRARY_HELPER)
    else:
        (directory / "templates/deployment.yaml").write_text(DEPLOYMENT)


@pytest.fixture
def monorepo(tmp_path) -> Path:
    """A git repository: charts/lib (a library), charts/app-a and platform/app-c using it through
    file:// dependencies (app-a with the library vendored in charts/ as helm dependency build
    leaves it), charts/app-b and charts/app-d on their own, and the jenkins-like chart."""
    repo = copy_shapes(tmp_path, "jenkins")
    make_chart(repo / "charts/lib", "lib", library=True)
    make_chart(repo / "charts/app-a", "app-a", depends_on="../lib")
    make_chart(repo / "charts/app-a/charts/lib", "lib", library=True)
    make_chart(repo / "platform/app-c", "app-c", depends_on="../../charts/lib")
    make_chart(repo / "platform/app-c/charts/lib", "lib", library=True)
    for name in ("app-b", "app-d"):
        make_chart(repo / "charts" / name, name)
        (repo / "charts" / name / "templates/deployment.yaml").write_text(DEPLOYMENT.replace(
            '          {{- include "lib.securityContext" . | nindent 10 }}\n', ""))
    git_init(repo)
    return repo


def origins(report: dict) -> list[str]:
    """The charts that have findings, as paths below the scanned directory ("./charts/x" as "charts/x")."""
    return list(dict.fromkeys(os.path.normpath(f["origin"]) for f in report["findings"]))


ALL_CHARTS = ["charts/app-a", "charts/app-b", "charts/app-d", "charts/jenkins", "platform/app-c"]


def test_shards_scan_each_chart_exactly_once(harden, monorepo):
    _, whole, _ = check_json(harden, monorepo, ".")
    assert origins(whole) == ALL_CHARTS  # charts/lib, a library, renders nothing
    parts = []
    for index in (1, 2, 3):
        code, report, stderr = check_json(harden, monorepo, ".", "--shard", f"{index}/3")
        assert stderr == ""
        parts.append(origins(report))
    assert sorted(chart for part in parts for chart in part) == ALL_CHARTS
    assert all(part for part in parts)  # five charts spread over three shards: none is empty here
    # The same partition from elsewhere, by an absolute path (another runner's checkout).
    again = [origins(check_json(harden, monorepo.parent, str(monorepo), "--shard", f"{i}/3")[1]) for i in (1, 2, 3)]
    assert [[Path(o).relative_to(monorepo).as_posix() for o in part] for part in again] == parts


def test_each_shard_has_its_own_sarif_category_and_summary(harden, monorepo):
    sarif = json.loads(harden("check", ".", "--shard", "2/3", "--format", "sarif", cwd=monorepo).stdout)
    assert sarif["runs"][0]["automationDetails"] == {"id": "helm-harden/shard-2-of-3/"}
    markdown = harden("check", ".", "--shard", "2/3", "--format", "markdown", cwd=monorepo).stdout
    assert markdown.startswith("### helm-harden: . (shard 2/3)\n")
    whole = json.loads(harden("check", ".", "--format", "sarif", cwd=monorepo).stdout)
    assert "automationDetails" not in whole["runs"][0]


@pytest.mark.parametrize("shard", ["0/3", "4/3", "1/0", "2", "a/b", "1/3/5"])
def test_a_bad_shard_is_a_usage_error(harden, monorepo, shard):
    result = harden("check", ".", "--shard", shard, cwd=monorepo)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"helm-harden: error: --shard {shard}: give I/N with 1 <= I <= N, e.g. 2/4\n"


def test_changed_since_scans_the_changed_charts_and_the_users_of_a_changed_library(harden, monorepo):
    git(monorepo, "checkout", "-q", "-b", "feature")
    code, report, _ = check_json(harden, monorepo, ".", "--changed-since", "main")
    assert (code, origins(report), report["failures"]) == (0, [], [])  # nothing changed: nothing to scan

    (monorepo / "charts/app-b/values.yaml").write_text("replicas: 2\n")  # untracked, new
    assert origins(check_json(harden, monorepo, ".", "--changed-since", "main")[1]) == ["charts/app-b"]

    git(monorepo, "add", "-A")
    git(monorepo, "commit", "-q", "-m", "app-b values")
    helper = monorepo / "charts/lib/templates/_helpers.tpl"
    helper.write_text(helper.read_text().replace("false", "true"))  # unstaged: the library changed
    _, report, _ = check_json(harden, monorepo, ".", "--changed-since", "main")
    assert origins(report) == ["charts/app-a", "charts/app-b", "platform/app-c"]


def test_changed_since_an_unknown_ref_is_an_input_error(harden, monorepo):
    result = harden("check", ".", "--changed-since", "no-such-branch", cwd=monorepo)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "helm-harden: error: --changed-since no-such-branch: git cannot find it\n"


def test_changed_since_outside_a_git_work_tree_is_an_input_error(harden, tmp_path):
    repo = copy_shapes(tmp_path, "exporter")
    result = harden("check", ".", "--changed-since", "main", cwd=repo)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "helm-harden: error: --changed-since main: . is not in a git work tree\n"


def test_exclude_by_flag_and_by_config(harden, monorepo, tmp_path):
    _, report, _ = check_json(harden, monorepo, ".", "--exclude", "charts/app-*", "--exclude", "jenkins")
    assert origins(report) == ["platform/app-c"]
    config = tmp_path / "exclude.yaml"
    config.write_text("exclude:\n  - platform/*\n  - app-b\n")
    _, report, _ = check_json(harden, monorepo, ".", "--config", str(config))
    assert origins(report) == ["charts/app-a", "charts/app-d", "charts/jenkins"]
    _, report, _ = check_json(harden, monorepo, ".", "--config", str(config), "--exclude", "charts/jenkins/")
    assert origins(report) == ["charts/app-a", "charts/app-d"]


def test_a_bad_exclude_in_the_config_names_its_line(harden, monorepo, tmp_path):
    config = tmp_path / "exclude.yaml"
    config.write_text("exclude:\n  - ''\n")
    result = harden("check", ".", "--config", str(config), cwd=monorepo)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"helm-harden: error: {config}: line 2: exclude entries must be non-empty strings"
                             " (chart paths or shell-style patterns)\n")


def test_selecting_charts_of_one_chart_or_file_is_a_usage_error(harden, monorepo):
    result = harden("check", "charts/app-b", "--shard", "1/2", cwd=monorepo)
    assert (result.returncode, result.stdout) == (2, "")
    assert "--shard, --changed-since and --exclude choose among the charts of a repository" in result.stderr


# --- one finding, one annotation --------------------------------------------------------------

INGRESS_DEPLOYMENT_VALUES = [
    "ci/deployment-autoscaling-values.yaml", "ci/deployment-default-backend-values.yaml",
    "ci/deployment-metrics-values.yaml", "ci/deployment-podannotations-values.yaml", "ci/deployment-replicas-values.yaml",
]


def test_identical_findings_across_values_files_are_one_entry_in_the_text_report(harden, tmp_path):
    repo = copy_shapes(tmp_path, "exporter")
    result = harden("check", ".", cwd=repo)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "exporter/templates/deployment.yaml [ci/password-values.yaml, ci/secret-ref-values.yaml]"
    assert [line.split()[1] for line in lines[2:-2]] == [rule for rule, *_ in EXPORTER_FINDINGS]
    assert lines[-1].startswith("6 findings (3 errors, 2 warnings, 1 info) in 2 workloads")
    # The JSON report keeps one entry per render: the data behind the merged view.
    assert len(json.loads(harden("check", ".", "--format", "json", cwd=repo).stdout)["findings"]) == 12


def test_github_annotations_are_merged_and_within_githubs_limits(harden, tmp_path):
    """The ingress-like chart: 125 findings over 7 renders, 38 distinct. One annotation each,
    at most 10 errors and 10 warnings (what GitHub shows of a step), the 4 notices (one token
    finding per pod template), and a line saying what was cut."""
    repo = copy_shapes(tmp_path, "ingress")
    _, report, _ = check_json(harden, repo, ".")
    assert len(report["findings"]) == 125
    result = harden("check", ".", "--format", "github", cwd=repo)
    assert (result.returncode, result.stderr) == (1, "")
    lines = result.stdout.splitlines()
    annotations = lines[:-2]
    levels = [line.split(" ", 1)[0] for line in annotations]
    assert (levels.count("::error"), levels.count("::warning"), levels.count("::notice"), len(annotations)) == (10, 10, 4, 24)
    assert lines[-2:] == [
        "helm-harden: 38 findings (16 errors, 18 warnings, 4 notices) in 13 workloads.",
        "helm-harden: not annotated: 6 errors, 8 warnings (GitHub shows 10 annotations of each level per step);"
        " the SARIF and Markdown reports hold them all.",
    ]
    assert (
        "::error file=charts/ingress/templates/controller.yaml,line=26,title=drop-capabilities::"
        "Deployment release-name-controller, container controller: does not drop ALL capabilities"
        f" (values: {', '.join(INGRESS_DEPLOYMENT_VALUES)})"
    ) in annotations
    assert len(set(annotations)) == len(annotations)


def test_sarif_has_one_result_per_merged_finding(harden, tmp_path):
    repo = copy_shapes(tmp_path, "ingress")
    log = json.loads(harden("check", ".", "--format", "sarif", cwd=repo).stdout)
    results = log["runs"][0]["results"]
    assert len(results) == 38
    fingerprints = [r["partialFingerprints"]["helmHarden/v1"] for r in results]
    assert len(set(fingerprints)) == 38
    [drop] = [r for r in results if r["ruleId"] == "drop-capabilities"
              and r["message"]["text"].startswith("Deployment release-name-controller")]
    assert drop["properties"]["valuesFiles"] == INGRESS_DEPLOYMENT_VALUES


def test_renders_of_one_chart_failing_alike_are_one_entry(harden, tmp_path):
    """The exporter with three ci/ files that all lack the password: one failure, three files."""
    repo = copy_shapes(tmp_path, "exporter")
    ci = repo / "charts/exporter/ci"
    for name in ("a", "b", "c"):
        (ci / f"{name}-values.yaml").write_text("config: {datasource: {host: db}}\n")
    (ci / "password-values.yaml").unlink()
    (ci / "secret-ref-values.yaml").unlink()
    github = harden("check", ".", "--format", "github", cwd=repo)
    assert github.returncode == 3
    [failure, summary] = github.stdout.splitlines()
    assert failure.startswith(
        "::error file=charts/exporter/ci/a-values.yaml,title=render failed::./charts/exporter"
        " (ci/a-values.yaml, ci/b-values.yaml, ci/c-values.yaml): helm template ./charts/exporter failed with exit code 1%0A"
        "Error: execution error at (exporter/templates/deployment.yaml:25:27): config.datasource.password is required")
    assert summary == "helm-harden: 0 findings in 0 workloads; 3 renders failed."
    text = harden("check", ".", cwd=repo).stdout.splitlines()
    assert text[0] == ("./charts/exporter with ci/a-values.yaml, ci/b-values.yaml, ci/c-values.yaml:"
                       " helm template ./charts/exporter failed with exit code 1")
    markdown = harden("check", ".", "--format", "markdown", cwd=repo).stdout
    assert markdown.endswith("Failed to render:\n\n- `./charts/exporter` (ci/a-values.yaml, ci/b-values.yaml,"
                             " ci/c-values.yaml): helm template ./charts/exporter failed with exit code 1\n")


POD_TEMPLATE = """\
apiVersion: v1
kind: Pod
metadata:
  name: pod-{index:04d}
spec:
  containers:
    - name: app
      image: example/app:1.0.0
---
"""


def test_the_markdown_report_stays_within_githubs_comment_limit(harden, tmp_path):
    """A stream of 600 pods, ten findings each: far more than a comment holds. The report is cut
    below 65,536 characters, and says how many findings it leaves out."""
    (tmp_path / "pods.yaml").write_text("".join(POD_TEMPLATE.format(index=index) for index in range(600)))
    total = len(json.loads(harden("check", "pods.yaml", "--format", "json", cwd=tmp_path).stdout)["findings"])
    markdown = harden("check", "pods.yaml", "--format", "markdown", cwd=tmp_path).stdout
    assert 60_000 < len(markdown) <= 65_536
    rows = [line for line in markdown.splitlines() if line.startswith(("| error", "| warning", "| info"))]
    last = markdown.rstrip("\n").splitlines()[-1]
    left_out = total - len(rows)
    assert left_out > 0
    assert last == (f"_{left_out} findings left out to keep this report within GitHub's 65,536-character limit;"
                    " the JSON and SARIF reports hold everything._")


# --- smaller frictions --------------------------------------------------------------------------


def test_a_broken_chart_does_not_block_writing_the_baseline(harden, tmp_path):
    """The baseline records what rendered; the failure is reported and the run exits 3. The next
    run against it finds nothing new in the charts that rendered."""
    repo = copy_shapes(tmp_path, "exporter", "jenkins")
    (repo / "charts/exporter/ci/password-values.yaml").write_text("config: {datasource: {host: db}}\n")
    result = harden("check", ".", "--write-baseline", "baseline.json", "--format", "json", cwd=repo)
    assert result.returncode == 3
    assert result.stderr == ("helm-harden: warning: the baseline baseline.json records what rendered;"
                             " 1 render failed and is not in it\n")
    report = json.loads(result.stdout)
    assert [(f["origin"], f["values_file"]) for f in report["failures"]] == [
        ("./charts/exporter", "ci/password-values.yaml")]
    recorded = json.loads((repo / "baseline.json").read_text())["findings"]
    assert {(e["chart"], e["name"]) for e in recorded} == {
        ("charts/exporter", "release-name-exporter"),  # from ci/secret-ref-values.yaml, which renders
        ("charts/jenkins", "release-name-jenkins"), ("charts/jenkins", TEST_POD_SPELLING),
    }
    code, again, _ = check_json(harden, repo, ".", "--baseline", "baseline.json")
    assert (code, again["baseline"]) == (3, {"new": 0, "fixed": []})


# --- locations: the line that produces the field --------------------------------------------------


def sarif_lines(harden, repo: Path, chart: str, *args: str) -> list[tuple]:
    """(kind, container, rule, template file, line) of each SARIF result."""
    log = json.loads(harden("check", chart, *args, "--format", "sarif", cwd=repo).stdout)
    located = []
    for result in log["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        kind = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].split("/")[0]
        located.append((kind, result["properties"].get("container"), result["ruleId"],
                        physical["artifactLocation"]["uri"], physical["region"]["startLine"]))
    return located


def test_jenkins_like_locations_survive_comments_and_helper_containers(harden, tmp_path):
    """The StatefulSet's pod spec opens with a multi-line {{/* */}} comment whose lines start at
    column 0, and its config-reload container comes from a helper through an include line: each
    finding is on its own container's line (the init container's dash line, the include line for
    the sidecar, the jenkins container's securityContext), not all on the pod's spec:."""
    repo = copy_shapes(tmp_path, "jenkins")
    template = "charts/jenkins/templates/controller-statefulset.yaml"
    located = sarif_lines(harden, repo, "charts/jenkins")
    lines = {(container, line) for kind, container, _, uri, line in located if kind == "StatefulSet" and uri == template}
    # The token finding is the pod's own: on its spec: line, not on a container's include.
    assert lines == {("init", 25), ("config-reload", 30), ("jenkins", 34), (None, 16)}
    assert [line for kind, _, _, uri, line in located if kind == "StatefulSet" and uri != template] == []


def test_vault_like_locations_point_at_the_template_and_include_lines(harden, tmp_path):
    """vault's container securityContext comes from ``{{- template ... }}`` and the pod's from
    ``{{- include ... }}``: findings point at those lines, not at the container's name."""
    repo = copy_shapes(tmp_path, "vault")
    template = "charts/vault/templates/server-statefulset.yaml"
    assert sarif_lines(harden, repo, "charts/vault") == [
        ("StatefulSet", "vault", "run-as-non-root", template, 18),
        ("StatefulSet", "vault", "drop-capabilities", template, 18),
        ("StatefulSet", "vault", "read-only-root-filesystem", template, 18),
        ("StatefulSet", "vault", "seccomp-profile", template, 18),
        ("StatefulSet", None, "automount-service-account-token", template, 13),  # the pod's include line
    ]


def test_a_container_not_written_in_the_template_is_not_put_on_another_one(tmp_path):
    """No include line, and the only literal container has another name: no container's line."""
    from helm_harden.report.locations import find_line

    path = tmp_path / "deployment.yaml"
    path.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: app\n          image: example/app:1\n"
    )
    location = ("spec", "template", "spec", "containers", 0, "securityContext")
    assert find_line(path, "Deployment", "web", location, "app") == 9
    assert find_line(path, "Deployment", "web", location, "sidecar") == 8  # its containers: key

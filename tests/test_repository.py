"""Chart repositories: `helm-harden check DIR` where DIR holds many charts.

The fixture repository tests/fixtures/chart-repo holds:

- charts/web: a Deployment whose ci/ values files switch hardening on and off, and a vendored
  subchart charts/web/charts/metrics that is rendered as part of web, never on its own (its
  own ci/ file is not even valid YAML, so scanning it alone would show up as a failure);
- charts/team-b/api (two folders deep): a Deployment in namespace team-b that
  ci/debug-values.yaml makes privileged, and a CronJob;
- charts/team-b/worker: renders with its defaults, fails under ci/no-queue-values.yaml (a
  required value is empty);
- charts/needs-deps: declares a dependency that is not in its charts/ folder.

Every CLI test runs ``python -m helm_harden`` in a subprocess with the real helm, from
tests/fixtures (so charts are named ``chart-repo/...``) or from a copy in a temporary directory.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import CHART_REPO_NAME, FIXTURES_DIR
from helm_harden.config import default_config
from helm_harden.engine import Engine
from helm_harden.inputs import describe
from helm_harden.repository import RenderJob, find_charts, render_jobs, scan_repository

REPO = CHART_REPO_NAME
WEB = f"{REPO}/charts/web"
API = f"{REPO}/charts/team-b/api"
WORKER = f"{REPO}/charts/team-b/worker"
DEPS = f"{REPO}/charts/needs-deps"

DEBUG = "ci/debug-values.yaml"
HARDENED = "ci/hardened-values.yaml"
ESCALATE = "ci/escalate-values.yaml"
NO_QUEUE = "ci/no-queue-values.yaml"
DEFAULTS = "ci/default-values.yaml"  # chart-testing renders a chart with its ci/ files only

# (chart, values_file, rule, kind, name, container) for the whole repository, in report order:
# charts by path, each chart's ci/ files by name (the defaults only for a chart without any), and each
# render's objects in helm's order.
REPO_FINDINGS = [
    (API, DEBUG, "no-privileged", "Deployment", "api", "api"),
    (API, DEBUG, "drop-capabilities", "Deployment", "api", "api"),
    (API, DEBUG, "no-privilege-escalation", "Deployment", "api", "api"),
    (API, DEBUG, "seccomp-profile", "Deployment", "api", "api"),
    (API, DEBUG, "read-only-root-filesystem", "CronJob", "api-report", "report"),
    (API, DEBUG, "image-tag-pinned", "CronJob", "api-report", "report"),
    (API, DEFAULTS, "read-only-root-filesystem", "CronJob", "api-report", "report"),
    (API, HARDENED, "read-only-root-filesystem", "CronJob", "api-report", "report"),
    (WORKER, DEFAULTS, "seccomp-profile", "Job", "worker", "worker"),
    (WEB, DEFAULTS, "resource-limits", "Deployment", "metrics", "exporter"),
    (WEB, DEFAULTS, "read-only-root-filesystem", "Deployment", "web", "app"),
    (WEB, ESCALATE, "resource-limits", "Deployment", "metrics", "exporter"),
    (WEB, ESCALATE, "no-privilege-escalation", "Deployment", "web", "app"),
    (WEB, HARDENED, "resource-limits", "Deployment", "metrics", "exporter"),
]

DEPS_MESSAGE = (
    f"helm template {DEPS} failed with exit code 1: chart dependencies are missing "
    "(run `helm dependency build` or pass --dependency-update)"
)
DEPS_HELM_ERROR = (
    "Error: An error occurred while checking for chart dependencies. You may need to run "
    "`helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in "
    "charts/ directory: cache"
)
WORKER_MESSAGE = f"helm template {WORKER} failed with exit code 1"
WORKER_HELM_ERROR = "Error: execution error at (worker/templates/job.yaml:18:24): queue.url is required"

# (origin, values_file, message, first line of helm's stderr)
REPO_FAILURES = [
    (DEPS, None, DEPS_MESSAGE, DEPS_HELM_ERROR),
    (WORKER, NO_QUEUE, WORKER_MESSAGE, WORKER_HELM_ERROR),
]

REPO_SUMMARY = {
    "findings": 14,
    "by_severity": {"error": 6, "warning": 8, "info": 0},
    "fixable": 1,
    "objects": 13,
    "workloads": 13,
    "suppressed": 0,
    "baselined": 0,
}


def rows(report: dict) -> list[tuple]:
    return [(f["origin"], f["values_file"], f["rule"], f["kind"], f["name"], f["container"]) for f in report["findings"]]


def failure_rows(report: dict) -> list[tuple]:
    return [(f["origin"], f["values_file"], f["message"], f["stderr"].splitlines()[0]) for f in report["failures"]]


def check_json(harden, *args: str, cwd: Path = FIXTURES_DIR) -> tuple[int, dict, str]:
    result = harden("check", *args, "--format", "json", cwd=cwd)
    return result.returncode, json.loads(result.stdout), result.stderr


# --- the whole repository -----------------------------------------------------------------


def test_every_chart_under_every_values_file(harden):
    code, report, stderr = check_json(harden, REPO)
    assert code == 3  # two renders fail (see below)
    assert rows(report) == REPO_FINDINGS
    assert report["target"] == REPO
    assert report["summary"] == REPO_SUMMARY
    assert stderr == ""


def test_failed_renders_are_reported_and_the_other_charts_still_checked(harden):
    code, report, _ = check_json(harden, REPO)
    assert code == 3
    assert failure_rows(report) == REPO_FAILURES
    # The worker chart failed only under one values file: its other render is still checked.
    assert (WORKER, DEFAULTS, "seccomp-profile", "Job", "worker", "worker") in rows(report)


def test_missing_dependencies_say_how_to_fetch_them(harden):
    code, report, stderr = check_json(harden, f"{REPO}/charts")
    assert code == 3
    [failure] = [f for f in report["failures"] if f["origin"] == DEPS]
    assert failure["message"] == DEPS_MESSAGE
    assert failure["stderr"] == DEPS_HELM_ERROR + "\n"


def test_a_failing_values_file_keeps_helms_error_in_full(harden):
    code, report, _ = check_json(harden, f"{REPO}/charts/team-b")
    assert code == 3
    assert report["failures"] == [
        {
            "origin": WORKER,
            "values_file": NO_QUEUE,
            "message": WORKER_MESSAGE,
            "stderr": WORKER_HELM_ERROR + "\n\nUse --debug flag to render out invalid YAML\n",
        }
    ]
    assert rows(report) == [row for row in REPO_FINDINGS if row[0] in (API, WORKER)]


def test_exit_codes_for_one_chart_and_for_a_repository_with_a_failure(harden):
    code, report, _ = check_json(harden, API)
    assert (code, report["failures"]) == (1, [])
    code, report, _ = check_json(harden, f"{REPO}/charts/team-b", "--fail-on", "never")
    assert (code, [f["origin"] for f in report["failures"]]) == (3, [WORKER])


def test_a_repository_without_failures_or_findings_at_fail_on_exits_0(harden, chart_repo_copy):
    shutil.rmtree(chart_repo_copy / REPO / "charts/needs-deps")
    (chart_repo_copy / WORKER / NO_QUEUE).unlink()
    code, report, _ = check_json(harden, REPO, "--fail-on", "never", cwd=chart_repo_copy)
    assert (code, report["failures"]) == (0, [])
    assert rows(report) == REPO_FINDINGS
    code, _, _ = check_json(harden, REPO, cwd=chart_repo_copy)
    assert code == 1


def test_jobs_1_and_jobs_4_give_identical_reports(harden):
    one = harden("check", REPO, "--format", "json", "--jobs", "1")
    four = harden("check", REPO, "--format", "json", "--jobs", "4")
    assert (one.returncode, four.returncode) == (3, 3)
    assert one.stdout == four.stdout
    assert rows(json.loads(one.stdout)) == REPO_FINDINGS


def test_repeated_runs_give_identical_reports(harden):
    first = harden("check", REPO, "--format", "json")
    second = harden("check", REPO, "--format", "json")
    assert first.stdout == second.stdout


def test_vendored_subchart_is_rendered_with_its_parent_not_on_its_own(harden):
    _, report, _ = check_json(harden, REPO)
    origins = {f["origin"] for f in report["findings"]} | {f["origin"] for f in report["failures"]}
    assert origins == {API, WORKER, WEB, DEPS}
    metrics = [(f["origin"], f["values_file"], f["source"]) for f in report["findings"] if f["name"] == "metrics"]
    assert metrics == [
        (WEB, DEFAULTS, "web/charts/metrics/templates/deployment.yaml"),
        (WEB, ESCALATE, "web/charts/metrics/templates/deployment.yaml"),
        (WEB, HARDENED, "web/charts/metrics/templates/deployment.yaml"),
    ]


def test_findings_name_template_and_namespace(harden):
    _, report, _ = check_json(harden, REPO)
    located = sorted({(f["origin"], f["source"], f["kind"], f["namespace"]) for f in report["findings"]})
    assert located == [
        (API, "api/templates/cronjob.yaml", "CronJob", "team-b"),
        (API, "api/templates/deployment.yaml", "Deployment", "team-b"),
        (WORKER, "worker/templates/job.yaml", "Job", "default"),
        (WEB, "web/charts/metrics/templates/deployment.yaml", "Deployment", "default"),
        (WEB, "web/templates/deployment.yaml", "Deployment", "default"),
    ]


def test_a_trailing_slash_on_the_repository_changes_nothing(harden):
    plain = harden("check", REPO, "--format", "json")
    slashed = harden("check", f"{REPO}/", "--format", "json")
    assert json.loads(slashed.stdout)["target"] == f"{REPO}/"
    without_target = {**json.loads(slashed.stdout), "target": REPO}
    assert without_target == json.loads(plain.stdout)


def test_a_trailing_slash_on_one_chart(harden):
    plain = harden("check", WEB, "--format", "json")
    slashed = harden("check", f"{WEB}/", "--format", "json")
    assert (plain.returncode, slashed.returncode) == (1, 1)
    expected = [(None, "resource-limits", "metrics", "exporter"), (None, "read-only-root-filesystem", "web", "app")]
    for result in (plain, slashed):
        report = json.loads(result.stdout)
        assert [(f["values_file"], f["rule"], f["name"], f["container"]) for f in report["findings"]] == expected
        assert [f["source"] for f in report["findings"]] == [
            "web/charts/metrics/templates/deployment.yaml",
            "web/templates/deployment.yaml",
        ]
    fingerprints = [[f["fingerprint"] for f in json.loads(r.stdout)["findings"]] for r in (plain, slashed)]
    assert fingerprints[0] == fingerprints[1]


def test_helm_flags_after_the_repository_apply_to_every_chart(harden):
    code, report, _ = check_json(harden, REPO, "--set", "readOnlyRootFilesystem=true", "--namespace", "ci")
    assert code == 3
    web = [(f["values_file"], f["rule"], f["name"], f["namespace"]) for f in report["findings"] if f["origin"] == WEB]
    assert web == [
        (DEFAULTS, "resource-limits", "metrics", "ci"),
        (ESCALATE, "resource-limits", "metrics", "ci"),
        (ESCALATE, "no-privilege-escalation", "web", "ci"),
        (HARDENED, "resource-limits", "metrics", "ci"),
    ]


# --- a failed render contributes nothing but its failure ----------------------------------


def test_a_render_that_fails_after_helm_contributes_no_partial_findings(harden, chart_repo_copy):
    """The web Deployment gets a value nested deeper than the YAML reader accepts (helm does):
    every web render fails while its findings are being collected. None of those renders may
    leave findings behind (the metrics subchart's Deployment comes first in helm's output)."""
    template = chart_repo_copy / WEB / "templates/deployment.yaml"
    depth = 1100
    template.write_text(template.read_text().replace("  name: web\n", "  name: web\nnested: " + "[" * depth + "]" * depth + "\n"))
    code, report, stderr = check_json(harden, REPO, cwd=chart_repo_copy)
    assert code == 3
    message = "web/templates/deployment.yaml: line 5 of the rendered template: invalid YAML: exceeded maximum nesting depth"
    assert [(f["origin"], f["values_file"], f["message"]) for f in report["failures"]] == [
        (DEPS, None, DEPS_MESSAGE),
        (WORKER, NO_QUEUE, WORKER_MESSAGE),
        (WEB, DEFAULTS, message),
        (WEB, ESCALATE, message),
        (WEB, HARDENED, message),
    ]
    assert rows(report) == [row for row in REPO_FINDINGS if row[0] != WEB]


# --- finding charts and their values files ------------------------------------------------


def test_find_charts_lists_charts_as_written_and_sorted(monkeypatch):
    monkeypatch.chdir(FIXTURES_DIR)
    expected = [DEPS, API, WORKER, WEB]
    assert find_charts(REPO) == expected
    assert find_charts(f"{REPO}/") == expected
    assert find_charts(f"{REPO}/charts/team-b") == [API, WORKER]


def test_find_charts_from_an_absolute_directory():
    root = FIXTURES_DIR / REPO
    found = [Path(chart).relative_to(root).as_posix() for chart in find_charts(str(root))]
    assert found == ["charts/needs-deps", "charts/team-b/api", "charts/team-b/worker", "charts/web"]


def _chart(directory: Path, name: str) -> None:
    (directory / "templates").mkdir(parents=True)
    (directory / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")


def test_find_charts_skips_subcharts_and_tool_directories(tmp_path):
    _chart(tmp_path / "b-chart", "b")
    _chart(tmp_path / "b-chart/charts/vendored", "vendored")
    _chart(tmp_path / "a/deep/er/chart", "deep")
    _chart(tmp_path / ".git/modules/chart", "git")
    _chart(tmp_path / "node_modules/chart", "npm")
    _chart(tmp_path / ".venv/chart", "venv")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/example.yaml").write_text("kind: ConfigMap\n")
    found = [Path(chart).relative_to(tmp_path).as_posix() for chart in find_charts(str(tmp_path))]
    assert found == ["a/deep/er/chart", "b-chart"]


def test_render_jobs_ci_values_by_name_and_the_defaults_only_without_them(monkeypatch):
    monkeypatch.chdir(FIXTURES_DIR)
    assert render_jobs(WEB) == [
        RenderJob(WEB, DEFAULTS),
        RenderJob(WEB, ESCALATE),
        RenderJob(WEB, HARDENED),
    ]
    assert render_jobs(DEPS) == [RenderJob(DEPS, None)]
    assert [job.label for job in render_jobs(DEPS)] == [f"{DEPS} (default values)"]
    assert [job.label for job in render_jobs(API)] == [
        f"{API} ({DEBUG})",
        f"{API} ({DEFAULTS})",
        f"{API} ({HARDENED})",
    ]


def test_render_jobs_takes_only_ci_star_values_yaml(tmp_path):
    _chart(tmp_path / "c", "c")
    ci = tmp_path / "c/ci"
    (ci / "nested").mkdir(parents=True)
    for name in ("values.yaml", "b-values.yaml", "a-values.yaml", "a-values.yml", "README.md", "nested/x-values.yaml"):
        (ci / name).write_text("{}\n")
    (tmp_path / "c/other-values.yaml").write_text("{}\n")
    chart = str(tmp_path / "c")
    assert render_jobs(chart) == [
        RenderJob(chart, "ci/a-values.yaml"),
        RenderJob(chart, "ci/b-values.yaml"),
    ]


def test_describe_a_directory_of_charts_plain_yaml_and_a_chart(monkeypatch, tmp_path):
    monkeypatch.chdir(FIXTURES_DIR)
    assert describe(REPO) == "repository"
    assert describe(f"{REPO}/") == "repository"
    assert describe(f"{REPO}/charts/team-b") == "repository"
    assert describe(WEB) == "chart"
    assert describe(f"{WEB}/") == "chart"
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests/pod.yaml").write_text("kind: ConfigMap\n")
    assert describe(str(tmp_path / "manifests")) == "files"


def test_scan_repository_reports_progress_in_order(monkeypatch, harden_env):
    monkeypatch.chdir(FIXTURES_DIR)
    monkeypatch.setenv("HELM_BIN", harden_env["HELM_BIN"])
    calls = []
    result = scan_repository(REPO, Engine(default_config(), namespace="default"), [], 3,
                             lambda done, total, job: calls.append((done, total, job.label)))
    labels = [
        f"{DEPS} (default values)",
        f"{API} ({DEBUG})", f"{API} ({DEFAULTS})", f"{API} ({HARDENED})",
        f"{WORKER} ({DEFAULTS})", f"{WORKER} ({NO_QUEUE})",
        f"{WEB} ({DEFAULTS})", f"{WEB} ({ESCALATE})", f"{WEB} ({HARDENED})",
    ]
    assert calls == [(index + 1, 9, label) for index, label in enumerate(labels)]
    assert [(f.origin, f.values_file, f.rule, f.kind, f.name, f.container) for f in result.findings] == REPO_FINDINGS
    assert [(f.origin, f.values_file) for f in result.failures] == [(DEPS, None), (WORKER, NO_QUEUE)]


# --- plain YAML directories and empty ones --------------------------------------------------


PRIVILEGED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: plain
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: app
      image: nginx:1.27.0
      securityContext:
        privileged: true
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
      resources:
        requests: {cpu: 10m, memory: 16Mi}
        limits: {memory: 32Mi}
"""


def test_a_directory_of_plain_yaml_is_read_as_files(harden, tmp_path):
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "pod.yaml").write_text(PRIVILEGED_POD)
    code, report, stderr = check_json(harden, "manifests", cwd=tmp_path)
    assert (code, stderr, report["failures"]) == (1, "", [])
    assert report["target"] == "manifests"
    assert [(f["origin"], f["source"], f["values_file"], f["rule"], f["kind"], f["name"], f["container"])
            for f in report["findings"]] == [
        ("manifests/pod.yaml", "manifests/pod.yaml", None, "no-privileged", "Pod", "plain", "app"),
        ("manifests/pod.yaml", "manifests/pod.yaml", None, "drop-capabilities", "Pod", "plain", "app"),
        ("manifests/pod.yaml", "manifests/pod.yaml", None, "no-privilege-escalation", "Pod", "plain", "app"),
        ("manifests/pod.yaml", "manifests/pod.yaml", None, "seccomp-profile", "Pod", "plain", "app"),
        ("manifests/pod.yaml", "manifests/pod.yaml", None, "automount-service-account-token", "Pod", "plain", None),
    ]


def test_an_empty_directory_is_an_error(harden, tmp_path):
    (tmp_path / "empty").mkdir()
    result = harden("check", "empty", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "helm-harden: error: empty: no chart, kustomization or YAML files found\n"


# --- the text report ------------------------------------------------------------------------


def test_text_report_groups_by_template_and_values_file_and_lists_failed_renders(harden):
    result = harden("check", REPO)
    assert result.returncode == 3
    assert result.stderr == ""
    assert "\x1b[" not in result.stdout  # not a terminal: no styles
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    ro = "readOnlyRootFilesystem is not set: the root filesystem is writable [manual]"
    # A finding found under several values files of its chart is listed once, under all of them.
    assert lines == [
        "api/templates/cronjob.yaml [ci/debug-values.yaml]",
        "  CronJob team-b/api-report",
        "    warning  image-tag-pinned           report: image busybox:latest uses the floating tag latest [manual]",
        "",
        "api/templates/deployment.yaml [ci/debug-values.yaml]",
        "  Deployment team-b/api",
        "    error    no-privileged              api: runs privileged: it has full access to the node [manual]",
        "    error    drop-capabilities          api: runs privileged, which grants every capability whatever it drops"
        " [manual]",
        "    error    no-privilege-escalation    api: allowPrivilegeEscalation is not set"
        " (and cannot be false while privileged or adding SYS_ADMIN) [manual]",
        "    error    seccomp-profile            api: runs privileged, which overrides its seccomp profile: it runs"
        " Unconfined [manual]",
        "",
        "api/templates/cronjob.yaml [ci/debug-values.yaml, ci/default-values.yaml, ci/hardened-values.yaml]",
        "  CronJob team-b/api-report",
        f"    warning  read-only-root-filesystem  report: {ro}",
        "",
        "worker/templates/job.yaml [ci/default-values.yaml]",
        "  Job default/worker",
        "    error    seccomp-profile            worker: no seccomp profile is set, so every syscall is allowed [fixable]",
        "",
        "web/templates/deployment.yaml [ci/default-values.yaml]",
        "  Deployment default/web",
        "    warning  read-only-root-filesystem  app: readOnlyRootFilesystem is false, not true [manual]",
        "",
        "web/charts/metrics/templates/deployment.yaml [ci/default-values.yaml, ci/escalate-values.yaml, ci/hardened-values.yaml]",
        "  Deployment default/metrics",
        "    warning  resource-limits            exporter: has no memory limit [manual]",
        "",
        "web/templates/deployment.yaml [ci/escalate-values.yaml]",
        "  Deployment default/web",
        "    error    no-privilege-escalation    app: allowPrivilegeEscalation is true, not false [manual]",
        "",
        f"{DEPS}: {DEPS_MESSAGE}",
        f"    {DEPS_HELM_ERROR}",
        "",
        f"{WORKER} with {NO_QUEUE}: {WORKER_MESSAGE}",
        f"    {WORKER_HELM_ERROR}",
        "",
        "    Use --debug flag to render out invalid YAML",
        "",
        "10 findings (6 errors, 4 warnings) in 13 workloads, 13 objects checked: 1 fixable by post-render,"
        " 9 need a chart change. (2 renders failed)",
    ]


# --- several reports in one run -------------------------------------------------------------


def test_json_to_a_file_and_text_to_stdout(harden, chart_repo_copy):
    result = harden("check", REPO, "--format", "json", "--output", "report.json", "--format", "text", cwd=chart_repo_copy)
    assert result.returncode == 3
    assert result.stderr == ""
    text_only = harden("check", REPO, cwd=chart_repo_copy)
    json_only = harden("check", REPO, "--format", "json", cwd=chart_repo_copy)
    assert result.stdout == text_only.stdout
    assert (chart_repo_copy / "report.json").read_text() == json_only.stdout
    assert rows(json.loads((chart_repo_copy / "report.json").read_text())) == REPO_FINDINGS


def test_every_report_to_a_file_leaves_stdout_empty(harden, chart_repo_copy):
    result = harden("check", REPO, "--format", "text", "--output", "report.txt", "--format", "json",
                    "--output", "report.json", cwd=chart_repo_copy)
    assert (result.returncode, result.stdout, result.stderr) == (3, "", "")
    assert (chart_repo_copy / "report.txt").read_text() == harden("check", REPO, cwd=chart_repo_copy).stdout
    assert rows(json.loads((chart_repo_copy / "report.json").read_text())) == REPO_FINDINGS
    assert sorted(p.name for p in chart_repo_copy.iterdir()) == [REPO, "report.json", "report.txt"]


def test_two_reports_on_stdout_is_a_usage_error(harden, chart_repo_copy):
    result = harden("check", REPO, "--format", "json", "--format", "text", cwd=chart_repo_copy)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("helm-harden: error: only one report can go to stdout: give the others an --output file"
                             " (see: python -m helm_harden check --help)\n")


def test_an_output_belongs_to_the_format_before_it(harden, chart_repo_copy):
    result = harden("check", REPO, "--format", "text", "--format", "json", "--output", "report.json",
                    cwd=chart_repo_copy)
    assert (result.returncode, result.stderr) == (3, "")
    assert result.stdout == harden("check", REPO, cwd=chart_repo_copy).stdout
    assert rows(json.loads((chart_repo_copy / "report.json").read_text())) == REPO_FINDINGS


def test_two_outputs_for_one_format_is_a_usage_error(harden, chart_repo_copy):
    result = harden("check", REPO, "--format", "json", "--output", "a.json", "--output", "b.json", cwd=chart_repo_copy)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "helm-harden: error: two --output files for --format json (see: python -m helm_harden check --help)\n"
    assert sorted(p.name for p in chart_repo_copy.iterdir()) == [REPO]


# --- progress -------------------------------------------------------------------------------


def test_no_progress_on_stderr_when_it_is_not_a_terminal(harden):
    result = harden("check", REPO, "--format", "json", "--jobs", "2")
    assert result.stderr == ""
    assert rows(json.loads(result.stdout)) == REPO_FINDINGS


def test_progress_on_a_terminal_goes_to_stderr_only(harden_env):
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "helm_harden", "check", REPO, "--format", "json", "--jobs", "2"],
            cwd=FIXTURES_DIR, env=harden_env, stdout=subprocess.PIPE, stderr=terminal, timeout=180,
        )
        os.close(terminal)
        terminal = None
        captured = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the terminal side is closed and everything was read
                break
            if not chunk:
                break
            captured += chunk
    finally:
        if terminal is not None:
            os.close(terminal)
        os.close(controller)
    assert result.returncode == 3
    assert rows(json.loads(result.stdout)) == REPO_FINDINGS
    progress = captured.decode().replace("\r\n", "\n")
    assert progress.endswith(f"[9/9] {WEB} ({HARDENED})\n")
    assert [f"[{n}/9]" in progress for n in range(1, 10)] == [True] * 9

"""Scan a chart repository: every chart under a directory, in parallel, the way chart-testing
renders it: once with each of its ``ci/*-values.yaml`` files, or with its default values when it
has none (a chart whose defaults cannot render, say for a required password, ships ci/ files).

helm does the heavy lifting in its own processes, so threads are enough to keep every core
busy; the engine's share of the time is small (see bench/). A render that fails becomes a
`RenderFailure` for that chart and values file, and the run goes on.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from helm_harden import render
from helm_harden.engine import Engine
from helm_harden.findings import RenderFailure, ScanResult
from helm_harden.errors import HardenError, InputError, ToolError
from helm_harden.manifest import parse_documents
from helm_harden.records import record
from helm_harden.report.labels import render_label

CI_VALUES_GLOB = "*-values.yaml"
SKIPPED_DIRECTORIES = {".git", "node_modules", ".venv", ".plugin-venv", "__pycache__"}
_MISSING_DEPENDENCY_MARKERS = ("missing in charts/ directory", "found in Chart.yaml, but missing")


@record(frozen=True)
class RenderJob:
    chart: str  # the chart directory, as the user would write it
    values_file: str | None  # relative to the chart, e.g. "ci/hardened-values.yaml"; None: defaults

    @property
    def label(self) -> str:
        return render_label(self.chart, self.values_file)


def find_charts(root: str) -> list[str]:
    """Chart directories under ``root``, sorted; vendored subcharts (a chart's charts/) skipped."""
    charts = []
    for directory, subdirectories, files in os.walk(root):
        if "Chart.yaml" in files:
            charts.append(directory)
            subdirectories[:] = []  # a chart's own subcharts are rendered as part of it
            continue
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES)
    return sorted(charts)


def ci_values_files(chart: str) -> list[str]:
    """The chart's ``ci/*-values.yaml`` files, relative to it, by name."""
    return sorted(p.relative_to(chart).as_posix() for p in Path(chart, "ci").glob(CI_VALUES_GLOB) if p.is_file())


def render_jobs(chart: str) -> list[RenderJob]:
    """One render per ci/ values file; the defaults only when there is none (as chart-testing does)."""
    return [RenderJob(chart, values) for values in ci_values_files(chart)] or [RenderJob(chart, None)]


def scan_repository(
    root: str,
    engine: Engine,
    helm_args: list[str],
    jobs: int,
    progress: Callable[[int, int, RenderJob], None] | None = None,
    charts: list[str] | None = None,
) -> ScanResult:
    """Render and check every chart under ``root`` (or those of ``charts``); results come back in a
    stable order."""
    work = [job for chart in (find_charts(root) if charts is None else charts) for job in render_jobs(chart)]
    result = ScanResult(root, [], rules=engine.rule_ids)
    if not work:
        return result

    def run(job: RenderJob) -> ScanResult:
        part = ScanResult(job.chart, [])
        args = list(helm_args) + (["--values", str(Path(job.chart, job.values_file))] if job.values_file else [])
        try:
            text = render.helm_template(job.chart, args).text  # warnings would garble a parallel run
            engine.scan_into(part, parse_documents(text, job.chart), job.values_file)
        except (ToolError, InputError) as error:  # a render that fails half-way contributes only its error
            return ScanResult(job.chart, [], failures=[_failure(job, error)])
        return part

    from concurrent.futures import ThreadPoolExecutor  # only a multi-chart scan needs threads

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for done, (job, part) in enumerate(zip(work, pool.map(run, work)), start=1):
            if progress:
                progress(done, len(work), job)
            result.findings += part.findings
            result.checked += part.checked
            result.failures += part.failures
            result.objects += part.objects
            result.workloads += part.workloads
    return result


def _failure(job: RenderJob, error: HardenError) -> RenderFailure:
    stderr = error.stderr if isinstance(error, ToolError) else ""
    message = str(error)
    if any(marker in stderr for marker in _MISSING_DEPENDENCY_MARKERS):
        message += ": chart dependencies are missing (run `helm dependency build` or pass --dependency-update)"
    return RenderFailure(job.chart, job.values_file, message, stderr)

#!/usr/bin/env python3
"""Measure helm-harden's speed and memory; prints the figures the project quotes.

    python bench/bench.py                 # everything
    python bench/bench.py charts          # check on every chart in charts-under-test/
    python bench/bench.py stream --size-mb 50
    python bench/bench.py post-render     # post-render against helm template, per chart
    python bench/bench.py repo            # a multi-chart scan with 1, 2 and N workers

`charts` times ``helm template`` alone and ``helm-harden check`` end to end (median of
--repeat runs). `stream` builds a realistic synthetic stream and compares the bare libyaml
parse with helm-harden's parse + rule engine, and the peak memory of both, each in a fresh
process so that one cannot warm up or bloat the other; it also times post-render on it.
`post-render` compares ``helm template`` with and without ``--post-renderer``. `repo` copies
the charts of charts-under-test/ into a repository of --copies of each and scans it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from synthetic import synthetic_stream  # noqa: E402

from helm_harden.inputs import describe  # noqa: E402
from helm_harden.render import find_helm  # noqa: E402

# Each runs in its own process and prints {"seconds": …, "max_rss_kb": …, …} as JSON. Peak
# memory is the kernel's VmHWM: unlike ru_maxrss, it is not inherited from the parent.
_PEAK_RSS = """
def peak_rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""

_CHILD_BARE_PARSE = _PEAK_RSS + """
import json, sys, time, yaml
text = open(sys.argv[1], encoding="utf-8").read()
start = time.perf_counter()
count = sum(1 for _ in yaml.load_all(text, Loader=yaml.CSafeLoader))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "objects": count,
                  "max_rss_kb": peak_rss_kb()}))
"""

_CHILD_CHECK = _PEAK_RSS + """
import json, sys, time
from helm_harden.config import default_config
from helm_harden.engine import Engine
from helm_harden.manifest import parse_documents
text = open(sys.argv[1], encoding="utf-8").read()
start = time.perf_counter()
result = Engine(default_config()).scan(sys.argv[1], parse_documents(text, sys.argv[1]))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "objects": result.objects, "workloads": result.workloads,
                  "findings": len(result.findings),
                  "max_rss_kb": peak_rss_kb()}))
"""

_CHILD_IDLE = _PEAK_RSS + """
import json
import helm_harden.cli, yaml
print(json.dumps({"max_rss_kb": peak_rss_kb()}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="?", choices=["all", "charts", "stream", "post-render", "repo"], default="all")
    parser.add_argument("--copies", type=int, default=6, help="copies of each chart in the repo scan (default 6)")
    parser.add_argument("--size-mb", type=float, default=50.0, help="synthetic stream size (default 50)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per chart measurement (default 5)")
    args = parser.parse_args()
    if args.what in ("all", "charts"):
        bench_charts(args.repeat)
    if args.what in ("all", "post-render"):
        bench_post_render(args.repeat)
    if args.what in ("all", "stream"):
        bench_stream(args.size_mb)
    if args.what in ("all", "repo"):
        bench_repo(args.copies)


def _charts() -> list[Path]:
    return sorted(p.parent for p in (ROOT / "charts-under-test").glob("*/Chart.yaml"))


def bench_post_render(repeat: int) -> None:
    helm = find_helm()
    post_renderer = str(Path(sys.executable).parent / "helm-harden")
    print(f"== helm template with and without helm-harden as --post-renderer (median of {repeat} runs)")
    print(f"{'chart':<32} {'template ms':>12} {'+post-render ms':>16} {'added':>8}")
    for chart in _charts():
        plain = _median_ms([helm, "template", str(chart)], repeat)
        hardened = _median_ms(
            [helm, "template", str(chart), "--post-renderer", post_renderer, "--post-renderer-args", "post-render"], repeat
        )
        print(f"{chart.relative_to(ROOT)!s:<32} {plain:>12.0f} {hardened:>16.0f} {100 * (hardened / plain - 1):>+7.0f}%")
    idle = _median_ms([sys.executable, "-c", "import helm_harden.cli"], repeat)
    print(f"(of which python start-up and imports: {idle:.0f} ms)")


def bench_repo(copies: int) -> None:
    """A repository of ``copies`` of each chart, scanned with 1, 2 and N workers."""
    helm = find_helm()
    with tempfile.TemporaryDirectory() as repo:
        for chart in _charts():
            for copy in range(copies):
                shutil.copytree(chart, Path(repo, f"{chart.name}-{copy}"))
        from helm_harden.repository import find_charts, render_jobs

        jobs = [job for chart in find_charts(repo) for job in render_jobs(chart)]
        started = time.perf_counter()
        for job in jobs:  # helm alone, one render after another
            values = ["--values", str(Path(job.chart, job.values_file))] if job.values_file else []
            subprocess.run([helm, "template", job.chart, *values], stdout=subprocess.DEVNULL, check=True)
        helm_seconds = time.perf_counter() - started
        charts = len(find_charts(repo))
        print(f"== repository scan: {charts} charts, {len(jobs)} renders (chart x values file)")
        print(f"helm template alone, serial: {helm_seconds:6.2f} s")
        workers = sorted({1, 2, os.cpu_count() or 1})
        for count in workers:
            command = [sys.executable, "-m", "helm_harden", "check", repo, "--jobs", str(count),
                       "--format", "json", "--fail-on", "never"]
            started = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
            seconds = time.perf_counter() - started
            print(f"--jobs {count}: {seconds:6.2f} s  {60 * charts / seconds:6.0f} charts/min  {60 * len(jobs) / seconds:6.0f} renders/min")
            if count == 1:
                print(f"   of which helm: {helm_seconds:.2f} s ({100 * helm_seconds / seconds:.0f}%), "
                      f"helm-harden (start-up, parsing, rules, report): {seconds - helm_seconds:.2f} s")


def bench_charts(repeat: int) -> None:
    helm = find_helm()
    targets = sorted(p.parent for p in (ROOT / "charts-under-test").rglob("Chart.yaml") if "charts" not in p.parent.parent.parts[-1:])
    targets += sorted(p.parent for p in (ROOT / "charts-under-test").rglob("kustomization.yaml") if "overlays" in p.parts)
    print(f"== check on charts-under-test/ (median of {repeat} runs)")
    print(f"{'target':<40} {'render ms':>10} {'check ms':>10} {'engine+startup':>15}")
    for target in targets:
        relative = str(target.relative_to(ROOT))
        if describe(str(target)) == "chart":
            render = [helm, "template", str(target)]
        else:
            render = ["kubectl", "kustomize", str(target)]
        check = [sys.executable, "-m", "helm_harden", "check", str(target), "--format", "json", "--fail-on", "never"]
        render_ms = _median_ms(render, repeat)
        check_ms = _median_ms(check, repeat)
        print(f"{relative:<40} {render_ms:>10.0f} {check_ms:>10.0f} {check_ms - render_ms:>+14.0f}ms")
    idle = _median_ms([sys.executable, "-c", "import helm_harden.cli"], repeat)
    print(f"(python start-up and imports alone: {idle:.0f} ms)")


def bench_stream(size_mb: float) -> None:
    text, objects = synthetic_stream(int(size_mb * 1_000_000))
    size = len(text.encode("utf-8"))
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as handle:
        handle.write(text)
        path = handle.name
    del text
    try:
        bare = _child(_CHILD_BARE_PARSE, path)
        check = _child(_CHILD_CHECK, path)
        idle = _child(_CHILD_IDLE)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "helm_harden", "check", path, "--format", "json", "--fail-on", "never"],
            stdout=subprocess.DEVNULL, check=True,
        )
        cli_seconds = time.perf_counter() - started
        with open(path, "rb") as stream:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "helm_harden", "post-render", "-q"], stdin=stream,
                           stdout=subprocess.DEVNULL, check=True)
            post_render_seconds = time.perf_counter() - started
    finally:
        os.unlink(path)
    mb = size / 1e6
    print(f"== synthetic stream: {mb:.1f} MB, {objects} objects, {check['workloads']} workloads, {check['findings']} findings")
    print(f"bare libyaml parse     {bare['seconds']:7.2f} s  {objects / bare['seconds']:8.0f} objects/s  {mb / bare['seconds']:5.2f} MB/s")
    print(f"parse + rule engine    {check['seconds']:7.2f} s  {objects / check['seconds']:8.0f} objects/s  {mb / check['seconds']:5.2f} MB/s")
    print(f"engine overhead        {100 * (check['seconds'] / bare['seconds'] - 1):+6.1f} % of the bare parse time (aim: at most +25%)")
    print(f"check CLI, JSON out    {cli_seconds:7.2f} s  (start-up, parse, engine and the JSON report)")
    print(f"post-render CLI        {post_render_seconds:7.2f} s  {objects / post_render_seconds:8.0f} objects/s  "
          f"{mb / post_render_seconds:5.2f} MB/s  (half the workloads need fixes)")
    rss = check["max_rss_kb"] * 1024 / 1e6
    idle_rss = idle["max_rss_kb"] * 1024 / 1e6
    print(f"peak memory, check     {rss:7.1f} MB = {rss / mb:.2f}x the input ({(rss - idle_rss) / mb:.2f}x above the {idle_rss:.0f} MB idle interpreter; aim: at most 3x)")
    print(f"peak memory, bare parse {bare['max_rss_kb'] * 1024 / 1e6:6.1f} MB")


def _median_ms(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _child(code: str, *args: str) -> dict:
    output = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(output.stdout)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Measure helm-harden's speed and memory; prints the figures the project quotes.

    python bench/bench.py                          # everything (50 MB streams: minutes)
    python bench/bench.py table --size-mb 5        # the speed table, quickly
    python bench/bench.py table --compare main     # the same table for another commit, side by side
    python bench/bench.py table --startup-only     # only the start-up rows (--version, a small check, helm)
    python bench/bench.py table --streams-only     # only the large streams' rows (check, post-render, memory)
    python bench/bench.py table --stream-repeat 5  # each large-stream figure the median of 5 runs
    python bench/bench.py charts                   # check on every chart in charts-under-test/
    python bench/bench.py repo                     # a multi-chart scan with 1, 2 and N workers

`table` prints every figure as a ratio against a baseline measured in the same run, since
a shared machine's absolute times vary from one minute to the next:

- `check` of a stream shaped like real charts (mostly CRDs with OpenAPI schemas, ConfigMaps
  with embedded files, RBAC, Services, a minority of workloads) and of a workload-only stream,
  each against a bare ``yaml.load_all(CSafeLoader)`` of the same file (both whole processes);
- `post-render` throughput on the chart-shaped stream, and on a stream of workloads that all
  need a fill;
- the peak memory (the child's own maximum resident set) of `check` and `post-render`,
  against the input's size;
- ``helm-harden --version`` and `check` of a 15 kB rendered file, against ``python -c pass``;
- ``helm template`` with helm-harden as its ``--post-renderer``, against ``helm template``
  alone, on the median chart of charts-under-test/.

Every helm-harden command runs the way its console script does (the entry point named in the
tree's pyproject.toml), from this checkout or, with --compare, also from a copy of another
commit; the runs of the two alternate so that a busy minute hurts both alike.
`charts` times ``helm template`` alone and ``check`` end to end per chart; `repo` copies the
charts of charts-under-test/ into a repository of --copies of each and scans it.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import chart_shaped_stream, filled_stream, small_chart_render, synthetic_stream  # noqa: E402

_BARE_PARSE = """
import sys, yaml
text = open(sys.argv[1], encoding="utf-8").read()
for _ in yaml.load_all(text, Loader=yaml.CSafeLoader):
    pass
"""

# A console script, as pip writes one, that imports the package from a given source tree.
_ENTRY = """#!{python}
import sys
sys.path.insert(0, {tree!r})
from {module} import {function}
sys.exit({function}())
"""


@dataclass(frozen=True)
class Tree:
    """A source tree of helm-harden and the console script that runs it."""

    name: str
    command: str

    @classmethod
    def make(cls, name: str, tree: Path, scratch: Path) -> Tree:
        pyproject = (tree / "pyproject.toml").read_text(encoding="utf-8")
        module, function = re.search(r'^helm-harden = "([\w.]+):(\w+)"', pyproject, re.M).groups()
        script = scratch / f"helm-harden-{name}"
        script.write_text(_ENTRY.format(python=sys.executable, tree=str(tree), module=module, function=function))
        script.chmod(0o755)
        return cls(name, str(script))


@dataclass(frozen=True)
class Run:
    cpu: float  # user + system time of the command and the processes it waited for
    elapsed: float
    peak_mb: float | None  # the process's own maximum resident set, when asked for

    @property
    def seconds(self) -> float:
        return self.cpu if CLOCK == "cpu" else self.elapsed

    @staticmethod
    def median(runs: list[Run]) -> Run:
        peaks = [one.peak_mb for one in runs if one.peak_mb is not None]
        return Run(statistics.median(one.cpu for one in runs), statistics.median(one.elapsed for one in runs),
                   statistics.median(peaks) if peaks else None)


CLOCK = "cpu"  # "cpu": the child's user + system time (with its children's); "wall": elapsed time


def run(command: list[str], stdin: str | None = None, cwd: str | None = None, env: dict | None = None,
        memory: bool = False) -> Run:
    """Run a command once with its output discarded; exit 0 or 1 (findings) is success.

    The time is the processor time the command (and the processes it waited for, such as helm's
    post-renderer) used, unless --clock wall: on a machine shared with other work, elapsed time
    mostly measures the others. The peak memory comes from GNU time, which forks the command
    from its own small process: a child of this one would inherit this process's high-water mark
    (the kernel keeps it across exec), and the streams built here would count as the command's.
    """
    with tempfile.NamedTemporaryFile("r") as usage:
        wrapped = ["/usr/bin/time", "-f", "%M", "-o", usage.name, *command] if memory else command
        with open(stdin or os.devnull, "rb") as source:
            started = time.perf_counter()
            process = subprocess.Popen(wrapped, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                       cwd=cwd, env=env)
            stderr = process.stderr.read()
            _, status, rusage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stderr.close()
        if process.returncode not in (0, 1):
            raise SystemExit(f"bench: {' '.join(command)} failed ({process.returncode}): "
                             f"{stderr.decode(errors='replace')[-2000:]}")
        peak_mb = int(usage.read().split()[-1]) * 1024 / 1e6 if memory else None
    return Run(rusage.ru_utime + rusage.ru_stime, elapsed, peak_mb)


def median_seconds(command: list[str], repeat: int, **kwargs) -> float:
    return statistics.median(run(command, **kwargs).seconds for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="?", choices=["all", "table", "charts", "repo"], default="all")
    parser.add_argument("--size-mb", type=float, default=50.0, help="size of the synthetic streams (default 50)")
    parser.add_argument("--filled-mb", type=float, help="size of the every-document-filled stream (default: a tenth of --size-mb)")
    parser.add_argument("--repeat", type=int, default=11, help="runs per start-up or chart measurement (default 11)")
    parser.add_argument("--stream-repeat", type=int, default=1,
                        help="runs per large-stream measurement, of which the median counts (default 1)")
    parser.add_argument("--copies", type=int, default=6, help="copies of each chart in the repo scan (default 6)")
    parser.add_argument("--compare", metavar="COMMIT", help="also measure this commit of helm-harden, in the same run")
    parser.add_argument("--startup-only", action="store_true",
                        help="table: only the start-up rows (--version, a small check, helm --post-renderer)")
    parser.add_argument("--streams-only", action="store_true",
                        help="table: only the large streams' rows (check and post-render speed, peak memory)")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                        help="time commands by the processor time they use (default) or by elapsed time")
    args = parser.parse_args()
    global CLOCK
    CLOCK = args.clock
    with tempfile.TemporaryDirectory(prefix="helm-harden-bench-") as scratch:
        scratch_path = Path(scratch)
        (scratch_path / "empty-config.yaml").write_text("")
        # Bytecode is cached as an installed package's is (pip compiles it at install time).
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("HELM_") and key != "PYTHONDONTWRITEBYTECODE"}
        env["HELM_HARDEN_CONFIG"] = str(scratch_path / "empty-config.yaml")
        trees = [Tree.make("this", ROOT, scratch_path)]
        if args.compare:
            trees.insert(0, Tree.make(args.compare, _export(args.compare, scratch_path / "compare"), scratch_path))
        bench = Bench(trees, scratch_path, env, args.repeat, args.stream_repeat)
        for tree in trees:  # compile and cache every module once before anything is timed
            bench.cli(tree, "rules")
            bench.cli(tree, "--version")
        print(f"machine: {machine()}; times are {'processor' if CLOCK == 'cpu' else 'elapsed'} times")
        if args.what in ("all", "table"):
            bench.table(args.size_mb, args.filled_mb or max(args.size_mb / 10, 0.5), streams=not args.startup_only,
                        startup=not args.streams_only)
        if args.what in ("all", "charts"):
            bench.charts()
        if args.what in ("all", "repo"):
            bench.repo(args.copies)


def machine() -> str:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores {model}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def _export(commit: str, into: Path) -> Path:
    """A copy of the package at ``commit`` (its pyproject.toml and helm_harden/)."""
    into.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "pyproject.toml", "helm_harden"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


class Bench:
    def __init__(self, trees: list[Tree], scratch: Path, env: dict, repeat: int, stream_repeat: int = 1):
        self.trees, self.scratch, self.env, self.repeat = trees, scratch, env, repeat
        self.stream_repeat = stream_repeat
        self.helm = shutil.which("helm", path=str(Path(sys.executable).parent)) or shutil.which("helm")

    def cli(self, tree: Tree, *args: str, stdin: str | None = None, memory: bool = False) -> Run:
        return run([tree.command, *args], stdin=stdin, cwd=str(self.scratch), env=self.env, memory=memory)

    def write(self, name: str, text: str) -> tuple[str, float]:
        path = self.scratch / name
        path.write_text(text, encoding="utf-8")
        return str(path), path.stat().st_size / 1e6

    def table(self, size_mb: float, filled_mb: float, streams: bool = True, startup: bool = True) -> None:
        figures: dict[str, dict[str, float]] = {tree.name: {} for tree in self.trees}
        rows = self.stream_rows(size_mb, filled_mb, figures) if streams else []
        rows += self.startup_rows(figures) if startup else []
        names = [tree.name for tree in self.trees]
        print(f"{'figure':<66} {'baseline':>10} " + " ".join(f"{name[:12]:>12}" for name in names) + f" {'target':>11}")
        for label, baseline, key, form, target in rows:
            values = " ".join(f"{form.format(figures[name][key]):>12}" for name in names)
            print(f"{label:<66} {baseline:>10} {values} {target:>11}")
        if streams:
            idle_mb = run([sys.executable, "-c", "pass"], memory=True).peak_mb
            print(f"(python -c pass alone peaks at {idle_mb:.0f} MB: a small stream's memory ratios are mostly the interpreter)")

    def stream_rows(self, size_mb: float, filled_mb: float, figures: dict) -> list[tuple]:
        """check and post-render of large streams: speed and peak memory, into ``figures``."""
        size = int(size_mb * 1e6)
        chart_text, chart_objects, workload_share = chart_shaped_stream(size)
        chart_path, chart_mb = self.write("chart-shaped.yaml", chart_text)
        del chart_text
        workload_text, workload_objects = synthetic_stream(size)
        workload_path, workload_mb = self.write("workload-only.yaml", workload_text)
        del workload_text
        filled_text, filled_objects = filled_stream(int(filled_mb * 1e6))
        filled_path, filled_mb = self.write("filled.yaml", filled_text)
        del filled_text

        python = sys.executable
        print(f"== speed table: chart-shaped stream {chart_mb:.1f} MB ({chart_objects} objects, "
              f"{100 * workload_share:.1f}% of the bytes in workloads), workload-only {workload_mb:.1f} MB "
              f"({workload_objects} objects), every document filled {filled_mb:.1f} MB ({filled_objects} objects)")
        check = ["check", "--format", "json", "--fail-on", "never"]
        runs: dict[tuple[str, str], list[Run]] = {}
        for _ in range(self.stream_repeat):  # alternate, so that load on the machine hits every command alike
            runs.setdefault(("bare", "chart"), []).append(run([python, "-c", _BARE_PARSE, chart_path]))
            runs.setdefault(("bare", "workload"), []).append(run([python, "-c", _BARE_PARSE, workload_path]))
            for tree in self.trees:
                runs.setdefault((tree.name, "check chart"), []).append(self.cli(tree, *check, chart_path, memory=True))
                runs.setdefault((tree.name, "check workload"), []).append(self.cli(tree, *check, workload_path, memory=True))
                runs.setdefault((tree.name, "post chart"), []).append(
                    self.cli(tree, "post-render", "-q", stdin=chart_path, memory=True))
                runs.setdefault((tree.name, "post filled"), []).append(self.cli(tree, "post-render", "-q", stdin=filled_path))
        median = {key: Run.median(measured) for key, measured in runs.items()}
        bare_chart, bare_workload = median["bare", "chart"], median["bare", "workload"]
        for tree in self.trees:
            chart_check, workload_check = median[tree.name, "check chart"], median[tree.name, "check workload"]
            chart_post, filled_post = median[tree.name, "post chart"], median[tree.name, "post filled"]
            figures[tree.name].update(
                check_chart=chart_check.seconds / bare_chart.seconds,
                check_workload=workload_check.seconds / bare_workload.seconds,
                post_chart=chart_mb / chart_post.seconds,
                post_filled=filled_mb / filled_post.seconds,
                memory_check=chart_check.peak_mb / chart_mb,
                memory_check_workload=workload_check.peak_mb / workload_mb,
                memory_post=chart_post.peak_mb / chart_mb,
            )
        return [
            ("check, chart-shaped stream / bare CSafeLoader parse", f"{bare_chart.seconds:.2f} s", "check_chart", "{:.2f}", "<= 0.25"),
            ("check, workload-only stream / bare CSafeLoader parse", f"{bare_workload.seconds:.2f} s", "check_workload", "{:.2f}", "<= 1.1"),
            ("post-render throughput, chart-shaped stream", "", "post_chart", "{:.1f} MB/s", ">= 30 MB/s"),
            ("post-render throughput, every document filled", "", "post_filled", "{:.2f} MB/s", ">= 3 MB/s"),
            ("peak memory of check / input (chart-shaped)", f"{chart_mb:.1f} MB", "memory_check", "{:.2f}", "<= 1.0"),
            ("peak memory of check / input (workload-only)", f"{workload_mb:.1f} MB", "memory_check_workload", "{:.2f}", "<= 1.0"),
            ("peak memory of post-render / input (chart-shaped)", f"{chart_mb:.1f} MB", "memory_post", "{:.2f}", "<= 2.0"),
        ]

    def startup_rows(self, figures: dict) -> list[tuple]:
        """Start-up: --version and a small check against python -c pass, helm with and without us."""
        small_path, small_mb = self.write("small.yaml", small_chart_render())
        print(f"== start-up: rendered file {1000 * small_mb:.1f} kB")
        python = sys.executable
        startup = {tree.name: ([], []) for tree in self.trees}
        bare_start = []
        for _ in range(self.repeat):  # alternate, so that load on the machine hits every command alike
            bare_start.append(run([python, "-c", "pass"]).seconds)
            for tree in self.trees:
                startup[tree.name][0].append(self.cli(tree, "--version").seconds)
                startup[tree.name][1].append(self.cli(tree, "check", small_path, "--fail-on", "never").seconds)
        bare_start_s = statistics.median(bare_start)
        for tree in self.trees:
            versions, small_checks = startup[tree.name]
            figures[tree.name]["version"] = statistics.median(versions) / bare_start_s
            figures[tree.name]["small_check"] = statistics.median(small_checks) / bare_start_s
        charts, helm_ratios = self.post_renderer_ratios()
        for tree in self.trees:
            figures[tree.name]["helm_post_render"] = statistics.median(helm_ratios[tree.name])
        return [
            ("helm-harden --version / python -c pass", f"{1000 * bare_start_s:.0f} ms", "version", "{:.2f}", "<= 2"),
            (f"check of a {1000 * small_mb:.0f} kB rendered file / python -c pass", f"{1000 * bare_start_s:.0f} ms", "small_check", "{:.2f}", "<= 3"),
            (f"helm template --post-renderer / helm template (median of {len(charts)} charts)", "", "helm_post_render", "{:.2f}", "<= 1.3"),
        ]

    def post_renderer_ratios(self) -> tuple[list[Path], dict[str, list[float]]]:
        """Per chart: median ``helm template --post-renderer helm-harden`` / median ``helm template``."""
        charts = _charts()
        ratios: dict[str, list[float]] = {tree.name: [] for tree in self.trees}
        for chart in charts:
            plain, hardened = [], {tree.name: [] for tree in self.trees}
            for _ in range(self.repeat):
                plain.append(run([self.helm, "template", str(chart)], env=self.env).seconds)
                for tree in self.trees:
                    hardened[tree.name].append(run(
                        [self.helm, "template", str(chart), "--post-renderer", tree.command, "--post-renderer-args", "post-render"],
                        cwd=str(self.scratch), env=self.env).seconds)
            for tree in self.trees:
                ratios[tree.name].append(statistics.median(hardened[tree.name]) / statistics.median(plain))
        return charts, ratios

    def charts(self) -> None:
        targets = sorted(p.parent for p in (ROOT / "charts-under-test").rglob("Chart.yaml") if "charts" not in p.parent.parent.parts[-1:])
        targets += sorted(p.parent for p in (ROOT / "charts-under-test").rglob("kustomization.yaml") if "overlays" in p.parts)
        print(f"== check on charts-under-test/ (median of {self.repeat} runs)")
        print(f"{'target':<40} {'render ms':>10} " + " ".join(f"{'check ' + tree.name[:8]:>16}" for tree in self.trees))
        for target in targets:
            if (target / "Chart.yaml").is_file():
                render = [self.helm, "template", str(target)]
            else:
                render = ["kubectl", "kustomize", str(target)]
            render_ms = 1000 * median_seconds(render, self.repeat, env=self.env)
            checks = " ".join(
                f"{1000 * median_seconds([tree.command, 'check', str(target), '--format', 'json', '--fail-on', 'never'], self.repeat, cwd=str(self.scratch), env=self.env):>13.0f} ms"
                for tree in self.trees)
            print(f"{str(target.relative_to(ROOT)):<40} {render_ms:>10.0f} {checks}")

    def repo(self, copies: int) -> None:
        """A repository of ``copies`` of each chart, scanned with 1, 2 and N workers."""
        repo = self.scratch / "repo"
        for chart in _charts():
            for copy in range(copies):
                shutil.copytree(chart, repo / f"{chart.name}-{copy}")
        from helm_harden.repository import find_charts, render_jobs  # the scan's own idea of the renders

        renders = [job for chart in find_charts(str(repo)) for job in render_jobs(chart)]
        helm = [run([self.helm, "template", job.chart] + (["--values", str(Path(job.chart, job.values_file))]
                                                          if job.values_file else []), env=self.env) for job in renders]
        helm_elapsed = sum(one.elapsed for one in helm)  # one render after another
        print(f"== repository scan: {copies * len(_charts())} charts, {len(renders)} renders (elapsed times)")
        print(f"helm template alone, one render after another: {helm_elapsed:6.2f} s")
        for tree in self.trees:
            for count in sorted({1, 2, os.cpu_count() or 1}):
                scan = self.cli(tree, "check", str(repo), "--jobs", str(count), "--format", "json", "--fail-on", "never")
                print(f"{tree.name:>12} --jobs {count}: {scan.elapsed:6.2f} s  {60 * len(renders) / scan.elapsed:6.0f} renders/min"
                      + (f"  (helm alone: {100 * helm_elapsed / scan.elapsed:.0f}% of it)" if count == 1 else ""))


def _charts() -> list[Path]:
    return sorted(p.parent for p in (ROOT / "charts-under-test").glob("*/Chart.yaml"))


if __name__ == "__main__":
    main()

"""Which charts of a repository one run scans: excludes, changed charts only, one shard.

A repository of hundreds of charts is split across CI jobs with ``--shard I/N``: a chart's
shard is a hash of its path relative to the git work tree, so every job of a matrix, whatever
its checkout directory, puts each chart in exactly one shard, and adding a chart never moves
the others (their code-scanning alerts stay in their shard's category).

``--changed-since REF`` keeps the charts that ``git diff`` against the merge base of REF and
HEAD touches (committed, staged, unstaged and untracked changes), and the charts that use a
changed chart through a ``file://`` dependency in their Chart.yaml (a library chart, a shared
subchart), transitively.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from pathlib import Path

import yaml

from helm_harden import render
from helm_harden.errors import InputError, ToolError
from helm_harden.paths import relative_path
from helm_harden.records import record


@record(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, _, count = text.partition("/")
        if not (index.isdigit() and count.isdigit()) or not 1 <= int(index) <= int(count):
            raise InputError(f"--shard {text}: give I/N with 1 <= I <= N, e.g. 2/4")
        return cls(int(index), int(count))

    def holds(self, chart: str) -> bool:
        digest = hashlib.sha256(relative_path(chart).encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def select_charts(charts: list[str], root: str, *, exclude=(), changed_since: str | None = None,
                  shard: Shard | None = None) -> list[str]:
    """The charts this run scans, in their order."""
    charts = [chart for chart in charts if not excluded(chart, root, exclude)]
    if changed_since is not None:
        charts = changed_charts(charts, changed_since, root)
    return [chart for chart in charts if shard is None or shard.holds(chart)]


def excluded(chart: str, root: str, patterns) -> bool:
    """Does a shell-style pattern match the chart's path below the scanned directory, or its name?"""
    below = Path(os.path.relpath(chart, root)).as_posix()
    return any(fnmatch.fnmatchcase(below, p.rstrip("/")) or fnmatch.fnmatchcase(Path(chart).name, p) for p in patterns)


def changed_charts(charts: list[str], ref: str, root: str) -> list[str]:
    """The charts a change since ``ref`` touches, directly or through a file:// dependency."""
    top = _git(["rev-parse", "--show-toplevel"], root, f"--changed-since {ref}: {root} is not in a git work tree")
    base = _git(["merge-base", ref, "HEAD"], top, f"--changed-since {ref}: git cannot find it")
    changed = _git(["diff", "--name-only", "-z", base], top, f"--changed-since {ref}: git diff failed").split("\0")
    changed += _git(["ls-files", "--others", "--exclude-standard", "-z"], top,
                    f"--changed-since {ref}: git ls-files failed").split("\0")
    changed_paths = [Path(top, name).resolve() for name in changed if name]

    def is_changed(directory: Path) -> bool:
        return any(_under(path, directory) for path in changed_paths)

    directories = {chart: Path(chart).resolve() for chart in charts}
    touched = {chart for chart, directory in directories.items() if is_changed(directory)}
    users = _file_dependencies(directories)
    grew = True
    while grew:  # a user of a changed chart is changed, and so are its own users
        touched_directories = {directories[chart] for chart in touched}
        grew = False
        for chart, dependencies in users.items():
            if chart not in touched and any(d in touched_directories or is_changed(d) for d in dependencies):
                touched.add(chart)
                grew = True
    return [chart for chart in charts if chart in touched]


def _under(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def _file_dependencies(directories: dict[str, Path]) -> dict[str, list[Path]]:
    """Each chart's local dependencies: the directories its ``file://`` repositories name."""
    found = {}
    for chart, directory in directories.items():
        try:
            metadata = yaml.safe_load((directory / "Chart.yaml").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # helm will say what is wrong with it when it renders the chart
        dependencies = metadata.get("dependencies") if isinstance(metadata, dict) else None
        local = []
        for dependency in dependencies if isinstance(dependencies, list) else []:
            repository = dependency.get("repository") if isinstance(dependency, dict) else None
            if isinstance(repository, str) and repository.startswith("file://"):
                local.append((directory / repository[len("file://"):]).resolve())
        if local:
            found[chart] = local
    return found


def _git(args: list[str], directory: str, problem: str) -> str:
    try:
        return render.git(args, directory).strip("\n")
    except ToolError:
        raise InputError(problem) from None

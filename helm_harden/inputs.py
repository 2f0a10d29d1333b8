"""Decide what a check target is and turn it into YAML streams.

A target is a chart (directory with Chart.yaml, a packaged .tgz, or a reference such as
``repo/chart`` that helm resolves), a kustomization directory, YAML files or directories of
them, or ``-`` for standard input.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from helm_harden import render
from helm_harden.errors import InputError
from helm_harden.repository import SKIPPED_DIRECTORIES, find_charts

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
YAML_SUFFIXES = (".yaml", ".yml", ".json")
CHART_ARCHIVE_SUFFIXES = (".tgz", ".tar.gz")


@dataclass(frozen=True)
class Stream:
    text: str
    origin: str  # what error messages and findings name: a file, a chart, "<stdin>"
    warnings: str = ""  # helm's or kustomize's stderr on success, for the user to see


def describe(target: str) -> str:
    """``chart``, ``kustomization``, ``repository`` (a directory of charts), ``stdin`` or ``files``."""
    if target == "-":
        return "stdin"
    path = Path(target)
    if path.is_dir():
        if (path / "Chart.yaml").is_file():
            return "chart"
        if any((path / name).is_file() for name in KUSTOMIZATION_FILES):
            return "kustomization"
        return "repository" if find_charts(target) else "files"
    if path.is_file():
        return "chart" if target.endswith(CHART_ARCHIVE_SUFFIXES) else "files"
    if target.endswith(YAML_SUFFIXES) or target.startswith((".", "/")):
        raise InputError(f"{target}: no such file or directory")
    return "chart"  # a chart reference for helm to resolve: repo/chart, oci://…


def load_streams(target: str, extra: list[str], helm_args: list[str]) -> list[Stream]:
    """Render or read ``target``; ``extra`` are the arguments after it on the command line."""
    kind = describe(target)
    if kind == "chart":
        rendered = render.helm_template(target, extra + helm_args)
        return [Stream(rendered.text, target, rendered.warnings)]
    if kind == "kustomization":
        rendered = render.kustomize_build(target, extra)
        return [Stream(rendered.text, target, rendered.warnings)]
    if kind == "stdin":
        if extra:
            raise InputError(f"unexpected arguments after '-': {' '.join(extra)}")
        return [Stream(read_stdin(), "<stdin>")]
    paths = [target, *extra]
    for path in extra:
        if path.startswith("-"):
            raise InputError(f"{path}: helm flags only apply to charts; {target} is not a chart")
    return [Stream(_read_file(file), str(file)) for path in paths for file in _yaml_files(path)]


def _yaml_files(path: str) -> list[Path]:
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise InputError(f"{path}: no such file or directory")
    files = sorted(
        p for p in root.rglob("*")
        if p.suffix in YAML_SUFFIXES and p.is_file() and not SKIPPED_DIRECTORIES.intersection(p.relative_to(root).parts)
    )
    if not files:
        raise InputError(f"{path}: no chart, kustomization or YAML files found")
    return files


def _read_file(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start})") from None


def read_stdin() -> str:
    try:
        return sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"<stdin>: not UTF-8 text (byte {error.start})") from None

"""Decide what a check target is and turn it into YAML streams.

A target is a chart (directory with Chart.yaml, a packaged .tgz, or a reference such as
``repo/chart`` that helm resolves), a kustomization directory, YAML files or directories of
them, or ``-`` for standard input.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from helm_harden.errors import InputError
from helm_harden.manifest import Document, parse_documents
from helm_harden.records import record

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without loading typing at start-up
if TYPE_CHECKING:
    from typing import BinaryIO

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
YAML_SUFFIXES = (".yaml", ".yml", ".json")
CHART_ARCHIVE_SUFFIXES = (".tgz", ".tar.gz")


# A file or stdin is read this much at a time, so that a check of a large stream holds one
# document at a time rather than the whole text.
READ_SIZE = 1 << 20


@record(frozen=True)
class Stream:
    text: str | Iterable[str]  # the whole text, or its pieces in order (read as they are used)
    origin: str  # what error messages and findings name: a file, a chart, "<stdin>"
    warnings: str = ""  # helm's or kustomize's stderr on success, for the user to see


def describe(target: str) -> str:
    """``chart``, ``kustomization``, ``repository`` (a directory of charts), ``stdin`` or ``files``."""
    if target == "-":
        return "stdin"
    path = Path(target)
    if os.path.islink(target) and not os.path.exists(target):
        raise InputError(f"{target}: {_broken_link(target)}")
    try:
        if path.is_dir():
            os.scandir(path).close()  # an unreadable folder is an error, not an empty one
            if (path / "Chart.yaml").is_file():
                return "chart"
            if any((path / name).is_file() for name in KUSTOMIZATION_FILES):
                return "kustomization"
            from helm_harden.repository import find_charts  # the scan's modules load for folders only

            return "repository" if find_charts(target) else "files"
        if path.is_file():
            return "chart" if target.endswith(CHART_ARCHIVE_SUFFIXES) else "files"
    except OSError as error:
        raise InputError(f"{target}: cannot read: {error.strerror}") from None
    if target.endswith(YAML_SUFFIXES) or target.startswith((".", "/")):
        raise InputError(f"{target}: no such file or directory")
    return "chart"  # a chart reference for helm to resolve: repo/chart, oci://…


def _broken_link(path: str | os.PathLike) -> str:
    """Why a symbolic link leads to nothing readable."""
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a symbolic link that loops back on itself"
        if error.errno == errno.ENOENT:
            return "a symbolic link to nothing (its target does not exist)"
        return f"cannot read: {error.strerror}"
    return "cannot read"


def is_chart_repository_root(target: str) -> bool:
    """Is ``target`` a chart that is also the root of a git work tree (``check .`` in a repository
    whose root is a chart)? It is then scanned as a repository, by chart-testing's convention."""
    return describe(target) == "chart" and Path(target).is_dir() and (Path(target) / ".git").exists()


def load_streams(target: str, extra: list[str], helm_args: list[str]) -> list[Stream]:
    """Render or read ``target``; ``extra`` are the arguments after it on the command line."""
    kind = describe(target)
    if kind in ("chart", "kustomization"):
        from helm_harden import render  # a file or stdin needs no helm nor kustomize
    if kind == "chart":
        _explain_missing_chart(target, extra)
        rendered = render.helm_template(target, extra + helm_args)
        return [Stream(rendered.text, target, rendered.warnings)]
    if kind == "kustomization":
        rendered = render.kustomize_build(target, extra)
        return [Stream(rendered.text, target, rendered.warnings)]
    if kind == "stdin":
        if extra:
            raise InputError(f"unexpected arguments after '-': {' '.join(extra)}")
        return [Stream(read_stdin_pieces(), "<stdin>")]
    paths = [target, *extra]
    for path in extra:
        if path.startswith("-"):
            raise InputError(f"{path}: helm flags only apply to charts; {target} is not a chart")
    return [Stream(_read_file(file), str(file)) for path in paths for file in _yaml_files(path)]


_NO_OBJECTS = {
    "stdin": "no Kubernetes objects (did the command before the pipe fail?)",
    "chart": "helm template rendered no Kubernetes objects (are they disabled in the values?)",
    "kustomization": "kustomize build rendered no Kubernetes objects",
    "files": "no Kubernetes objects",
}
_VALUES_FILE = re.compile(r"(^|[-_./])values\.ya?ml$")


def kubernetes_objects(target: str, streams: list[Stream], reads_object) -> Iterator[Document]:
    """The documents of ``target``'s streams, parsed one at a time. Each must be a Kubernetes
    object and the target must hold one at least: a values file, a chart's ``ci/`` folder or
    the empty output of a failed ``helm template`` piped in is an error, not a clean scan.

    ``reads_object`` is the scan's own question (`Engine.reads_object`), asked here first: a
    document whose object it reads has its kind checked on the object, and its header is read
    only if the question needed it."""
    found = False
    for stream in streams:
        for document in parse_documents(stream.text, stream.origin):
            if reads_object(document) and not document.header_read:
                header = None  # the object is built now, for the scan too: it says what the header would
            else:
                header = document.header  # read from the text: no need to build what no rule reads
            if header is not None:
                _require_kind(document, header.api_version, header.kind)
                found = True
            elif isinstance(document.data, dict):
                _require_kind(document, document.data.get("apiVersion"), document.data.get("kind"))
            found = found or document.data is not None
            yield document
    if not found:
        raise InputError(f"{'<stdin>' if target == '-' else target}: {_NO_OBJECTS[describe(target)]}")


def _require_kind(document: Document, api_version, kind) -> None:
    missing = [f"no {field}" for field, value in (("apiVersion", api_version), ("kind", kind))
               if not isinstance(value, str) or not value]
    if missing:
        hint = f" (a values file? check the chart with -f {document.origin})" if _VALUES_FILE.search(document.origin) else ""
        raise InputError(f"{document.label}: not a Kubernetes object: it has {' and '.join(missing)}{hint}")


def _explain_missing_chart(target: str, extra: list[str]) -> None:
    """Name the likely mistake when a chart that is no path cannot be a chart reference either:
    helm's own messages for these ("non-absolute URLs should be in form of repo_name/…") do not."""
    if Path(target).exists() or "://" in target or any(arg == "--repo" or arg.startswith("--repo=") for arg in extra):
        return
    if "/" in target:
        if Path(target.split("/", 1)[0]).is_dir():  # a path into a local folder, mistyped
            raise InputError(f"{target}: no such file or directory")
        return  # repo/chart: helm resolves it, or says why not
    chart = next((arg for arg in extra if not arg.startswith("-") and describe(arg) == "chart" and Path(arg).exists()), None)
    if chart:
        raise InputError(f"{target}: no such file, directory or chart; the chart comes first, then helm's arguments: "
                         f"helm-harden check {chart} {target}")
    raise InputError(f"{target}: no such file, directory or chart "
                     "(a chart reference looks like repo/chart, oci://registry/chart, or NAME --repo URL)")


def _yaml_files(path: str) -> list[Path]:
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise InputError(f"{path}: no such file or directory")
    files = sorted(_walk(root))
    if not files:
        raise InputError(f"{path}: no chart, kustomization or YAML files found")
    return files


def _walk(root: Path) -> Iterator[Path]:
    """Every YAML file under ``root``, through symbolic links to folders too (each folder is read
    once, so a link back up cannot loop). What cannot be read, a folder, a link to nothing, is an
    error naming it: a file skipped in silence would be a workload nobody checked."""
    from helm_harden.repository import SKIPPED_DIRECTORIES

    seen: set[tuple[int, int]] = set()
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            status = folder.stat()
            if (status.st_dev, status.st_ino) in seen:
                continue
            seen.add((status.st_dev, status.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name, reverse=True)
        except OSError as error:
            raise InputError(f"{folder}: cannot read: {error.strerror}") from None
        for entry in entries:
            path = folder / entry.name
            try:
                if entry.is_dir():
                    if entry.name not in SKIPPED_DIRECTORIES:
                        folders.append(path)
                elif entry.is_file():
                    if path.suffix in YAML_SUFFIXES:
                        yield path
                elif entry.is_symlink():
                    raise InputError(f"{path}: {_broken_link(path)}")
            except OSError as error:  # ELOOP from a link to itself, EACCES, …
                problem = _broken_link(path) if entry.is_symlink() else f"cannot read: {error.strerror}"
                raise InputError(f"{path}: {problem}") from None


def _read_file(path: Path) -> Iterator[str]:
    """The file's text a piece at a time; an `InputError` if it cannot be read or is not UTF-8."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    with handle:
        try:
            yield from read_pieces(handle, str(path))
        except OSError as error:
            raise InputError(f"{path}: cannot read: {error.strerror}") from None


def read_pieces(handle: BinaryIO, name: str) -> Iterator[str]:
    """Decode a binary stream as UTF-8 a piece at a time; the error names the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0  # bytes handed to the decoder so far
    while True:
        data = handle.read(READ_SIZE)
        pending = len(decoder.getstate()[0])  # the bytes of a character cut at the previous piece's end
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            raise InputError(f"{name}: not UTF-8 text (byte {offset - pending + error.start})") from None
        offset += len(data)
        if text:
            yield text
        if not data:
            return


def read_stdin_pieces() -> Iterator[str]:
    if sys.stdin is None:  # started with stdin closed (`<&-`)
        raise InputError("<stdin>: standard input is closed")
    try:
        yield from read_pieces(sys.stdin.buffer, "<stdin>")
    except OSError as error:
        raise InputError(f"<stdin>: cannot read: {error.strerror}") from None


def read_stdin() -> str:
    return "".join(read_stdin_pieces())

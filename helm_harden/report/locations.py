"""Where a finding lives in the repository: its template file and a line in it.

Code-review UIs (SARIF, GitHub annotations, JUnit ``file``) want the file a maintainer edits,
not the rendered output. Helm's ``# Source:`` names a template as ``<chart>/templates/x.yaml``
(``<chart>/charts/<sub>/templates/x.yaml`` in a subchart) while the chart lies at the origin
as given on the command line, so the file is the origin joined with the source less its first
component. Kustomize's origin annotation is relative to the kustomization directory; a plain
YAML file is its own source.

The line is found in the template text by walking the finding's path: each key is searched
among the children of the one found before it (by indentation; template actions are skipped,
and one spread over several lines, such as a ``{{/* … */}}`` comment, is blanked first so that its
inner lines cannot end a key's scope), list items by container name, else by position. The
deepest key the template spells out wins: ``runAsNonRoot:`` when it is written there, else its
``securityContext:``, else the container's ``- name:``. Where the text stops spelling the path
out, an ``include``/``template``/``toYaml``/``tpl`` line inside that names the missing key (or,
inside a mapping key, any such line) is the line that produces it; a container found in none
of the literal items is the include line that writes containers from a helper, and never
another container's line. When nothing matches, the object's ``kind:`` line, else 1. Nothing here raises for a
missing or unreadable file: the answer is then "no file".

Paths are made relative to the root of the git work tree holding the file (a ``.git`` entry
above it), else to the current directory: what GitHub code scanning and CI UIs resolve
against. Pass ``root`` to choose another.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from helm_harden.manifest import split_stream
from helm_harden.paths import relative_path
from helm_harden.records import record
from helm_harden.workload import CONTAINER_FIELDS


@record(frozen=True)
class SourceLocation:
    file: str | None  # POSIX path relative to the root; None when no file on disk matches
    line: int | None  # 1-based; None when there is no file


def locate(finding, root: str | os.PathLike | None = None) -> SourceLocation:
    """The template file and line of a `Finding`."""
    return locate_object(
        finding.origin,
        finding.source,
        kind=finding.kind,
        name=finding.name,
        document=finding.document,
        location=tuple(finding.location),
        container=finding.container,
        root=root,
    )


def locate_or_anchor(finding, root: str | os.PathLike | None = None) -> SourceLocation:
    """`locate`, falling back to the file that stands for the finding's chart (no line then)."""
    where = locate(finding, root)
    if where.file is None and (anchor := anchor_file(finding.origin)) is not None:
        return SourceLocation(relative_path(anchor, root), None)
    return where


def locate_object(
    origin: str,
    source: str,
    *,
    kind: str,
    name: str,
    document: int | None = None,
    location: tuple = (),
    container: str | None = None,
    root: str | os.PathLike | None = None,
) -> SourceLocation:
    """The file and line of an object (a `Workload`: empty ``location``) or of one of its fields.

    ``document`` is the object's 1-based position in its stream; it picks the document inside
    a plain YAML file, whose stream is the file itself.
    """
    path = template_file(origin, source)
    if path is None:
        return SourceLocation(None, None)
    own_stream = source == origin
    line = find_line(path, kind, name, location, container, document if own_stream else None)
    return SourceLocation(relative_path(path, root), line)


def template_file(origin: str, source: str) -> Path | None:
    """The file on disk that ``source`` (from a render of ``origin``) names, or None."""
    if source == origin:
        candidates = [Path(origin)]
    else:
        source_path = Path(source)
        candidates = []
        if source_path.is_absolute():
            candidates.append(source_path)
        else:
            base = Path(origin)
            if len(source_path.parts) > 1:
                candidates.append(base / Path(*source_path.parts[1:]))  # Helm: strip the chart name
            candidates += [base / source_path, source_path]  # Kustomize, then the working directory
    for candidate in candidates:
        candidate = Path(os.path.normpath(candidate))
        try:
            if candidate.is_file():
                return candidate
        except OSError:  # a name too long, a permission problem: no file
            continue
    return None


def anchor_file(origin: str) -> Path | None:
    """The file that stands for a whole chart or kustomization (for render failures, or objects
    whose template is unknown): the origin itself when it is a file, else its ``Chart.yaml`` or
    kustomization file."""
    path = Path(origin)
    try:
        if path.is_file():
            return path
        for name in ("Chart.yaml", "kustomization.yaml", "kustomization.yml", "Kustomization"):
            if (path / name).is_file():
                return path / name
    except OSError:
        pass
    return None


def render_file(origin: str, values_file: str | None, root: str | os.PathLike | None = None) -> str | None:
    """Where to point at a failed render: its values file (the likelier culprit when the chart's
    defaults render), else the chart's file; relative to the root."""
    if values_file and (values := Path(origin, values_file)).is_file():
        return relative_path(values, root)
    anchor = anchor_file(origin)
    return relative_path(anchor, root) if anchor is not None else None


def find_line(
    path: str | os.PathLike,
    kind: str,
    name: str,
    location: tuple = (),
    container: str | None = None,
    document: int | None = None,
) -> int:
    """The line in ``path`` for that field of that object (see the module docstring); 1 when unknown."""
    documents = _documents(str(path))
    if not documents:
        return 1
    if document is not None and 1 <= document <= len(documents):
        first_line, lines = documents[document - 1]
    else:
        first_line, lines = _pick_document(documents, kind, name)
    hit = _walk(lines, location, container)
    if hit is None:
        hit = _root_key(lines, "kind", kind)
    return first_line + hit.offset if hit is not None else 1


# --- reading template text ------------------------------------------------------------------


@record(frozen=True, slots=True)
class _Line:
    offset: int  # lines after the document's first line
    indent: int  # column of the first character
    dash: bool  # opens a sequence item
    column: int  # column of the key (after the dash on an item line)
    key: str | None  # the mapping key it opens, if it opens one
    value: str  # the text after the key's colon, unquoted (a producer: its whole text)
    producer: bool = False  # a template action that writes YAML (include, template, toYaml, tpl)


_PRODUCER = re.compile(r"\b(?:include|template|toYaml|tpl)\b")
_ACTION = re.compile(r"\{\{.*?\}\}", re.S)
_KEY = re.compile(r"""(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<plain>[^\s"'#{\[\]][^:#]*?))[ \t]*:(?:[ \t]+(?P<value>.*))?$""")


def _documents(path: str) -> list[tuple[int, list[_Line]]]:
    try:
        stat = os.stat(path)
    except OSError:
        return []
    return _read_documents(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=512)
def _read_documents(path: str, mtime_ns: int, size: int) -> list[tuple[int, list[_Line]]]:
    """The file's documents as (first line, structural lines); cached per file version."""
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            text = handle.read()
    except OSError:
        return []
    documents = []
    for first_line, chunk in split_stream(text):
        # An action over several lines ({{/* a comment */}}, a long include) keeps its line breaks
        # and nothing else: its inner lines are not YAML, and must not end the scope of a key.
        chunk = _ACTION.sub(lambda m: m[0] if "\n" not in m[0] else "\n" * m[0].count("\n"), chunk)
        lines = [line for offset, raw in enumerate(chunk.splitlines()) if (line := _parse(offset, raw))]
        documents.append((first_line, lines))
    return documents


def _parse(offset: int, raw: str) -> _Line | None:
    """A line that carries YAML structure, or a producer action; None for blanks, comments and
    other template actions."""
    stripped = raw.lstrip(" ")
    if stripped.startswith("{{") and _PRODUCER.search(stripped) and not stripped.startswith(("{{/*", "{{- /*")):
        indent = len(raw) - len(stripped)
        return _Line(offset, indent, False, indent, None, stripped.strip(), True)
    if not stripped.strip() or stripped.startswith(("#", "{{", "---", "...")):
        return None
    indent = len(raw) - len(stripped)
    dash = stripped == "-" or stripped.startswith(("- ", "-\t"))
    rest = stripped[1:].lstrip(" \t") if dash else stripped
    column = len(raw) - len(rest)
    match = _KEY.match(rest.rstrip())
    if not match:
        return _Line(offset, indent, dash, column, None, "")
    key = next(group for group in (match["double"], match["single"], match["plain"]) if group is not None)
    return _Line(offset, indent, dash, column, key, _scalar(match["value"] or ""))


def _scalar(text: str) -> str:
    text = re.sub(r"\s+#.*$", "", text).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _pick_document(documents, kind: str, name: str) -> tuple[int, list[_Line]]:
    """In a template with several documents: the one spelling out this kind and name, else this kind."""
    with_kind = [doc for doc in documents if (line := _root_key(doc[1], "kind")) and line.value == kind]
    for document in with_kind:
        metadata = _child_key(document[1], None, "metadata")
        found = _child_key(document[1], metadata, "name") if metadata is not None else None
        if found is not None and document[1][found.index].value == name:
            return document
    if with_kind:
        return with_kind[0]
    return next((doc for doc in documents if doc[1]), documents[0])


def template_names(path: str | os.PathLike, kind: str) -> list[str]:
    """How the file's documents of that kind spell ``metadata.name`` (template actions and all)."""
    names = []
    for _, lines in _documents(str(path)):
        kind_line = _root_key(lines, "kind")
        metadata = _child_key(lines, None, "metadata")
        found = _child_key(lines, metadata, "name") if metadata is not None else None
        if kind_line is not None and kind_line.value == kind and found is not None:
            names.append(lines[found.index].value)
    return names


def _root_key(lines: list[_Line], key: str, value: str | None = None) -> _Line | None:
    for line in lines:
        if line.indent == 0 and not line.dash and line.key == key and (value is None or line.value == value):
            return line
    return None


# --- walking a path through the text ----------------------------------------------------------


def _walk(lines: list[_Line], location: tuple, container: str | None) -> _Line | None:
    """The line of the deepest prefix of ``location`` that the text spells out, or None; where the
    text stops spelling it out, the include or template line inside that produces the rest."""
    node: _Node | None = None  # None is the document root
    found = None
    previous_key = None
    for step in location:
        if isinstance(step, int):
            if node is None or node.item:
                break
            wanted = container if previous_key in CONTAINER_FIELDS else None
            node = _item(lines, node.index, step, wanted)
            if isinstance(node, _Line):  # the item comes from a helper: its include line
                return node
        else:
            child = _child_key(lines, node, str(step))
            if child is None and node is not None:
                return _producer(lines, node, str(step)) or found
            node = child
            previous_key = step
        if node is None:
            break
        found = lines[node.index]
    return found


def _producer(lines: list[_Line], node: _Node, key: str) -> _Line | None:
    """The producer action within ``node`` that writes ``key``: one naming it (an include of
    "x.securityContext", a toYaml of .Values.securityContext), else, inside a mapping key, the
    first producer (a toYaml of the mapping's settings). Only a producer that writes the node's
    own keys counts, not one that writes the keys of a mapping inside it (a container's)."""
    line = lines[node.index]
    floor = line.indent if node.item else line.column
    producers, keys = [], []
    for below in lines[node.index + 1:]:
        if below.producer:
            producers.append(below)
        elif below.indent <= floor:
            break
        else:
            keys.append(below)
    own_column = keys[0].indent if keys else min(map(_output_column, producers), default=None)
    own = [p for p in producers if _output_column(p) == own_column]
    naming = [p for p in own if key.lower() in p.value.lower()]
    if naming:
        return naming[0]
    return own[0] if own and not node.item else None


_INDENT = re.compile(r"\bn?indent\s+(\d+)")


def _output_column(line: _Line) -> int:
    """The column a producer writes its keys at: its ``indent N``/``nindent N``, else its own."""
    match = _INDENT.search(line.value)
    return int(match.group(1)) if match else line.indent


@record(frozen=True, slots=True)
class _Node:
    index: int  # into the document's lines
    item: bool  # a sequence item (its dash line) rather than the key on that line


def _child_key(lines: list[_Line], parent: _Node | None, key: str) -> _Node | None:
    """``key:`` directly under ``parent`` (the document root when None)."""
    if parent is None:
        start, floor, child_column = 0, -1, None
    else:
        line = lines[parent.index]
        if parent.item:
            if line.key == key:
                return _Node(parent.index, False)  # "- key: …": an item's first key is on its dash line
            floor = line.indent
            child_column = line.column if line.key is not None else None
        else:
            floor = line.column
            child_column = None
        start = parent.index + 1
    for index in range(start, len(lines)):
        line = lines[index]
        if line.producer:
            continue
        if line.indent <= floor:
            break
        if child_column is None:
            child_column = line.indent
        if not line.dash and line.indent == child_column and line.key == key:
            return _Node(index, False)
    return None


def _item(lines: list[_Line], parent: int, position: int, name: str | None) -> _Node | _Line | None:
    """A sequence item under the key at ``parent``: the one with that ``name:``; else the line that
    includes items from a helper; else by position, unless every item names another container."""
    key_column = lines[parent].column
    items: list[int] = []
    producers: list[_Line] = []  # the include lines that write items of this sequence
    item_indent = None
    for index in range(parent + 1, len(lines)):
        line = lines[index]
        if line.producer:
            # One inside an item writes that item's fields, and one no deeper than the key writes
            # its siblings: neither writes items.
            if line.indent > lines[parent].indent and (item_indent is None or line.indent <= item_indent):
                producers.append(line)
            continue
        if item_indent is None:
            if not line.dash or line.indent < key_column:  # written by a template action, or in flow style
                return producers[0] if producers else None
            item_indent = line.indent
        if line.indent < item_indent or (line.indent == item_indent and not line.dash):
            break
        if line.indent == item_indent:
            items.append(index)
    if name is not None:
        names = []
        for index in items:
            named = _child_key(lines, _Node(index, True), "name")
            names.append(lines[named.index].value if named is not None else "{{")
            if names[-1] == name:
                return _Node(index, True)
        if producers:
            return producers[0]
        if items and all("{{" not in written for written in names):
            return None  # the container is not written here: no other one stands for it
    if position < len(items):
        return _Node(items[position], True)
    return _Node(items[0], True) if len(items) == 1 else None  # one item written in a range loop stands for all

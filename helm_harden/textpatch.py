"""Apply fills to a document's text by inserting lines, leaving every other byte as it was.

The fixes only ever add: a key to a mapping, an item to a list. The document's `Layout`, which the
loader reads along with its value, tells where each mapping and list sits in the text (offsets,
columns, block or flow style), so an addition
can be written where a person would write it, in the document's own indentation, and nothing
else moves: comments, quoting, key order, block scalars and line endings all stay. This is
also fifty times faster than a round trip through ruamel.yaml.

Shapes this module does not handle (a null value where a mapping is needed, a flow collection
inside a flow collection, …) raise `Unsupported`; the caller then falls back to the round trip.
The engine verifies every result either way.
"""

from __future__ import annotations

import json
import re

import yaml

from helm_harden import loader
from helm_harden.loader import Layout
from helm_harden.patch import AppendMissing, SetDefault


_PLAIN_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
_RESOLVER = yaml.resolver.Resolver()  # YAML 1.1's: a value any reader takes for a string is a string
_STRING_TAG = "tag:yaml.org,2002:str"
_NUMBER_IN_ANY_YAML = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|0[xob][0-9a-fA-F_]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")


class Unsupported(Exception):
    """The document's shape is beyond plain insertion; use a full round trip instead."""


class DuplicateKey(Exception):
    """A mapping repeats a key: invalid YAML that Kubernetes' decoder refuses, so not ours to rewrite."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line  # 0-based, in the document's text


def apply_edits(text: str, edits, mapping_indent: int, sequence_offset: int, layout: Layout | None = None) -> str:
    """``text`` with every edit applied, in one pass over its `Layout` (``layout``, when the loader
    read it with the value; else from the node tree, composed here)."""
    if layout is None:
        root = loader.compose(text)
        if not isinstance(root, yaml.MappingNode):
            raise Unsupported("the document is not a mapping")
        _refuse_duplicate_keys(root)  # the loader reads a layout only where no key repeats
        layout = loader.layout_of(root)
    if not layout.mapping:
        raise Unsupported("the document is not a mapping")
    style = _Style(mapping_indent, sequence_offset, "\r\n" if "\r\n" in text else "\n", layout.flow)
    replacements: list[tuple[int, int, int, str]] = []  # (start, end, depth, new text)
    _plan(text, layout, None, _additions(edits), 0, style, replacements)
    # From the end backwards, so earlier offsets stay valid; at one offset the shallower insertion
    # goes first, so that the deeper one lands before it (a child's keys before its parent's).
    for start, end, _, new in sorted(replacements, key=lambda r: (-r[0], r[2])):
        text = text[:start] + new + text[end:]
    return text


def _refuse_duplicate_keys(root) -> None:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise DuplicateKey(key.start_mark.line)
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


class _Style:
    def __init__(self, mapping: int, offset: int, newline: str, json_document: bool):
        self.mapping, self.offset, self.newline = mapping, offset, newline
        # A document that is one flow mapping (JSON, as `kubectl get -o json` writes it) gets its
        # additions in JSON's spelling and never a block: kubectl reads such a file with its JSON
        # decoder, which refuses YAML's bare keys.
        self.json_document = json_document


class _Append(list):
    """Items to append to the list at this point of the additions tree."""


def _additions(edits) -> dict:
    """The edits as one tree of what to add: ``{"spec": {"securityContext": {"runAsNonRoot": True}}}``."""
    tree: dict = {}
    for edit in edits:
        if not isinstance(edit, (SetDefault, AppendMissing)):
            raise Unsupported(type(edit).__name__)
        parent = tree
        for key in edit.path[:-1]:
            parent = parent.setdefault(key, {})
            if not isinstance(parent, dict):
                raise Unsupported("two edits disagree about a path")
        leaf = edit.path[-1]
        if isinstance(edit, SetDefault):
            if leaf in parent:
                raise Unsupported("two edits of one key")
            parent[leaf] = edit.value
        else:
            parent.setdefault(leaf, _Append()).append(edit.item)
    return tree


def _plan(text: str, layout: Layout | None, key_column, additions, depth: int, style: _Style, out: list) -> None:
    """Record the replacements that add ``additions`` (a dict, or an `_Append`) under ``layout``
    (None: a scalar, null or not, where the additions need a mapping or list)."""
    if layout is None:
        raise Unsupported("a scalar where a mapping or list is needed")
    if isinstance(additions, _Append):
        out.append(_append_items(text, layout, list(additions), style, depth))
        return
    if not isinstance(additions, dict):
        raise Unsupported("the value is present (an empty value being filled)")
    if not layout.mapping:
        for index, child in additions.items():
            if not (isinstance(index, int) and index < layout.length):
                raise Unsupported("a list index beyond the list")
            _plan(text, _child(layout, index)[1], None, child, depth + 1, style, out)
        return
    new_keys = {}
    for key, child in additions.items():
        if str(key) in layout.keys:
            child_key_column, child_layout = _child(layout, str(key))
            _plan(text, child_layout, child_key_column, child, depth + 1, style, out)
        else:
            new_keys[key] = _materialize(child)
    if new_keys:
        out.append(_add_keys(text, layout, key_column, new_keys, style, depth))


def _child(layout: Layout, key) -> tuple:
    """``(column of its key, Layout)`` of an entry that is there; a scalar's Layout is None."""
    return layout.children.get(key, (None, None))


def _materialize(additions):
    if isinstance(additions, _Append):
        return list(additions)
    if isinstance(additions, dict):
        return {key: _materialize(value) for key, value in additions.items()}
    return additions


def _add_keys(text: str, mapping: Layout, key_column, keys: dict, style: _Style, depth: int):
    """The replacement that adds ``keys`` to ``mapping``."""
    if mapping.flow:
        start, end = mapping.start, mapping.end
        if not mapping.length and key_column is not None and not style.json_document and _owns_line(text, end):
            # "securityContext: {}" becomes a block mapping under its key.
            block = style.newline + style.newline.join(_block(keys, key_column + style.mapping, style))
            before = text[:start].rstrip(" \t")
            if before.endswith("\n"):  # "{}" on a line of its own, as Helm's toYaml | nindent writes it
                before = before[:-2] if before.endswith("\r\n") else before[:-1]
            return len(before), end, depth, block
        separator = ", " if mapping.length else ""
        added = ", ".join(f"{_flow_key(key, style)}: {_flow(value, style)}" for key, value in keys.items())
        at = mapping.last_end if mapping.length else end - 1  # after the last entry
        return at, at, depth, separator + added
    return _after_node(text, mapping, _block(keys, mapping.column, style), style, depth)


def _append_items(text: str, sequence: Layout, items: list, style: _Style, depth: int):
    if sequence.mapping:
        raise Unsupported("expected a list")
    if sequence.flow:
        at = sequence.last_end if sequence.length else sequence.end - 1
        separator = ", " if sequence.length else ""
        return at, at, depth, separator + ", ".join(_flow(item, style) for item in items)
    return _after_node(text, sequence, _block(items, sequence.column, style), style, depth)


def _after_node(text: str, layout: Layout, lines: list[str], style: _Style, depth: int):
    """Whole lines inserted after the line on which ``layout``'s content ends."""
    position = _line_end(text, layout.content_end())
    return position, position, depth, style.newline + style.newline.join(lines)


def _line_end(text: str, end: int) -> int:
    """Where the line on which a node ends stops (before its line break)."""
    if end > 0 and text[end - 1] == "\n":  # block scalars end at the start of the next line
        end -= 1
    line_end = text.find("\n", end)
    if line_end == -1:
        return len(text)
    return line_end - 1 if line_end > 0 and text[line_end - 1] == "\r" else line_end


def _owns_line(text: str, end: int) -> bool:
    """Nothing but whitespace or a comment follows ``end`` on its line."""
    line_end = text.find("\n", end)
    rest = text[end : len(text) if line_end == -1 else line_end].strip()
    return not rest or rest.startswith("#")


def _block(value, indent: int, style: _Style) -> list[str]:
    """Block-style lines for a mapping or list at column ``indent``."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, dict) and child:
                lines.append(f"{pad}{_scalar(key)}:")
                lines += _block(child, indent + style.mapping, style)
            elif isinstance(child, list) and child:
                lines.append(f"{pad}{_scalar(key)}:")
                lines += _block(child, indent + style.offset, style)
            else:
                lines.append(f"{pad}{_scalar(key)}: {_flow(child)}")
        return lines
    for item in value:
        if isinstance(item, (dict, list)) and item:
            nested = _block(item, indent + 2, style)
            lines.append(f"{pad}- {nested[0].lstrip()}")
            lines += nested[1:]
        else:
            lines.append(f"{pad}- {_flow(item)}")
    return lines


def _flow_key(key, style: _Style) -> str:
    return json.dumps(key) if style.json_document else _scalar(key)


def _flow(value, style: _Style | None = None) -> str:
    if style is not None and style.json_document:
        return json.dumps(value)  # JSON is YAML's flow syntax too, and reads back the same
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _scalar(value) -> str:
    """A scalar as YAML that reads back as the same value and type."""
    if not isinstance(value, str):
        return json.dumps(value)  # true, false, null, numbers: JSON spells them as YAML does
    if _NUMBER_IN_ANY_YAML.fullmatch(value):
        return json.dumps(value)  # YAML 1.2 readers (Go's among them) would take "1e3" for a number
    if _PLAIN_WORD.fullmatch(value) and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STRING_TAG:
        return value  # the common case (RuntimeDefault, ALL, /tmp, 128Mi), without running the emitter
    dumped = yaml.safe_dump(value, default_flow_style=True, width=1 << 20)
    dumped = dumped[: -len("\n...\n")] if dumped.endswith("\n...\n") else dumped.rstrip("\n")
    if "\n" in dumped or any(ch in dumped for ch in ",[]{}#"):
        return json.dumps(value)  # a double-quoted scalar is valid YAML, and safe in flow context
    return dumped

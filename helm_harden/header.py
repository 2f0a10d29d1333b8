"""Read a document's apiVersion, kind and metadata name/namespace from its text, without building it.

`guess_type` reads the apiVersion and kind alone, more cheaply still: where `read_header` can
give a header the guess says the same, so a document the guess says a rule reads is parsed at
once, without the header read, and only `read_header` may say that one need not be.

Most of a rendered stream is objects no rule reads (CustomResourceDefinitions above all). Their
header says so, and reading it costs a scan of the text and a run of libyaml's parser that
builds nothing, instead of turning every byte into Python objects. The read is exact or refuses:
`read_header` returns None whenever the text is anything but the plain shape Helm and kubectl
write, and the caller parses the document with the full loader instead.

Why it is exact: a top-level key of a block mapping starts in column 0. A line in column 0 can
only be something else when a quoted scalar or flow collection that started above runs on into
it (a plain scalar continues, and a block scalar's content sits, only on lines deeper than
their key). So the text is cut at its column-0 lines into entries, each a ``key: value`` with
a plain name as the key (with the ``- `` items of an indentless sequence and comments), and
libyaml's parser must accept every entry on its own: a construct that ran on into the next
entry would leave one of them unfinished. The first entry takes the lines before it along (the
separator line, comments), so that every character of the text has been through libyaml's
reader, which refuses control characters even in comments. Anchors, aliases, tags and merge
keys (which change what keys mean), directives, a byte-order mark, line breaks other than
``\\n``, a key given twice, and header values that are not plain one-line strings (or that
YAML would read as a boolean, null or number): refused. The metadata block is read by the
same rules one level down.
"""

from __future__ import annotations

import re
from collections import namedtuple

import yaml

# What a document says it is: each a str, or None where it says nothing. (A collections.namedtuple,
# not a typing.NamedTuple: loading typing would cost every run about 3 ms.)
Header = namedtuple("Header", ["api_version", "kind", "name", "namespace"])


_TOP_KEYS = {"apiVersion": 0, "kind": 1}
_METADATA_KEYS = {"name": 2, "namespace": 3}

# YAML 1.1 line breaks beyond "\n" ("\r" too) and a byte-order mark change where lines are.
_ODD_CHARACTERS = re.compile("[\r\x85\u2028\u2029\ufeff]")
_KEY_LINE = re.compile(r"([A-Za-z][A-Za-z0-9_]*):(?:[ \t]+(.*))?")
_SEQUENCE_ITEM = re.compile(r"-(?:[ \t]|$)")
_COMMENT_OR_BLANK_LINES = re.compile(r"(?:\n[ \t]*(?:#[^\n]*)?)*\n?")
_STRING_VALUE = re.compile(
    r"""(?:([A-Za-z](?:[A-Za-z0-9._/:-]*[A-Za-z0-9._/-])?)|"([^"\\\n]*)"|'([^'\n]*)')(?:[ \t]+#.*)?"""
)
_NOT_STRINGS = frozenset(
    "y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF null Null NULL".split()
)
_TOKEN_BEFORE = ":-?[{,"
_COLUMN_ZERO = re.compile(r"\n(?=[^ \n])")
_FIRST_CONTENT = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n)*( *)[^ \n#]")
_BLANK_LINES = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n)*")
_PREAMBLE = re.compile(r"(?:---[ \t]*(?:#[^\n]*)?\n)?(?:[ \t]*(?:#[^\n]*)?\n)*")

# The first column-0 "apiVersion:" and "kind:" lines: what follows the key there.
_API_VERSION_LINE = re.compile(r"^apiVersion:[ \t]+(.*)", re.M)
_KIND_LINE = re.compile(r"^kind:[ \t]+(.*)", re.M)

try:
    from yaml._yaml import CParser as _RawParser  # libyaml's parser alone, without a constructor
except ImportError:  # pragma: no cover - PyYAML built without libyaml: always parse fully
    _RawParser = None


def read_header(text: str) -> Header | None:
    """The header of one document's text (as `manifest.split_stream` cuts it), or None when unsure.

    When it returns a header, libyaml has also accepted the document's syntax.
    """
    if _RawParser is None or "\r" in text or (not text.isascii() and _ODD_CHARACTERS.search(text)):
        return None
    if "<<" in text or _has_node_property(text):
        return None
    values: list[str | None] = [None, None, None, None]
    entries = _entries(text, 0, values, _TOP_KEYS)
    if not entries:
        return None  # no mapping (empty, a scalar, indented content): the loader decides
    metadata = entries.get("metadata")
    if metadata is not None:
        value, start, end = metadata
        block = text[start + 1 : end]  # the lines below "metadata:"
        if value == "{}":
            pass
        elif value is not None or not block.strip():
            return None
        elif _entries(block, None, values, _METADATA_KEYS) is None:
            return None
    return Header(*values)


def guess_type(text: str) -> tuple[str, str] | None:
    """The apiVersion and kind a document's text seems to name, at a fraction of `read_header`'s
    cost; None unless it seems to name both.

    Each is read from the first column-0 line of its key, as `read_header` reads it. Wherever
    `read_header` gives a header, that line is the key's only one, so the guess is the header's
    apiVersion and kind. Elsewhere it may be wrong (a quoted scalar may run on into a line that
    looks like a key), and there the document is parsed fully whatever the guess says.
    """
    api_version, kind = _API_VERSION_LINE.search(text), _KIND_LINE.search(text)
    if api_version is None or kind is None:
        return None
    api_version, kind = _string(api_version.group(1)), _string(kind.group(1))
    return (api_version, kind) if api_version is not None and kind is not None else None


def _entries(text: str, indent: int | None, values: list, wanted: dict) -> dict | None:
    """Split a block mapping's text at its keys' lines; each entry must parse on its own.

    ``indent`` is the keys' column (None: that of the first line with content). Returns
    ``{key: (inline value, where the lines below it start and end)}`` and fills ``values`` with the strings
    of the ``wanted`` keys; None when unsure.
    """
    if indent is None:
        first = _FIRST_CONTENT.match(text)
        if first is None:
            return None
        indent = len(first.group(1))
        if not indent or _less_indented(indent).search(text):
            return None  # content less indented than the keys
        starts = [match.start() + (match.group(0)[0] == "\n") for match in _at_indent(indent).finditer(text)]
        preamble = _BLANK_LINES
    else:
        starts = ([0] if text[:1] not in ("", " ", "\n") else []) + [match.end() for match in _COLUMN_ZERO.finditer(text)]
        preamble = _PREAMBLE
    keys: list[tuple[str, str | None, int, int]] = []  # (key, inline value, start, end of its line)
    for start in starts:
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        line = text[start + indent : end]
        if line.startswith("#") or (start == 0 and not indent and line.startswith("---")):
            continue
        if not keys and not preamble.fullmatch(text, 0, start):
            return None  # content before the first key, or a separator line with content
        if _SEQUENCE_ITEM.match(line):
            if not keys or keys[-1][0] in wanted or keys[-1][0] == "metadata" or keys[-1][1] is not None:
                return None  # an item where no key opened a sequence
            continue
        key = _KEY_LINE.fullmatch(line)
        if key is None:
            return None
        value = key.group(2)
        keys.append((key.group(1), None if value is None or value.startswith("#") else value, start, end))
    found: dict[str, tuple[str | None, int, int]] = {}
    for number, (name, value, start, end) in enumerate(keys):
        next_start = keys[number + 1][2] if number + 1 < len(keys) else len(text)
        entry_start = start if number else 0  # the lines before the first key are libyaml's to judge too
        if name in found or not _parses(text[entry_start:next_start]):
            return None
        found[name] = (value, end, next_start)
        if name in wanted:
            string = _string(value)
            if string is None or not _COMMENT_OR_BLANK_LINES.fullmatch(text, end, next_start):
                return None  # not a plain string, or one that continues on the lines below
            values[wanted[name]] = string
    return found


def _at_indent(indent: int) -> re.Pattern:
    return re.compile(r"(?:^|\n) {%d}(?=[^ \n])" % indent)


def _less_indented(indent: int) -> re.Pattern:
    return re.compile(r"(?:^|\n) {0,%d}(?=[^ \n#])" % (indent - 1))


def _parses(entry: str) -> bool:
    """libyaml's parser accepts the text (it builds no objects: a few percent of a full load)."""
    try:
        _RawParser(entry).raw_parse()
    except yaml.YAMLError:
        return False
    return True


def _string(value: str | None) -> str | None:
    """The string a header value is, when it surely is one."""
    match = _STRING_VALUE.fullmatch(value or "")
    if match is None:
        return None
    plain, double, single = match.groups()
    if plain is not None:
        return None if plain in _NOT_STRINGS else plain
    return double if double is not None else single


def _has_node_property(text: str) -> bool:
    """An anchor (``&``), alias (``*``) or tag (``!``) where a value may start, or possibly so.

    Where the character follows anything but the start of a line, ``:``, ``-``, ``?``, ``[``,
    ``{`` or ``,`` (and blanks), it is part of a plain scalar, a quoted one or a comment.
    """
    for character in "&*!":
        at = text.find(character)
        while at != -1:
            line_start = text.rfind("\n", 0, at) + 1
            before = text[line_start:at].rstrip(" \t")
            if not before or before[-1] in _TOKEN_BEFORE:
                return True
            at = text.find(character, at + 1)
    return False

"""Read YAML the way Kubernetes reads it: the one loader for manifests and config files alike.

Helm and kubectl turn YAML into the JSON the API server decodes with ``sigs.k8s.io/yaml``,
which reads it with its fork of go-yaml v2 and converts the result to JSON. A reader that
resolves YAML otherwise can be shown a pod that Kubernetes runs differently, so this module
follows go-yaml v2's ``resolve.go`` and ``decode.go`` and the JSON conversion, rule for rule:

- merge keys apply in order: a ``<<`` after an explicit key overrides it, a later explicit key
  overrides a merge, and a list of merges gives the earlier one precedence;
- ``y``/``n``/``yes``/``no``/``on``/``off``/``true``/``false`` in go-yaml's spellings are booleans;
- integers in Go's syntax (``0x1F``, ``0o17``, ``017``, ``0b101``, underscores), floats that
  become the JSON number the API server decodes (``0.0`` is the integer 0);
- timestamps stay strings, unknown tags are read as untagged strings, duplicate keys: the last wins.

libyaml (PyYAML's parser, which go-yaml ports) turns the text into events; the values are built
from those events here. What cannot be decoded exactly as Kubernetes does (values JSON has no
number for, keys that are not names, ``!!timestamp``, …) is refused with a `DialectError`
naming the line, never quoting the value.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from collections.abc import Iterator

import yaml

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without loading typing at start-up
if TYPE_CHECKING:
    from typing import Any

try:  # libyaml is several times faster; fall back to pure Python where it is not built.
    _Parser = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Parser = yaml.SafeLoader

MAX_DEPTH = 10_000  # go-yaml refuses deeper nesting ("exceeded max depth of 10000")

_TAG = "tag:yaml.org,2002:"
_STR, _BOOL, _INT, _FLOAT, _NULL = _TAG + "str", _TAG + "bool", _TAG + "int", _TAG + "float", _TAG + "null"
_TIMESTAMP, _BINARY, _MERGE = _TAG + "timestamp", _TAG + "binary", _TAG + "merge"
_RESOLVABLE = {"", _STR, _BOOL, _INT, _FLOAT, _NULL, _TIMESTAMP}

# go-yaml's resolveMap: spellings that are a value whatever else they look like.
_WORDS: dict[str, tuple[str, Any]] = {}
for _value, _tag, _spellings in (
    (True, _BOOL, "y Y yes Yes YES true True TRUE on On ON"),
    (False, _BOOL, "n N no No NO false False FALSE off Off OFF"),
    (None, _NULL, "~ null Null NULL"),
    (math.nan, _FLOAT, ".nan .NaN .NAN"),
    (math.inf, _FLOAT, ".inf .Inf .INF +.inf +.Inf +.INF"),
    (-math.inf, _FLOAT, "-.inf -.Inf -.INF"),
    ("<<", _MERGE, "<<"),
):
    for _spelling in _spellings.split():
        _WORDS[_spelling] = (_tag, _value)
_WORDS[""] = (_NULL, None)

_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9_]*[0-9][0-9_]*([eE][-+]?[0-9][0-9_]*)?")  # Go's ParseFloat, from a "."
_BASE64 = re.compile(r"([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}
_INT64 = (-(1 << 63), (1 << 63) - 1)
_UINT64_MAX = (1 << 64) - 1


class DialectError(yaml.MarkedYAMLError):
    """The document is one Kubernetes' decoder refuses, or reads in a way we cannot reproduce.

    ``problem`` never quotes the document: it may be a Secret."""

    def __init__(self, problem: str, mark=None):
        super().__init__(problem=problem, problem_mark=mark)


_INNER_BYTE_ORDER_MARK = re.compile("^\ufeff", re.MULTILINE)


def _refuse_inner_byte_order_mark(text: str) -> None:
    """A byte-order mark at the start of a line other than the text's first: libyaml skips it and
    then ends the mapping it is in, so that the rest of the document is never read (a privileged
    pod read as its first key alone), while Kubernetes reads the mark as part of the key."""
    if "\ufeff" in text:
        found = _INNER_BYTE_ORDER_MARK.search(text, 1)
        if found is not None:
            line = text.count("\n", 0, found.start())
            raise DialectError("a byte-order mark starts a line inside the stream (libyaml ends the mapping there,"
                               " Kubernetes does not)", yaml.Mark("<unicode string>", found.start(), line, 0, None, None))


class MergedMapping(dict):
    """A mapping that holds a merge key (``<<``); ``from_merge`` are the keys a merge supplied.

    Text written into such a mapping lands beside the merge, not inside what it merged: a fix
    that reaches through one of these keys would change nothing, or the wrong object."""

    __slots__ = ("from_merge",)

    def __init__(self):
        super().__init__()
        self.from_merge: set[str] = set()


def load(text: str) -> Any:
    """The first YAML document of ``text`` as the JSON value Kubernetes decodes from it (None if empty).

    Like go-yaml, anything after the first document's end is never read. A value reached through
    an alias is the same Python object wherever it appears (see `helm_harden.engine.AliasedNodes`).
    Raises a `yaml.YAMLError` (a `DialectError` among them) for what Kubernetes cannot decode.
    """
    _refuse_inner_byte_order_mark(text)
    try:
        return _read_plain(text, layout=False)[0]
    except (_Unusual, yaml.YAMLError):  # _Builder decides it, and words any error as it always has
        pass
    for value in _Builder(nodes=False).documents(text):
        return value
    return None


def load_with_layout(text: str) -> tuple[Any, Layout | None]:
    """`load`'s value and, read in the same pass, its `Layout` (where its mappings and lists sit
    in the text); the layout is None when the document is a shape only `compose` describes
    (anchors, tags, merge keys, a repeated key, …) or is not a mapping or list."""
    _refuse_inner_byte_order_mark(text)
    try:
        return _read_plain(text, layout=True)
    except (_Unusual, yaml.YAMLError):
        return load(text), None


def load_all(text: str) -> Iterator[Any]:
    """Every document of a stream, as `load` reads each (an empty stream has none)."""
    return _Builder(nodes=False).documents(text)


def compose(text: str) -> yaml.Node | None:
    """The first document's node tree, for readers that need positions: each node carries the
    value Kubernetes decodes from it as ``node.data`` (an alias is the node it names)."""
    for node in _Builder(nodes=True).documents(text):
        return node
    return None


class Layout:
    """Where a mapping or list of a document sits in its text: what `helm_harden.textpatch`
    needs to insert lines into it. `load_with_layout` builds it in the pass that builds the
    value; `layout_of` from a node tree of `compose`, for any shape. Positions are read from
    the events (or nodes) that opened and closed it only when asked for: most are never needed."""

    __slots__ = ("mapping", "_opening", "_closing", "children", "_last", "keys", "length")

    def __init__(self, mapping: bool, opening, closing, children: dict, last, keys: tuple, length: int):
        self.mapping = mapping
        self._opening, self._closing = opening, closing  # each has start_mark, flow_style / end_mark
        self.children = children  # key or index -> (column of its key, Layout) for the mappings and lists in it
        self._last = last if length else None  # its last value: a Layout, or what has the end_mark of a scalar
        self.keys = keys  # a mapping's keys, as written
        self.length = length  # its number of entries

    @property
    def flow(self) -> bool:
        return bool(self._opening.flow_style)

    @property
    def start(self) -> int:
        return self._opening.start_mark.index

    @property
    def column(self) -> int:  # of its first key or dash
        return self._opening.start_mark.column

    @property
    def end(self) -> int:  # past its closing bracket, or where its last line ends
        return self._closing.end_mark.index

    @property
    def last(self) -> Layout | None:
        """Its last value, if that is a mapping or list."""
        return self._last if type(self._last) is Layout else None

    @property
    def last_end(self) -> int | None:
        """Where its last value ends; None when it is empty."""
        last = self._last
        if last is None:
            return None
        return last.end if type(last) is Layout else last.end_mark.index

    def content_end(self) -> int:
        """Where its content ends: the end of its last scalar or closing bracket, never a trailing comment."""
        layout = self
        while not layout.flow and layout.last is not None:
            layout = layout.last
        return layout.end if layout.flow or layout.length == 0 else layout.last_end


def layout_of(root: yaml.Node | None) -> Layout | None:
    """The `Layout` of a `compose` node tree (None unless it is a mapping or list): the same one
    `load_with_layout` reads, for the shapes that reader leaves to `compose`."""
    collections = (yaml.MappingNode, yaml.SequenceNode)
    if not isinstance(root, collections):
        return None
    nodes: dict[int, yaml.Node] = {}
    stack = [root]
    while stack:  # a node tree may nest ten thousand levels deep: no recursion
        node = stack.pop()
        if id(node) not in nodes:
            nodes[id(node)] = node
            stack.extend(child for child in _children(node) if isinstance(child, collections))
    layouts = {}
    for node in nodes.values():
        mapping = isinstance(node, yaml.MappingNode)
        keys = tuple(key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)) if mapping else ()
        layouts[id(node)] = Layout(mapping, node, node, {}, None, keys, len(node.value))
    for node in nodes.values():
        layout = layouts[id(node)]
        if layout.mapping:
            entries = [(key.value, key.start_mark.column, value) for key, value in node.value
                       if isinstance(key, yaml.ScalarNode)]
        else:
            entries = [(index, None, item) for index, item in enumerate(node.value)]
        for key, column, child in entries:
            if isinstance(child, collections):
                layout.children[key] = (column, layouts[id(child)])
        if node.value:
            last = _children(node)[-1]
            layout._last = layouts[id(last)] if isinstance(last, collections) else last
    return layouts[id(root)]


def _children(node) -> list:
    return [value for _, value in node.value] if isinstance(node, yaml.MappingNode) else node.value


class _Item:
    """A finished node: its value as Go holds it, its kind, and what expanding it costs go-yaml."""

    __slots__ = ("value", "kind", "cost", "alias", "mark", "node", "identities", "merge_sources")

    def __init__(self, value, kind, cost, mark, node=None, identities=None, alias=False):
        self.value, self.kind, self.cost, self.mark = value, kind, cost, mark
        self.node, self.identities, self.alias = node, identities, alias
        self.merge_sources = None  # a merge key's list: its items, as _Items


class _Frame:
    """A mapping or list being built."""

    __slots__ = ("kind", "value", "start", "mark", "anchor", "node", "key", "identities", "children", "merge_sources")

    def __init__(self, kind, value, start, mark, anchor, node, merge_value=False):
        self.kind, self.value, self.start, self.mark, self.anchor, self.node = kind, value, start, mark, anchor, node
        self.key = None  # a mapping's pending key: an _Item, or "merge"
        self.identities = None  # json key -> Go identity, where a key was not a string
        self.children = [] if node is not None else None
        # A list that is a merge key's value: go-yaml never decodes it, only the mappings in it.
        self.merge_sources = [] if merge_value else None


class _Builder:
    def __init__(self, nodes: bool):
        self.nodes = nodes

    def documents(self, text: str) -> Iterator[Any]:
        """Each document's value (or node tree), built as its events arrive."""
        _refuse_inner_byte_order_mark(text)
        for event in yaml.parse(text, Loader=_Parser):
            kind = type(event)
            if kind is yaml.ScalarEvent:
                self._scalar(event)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self._start(event, kind is yaml.MappingStartEvent)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                self._end(event)
            elif kind is yaml.AliasEvent:
                self._alias(event)
            elif kind is yaml.DocumentStartEvent:
                self.anchors: dict[str, _Item | _Frame] = {}
                self.frames: list[_Frame] = []
                self.decodes = 0  # go-yaml's decodeCount and aliasCount, for its alias-expansion limit
                self.aliased = 0
                self.root: _Item | None = None
                self.unconvertible = False  # an _Unconvertible was built: it may have been overwritten since
            elif kind is yaml.DocumentEndEvent:
                value = _json_value(self.root)
                if self.unconvertible:
                    _refuse_unconvertible(value)
                yield self.root.node if self.nodes else value

    # -- events ------------------------------------------------------------------------------

    def _scalar(self, event) -> None:
        frame = self.frames[-1] if self.frames else None
        tag = event.tag or ""
        if frame is not None and frame.kind == "map" and frame.key is None and event.value == "<<" and (
            event.implicit[0] or tag == _MERGE
        ):
            frame.key = "merge"  # go-yaml never decodes a merge key itself
            if frame.children is not None:
                frame.children.append(self._scalar_node(event, tag, "<<"))
            return
        self.decodes += 1
        if not tag and not event.implicit[0]:
            value = ("s", event.value)  # quoted or block scalar without a tag
        else:
            value = _resolve(tag, event.value, event.start_mark)
            if value[0] == "f" and not math.isfinite(value[1]):
                self.unconvertible = True  # JSON has no such number: refused unless overwritten
        node = self._scalar_node(event, tag, value) if self.nodes else None
        item = _Item(value, "scalar", 1, event.start_mark, node)
        if event.anchor is not None:
            self.anchors[event.anchor] = item
        self._add(item)

    def _scalar_node(self, event, tag, value):
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        node.data = _json_scalar(value, event.start_mark) if isinstance(value, tuple) else value
        return node

    def _start(self, event, mapping: bool) -> None:
        parent = self.frames[-1] if self.frames else None
        merge_value = not mapping and parent is not None and parent.kind == "map" and parent.key == "merge"
        if not merge_value:
            self.decodes += 1
        if len(self.frames) >= MAX_DEPTH:
            raise DialectError(f"nested more than {MAX_DEPTH:,} levels deep (Kubernetes refuses it)", event.start_mark)
        node = None
        if self.nodes:
            node_type = yaml.MappingNode if mapping else yaml.SequenceNode
            node = node_type(event.tag or "", [], event.start_mark, event.start_mark, event.flow_style)
        frame = _Frame("map" if mapping else "seq", {} if mapping else [], self.decodes - (0 if merge_value else 1),
                       event.start_mark, event.anchor, node, merge_value)
        if event.anchor is not None:
            self.anchors[event.anchor] = frame  # an alias to it before it ends names its own ancestor
        self.frames.append(frame)

    def _end(self, event) -> None:
        frame = self.frames.pop()
        node = frame.node
        if node is not None:
            children = frame.children
            node.value = list(zip(children[::2], children[1::2])) if frame.kind == "map" else children
            node.end_mark = event.end_mark
            node.data = frame.value
        item = _Item(frame.value, frame.kind, self.decodes - frame.start, frame.mark, node, frame.identities)
        item.merge_sources = frame.merge_sources
        if frame.anchor is not None and self.anchors.get(frame.anchor) is frame:
            self.anchors[frame.anchor] = item
        self._add(item)

    def _alias(self, event) -> None:
        target = self.anchors.get(event.anchor)
        if target is None:
            raise DialectError("an alias names an anchor that is not defined before it", event.start_mark)
        if isinstance(target, _Frame):
            raise DialectError("an alias names a mapping or list that contains it", event.start_mark)
        self.decodes += 1 + target.cost
        self.aliased += target.cost
        if self.aliased > 100 and self.decodes > 1000 and self.aliased / self.decodes > _allowed_alias_ratio(self.decodes):
            raise DialectError("excessive aliasing: the document's aliases expand too far (Kubernetes refuses it)",
                               event.start_mark)
        self._add(_Item(target.value, target.kind, 1 + target.cost, event.start_mark, target.node,
                        target.identities, alias=True))

    # -- putting a finished node in its place ---------------------------------------------------

    def _add(self, item: _Item) -> None:
        if not self.frames:
            self.root = item
            return
        frame = self.frames[-1]
        if frame.children is not None:
            frame.children.append(item.node)
        if frame.kind == "seq":
            frame.value.append(_json_value(item))
            if frame.merge_sources is not None:
                frame.merge_sources.append(item)
        elif frame.key is None:
            frame.key = item
        else:
            key, frame.key = frame.key, None
            if key == "merge":
                self._merge(frame, item)
            else:
                json_key = _json_key(key)
                if type(json_key) is _Unconvertible:
                    self.unconvertible = True
                self._set(frame, item.mark, json_key, _identity(key), _json_value(item), merged=False)

    def _merge(self, frame: _Frame, item: _Item) -> None:
        """Apply a merge key's value to the mapping being built, as go-yaml's ``merge`` does."""
        if item.kind == "map":
            sources = [item]
        elif item.merge_sources is not None and not item.alias and all(s.kind == "map" for s in item.merge_sources):
            sources = item.merge_sources[::-1]  # earlier mappings take precedence: applied last
        else:
            raise DialectError("a merge key (<<) needs a mapping or a list of mappings", item.mark)
        if not isinstance(frame.value, MergedMapping):
            merged = MergedMapping()
            merged.update(frame.value)
            frame.value = merged
            if frame.node is not None:
                frame.node.data = merged
        for source in sources:
            identities = source.identities or {}
            for key, value in source.value.items():
                self._set(frame, source.mark, key, identities.get(key, ("s", key)), value, merged=True)

    def _set(self, frame: _Frame, mark, key: str, identity, value, merged: bool) -> None:
        mapping = frame.value
        if identity[0] != "s" or frame.identities is not None:
            identities = frame.identities if frame.identities is not None else {}
            if key in mapping and identities.get(key, ("s", key)) != identity:
                mapping[_Unconvertible("two keys of a mapping become the same JSON key (Kubernetes keeps either)",
                                       mark)] = None
                self.unconvertible = True
            if identity[0] != "s":
                identities[key] = identity
                frame.identities = identities
        mapping[key] = value
        if type(mapping) is MergedMapping:
            (mapping.from_merge.add if merged else mapping.from_merge.discard)(key)


# -- the plain reader -------------------------------------------------------------------------
# Nearly every document a chart renders is plain: no anchor, alias, tag or merge key, every key a
# string. For those, go-yaml's rules come down to resolving plain scalars, which this reader does
# in one tight loop over libyaml's events, several times faster than `_Builder`. At the first
# event of any other shape it gives up (`_Unusual`), and `_Builder` reads the document instead:
# every decision beyond the plain shapes stays in one place.

_NUMBER_START = "0123456789+-."  # a plain scalar starting otherwise, and not in _WORDS, is a string
_NO_KEY = object()
_ScalarEvent, _AliasEvent, _DocumentEndEvent = yaml.ScalarEvent, yaml.AliasEvent, yaml.DocumentEndEvent
_MappingStartEvent, _MappingEndEvent = yaml.MappingStartEvent, yaml.MappingEndEvent
_SequenceStartEvent, _SequenceEndEvent = yaml.SequenceStartEvent, yaml.SequenceEndEvent


class _Unusual(Exception):
    """The document has a shape the plain reader leaves to `_Builder`."""


def _read_plain(text: str, layout: bool) -> tuple[Any, Layout | None]:
    """The first document's value, and with ``layout`` its `Layout`, if the document is plain.

    With ``layout`` a repeated key is unusual too (a rewrite must refuse it, with its line)."""
    next_event = _Parser(text).get_event
    next_event()  # the stream's start
    if type(next_event()) is not yaml.DocumentStartEvent:
        return None, None  # no document at all
    holder: list = []  # the root value lands in it, as in a list
    container, in_map, key, key_event = holder, False, _NO_KEY, None
    children: dict | None = {} if layout else None  # the open container's, for its Layout
    stack: list[tuple] = []  # the enclosing containers' (container, in_map, key, key_event, children, opening)
    last = None  # the last value finished: its scalar's event, or its Layout
    keys = kept = 0  # key events read, and keys the mappings kept: fewer when a key repeats
    while True:
        event = next_event()
        kind = type(event)
        if kind is _ScalarEvent:
            if event.tag is not None or event.anchor is not None:
                raise _Unusual
            value = event.value
            if event.implicit[0] and (value in _WORDS or value[0] in _NUMBER_START):
                value = _plain_scalar(value, in_map and key is _NO_KEY)
            if in_map:
                if key is _NO_KEY:
                    key, key_event = value, event
                    keys += 1
                    continue
                container[key] = value
                key = _NO_KEY
            else:
                container.append(value)
            last = event
        elif kind is _MappingStartEvent or kind is _SequenceStartEvent:
            if event.tag is not None or event.anchor is not None or key is _NO_KEY and in_map:
                raise _Unusual  # a tag or anchor on it, or a mapping or list used as a key
            if len(stack) >= MAX_DEPTH:
                raise _Unusual
            stack.append((container, in_map, key, key_event, children, event))
            in_map = kind is _MappingStartEvent
            container, key = ({} if in_map else []), _NO_KEY
            if layout:
                children = {}
        elif kind is _MappingEndEvent or kind is _SequenceEndEvent:
            value = container
            if in_map:
                kept += len(value)
            if layout:
                last = Layout(in_map, stack[-1][5], event, children, last, tuple(value) if in_map else (), len(value))
            container, in_map, key, key_event, children, _ = stack.pop()
            if in_map:
                container[key] = value
                if layout:
                    children[key] = (key_event.start_mark.column, last)
                key = _NO_KEY
            else:
                if layout:
                    children[len(container)] = (None, last)
                container.append(value)
        elif kind is _DocumentEndEvent:
            if not layout:
                return holder[0], None
            if keys != kept:
                raise _Unusual
            root = children.get(0)
            return holder[0], root[1] if root is not None else None
        else:  # an alias
            raise _Unusual


def _plain_scalar(text: str, is_key: bool):
    """A plain scalar that may be other than a string (a number, a boolean, null, a merge key)."""
    if is_key and text == "<<":
        raise _Unusual
    value = _json_scalar(_implicit(text), None)
    if type(value) is _Unconvertible or is_key and type(value) is not str:
        raise _Unusual
    return value


def _allowed_alias_ratio(decodes: int) -> float:
    """go-yaml's allowedAliasRatio: how much of a document's decoding may come from aliases."""
    if decodes <= 400_000:
        return 0.99
    if decodes >= 4_000_000:
        return 0.10
    return 0.99 - 0.89 * ((decodes - 400_000) / 3_600_000)


# -- scalars -------------------------------------------------------------------------------------
# A scalar is first held as Go holds it, (kind, value): "s" string, "i" int64, "u" uint64,
# "f" float64, "b" bool, "n" nil; JSON then makes a value of it, or a key.


def _resolve(tag: str, text: str, mark):
    """go-yaml v2's ``resolve`` for a plain or explicitly tagged scalar."""
    if tag not in _RESOLVABLE:
        if tag == _BINARY:
            return ("s", _binary(text, mark))
        return ("s", text)  # an application tag (!foo, !, !!merge…) means nothing to Kubernetes
    if tag == _TIMESTAMP:
        raise DialectError("an explicit !!timestamp tag is not supported (Go's time formats decide it)", mark)
    resolved = _implicit(text) if tag != _STR else ("s", text)
    if not tag or tag == _STR:
        return resolved
    wanted = {_BOOL: "b", _INT: "iu", _FLOAT: "f", _NULL: "n"}[tag]
    if resolved[0] in wanted:
        return resolved
    if tag == _FLOAT and resolved[0] == "i":
        return ("f", float(resolved[1]))
    raise DialectError(f"a value does not match its explicit {_short(tag)} tag", mark)


def _short(tag: str) -> str:
    return "!!" + tag[len(_TAG):]


def _implicit(text: str):
    """What an untagged plain scalar is, by go-yaml v2's rules."""
    word = _WORDS.get(text)
    if word is not None:
        tag, value = word
        if tag == _BOOL:
            return ("b", value)
        if tag == _NULL:
            return ("n", None)
        if tag == _FLOAT:
            return ("f", value)
        return ("s", value)  # "<<" as a value
    first = text[0]
    if first == ".":
        if _DOT_FLOAT.fullmatch(text) and _underscores_ok(text):
            value = float(text.replace("_", ""))
            if not math.isinf(value):
                return ("f", value)
        return ("s", text)
    if not (first in "+-" or "0" <= first <= "9"):
        return ("s", text)
    # A timestamp (2001-12-14…) stays the string it is: go-yaml gives it back as written.
    plain = text.replace("_", "")
    number = _go_parse_int(plain, 0, signed=True)
    if number is not None:
        return ("i", number)
    number = _go_parse_int(plain, 0, signed=False)
    if number is not None:
        return ("u", number)
    if _YAML_STYLE_FLOAT.fullmatch(plain):
        value = float(plain)
        if not math.isinf(value):
            return ("f", value)
    if plain.startswith("0b"):
        number = _go_parse_int(plain[2:], 2, signed=True)
        if number is not None:
            return ("i", number)
        number = _go_parse_int(plain[2:], 2, signed=False)
        if number is not None:
            return ("u", number)
    elif plain.startswith("-0b"):
        number = _go_parse_int("-" + plain[3:], 2, signed=True)
        if number is not None:
            return ("i", number)
    return ("s", text)


def _go_parse_int(text: str, base: int, signed: bool) -> int | None:
    """Go's strconv.ParseInt (``signed``) or ParseUint, 64 bits, on text without underscores."""
    negative = False
    if signed and text[:1] in ("+", "-"):
        negative, text = text[0] == "-", text[1:]
    if not text:
        return None
    if base == 0:
        base = 10
        if text[0] == "0":
            prefix = text[1:2].lower()
            if len(text) >= 3 and prefix in ("b", "o", "x"):
                base, text = {"b": 2, "o": 8, "x": 16}[prefix], text[2:]
            else:
                base, text = 8, text[1:]
                if not text:
                    return 0
    digits = _DIGITS[base]
    if not text or any(ch not in digits for ch in text):
        return None
    value = -int(text, base) if negative else int(text, base)
    low, high = _INT64 if signed else (0, _UINT64_MAX)
    return value if low <= value <= high else None


def _underscores_ok(text: str) -> bool:
    """Go's underscoreOK for a decimal float: an underscore only between digits."""
    saw = "^"
    for ch in text:
        if "0" <= ch <= "9":
            saw = "0"
        elif ch == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def _binary(text: str, mark) -> str:
    data = text.replace("\r", "").replace("\n", "")
    if not _BASE64.fullmatch(data):
        raise DialectError("a !!binary value is not valid base64", mark)
    try:
        decoded = base64.b64decode(data)
    except binascii.Error:
        raise DialectError("a !!binary value is not valid base64", mark) from None
    try:
        return decoded.decode("utf-8")
    except UnicodeDecodeError:
        return _go_utf8(decoded)


def _go_utf8(data: bytes) -> str:
    """Bytes as Go's JSON encoder writes them: each byte that starts no valid UTF-8 sequence is U+FFFD."""
    out, index = [], 0
    while index < len(data):
        lead = data[index]
        length = 1 if lead < 0x80 else 2 if 0xC2 <= lead < 0xE0 else 3 if 0xE0 <= lead < 0xF0 else 4 if 0xF0 <= lead < 0xF5 else 0
        try:
            out.append(data[index:index + length].decode("utf-8") if length else "\ufffd")
            index += length or 1
        except UnicodeDecodeError:
            out.append("\ufffd")
            index += 1
    return "".join(out)


class _Unconvertible:
    """What go-yaml decodes but the JSON conversion refuses (NaN, a null key, …): kept in place,
    because a later duplicate key may still overwrite it, and refused if it is there at the end."""

    __slots__ = ("problem", "mark")

    def __init__(self, problem: str, mark):
        self.problem, self.mark = problem, mark


def _refuse_unconvertible(root) -> None:
    seen, stack = set(), [root]
    while stack:
        value = stack.pop()
        if type(value) is _Unconvertible:
            raise DialectError(value.problem, value.mark)
        if isinstance(value, (dict, list)) and id(value) not in seen:
            seen.add(id(value))
            stack.extend(value.values() if isinstance(value, dict) else value)
            if isinstance(value, dict):
                stack.extend(key for key in value if type(key) is _Unconvertible)


def _json_value(item: _Item):
    if item.kind == "scalar":
        return _json_scalar(item.value, item.mark)
    return item.value


def _json_scalar(value: tuple, mark):
    kind, scalar = value
    if kind == "s" or kind == "b" or kind == "i" or kind == "n":
        return scalar
    if kind == "u":
        return float(scalar)  # beyond int64, Kubernetes' JSON reader holds a float64
    if math.isinf(scalar) or math.isnan(scalar):
        return _Unconvertible("a value is infinite or not a number, which JSON cannot hold (Kubernetes refuses it)", mark)
    if scalar.is_integer() and abs(scalar) < 1e21:
        # Go writes a whole float in its shortest digits (0.0 as 0), which a JSON reader takes for
        # an integer where it fits in int64: 0.0 is the API server's integer 0.
        import decimal  # whole floats are rare in manifests: most runs never load decimal

        number = int(decimal.Decimal(repr(scalar)))
        if _INT64[0] <= number <= _INT64[1]:
            return number
    return scalar


def _json_key(item) -> str:
    """A mapping key as sigs.k8s.io/yaml's JSON conversion writes it."""
    if item.kind != "scalar":
        raise DialectError("a mapping or list is used as a mapping key", item.mark)
    kind, key = item.value
    if kind == "s":
        return key
    if kind == "i":
        return str(key)
    if kind == "b":
        return "true" if key else "false"
    if kind == "f":
        return _go_float32_g(key)
    return _Unconvertible("a mapping key is null or too large a number (Kubernetes refuses it)", item.mark)


def _identity(item) -> tuple:
    """The key as Go's map tells keys apart: 1, "1" and 1.0 are three keys (and each NaN is new)."""
    kind, key = item.value
    if kind == "f" and math.isnan(key):
        return ("f", object())
    return (kind, key)


def _go_float32_g(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 32), with go-yaml's spellings of infinity and NaN."""
    if math.isnan(value):
        return ".nan"
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    if single == 0:
        return "-0" if math.copysign(1, single) < 0 else "0"
    for precision in range(1, 10):  # the shortest decimal that reads back as the same float32
        text = f"{single:.{precision - 1}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            break
    mantissa, exponent = text.split("e")
    negative = mantissa.startswith("-")
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    exponent = int(exponent)
    sign = "-" if negative else ""
    if exponent < -4 or exponent >= 6:
        fraction = f".{digits[1:]}" if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{fraction}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    point = exponent + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"

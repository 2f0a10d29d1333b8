"""Turn a YAML stream into `Document`s and back, without losing a byte.

A stream is cut at its document separators (``---`` at the start of a line). Each piece keeps
its exact original text, so a document nobody changes is written back byte for byte; the
piece is parsed with libyaml's C loader when PyYAML has it. Each document also learns where
it came from: Helm 3's ``# Source:`` comment, Helm 4's post-renderer filename annotation, a
Kustomize origin annotation, or else the file it was read from and its position there.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator

import yaml

from helm_harden import loader
from helm_harden.errors import InputError
from helm_harden.header import Header, read_header
from helm_harden.records import field, record

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without loading typing at start-up
if TYPE_CHECKING:
    from typing import Any

HELM4_FILENAME_ANNOTATION = "postrenderer.helm.sh/postrender-filename"
KUSTOMIZE_ORIGIN_ANNOTATION = "config.kubernetes.io/origin"

_SEPARATOR = re.compile(r"\n---(?=[ \t\r\n])")
_BARE_SEPARATOR_LINE = re.compile(r"---[ \t]*(#[^\n]*)?\r?\n")
_SOURCE_COMMENT = re.compile(r"^# Source: (.+?)\s*$")
_QUOTE = re.compile(r"(?:^|(?<=[\s(\[{:=,]))['\"`]")  # an opening quote, not the apostrophe of "Go's"
_ORIGIN_PATH = re.compile(r"^path: ['\"]?(.+?)['\"]?\s*$", re.M)


_UNREAD = object()


@record(slots=True, eq=False)
class Document:
    """One document of a stream: its original text, provenance, and its object once parsed.

    The object is built on first use of `data`; `header` (apiVersion, kind, name, namespace)
    is read from the text alone on first use, and is None where that read could not be sure.
    """

    text: str
    index: int  # 0-based position in its stream
    line: int  # 1-based line where its text starts in the stream
    origin: str  # the stream: a file name, "<stdin>", or the chart that was rendered
    template: str | None  # Helm 3's "# Source:" template, when the document has one
    body_offset: int  # the line of `text` where the template's own lines start
    _header: Any = field(default=_UNREAD, repr=False)
    _data: Any = field(default=_UNREAD, repr=False)

    @property
    def header(self) -> Header | None:
        """What the text says the document is, or None when the cheap read is unsure. A document
        that is parsed anyway never needs it: its object says the same, exactly."""
        if self._header is _UNREAD:
            self._header = read_header(self.text)
        return self._header

    @property
    def data(self) -> Any:
        """The parsed object (None for an empty document); an `InputError` if it is not valid."""
        if self._data is _UNREAD:
            self._data = _load(self.text, self.template or self.origin, self.line, self.body_offset, bool(self.template))
        return self._data

    def data_with_layout(self) -> tuple[Any, loader.Layout | None]:
        """`data`, and its `helm_harden.loader.Layout` when this call is the one that parses it
        (None otherwise, or where the loader leaves the layout to a node tree): a document that is
        rewritten is read once for both. The layout is not kept: most documents never need it."""
        if self._data is not _UNREAD:
            return self._data, None
        self._data, layout = _load(self.text, self.template or self.origin, self.line, self.body_offset,
                                   bool(self.template), layout=True)
        return self._data, layout

    @property
    def header_read(self) -> bool:
        """Has the header been read (or found unreadable)?"""
        return self._header is not _UNREAD

    @property
    def parsed(self) -> bool:
        """Has the object been built?"""
        return self._data is not _UNREAD

    @property
    def source(self) -> str:
        """The template or file the document came from."""
        return self.template or self._annotated_source() or self.origin

    @property
    def from_template(self) -> bool:  # True when `source` names a template rather than the stream
        return bool(self.template or self._annotated_source())

    def _annotated_source(self) -> str | None:
        if HELM4_FILENAME_ANNOTATION not in self.text and KUSTOMIZE_ORIGIN_ANNOTATION not in self.text:
            return None  # neither annotation: no need to parse the document for them
        return _annotated_source(self.data)

    @property
    def label(self) -> str:
        """How error messages name this document."""
        if self.from_template:
            return self.source
        return f"{self.origin} (document {self.index + 1})"


_READ_SIZE = 1 << 20


def split_stream(source: str | Iterable[str]) -> Iterator[tuple[int, str]]:
    """Yield ``(line, chunk)`` for each document of a stream; the chunks add up to the text.

    ``source`` is the text, or its pieces in order (a large stream is read a piece at a time,
    and only the document being cut is held). Directive lines (``%YAML 1.1``) belong to the
    document after them, so a piece holding only directives and comments is joined to the next.
    """
    pieces = (source,) if isinstance(source, str) else source
    pending = ""  # text read but not yet yielded; it starts where a document starts
    line = 1
    searched = 0  # separators before this offset of `pending` have been looked for
    for piece in pieces:
        pending += piece
        start = 0
        for match in _SEPARATOR.finditer(pending, searched):
            cut = match.start() + 1  # the separator's line starts after the "\n"
            if _only_directives(pending[start:cut]):
                continue  # the directives stay with the separator that follows them
            chunk = pending[start:cut]
            yield line, chunk
            line += chunk.count("\n")
            start = cut
        pending = pending[start:]
        searched = max(len(pending) - 4, 0)  # a separator may end in the next piece
    if pending.endswith("\n---") and not _only_directives(pending[:-3]):  # a bare separator ends the stream
        yield line, pending[:-3]
        line += pending.count("\n")
        pending = "---"
    if pending:
        yield line, pending


def _only_directives(piece: str) -> bool:
    if "%" not in piece or not piece.lstrip().startswith(("%", "#")):
        return False  # the usual piece, a separator line and a document: said without splitting its lines
    lines = [line.strip() for line in piece.splitlines() if line.strip()]
    return any(line.startswith("%") for line in lines) and all(line.startswith(("%", "#")) for line in lines)


def parse_documents(source: str | Iterable[str], origin: str) -> Iterator[Document]:
    """The documents of a YAML stream, one at a time; each is parsed when its `data` is first used."""
    for index, (line, chunk) in enumerate(split_stream(source)):
        template, body_offset = _source_comment(chunk)
        yield Document(chunk, index, line, origin, template, body_offset)


def load_text(text: str) -> Any:
    """Parse one document the way `parse_documents` does (used to verify rewritten documents)."""
    return loader.load(text)


def rewrite(document: Document, edits: list, expected: Any, layout: loader.Layout | None = None) -> str | None:
    """The document's text with ``edits`` (patch operations that only add) applied, such that it
    parses to ``expected``; None when no way of writing it does. ``layout`` is the document's, if
    the loader read it (`Document.data_with_layout`).

    First by inserting lines into the original text (`helm_harden.textpatch`), which leaves every
    other byte alone; where the document's shape is beyond that, through ruamel.yaml's
    round-trip mode, which keeps comments (Helm's ``# Source:`` line among them), key order,
    quoting and block scalars, and may only normalise indentation.
    """
    from helm_harden.textpatch import DuplicateKey, Unsupported, apply_edits  # only changed documents need it

    mapping, offset = _indentation(document.text)
    try:
        text = apply_edits(document.text, edits, mapping, offset, layout)
        if same_value(load_text(text), expected):
            return text
    except DuplicateKey as duplicate:
        raise InputError(f"{document.label}: line {document.line + duplicate.line}: a mapping repeats a key; "
                         "cannot rewrite the document") from None
    except (Unsupported, yaml.YAMLError):
        pass
    text = _round_trip_rewrite(document, edits, mapping, offset)
    return text if same_value(load_text(text), expected) else None


def same_value(left: Any, right: Any) -> bool:
    """Are two parsed YAML values the same to the API server: equal, and of the same types?

    Python's ``==`` takes ``true`` for ``1`` and ``1`` for ``1.0``; the API server does not. Their
    canonical JSON tells them apart, in C (several times faster than a walk in Python). A value
    nested beyond the recursion limit (a list a thousand deep is valid input) is walked instead.
    """
    try:
        return _canonical(left) == _canonical(right)
    except (RecursionError, TypeError, ValueError):
        pass
    pairs = [(left, right)]
    while pairs:
        a, b = pairs.pop()
        if isinstance(a, dict) and isinstance(b, dict):
            if a.keys() != b.keys():
                return False
            pairs.extend((a[key], b[key]) for key in a)
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                return False
            pairs.extend(zip(a, b))
        elif isinstance(a, (dict, list)) or isinstance(b, (dict, list)) or type(a) is not type(b) or a != b:
            return False
    return True


def _canonical(value: Any) -> str:
    import json  # only a rewritten document is compared: a check never loads json

    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _round_trip_rewrite(document: Document, edits: list, mapping: int, offset: int) -> str:
    """Rewrite through ruamel.yaml; the separator line, a byte-order mark and the document's line
    endings are kept as they were (ruamel.yaml would drop the first and write LF for the second)."""
    round_trip = round_trip_yaml()
    round_trip.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    bom = "\ufeff" if document.text.startswith("\ufeff") else ""
    text = document.text[len(bom):]
    try:
        data = round_trip.load(text)
    except Exception as error:  # ruamel.yaml is stricter than libyaml, e.g. about duplicate keys
        mark = getattr(error, "problem_mark", None)
        where = f"line {document.line + mark.line}: " if mark is not None else ""
        problem = without_content(str(getattr(error, "problem", None) or type(error).__name__))
        raise InputError(f"{document.label}: {where}cannot rewrite the document: {problem}") from None
    for edit in edits:
        edit.apply(data)
    output = io.StringIO()
    separator = _BARE_SEPARATOR_LINE.match(text)
    if separator is None and text.startswith("---"):
        round_trip.explicit_start = True  # content on the separator line: let ruamel write both
    round_trip.dump(data, output)
    body = output.getvalue()
    if "\r\n" in text:
        body = body.replace("\n", "\r\n")  # ruamel.yaml writes "\r" inside scalars escaped, never raw
    return bom + (separator.group(0) if separator else "") + body


def _indentation(text: str) -> tuple[int, int]:
    """The document's own mapping indent and sequence-dash offset, so a rewrite keeps its style.

    Helm charts indent list dashes under their key (``containers:`` / ``  - name:``) as often
    as not; writing them back in another style would make every diff noisy.
    """
    mapping = offset = None
    previous = None  # (indent, text) of the last line that opened a block: "key:"
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#") or stripped.startswith("---"):
            continue
        indent = len(line) - len(stripped)
        if previous is not None and indent > previous:
            if stripped.startswith("- "):
                offset = indent - previous if offset is None else offset
            elif mapping is None:
                mapping = indent - previous
        if mapping is not None and offset is not None:
            break
        previous = indent if stripped.rstrip().endswith(":") and not stripped.startswith("- ") else None
    return mapping or 2, min(offset or 0, (mapping or 2))


def round_trip_yaml():
    """ruamel.yaml set up to write back what it read: quotes kept, long strings never folded."""
    from ruamel.yaml import YAML  # imported on first use: only changed documents need it

    round_trip = YAML(typ="rt")
    round_trip.preserve_quotes = True
    round_trip.width = 1 << 20  # never fold long strings onto new lines
    return round_trip


def _source_comment(chunk: str) -> tuple[str | None, int]:
    """Helm 3's ``# Source:`` template name, and the chunk line where the template body starts."""
    head = chunk[:1024]  # the comment sits in the first lines; splitting a whole document is slow
    for number, line in enumerate(head.splitlines()[:8]):
        if number == 0 and line.startswith("---"):
            continue
        match = _SOURCE_COMMENT.match(line)
        if match:
            return match.group(1), number + 1
        if line.strip() and not line.lstrip().startswith("#"):
            break
    return None, 0


def _load(chunk: str, where: str, line: int, body_offset: int, from_template: bool, layout: bool = False) -> Any:
    """The chunk's object (with ``layout``: the object and its layout), errors worded for ``where``."""
    try:
        return loader.load_with_layout(chunk) if layout else loader.load(chunk)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = without_content(error.problem or error.context or "invalid YAML")
        if not isinstance(error, loader.DialectError):
            problem = f"invalid YAML: {problem}"
        if mark is None:
            raise InputError(f"{where}: {problem}") from None
        if from_template:
            position = f"line {mark.line - body_offset + 1} of the rendered template"
        else:
            position = f"line {line + mark.line}"
        raise InputError(f"{where}: {position}: {problem}") from None
    except yaml.YAMLError as error:  # errors without a position, e.g. from the reader
        raise InputError(f"{where}: invalid YAML: {type(error).__name__}") from None


def without_content(problem: str) -> str:
    """A parser's problem text without the input it cites: that may be a Secret's value (a tag
    such as ``!s3cr3t`` is quoted back in "could not determine a constructor"). Everything from
    the first quote on goes: a quote inside the cited text (``!!x%27y``) would end the citation
    early, so balanced quotes cannot be relied on."""
    cut = _QUOTE.search(problem)
    return problem if cut is None else problem[: cut.start()].rstrip() + " …"


def _annotated_source(data: Any) -> str | None:
    """The file name Helm 4 or Kustomize recorded in the object's annotations."""
    if not isinstance(data, dict):
        return None
    metadata = data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict):
        return None
    helm4 = annotations.get(HELM4_FILENAME_ANNOTATION)
    if isinstance(helm4, str) and helm4:
        return helm4
    origin = annotations.get(KUSTOMIZE_ORIGIN_ANNOTATION)
    if isinstance(origin, str):
        match = _ORIGIN_PATH.search(origin)
        if match:
            return match.group(1)
    return None

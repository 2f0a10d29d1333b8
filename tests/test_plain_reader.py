"""The loader's plain reader against `_Builder`, the reader that decides every shape.

The plain reader reads the documents charts render (no anchor, alias, tag or merge key, every key
a string) in one tight loop and hands anything else to `_Builder`. Whatever it accepts it must
read exactly as `_Builder` does, value for value and type for type, and the text positions it
reads along with the value (the `Layout` a rewrite inserts lines by) must be those of
`loader.compose`'s node tree. Checked on generated documents full of the spellings go-yaml
reads specially, on the charts under test and on the benchmark's generated streams; and
post-render writes the same bytes, and check finds the same, whichever reader reads.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import strictly_equal
from helm_harden import loader
from helm_harden.config import default_config
from helm_harden.engine import Engine
from helm_harden.manifest import parse_documents, split_stream
from test_dialect_differential import PLAIN, QUOTED, document as unusual_document
from test_kind_first import GENERATED

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from synthetic import chart_shaped_stream, filled_stream, small_chart_render, synthetic_stream  # noqa: E402

KEYS = ["a", "b", "name", "'quoted'", '"double"', "x-y", "a.b/c", "y", "on", "1", "0x1", "1.5", "true", "<<",
        "'<<'", "~", "''"]


def _exact(text: str):
    for value in loader._Builder(nodes=False).documents(text):
        return value
    return None


def _plain(text: str, layout: bool):
    """The plain reader's ``(value, layout)``, or None where it leaves the document to `_Builder`."""
    try:
        return loader._read_plain(text, layout)
    except (loader._Unusual, yaml.YAMLError):
        return None


def _described(layout: loader.Layout | None):
    """Everything a rewrite reads from a layout, as nested tuples."""
    if layout is None:
        return None
    return (layout.mapping, layout.flow, layout.start, layout.end, layout.column, layout.keys, layout.length,
            layout.last_end, layout.content_end(), layout.last is not None,
            {key: (column, _described(child)) for key, (column, child) in layout.children.items()})


def _plain_tree(rng: random.Random, indent: int, depth: int = 0) -> str:
    """A value after ``key:``: a scalar of go-yaml's special spellings, or a block or flow
    mapping or list of them; keys repeat now and then."""
    choice = rng.randrange(6 if depth < 4 else 2)
    if choice <= 1:
        return " " + rng.choice(PLAIN + QUOTED + ["", "- x", "|\n" + " " * (indent + 2) + "text"])
    if choice == 2:
        items = [rng.choice(PLAIN + QUOTED) or "''" for _ in range(rng.randrange(4))]
        return " [" + ", ".join(items) + "]"
    if choice == 3:
        items = [f"{rng.choice(KEYS)}: {rng.choice(PLAIN + QUOTED)}" for _ in range(rng.randrange(4))]
        return " {" + ", ".join(items) + "}" + rng.choice(["", "  # comment"])
    pad = " " * (indent + 2)
    lines = []
    for _ in range(rng.randint(1, 4)):
        if choice == 4:
            lines.append(f"{pad}{rng.choice(KEYS)}:{_plain_tree(rng, indent + 2, depth + 1)}")
        else:
            lines.append(f"{pad}-{_plain_tree(rng, indent + 2, depth + 1)}")
        if rng.randrange(5) == 0:
            lines.append(f"{pad}# a comment")
    return "\n" + "\n".join(lines)


def _plain_document(rng: random.Random) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: generated\ndata:{_plain_tree(rng, 0)}\n"


def _agrees(text: str) -> bool:
    """Does the plain reader read ``text`` as `_Builder` and `compose` do? True if it accepts it."""
    try:
        exact = _exact(text)
    except yaml.YAMLError:
        exact = "refused"
    value = _plain(text, layout=False)
    with_layout = _plain(text, layout=True)
    if value is None:
        assert with_layout is None, text
        return False
    assert exact != "refused" and strictly_equal(value[0], exact), text
    if with_layout is not None:
        assert strictly_equal(with_layout[0], exact), text
        assert _described(with_layout[1]) == _described(loader.layout_of(loader.compose(text))), text
    return True


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**64))
def test_the_plain_reader_reads_what_it_accepts_as_the_builder_does(seed):
    rng = random.Random(seed)
    accepted = sum(_agrees(_plain_document(rng)) for _ in range(200))
    assert accepted > 20  # most keys are strings: many documents are plain


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**64))
def test_the_plain_reader_leaves_anchors_tags_and_merge_keys_to_the_builder(seed):
    rng = random.Random(seed)
    for _ in range(200):
        _agrees(unusual_document(rng))


@pytest.mark.parametrize("text, why", [
    ("a: &x 1\nb: *x\n", "an anchor and an alias"),
    ("a: !!str 1\n", "a tag"),
    ("a: ! 1\n", "the non-specific tag"),
    ("base: {a: 1}\nm:\n  <<: {b: 2}\n", "a merge key"),
    ("? [a]\n: 1\n", "a list as a key"),
    ("1: a\n", "a number as a key"),
    ("on: a\n", "a boolean as a key"),
    (": a\n", "a null key"),
    ("a: .nan\n", "a value JSON has no number for"),
    ("a: 1\na: 2\n", "a repeated key (with the layout)"),
])
def test_shapes_the_plain_reader_leaves_to_the_builder(text, why):
    assert _plain(text, layout=True) is None, why
    assert _agrees(text) == (why == "a repeated key (with the layout)"), why
    assert _reading(loader.load, text) == _reading(_exact, text), why
    assert _reading(lambda t: loader.load_with_layout(t)[0], text) == _reading(_exact, text), why
    if _reading(_exact, text)[0] == "read":
        assert loader.load_with_layout(text)[1] is None, why


def _reading(load, text: str) -> tuple:
    """What ``load`` reads (with each value's type), or the error it raises."""
    try:
        value = load(text)
    except yaml.YAMLError as error:
        return "refused", type(error), str(error)
    return "read", repr(value), repr({key: type(item) for key, item in value.items()})


def test_a_quoted_merge_key_is_a_plain_string_key():
    assert _plain("'<<': 1\n", layout=True)[0] == {"<<": 1}
    assert _agrees("'<<': 1\n")


def _chart_streams() -> list[str]:
    helm = str(Path(sys.executable).parent / "helm")
    charts = sorted(p.parent for p in (REPO / "charts-under-test").glob("*/Chart.yaml"))
    return [subprocess.run([helm, "template", str(chart)], capture_output=True, text=True, check=True).stdout
            for chart in charts]


def test_the_plain_reader_reads_every_document_of_the_charts_and_the_benchmark():
    streams = _chart_streams() + [small_chart_render(), chart_shaped_stream(60_000)[0], synthetic_stream(60_000)[0],
                                  filled_stream(30_000)[0]]
    for stream in streams:
        for _, text in split_stream(stream):
            assert _agrees(text) or not text.strip("-\n") or "&" in text or "<<" in text, text


def _builder_only(monkeypatch):
    """Every document read by `_Builder`, and every rewrite positioned by `compose`'s node tree."""
    def unusual(text, layout):
        raise loader._Unusual

    monkeypatch.setattr(loader, "_read_plain", unusual)


def _hardened(stream: str) -> list[tuple]:
    engine = Engine(default_config(), namespace="default")
    documents = list(parse_documents(stream, "<stdin>"))
    hardened = [engine.harden(document) for document in documents]
    checked = Engine(default_config(), namespace="default").scan("<stdin>", parse_documents(stream, "<stdin>"))
    return [(h.text, h.fixed, h.remaining) for h in hardened] + [checked.findings]


def test_post_render_and_check_are_the_same_whichever_reader_reads(monkeypatch):
    """Byte for byte and finding for finding, on the charts under test, the generated stream of
    the kind-first tests and the benchmark's streams, where most documents are filled."""
    streams = _chart_streams() + [GENERATED, small_chart_render(), chart_shaped_stream(60_000)[0],
                                  synthetic_stream(60_000)[0], filled_stream(30_000)[0]]
    plain = [_hardened(stream) for stream in streams]
    assert sum(len(h[1]) for stream in plain for h in stream[:-1]) > 500  # many fills were written
    _builder_only(monkeypatch)
    assert [_hardened(stream) for stream in streams] == plain

"""Differential test: helm-harden's loader against the real Kubernetes decoder (kubectl).

Hypothesis writes documents full of merge keys, short booleans, spellings of numbers, anchors and
aliases, tags, quoting, and block and flow styles mixed; each is read by `helm_harden.loader` and
by ``kubectl label --local`` (all of one run's documents in a single kubectl call), and the two
must agree value for value and type for type, or both refuse the document. The only documents
the loader may refuse while kubectl reads them are the two it refuses by design: keys that become
the same JSON key (kubectl keeps either, at random) and ``!!timestamp``, which is not generated.
"""

from __future__ import annotations

import random

import yaml
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from conftest import decode_with_kubectl, strictly_equal
from helm_harden import loader

DOCUMENTS_PER_EXAMPLE = 500
EXAMPLES = 6  # 3,000 documents, in 6 kubectl calls

PLAIN = [
    "y", "Y", "n", "N", "yes", "No", "ON", "off", "true", "False", "TRUE", "yEs", "oN", "nO",
    "0", "00", "0.0", ".0", "-.0", "+0", "0e0", "0E0", "0o0", "0x0", "0b0", "-0b0", "0_0", "0.", "012", "08",
    "019", "0o17", "0O8", "0x1F", "0X_1f", "0x", "0b101", "0b+101", "-0b101", "1_000", "1__0", "+12", "-7",
    "1e3", "1E+3", "1.5", "-1.5e-7", "1e21", "1e400", "1e-400", ".5", ".5_0", "._5", "+.5", "-.5e3", "1.", "1e",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "0xFFFFFFFFFFFFFFFF", "0x1p3", "12:30", "1:2:3",
    "~", "null", "Null", "NULL", "nUll", "", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2023-02-29",
    "2001-1-1 1:2:3", "=", "<<", "a", "b", "app", "RuntimeDefault", "ALL", "x-y", "a.b", "_", "-a", "+x",
    ".inf", "-.Inf", ".nan",
]
QUOTED = ["'y'", "'0.0'", '"0x1F"', "''", '""', '"a\\tb"', "'it''s'", '"\\u00e9"', '"<<"', "'~'"]
TAGS = ["!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!foo ", "! ", "!!binary ", "!<tag:yaml.org,2002:int> "]
KEYS = ["a", "b", "c", "privileged", "runAsUser", "'a'", '"b"', "y", "n", "on", "1", "01", "0x1", "1.5",
        "1e7", "true", "'true'", "'1'", "2001-01-01", "!!str 1", "? a"]


def scalar(rng: random.Random) -> str:
    if rng.randrange(4) == 0:
        text = "".join(rng.choice("abxyz019._+-") for _ in range(rng.randint(1, 4)))
    else:
        text = rng.choice(PLAIN + QUOTED)
    if rng.randrange(10) == 0:
        return rng.choice(TAGS) + (text or "''")
    return text


def tree(rng: random.Random, depth: int = 0):
    """("scalar", text, anchored) | ("map", [(key, tree)], flow, anchored) | ("seq", [tree], flow,
    anchored) | ("alias", n) | ("alias-map", n); a map may hold merge keys ("<<", value)."""
    choice = rng.randrange(10 if depth < 3 else 4)
    if choice <= 3:
        return ("scalar", scalar(rng), rng.randrange(4) == 0)
    if choice == 4:
        return ("alias", rng.randrange(50))
    flow = depth > 0 and rng.randrange(2) == 0
    anchored = rng.randrange(3) == 0
    if choice <= 7:
        entries = []
        for _ in range(rng.randrange(5)):
            if rng.randrange(4) == 0:
                entries.append(("<<", merge(rng, depth)))
            else:
                entries.append((rng.choice(KEYS), tree(rng, depth + 1)))
        return ("map", entries, flow, anchored)
    return ("seq", [tree(rng, depth + 1) for _ in range(rng.randrange(4))], flow, anchored)


def merge(rng: random.Random, depth: int):
    """A merge key's value: an alias (to a mapping where one exists), a mapping, a list of them."""
    kind = rng.randrange(4)
    if kind == 0:
        return ("alias-map", rng.randrange(50))
    if kind == 1:
        return ("map", [(rng.choice(KEYS), tree(rng, depth + 2)) for _ in range(rng.randrange(4))], True, False)
    if kind == 2:
        return tree(rng, depth + 1)  # mostly not a mapping: both readers must refuse it
    return ("seq", [("alias-map", rng.randrange(50)) if rng.randrange(2) else merge(rng, depth + 1)
                    for _ in range(rng.randint(1, 3))], True, False)


class _Writer:
    """Writes a tree as YAML text; aliases name anchors written before them and not around them."""

    def __init__(self):
        self.anchors: list[tuple[str, str]] = []  # (name, kind) of finished anchored nodes
        self.count = 0

    def anchor(self) -> str:
        self.count += 1
        return f"a{self.count}"

    def alias(self, number: int, kind: str | None) -> str | None:
        names = [name for name, anchored in self.anchors if kind is None or anchored == kind]
        return f"*{names[number % len(names)]}" if names else None

    def inline(self, tree) -> str:
        """A flow rendering of ``tree``."""
        kind = tree[0]
        if kind == "scalar":
            _, text, anchored = tree
            if anchored:
                name = self.anchor()
                self.anchors.append((name, "scalar"))
                return f"&{name} {text}"
            return text
        if kind in ("alias", "alias-map"):
            return self.alias(tree[1], "map" if kind == "alias-map" else None) or ("{}" if kind == "alias-map" else "x")
        _, items, _, anchored = tree
        name = self.anchor() if anchored else None
        if kind == "map":
            body = "{" + ", ".join(f"{key}: {self.inline(value)}" for key, value in items) + "}"
        else:
            body = "[" + ", ".join(self.inline(item) for item in items) + "]"
        if name:
            self.anchors.append((name, kind))
            return f"&{name} {body}"
        return body

    def block(self, tree, indent: int) -> str:
        """``tree`` as the value after ``key:`` at ``indent``: inline, or indented lines."""
        kind = tree[0]
        if kind not in ("map", "seq") or tree[2] or not tree[1]:
            return " " + self.inline(tree)
        _, items, _, anchored = tree
        name = self.anchor() if anchored else None
        pad = " " * (indent + 2)
        lines = []
        for item in items:
            if kind == "map":
                key, value = item
                lines.append(f"{pad}{key}:{self.block(value, indent + 2)}")
            else:
                lines.append(f"{pad}-{self.block(item, indent + 2)}")
        if name:
            self.anchors.append((name, kind))
        return (f" &{name}" if name else "") + "\n" + "\n".join(lines)


def document(rng: random.Random) -> str:
    value = _Writer().block(tree(rng), 0)
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: generated\nvalue:{value}\n"


def _ours(document: str):
    """The loader's reading, or the reason it refuses the document."""
    try:
        return loader.load(document), None
    except yaml.YAMLError as error:
        return None, getattr(error, "problem", None) or type(error).__name__


BY_DESIGN = "two keys of a mapping become the same JSON key (Kubernetes keeps either)"


@settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: a seed is all there is
@given(st.integers(0, 2**64))
def test_the_loader_reads_every_document_as_kubectl_does(seed):
    """Hypothesis picks the seeds (and prints the one that fails); a seeded random writes the
    documents, thousands per second, where drawing each choice from Hypothesis would take minutes."""
    rng = random.Random(seed)
    batch = [document(rng) for _ in range(DOCUMENTS_PER_EXAMPLE)]
    theirs = decode_with_kubectl(batch)
    disagreements = []
    for text, kubectl in zip(batch, theirs):
        value, refusal = _ours(text)
        if refusal == BY_DESIGN:
            continue
        if refusal is not None and kubectl is None:
            continue  # both refuse it
        if refusal is not None or kubectl is None or not strictly_equal(value, kubectl):
            disagreements.append((text, refusal or value, kubectl))
    assert [f"{text}=> ours: {ours!r}\n   kubectl: {kubectl!r}" for text, ours, kubectl in disagreements] == []

"""Fills written as inserted text: every other byte of a changed document stays as it was."""

import difflib

import pytest
import yaml

from helm_harden.config import default_config
from helm_harden.engine import Engine
from helm_harden.manifest import parse_documents, same_value
from helm_harden.patch import AppendMissing, SetDefault
from helm_harden.textpatch import DuplicateKey, Unsupported, apply_edits

POD = """\
---
# Source: chart/templates/pod.yaml
apiVersion: v1
kind: Pod
metadata:
  name: p   # a comment that stays
  annotations:
    quoted: "on"
spec:
  containers:
    - name: app
      image: app:1.0
      args:
        - |
          line one
          line two
      securityContext:
        {}
    - name: sidecar
      image: side:2.0
      securityContext: {privileged: true, capabilities: {add: [NET_ADMIN]}}
"""


def _only_additions(before: str, after: str) -> None:
    """``after`` is ``before`` with text inserted; the one thing it may drop is an empty ``{}``
    that became a block mapping (and the line break before it)."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    removed = [before[i1:i2] for op, i1, i2, _, _ in matcher.get_opcodes() if op in ("delete", "replace")]
    assert [text for text in removed if text.strip() not in ("", "{}")] == []


def test_pod_level_fills_go_after_the_last_key_of_the_pod_spec():
    edits = [
        SetDefault(("spec", "securityContext", "runAsNonRoot"), True),
        SetDefault(("spec", "securityContext", "seccompProfile", "type"), "RuntimeDefault"),
    ]
    after = apply_edits(POD, edits, 2, 2)
    assert after.endswith(
        "      securityContext: {privileged: true, capabilities: {add: [NET_ADMIN]}}\n"
        "  securityContext:\n"
        "    runAsNonRoot: true\n"
        "    seccompProfile:\n"
        "      type: RuntimeDefault\n"
    )
    _only_additions(POD, after)


def test_an_empty_mapping_on_its_own_line_becomes_a_block():
    edits = [
        AppendMissing(("spec", "containers", 0, "securityContext", "capabilities", "drop"), "ALL"),
        SetDefault(("spec", "containers", 0, "securityContext", "allowPrivilegeEscalation"), False),
    ]
    after = apply_edits(POD, edits, 2, 2)
    assert (
        "      securityContext:\n"
        "        capabilities:\n"
        "          drop:\n"
        "            - ALL\n"
        "        allowPrivilegeEscalation: false\n"
        "    - name: sidecar\n"
    ) in after
    assert "        {}\n" not in after


def test_flow_collections_grow_in_flow_style():
    edits = [
        AppendMissing(("spec", "containers", 1, "securityContext", "capabilities", "drop"), "ALL"),
        SetDefault(("spec", "containers", 1, "securityContext", "seccompProfile"), {"type": "RuntimeDefault"}),
    ]
    after = apply_edits(POD, edits, 2, 2)
    assert (
        "      securityContext: {privileged: true, capabilities: {add: [NET_ADMIN], drop: [ALL]}, "
        "seccompProfile: {type: RuntimeDefault}}\n"
    ) in after


def test_lists_grow_after_their_last_item_even_after_a_block_scalar():
    edits = [
        AppendMissing(("spec", "containers", 0, "args"), "--verbose"),
        AppendMissing(("spec", "volumes"), {"name": "helm-harden-tmp", "emptyDir": {}}, "name"),
    ]
    after = apply_edits(POD, edits, 2, 2)
    assert "        - |\n          line one\n          line two\n        - --verbose\n      securityContext:\n" in after
    assert after.endswith("  volumes:\n    - name: helm-harden-tmp\n      emptyDir: {}\n")
    assert yaml.safe_load(after)["spec"]["containers"][0]["args"] == ["line one\nline two\n", "--verbose"]


def test_windows_line_endings_and_a_missing_final_newline_are_kept():
    text = "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers: []"
    after = apply_edits(text, [SetDefault(("spec", "securityContext", "runAsNonRoot"), True)], 2, 0)
    assert after == "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers: []\r\n  securityContext:\r\n    runAsNonRoot: true"


@pytest.mark.parametrize("value, written", [
    ("RuntimeDefault", "RuntimeDefault"), ("on", "'on'"), ("0644", '"0644"'), ("a, b", '"a, b"'),
    (True, "true"), (10001, "10001"), ("", "''"), ("yes", "'yes'"), ("null", "'null'"), ("1e3", '"1e3"'), ("500", '"500"'),
    ("2024-01-01", "'2024-01-01'"), ("128Mi", "128Mi"), ("/tmp", "/tmp"), ("runtime/default", "runtime/default"),
])
def test_scalars_read_back_as_the_same_value_and_type(value, written):
    after = apply_edits("a:\n  b: 1\n", [SetDefault(("a", "c"), value)], 2, 0)
    assert after == f"a:\n  b: 1\n  c: {written}\n"
    assert yaml.safe_load(after)["a"]["c"] == value


def test_a_null_where_a_mapping_is_needed_is_left_to_the_round_trip():
    with pytest.raises(Unsupported):
        apply_edits("spec:\n  securityContext:\n", [SetDefault(("spec", "securityContext", "runAsNonRoot"), True)], 2, 0)


def test_a_repeated_key_is_refused():
    with pytest.raises(DuplicateKey) as raised:
        apply_edits("metadata:\n  name: a\n  name: b\nspec: {}\n", [SetDefault(("spec", "x"), 1)], 2, 0)
    assert raised.value.line == 2


def test_post_render_of_a_null_security_context_falls_back_and_is_still_exact():
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n  containers:\n  - name: a\n    image: a:1\n"
    document = next(parse_documents(text, "p.yaml"))
    hardened = Engine(default_config()).harden(document)
    data = yaml.safe_load(hardened.text)
    assert data["spec"]["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert data["spec"]["containers"][0]["securityContext"] == {
        "capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": False,
    }


def test_post_render_of_every_chart_only_adds_lines(repo_root):
    """Across the charts under test, hardening never removes or changes an existing line."""
    import subprocess
    import sys
    from pathlib import Path

    helm = str(Path(sys.executable).parent / "helm")
    engine = Engine(default_config())
    for chart in ("insecure", "webapp", "hardened"):
        rendered = subprocess.run([helm, "template", str(repo_root / "charts-under-test" / chart)],
                                  capture_output=True, text=True, check=True).stdout
        for document in parse_documents(rendered, chart):
            _only_additions(document.text, engine.harden(document).text)


def test_a_rewrite_is_compared_with_its_object_also_beyond_the_recursion_limit():
    def nested(depth: int, leaf):
        value = leaf
        for _ in range(depth):
            value = {"a": [value]}
        return value

    for depth in (3, 5_000):
        assert same_value(nested(depth, 1), nested(depth, 1))
        assert not same_value(nested(depth, 1), nested(depth, 2))
        assert not same_value(nested(depth, {}), nested(depth, []))
        assert not same_value(nested(depth, {"b": 1}), nested(depth, {"c": 1}))


@pytest.mark.parametrize("left, right", [(True, 1), (False, 0), (1, 1.0), ({"a": [1]}, {"a": [True]}), ({"a": 0}, {"a": 0.0})])
def test_a_rewrite_that_changes_a_scalar_s_type_is_not_the_same_value(left, right):
    # true and 1, 1 and 1.0 are == in Python, but the API server reads them as different values.
    for depth in (1, 5_000):
        wrap = lambda value: [value] if depth == 1 else _nest(depth, value)  # noqa: E731
        assert not same_value(wrap(left), wrap(right))
        assert same_value(wrap(left), wrap(left))


def test_key_order_does_not_make_a_value_different():
    assert same_value({"a": 1, "b": [True]}, {"b": [True], "a": 1})


def _nest(depth: int, leaf):
    value = leaf
    for _ in range(depth):
        value = {"a": [value]}
    return value

"""`helm_harden.manifest` on its own: how a stream is cut into documents, how a document is named
in messages, and that a rewrite is refused when it would change more than its fixes.

Only the module's public behaviour is tested here: the text it keeps, the names it gives, what
`rewrite` returns.
"""

from __future__ import annotations

import pytest

from helm_harden.errors import InputError
from helm_harden.manifest import load_text, parse_documents, rewrite, same_value, split_stream
from helm_harden.patch import SetDefault

HELM_STREAM = """\
---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: app:1.0
"""


# --- cutting a stream -------------------------------------------------------------------------


def test_the_documents_add_up_to_the_stream_byte_for_byte():
    chunks = list(split_stream(HELM_STREAM))
    assert "".join(chunk for _, chunk in chunks) == HELM_STREAM
    assert [line for line, _ in chunks] == [1, 7]


def test_a_stream_read_in_pieces_is_cut_as_the_whole_text():
    """A separator split across two reads is still found."""
    pieces = [HELM_STREAM[0:60], HELM_STREAM[60:64], HELM_STREAM[64:]]
    assert list(split_stream(iter(pieces))) == list(split_stream(HELM_STREAM))


def test_three_dashes_inside_a_line_or_a_longer_run_do_not_separate():
    stream = "a: x---y\nb: |\n  ----\n---\nc: 1\n"
    assert [chunk for _, chunk in split_stream(stream)] == ["a: x---y\nb: |\n  ----\n", "---\nc: 1\n"]


def test_directives_stay_with_the_document_after_them():
    stream = "%YAML 1.1\n# a comment\n---\na: 1\n---\nb: 2\n"
    assert [chunk for _, chunk in split_stream(stream)] == ["%YAML 1.1\n# a comment\n---\na: 1\n", "---\nb: 2\n"]


def test_a_bare_separator_at_the_end_is_a_document_of_its_own():
    assert [chunk for _, chunk in split_stream("a: 1\n---")] == ["a: 1\n", "---"]


def test_documents_are_parsed_only_when_read():
    documents = list(parse_documents(HELM_STREAM + "---\n: [unclosed\n", "rendered.yaml"))
    assert [document.parsed for document in documents] == [False, False, False]
    assert documents[1].data["kind"] == "Deployment"
    assert [document.parsed for document in documents] == [False, True, False]


# --- where a document came from, and how messages name it ---------------------------------------


def test_a_helm_source_comment_names_the_template():
    service, deployment = parse_documents(HELM_STREAM, "web")
    assert (service.source, service.from_template, service.label) == (
        "web/templates/service.yaml", True, "web/templates/service.yaml")
    assert (deployment.index, deployment.line, deployment.origin) == (1, 7, "web")


def test_a_document_without_a_source_is_named_by_its_stream_and_position():
    first, second = parse_documents("a: 1\n---\nb: 2\n", "<stdin>")
    assert (first.source, first.from_template, first.label) == ("<stdin>", False, "<stdin> (document 1)")
    assert second.label == "<stdin> (document 2)"


def test_helm4_and_kustomize_annotations_name_the_file():
    helm4 = "metadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: web/templates/job.yaml\n"
    kustomize = "metadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: base/deployment.yaml\n"
    [from_helm4] = parse_documents(helm4, "<stdin>")
    [from_kustomize] = parse_documents(kustomize, "overlay")
    assert (from_helm4.source, from_helm4.label) == ("web/templates/job.yaml", "web/templates/job.yaml")
    assert (from_kustomize.source, from_kustomize.label) == ("base/deployment.yaml", "base/deployment.yaml")


def test_a_parse_error_names_the_template_line_and_not_the_content():
    stream = "---\n# Source: web/templates/secret.yaml\nkind: Secret\ndata:\n  token: 's3cr3t\n"
    [document] = parse_documents(stream, "web")
    with pytest.raises(InputError) as raised:
        document.data
    message = str(raised.value)
    assert message.startswith("web/templates/secret.yaml: line ")
    assert "of the rendered template" in message
    assert "s3cr3t" not in message


# --- rewriting a document -----------------------------------------------------------------------


DEPLOYMENT = """\
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web  # the release's name
spec:
  template:
    spec:
      containers:
        - name: app
          image: "app:1.0"
          securityContext:
            readOnlyRootFilesystem: true
"""
FILL = SetDefault(("spec", "template", "spec", "containers", 0, "securityContext", "allowPrivilegeEscalation"), False)


def _fixed(text: str, *edits):
    data = load_text(text)
    for edit in edits:
        edit.apply(data)
    return data


def test_a_rewrite_adds_the_fix_and_keeps_every_other_byte():
    [document] = parse_documents(DEPLOYMENT, "web")
    text = rewrite(document, [FILL], expected=_fixed(DEPLOYMENT, FILL))
    assert text == DEPLOYMENT.replace(
        "            readOnlyRootFilesystem: true\n",
        "            readOnlyRootFilesystem: true\n            allowPrivilegeEscalation: false\n",
    )


def test_a_rewrite_that_would_change_more_than_its_fixes_is_refused():
    """The caller expects another change too: no way of writing these edits parses to it."""
    [document] = parse_documents(DEPLOYMENT, "web")
    expected = _fixed(DEPLOYMENT, FILL)
    expected["metadata"]["name"] = "renamed"
    assert rewrite(document, [FILL], expected=expected) is None


def test_a_rewrite_whose_edits_fall_short_of_the_expected_object_is_refused():
    [document] = parse_documents(DEPLOYMENT, "web")
    other = SetDefault(("spec", "template", "spec", "containers", 0, "securityContext", "runAsNonRoot"), True)
    assert rewrite(document, [FILL], expected=_fixed(DEPLOYMENT, FILL, other)) is None


def test_a_rewrite_of_a_mapping_that_repeats_a_key_is_an_input_error():
    text = DEPLOYMENT.replace("  name: web  # the release's name\n", "  name: web\n  name: web\n")
    [document] = parse_documents(text, "web")
    with pytest.raises(InputError) as raised:
        rewrite(document, [FILL], expected=_fixed(text, FILL))
    assert str(raised.value) == (
        "web/templates/deployment.yaml: line 6: a mapping repeats a key; cannot rewrite the document")


def test_same_value_tells_types_and_shapes_apart():
    assert same_value({"a": [1, {"b": True}]}, {"a": [1, {"b": True}]})
    assert not same_value({"a": 1}, {"a": "1"})
    assert not same_value({"a": [1]}, {"a": [1, 2]})
    assert not same_value({"a": {}}, {"a": []})
    assert same_value(_nested(5000), _nested(5000))  # deeper than Python's recursion limit
    assert not same_value(_nested(5000), _nested(4999))


def _nested(depth: int) -> list:
    root: list = []
    node = root
    for _ in range(depth):
        node.append([])
        node = node[0]
    return root

"""Kind first: a document's header is read from its text, and only what a rule reads is parsed.

- the cheap header read agrees with the full parse on every document both accept (a property
  test over generated text full of the shapes that could fool a line reader), and refuses the
  shapes it cannot be sure of;
- check and post-render give the same findings and byte-identical output whether every
  document is parsed (as before kind-first parsing) or only the ones rules read, and whether
  the stream arrives whole or in small pieces, on the charts under test and a generated stream;
- documents no rule reads are never built.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helm_harden.config import default_config
from helm_harden.engine import Engine
from helm_harden.errors import InputError
from helm_harden.header import Header, guess_type, read_header
from helm_harden.inputs import read_pieces
from helm_harden import manifest
from helm_harden.manifest import load_text, parse_documents
from helm_harden.workload import may_hold_pods

REPO = Path(__file__).resolve().parent.parent
CHARTS = sorted(p.parent for p in (REPO / "charts-under-test").glob("*/Chart.yaml"))
HELM = str(Path(sys.executable).parent / "helm")


def full_header(data) -> tuple:
    """What the full parse says the header is."""
    if not isinstance(data, dict):
        return ("not a mapping",)
    metadata = data.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    return (data.get("apiVersion"), data.get("kind"), metadata.get("name"), metadata.get("namespace"))


# --- the header read against the full parse ---------------------------------------------------

SCALARS = [
    "Pod", "ConfigMap", "apps/v1", "v1", "web", "team-a", "system:controller:x", '"quoted"', "'single'",
    '"esc\\"aped"', "y", "no", "null", "~", "1", "0x1F", "1e3", ".inf", "&a Pod", "*a", "!!str Pod", "!x Pod",
    "{}", "[]", "{a: 1}", "[Pod]", "|", ">-", '"multi', "'multi", "Pod # comment", "Pod#x", "- Pod", "? x",
    "", "Pod   ", "Pod\t", "Deploy ment", "Pod # \x01", '"Po\x7fd"', "\tPod", "Pod #\tc",
]
KEYS = ["apiVersion", "kind", "metadata", "spec", "data", "rules", "<<", '"kind"', "kind ", "? kind", "items"]
NESTED = [
    "  name: {s}", "  namespace: {s}", "  labels:\n    app: {s}", "  annotations:\n    a: {s}",
    "  - {s}", "    continued {s}", "kind: {s}", "  # kind: {s}", "# {s}", "", "   ", "\tname: {s}",
    "  name: |\n    kind: {s}", '  a: "x\nkind: {s}\n  "', "  a: 'x\n  name: {s}'", "  a: [x,\nkind: {s}]",
    "---", "...", "%YAML 1.1", "  <<: {{kind: {s}}}", "  name: &n {s}", "\ufeffkind: {s}", "kind: {s}\r",
    "  x: |\n{s}", "- name: {s}", "\t", "  \t# {s}", "# \x07 {s}", "  # {s}\x1b",
]


@st.composite
def document_texts(draw) -> str:
    lines = [draw(st.sampled_from(["---", "--- # c", "--- x", "", "# Source: c/templates/x.yaml", "%YAML 1.1\n---",
                                   "---\t", "--- #\x01", "# Source: c/\x08x.yaml", "---\n\t"]))]
    for _ in range(draw(st.integers(1, 8))):
        key = draw(st.sampled_from(KEYS))
        value = draw(st.sampled_from(SCALARS))
        lines.append(f"{key}: {value}" if value else f"{key}:")
        for _ in range(draw(st.integers(0, 3))):
            lines.append(draw(st.sampled_from(NESTED)).format(s=draw(st.sampled_from(SCALARS))))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


def _named(header: Header) -> tuple | None:
    """What `guess_type` must say of a text whose header is ``header``."""
    return (header.api_version, header.kind) if header.api_version is not None and header.kind is not None else None


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document_texts())
def test_header_read_agrees_with_the_full_parse(text):
    header = read_header(text)
    if header is None:
        return
    assert guess_type(text) == _named(header)  # and the guess with the header
    try:
        data = load_text(text)
    except Exception:  # the full parse refuses it: nothing to agree on
        return
    assert tuple(header) == full_header(data)


PLAIN = {
    "crd": (
        "---\n# Source: op/crds/widgets.yaml\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata:\n  annotations:\n    controller-gen.kubebuilder.io/version: v0.16.1\n  name: widgets.example.com\n"
        "spec:\n  group: example.com\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n"
        "        description: 'Widget is: a \"thing\"\n          spanning lines'\n        type: object\n",
        Header("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com", None),
    ),
    "config-map-with-files": (
        '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "dash"\n  namespace: monitoring\n'
        'data:\n  d.json: |-\n    {\n      "kind": "Pod",\n      "x": [1,\n    2]\n    }\n  run.sh: |\n    #!/bin/sh\n'
        '    echo "$@" &\n',
        Header("v1", "ConfigMap", "dash", "monitoring"),
    ),
    "cluster-role-indentless-rules": (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: system:controller:x\n"
        'rules:\n- apiGroups: [""]\n  resources: ["*"]\n  verbs: ["get", "list"]\n',
        Header("rbac.authorization.k8s.io/v1", "ClusterRole", "system:controller:x", None),
    ),
    "no-metadata": ("kind: Namespace # trailing comment\napiVersion: v1\n", Header("v1", "Namespace", None, None)),
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_header_read_of_the_shapes_charts_render(name):
    text, expected = PLAIN[name]
    assert read_header(text) == expected
    assert guess_type(text) == _named(expected)
    assert tuple(expected) == full_header(load_text(text))


UNSURE = {
    "merge-key-changes-the-kind": "base: &b {kind: Pod}\nkind: ConfigMap\n<<: *b\n",
    "anchor-on-a-value": "apiVersion: v1\nkind: &k ConfigMap\n",
    "alias-in-metadata": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: *n\n",
    "tag": "apiVersion: v1\nkind: !!str ConfigMap\n",
    "tag-on-the-document": "--- !!map\napiVersion: v1\nkind: ConfigMap\n",
    "flow-document": "{apiVersion: v1, kind: ConfigMap}\n",
    "json-document": '{"apiVersion": "v1", "kind": "ConfigMap"}\n',
    "directive": "%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\n",
    "quoted-key": 'apiVersion: v1\n"kind": ConfigMap\n',
    "escape-in-a-value": 'apiVersion: v1\nkind: "Config\\x4dap"\n',
    "odd-indentation": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n    name: a\n  namespace: b\n",
    "bom": "\ufeffapiVersion: v1\nkind: ConfigMap\n",
    "crlf": "apiVersion: v1\r\nkind: ConfigMap\r\n",
    "kind-given-twice": "kind: Pod\napiVersion: v1\nkind: ConfigMap\n",
    "kind-continues-on-the-next-line": "apiVersion: v1\nkind: Config\n  Map\n",
    "boolean-looking-kind": "apiVersion: v1\nkind: y\n",
    "quoted-scalar-swallows-the-kind": 'apiVersion: v1\ndata:\n  a: "x\nkind: ConfigMap\n  "\n',
    "flow-swallows-the-kind": "apiVersion: v1\ndata: [x,\nkind: ConfigMap]\n",
    "quoted-scalar-swallows-the-metadata": 'apiVersion: v1\nkind: ConfigMap\nnote: "x\nmetadata:\n  name: fake\ndata: y"\n',
    "tab-on-a-blank-line-after-the-kind": "apiVersion: v1\nkind: ConfigMap\n\t\n",
    "quoted-scalar-swallows-the-name": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    a: 'x\n  name: b'\n",
    "sequence-document": "- apiVersion: v1\n  kind: ConfigMap\n",
    "content-on-the-separator-line": "--- apiVersion: v1\nkind: ConfigMap\n",
    "tab-indented": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n",
    "control-character-in-the-source-comment": "---\n# Source: c/templates/\x01.yaml\napiVersion: v1\nkind: ConfigMap\n",
    "control-character-on-the-separator-line": "--- # \x7f\napiVersion: v1\nkind: ConfigMap\n",
    "control-character-in-a-comment-after-the-kind": "apiVersion: v1\nkind: ConfigMap # \x1b\n",
    "control-character-in-the-name": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a\x01"\n',
}


@pytest.mark.parametrize("name", sorted(UNSURE))
def test_header_read_refuses_what_it_cannot_be_sure_of(name):
    assert read_header(UNSURE[name]) is None


# --- the same findings and bytes with and without kind-first parsing --------------------------

GENERATED = "".join(
    [
        "---\n# Source: op/crds/w.yaml\n" + PLAIN["crd"][0].split("\n", 2)[2],
        PLAIN["config-map-with-files"][0],
        "---\n" + PLAIN["cluster-role-indentless-rules"][0],
        "---\n# Source: app/templates/web.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
        "spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app:1.2\n",
        "---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: in-list}\n"
        "    spec:\n      containers: [{name: a, image: 'a:1'}]\n",
        "---\nbase: &pod {apiVersion: v1, kind: Pod}\n<<: *pod\nmetadata: {name: merged}\nspec:\n"
        "  containers: [{name: a, image: a}]\n",
        '---\n{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "json"}, "spec": {"template": '
        '{"spec": {"containers": [{"name": "j", "image": "j:1"}]}}}}\n',
        "---\n# Source: app/templates/empty.yaml\n",
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: crlf\r\ndata:\r\n  a: b\r\n",
        "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: hardened\nspec:\n  template:\n    spec:\n"
        "      securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: {type: RuntimeDefault}}\n"
        "      containers:\n        - name: a\n          image: a@sha256:" + "0" * 64 + "\n          securityContext:\n"
        "            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n"
        "            capabilities: {drop: [ALL]}\n          resources:\n            requests: {cpu: 1m, memory: 1Mi}\n"
        "            limits: {memory: 1Mi}\n",
    ]
    + ["---\n" + (REPO / "tests/fixtures/rules" / name).read_text(encoding="utf-8") for name in
       sorted(p.name for p in (REPO / "tests/fixtures/rules").glob("*.yaml"))]
)


def _streams() -> dict[str, str]:
    streams = {"generated": GENERATED}
    for chart in CHARTS:
        streams[chart.name] = subprocess.run([HELM, "template", str(chart)], capture_output=True, text=True, check=True).stdout
    return streams


@pytest.fixture(scope="module")
def streams() -> dict[str, str]:
    return _streams()


def _every_document_parsed(source, origin):
    for document in parse_documents(source, origin):
        document._header = None  # as if the cheap read had refused every document
        yield document


def _finding_records(result) -> list[tuple]:
    return [(f.rule, f.severity, f.kind, f.name, f.namespace, f.container, f.location, f.source, f.document,
             f.origin, f.message, f.fixable, f.hook) for f in result.findings]


def _pieces(text: str, size: int) -> list[str]:
    return [text[start : start + size] for start in range(0, len(text), size)]


def test_check_finds_the_same_with_and_without_kind_first_parsing(streams):
    engine = Engine(default_config(), namespace="default")
    for name, text in streams.items():
        full = engine.scan(name, _every_document_parsed(text, name))
        for source in (text, _pieces(text, 7), _pieces(text, 1000)):
            kind_first = engine.scan(name, parse_documents(source, name))
            assert _finding_records(kind_first) == _finding_records(full), name
            assert (kind_first.objects, kind_first.workloads, kind_first.checked) == (full.objects, full.workloads, full.checked)


def test_post_render_writes_the_same_bytes_with_and_without_kind_first_parsing(streams, harden_env):
    def harden(*args, stdin: str):
        return subprocess.run([sys.executable, "-m", "helm_harden", *args], input=stdin.encode(), capture_output=True,
                              env=harden_env, timeout=180, check=False)

    engine = Engine(default_config(), namespace="default")
    for name, text in streams.items():
        full = [engine.harden(document) for document in _every_document_parsed(text, "<stdin>")]
        kind_first = [engine.harden(document) for document in parse_documents(_pieces(text, 1000), "<stdin>")]
        assert [h.text for h in kind_first] == [h.text for h in full]
        assert [(h.fixed, h.remaining) for h in kind_first] == [(h.fixed, h.remaining) for h in full]
        result = harden("post-render", "--quiet", stdin=text)
        assert (result.returncode, result.stdout) == (0, "".join(h.text for h in full).encode()), name
        checked = harden("check", "-", "--format", "json", "--fail-on", "never", stdin=text)
        assert [(f["rule"], f["kind"], f["name"], f["path"], f["document"]) for f in json.loads(checked.stdout)["findings"]] == [
            (f.rule, f.kind, f.name, f.path, f.document) for f in engine.scan("<stdin>", _every_document_parsed(text, "<stdin>")).findings
        ]


def test_documents_no_rule_reads_are_never_built(streams, monkeypatch):
    headers_read = []
    monkeypatch.setattr(manifest, "read_header", lambda text: headers_read.append(text) or read_header(text))
    documents = list(parse_documents(streams["generated"], "g"))
    Engine(default_config(), namespace="default").scan("g", documents)
    read_by_the_scan = list(headers_read)
    unbuilt = [d for d in documents if not d.parsed]
    assert [(d.header.api_version, d.header.kind) for d in unbuilt[:3]] == [
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"), ("v1", "ConfigMap"), ("rbac.authorization.k8s.io/v1", "ClusterRole")]
    assert {(d.header.api_version, d.header.kind) for d in unbuilt[3:]} == {("example.com/v1", "Deployment")}  # the fixtures' CRDs
    # A document whose text seems to be of a kind a rule reads is parsed straight away, its
    # header never read. The others' headers were read, once each: those of the documents never
    # built, and those the read refused (a merge key, JSON, an empty document, CRLF line ends),
    # which were parsed.
    refused = [d for d in documents if d.parsed and d.text in read_by_the_scan]
    assert [d.text.split("\n")[1][:16] for d in refused] == [
        "base: &pod {apiV", '{"apiVersion": "', "# Source: app/te", "apiVersion: v1"]
    assert sorted(read_by_the_scan) == sorted(d.text for d in unbuilt + refused)
    parsed = [(d.data.get("apiVersion"), d.data.get("kind")) for d in documents if d.parsed and isinstance(d.data, dict)]
    # Built though they hold no pod: ServiceAccounts (their token setting) and the CRLF ConfigMap.
    assert {kind for version, kind in parsed if not may_hold_pods(version, kind)} == {"ServiceAccount", "ConfigMap"}


def test_a_kind_line_inside_a_quoted_scalar_never_hides_a_workload():
    # The first column-0 kind: line sits inside a double-quoted scalar that runs on: a guess
    # from it says ConfigMap, but only the exact header read may skip a document, and it refuses.
    stream = ('---\nnote: "a\nkind: ConfigMap\n  "\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hidden\n'
              "spec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: a\n"
              "          securityContext:\n            privileged: true\n")
    result = Engine(default_config(), namespace="default").scan("x.yaml", parse_documents(stream, "x.yaml"))
    assert (result.workloads, [f.location for f in result.findings if f.rule == "no-privileged"]) == (
        1, [("spec", "template", "spec", "containers", 0, "securityContext", "privileged")])


def test_a_malformed_document_no_rule_reads_is_still_an_error():
    stream = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  a: b\n   c: d\n"
    with pytest.raises(InputError, match=r"^x\.yaml: line 8: invalid YAML: "):
        Engine(default_config()).scan("x.yaml", parse_documents(stream, "x.yaml"))


def test_a_control_character_in_a_comment_of_a_document_no_rule_reads_is_still_an_error():
    stream = "--- # \x7f\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
    with pytest.raises(InputError, match=r"^x\.yaml: invalid YAML: ReaderError$"):
        Engine(default_config()).scan("x.yaml", parse_documents(stream, "x.yaml"))


def test_reading_in_pieces_keeps_characters_whole_and_names_the_first_bad_byte(monkeypatch):
    monkeypatch.setattr("helm_harden.inputs.READ_SIZE", 3)
    assert "".join(read_pieces(io.BytesIO("a: ünï ✓\n".encode()), "f")) == "a: ünï ✓\n"
    with pytest.raises(InputError, match=r"^f: not UTF-8 text \(byte 6\)$"):
        list(read_pieces(io.BytesIO("a: ü\n".encode() + b"\xff\n"), "f"))


# --- the guess changes nothing: it sends to the full parse only what the header read would ---

NOT_READ_BUT_NOT_DECODABLE = {
    # A kind name a rule reads, in another group: its header says no rule reads it.
    "service-account-of-another-group": "apiVersion: iam.example.com/v1beta1\nkind: ServiceAccount\n",
    # A kind whose name starts as a workload's does.
    "kind-that-starts-as-a-workload": "apiVersion: apps/v1\nkind: Deployment.v2\n",
    "kind-that-starts-as-a-pod": "apiVersion: v1\nkind: Pod-template\n",
}


@pytest.mark.parametrize("name", sorted(NOT_READ_BUT_NOT_DECODABLE))
def test_a_document_no_rule_reads_is_never_parsed_for_its_kind_name_alone(name, harden):
    # An infinite number is no JSON: a parse would refuse the document, so a parse must not happen.
    text = NOT_READ_BUT_NOT_DECODABLE[name] + "metadata:\n  name: x\nspec:\n  weight: .inf\n"
    checked = harden("check", "-", "--format", "json", stdin=text)
    assert (checked.returncode, json.loads(checked.stdout)["summary"]["objects"], checked.stderr) == (0, 1, "")
    rendered = harden("post-render", stdin=text)
    assert (rendered.returncode, rendered.stdout) == (0, text)


def test_a_list_without_an_api_version_is_refused_for_it_before_it_is_hardened(harden):
    text = ("kind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n"
            "    template:\n      spec:\n        securityContext: oops\n        containers:\n        - name: a\n          image: a\n")
    for command in (["check", "-"], ["check", "-", "--diff"]):
        result = harden(*command, stdin=text)
        assert (result.returncode, result.stderr) == (
            2, "helm-harden: error: <stdin> (document 1): not a Kubernetes object: it has no apiVersion\n"), command

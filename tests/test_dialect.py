"""helm-harden reads YAML as Kubernetes does (sigs.k8s.io/yaml over go-yaml v2), so a chart cannot
hide a privileged pod from `check`, `check --pss` or `post-render` behind merge keys, short
booleans or numeric spellings of 0. Every expected value below is checked against the real
kubectl's decoder too (`test_the_spelling_table_is_what_kubectl_decodes`)."""

import json
import re

import pytest

from conftest import decode_with_kubectl, strictly_equal
from helm_harden import loader
from helm_harden.errors import InputError
from helm_harden.manifest import parse_documents

# (YAML value, the JSON value Kubernetes decodes from it): each verified by kubectl below.
SPELLINGS = [
    ("y", True), ("Y", True), ("yes", True), ("Yes", True), ("YES", True), ("on", True), ("On", True),
    ("ON", True), ("true", True), ("True", True), ("TRUE", True),
    ("n", False), ("N", False), ("no", False), ("NO", False), ("off", False), ("Off", False), ("FALSE", False),
    ("yEs", "yEs"), ("oN", "oN"), ("tRUE", "tRUE"),
    ("0.0", 0), (".0", 0), ("0e0", 0), ("0o0", 0), ("0x0", 0), ("!!float 0", 0), ("-0.0", 0), ("+0", 0),
    ("00", 0), ("0b0", 0), ("0_0", 0), ("0.", 0), ("-.0e5", 0),
    ("012", 10), ("08", 8), ("0o17", 15), ("0O17", 15), ("0x1F", 31), ("0X1f", 31), ("0x_1F", 31),
    ("0b101", 5), ("-0b101", -5), ("0b+101", 5), ("1_000", 1000), ("+12", 12), ("1e3", 1000), ("1.5", 1.5),
    ("1.5e-7", 1.5e-7), ("1e21", 1e21), ("9223372036854775807", 9223372036854775807),
    ("9223372036854775808", 9223372036854775808.0), ("-9223372036854775809", -9223372036854775808.0), (".5_0", 0.5), ("._5", "._5"), ("1e400", "1e400"),
    ("0x", "0x"), ("0o8", "0o8"), ("1__2", 12), ("_1", "_1"), ("1e", "1e"), ("0x1p3", "0x1p3"),
    ("~", None), ("null", None), ("Null", None), ("NULL", None), ("nULL", "nULL"), ("''", ""),
    ("2023-02-29", "2023-02-29"), ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("=", "="), ("<<", "<<"), ("!foo bar", "bar"), ("! 123", "123"), ("! yes", "yes"), ("!!str 0.0", "0.0"),
    ("!!int '12'", 12), ("!!bool 'y'", True), ("!!null ''", None), ("!!float '1'", 1), ("!!binary aGk=", "hi"),
    ("!!merge <<", "<<"), ("!!map x", "x"), ("'0.0'", "0.0"), ('"y"', "y"), ("|\n    y", "y\n"),
]


def _document(value: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: spelling}}\nvalue: {value}\n"


@pytest.mark.parametrize("spelling, expected", SPELLINGS, ids=[spelling for spelling, _ in SPELLINGS])
def test_a_spelling_reads_as_kubernetes_decodes_it(spelling, expected):
    assert strictly_equal(loader.load(_document(spelling))["value"], expected)


def test_the_spelling_table_is_what_kubectl_decodes():
    decoded = decode_with_kubectl([_document(spelling) for spelling, _ in SPELLINGS])
    mismatches = [spelling for (spelling, expected), document in zip(SPELLINGS, decoded)
                  if not strictly_equal(document["value"], json.loads(json.dumps(expected)))]
    assert mismatches == []


MERGES = {
    "a merge after an explicit key overrides it": ("{privileged: false, <<: {privileged: true}}", {"privileged": True}),
    "an explicit key after a merge overrides it": ("{<<: {privileged: true}, privileged: false}", {"privileged": False}),
    "in a list of merges the first wins": ("{<<: [{a: 1}, {a: 2, b: 2}]}", {"a": 1, "b": 2}),
    "two merge keys apply in order": ("{<<: {a: 1}, <<: {a: 2}}", {"a": 2}),
    "a merge through an alias": ("{p: &m {a: 1}, q: {a: 0, <<: *m}}", {"p": {"a": 1}, "q": {"a": 1}}),
    "a merge inside a merge": ("{a: 0, <<: {<<: {a: 1}}}", {"a": 1}),
    "a quoted << is an ordinary key": ("{'<<': {a: 1}}", {"<<": {"a": 1}}),
    "an anchor may be redefined": ("{a: &x 1, b: &x 2, c: *x}", {"a": 1, "b": 2, "c": 2}),
    "duplicate keys: the last wins": ("{a: 1, a: 2}", {"a": 2}),
    "duplicate keys the other way round": ("{a: 2, a: 1}", {"a": 1}),
    "keys are strings in JSON": ("{1: a, y: b, 1.5: c, 1e7: d}", {"1": "a", "true": "b", "1.5": "c", "1e+07": "d"}),
}


@pytest.mark.parametrize("value, expected", MERGES.values(), ids=MERGES.keys())
def test_merge_keys_anchors_and_keys_read_as_kubernetes_decodes_them(value, expected):
    assert strictly_equal(loader.load(_document(value))["value"], expected)


def test_the_merge_table_is_what_kubectl_decodes():
    decoded = decode_with_kubectl([_document(value) for value, _ in MERGES.values()])
    assert all(strictly_equal(document["value"], expected) for document, (_, expected) in zip(decoded, MERGES.values()))


REFUSED = {
    "!!bool maybe": "line 4: a value does not match its explicit !!bool tag",
    "!!int 1.5": "line 4: a value does not match its explicit !!int tag",
    "!!float 18446744073709551615": "line 4: a value does not match its explicit !!float tag",
    "!!null x": "line 4: a value does not match its explicit !!null tag",
    ".nan": "line 4: a value is infinite or not a number, which JSON cannot hold (Kubernetes refuses it)",
    "-.inf": "line 4: a value is infinite or not a number, which JSON cannot hold (Kubernetes refuses it)",
    "{<<: [a]}": "line 4: a merge key (<<) needs a mapping or a list of mappings",
    "{<<: x}": "line 4: a merge key (<<) needs a mapping or a list of mappings",
    "&s [a, *s]": "line 4: an alias names a mapping or list that contains it",
    "{~: a}": "line 4: a mapping key is null or too large a number (Kubernetes refuses it)",
    "{18446744073709551615: a}": "line 4: a mapping key is null or too large a number (Kubernetes refuses it)",
    "{[a]: b}": "line 4: a mapping or list is used as a mapping key",
    "{1: a, '1': b}": "line 4: two keys of a mapping become the same JSON key (Kubernetes keeps either)",
    "{true: a, y: b, 'true': c}": "line 4: two keys of a mapping become the same JSON key (Kubernetes keeps either)",
    "!!binary '!!!'": "line 4: a !!binary value is not valid base64",
    "!!timestamp 2001-01-01": "line 4: an explicit !!timestamp tag is not supported (Go's time formats decide it)",
}


@pytest.mark.parametrize("value, problem", REFUSED.items(), ids=REFUSED.keys())
def test_what_kubernetes_refuses_or_cannot_be_emulated_is_an_input_error_naming_the_line(value, problem):
    with pytest.raises(InputError) as error:
        [document.data for document in parse_documents(_document(value), "<stdin>")]
    assert str(error.value) == f"<stdin>: {problem}"


@pytest.mark.parametrize("value", ["!!bool maybe", "{<<: x}", "{1: a, '1': b}"])
def test_check_pss_and_post_render_refuse_such_a_document_with_one_line(harden, value):
    stream = _document(value)
    for command in (("check", "-"), ("check", "--pss", "baseline", "-"), ("post-render",)):
        result = harden(*command, stdin=stream)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", f"helm-harden: error: <stdin>: {REFUSED[value]}\n")


def test_kubectl_refuses_what_kubernetes_cannot_decode():
    """The refusals above that are Kubernetes' own, not ours for want of an exact emulation."""
    ours = {"!!timestamp 2001-01-01", "{1: a, '1': b}", "{true: a, y: b, 'true': c}"}
    theirs = [value for value in REFUSED if value not in ours]
    assert decode_with_kubectl([_document(value) for value in theirs]) == [None] * len(theirs)


# --- the verdicts: check, check --pss and post-render ------------------------------------------------

def _pod(name: str, spec: str, kind: str = "kind: Pod") -> str:
    return f"apiVersion: v1\n{kind}\nmetadata: {{name: {name}}}\nspec:\n{spec}"


MERGED_PRIVILEGED = _pod("merged", """\
  containers:
  - name: app
    image: app:1.0
    securityContext: {privileged: false, <<: {privileged: true, capabilities: {add: [SYS_ADMIN]}}}
""")
SHORT_BOOLEANS = _pod("short-bool", """\
  hostNetwork: y
  containers:
  - name: app
    image: app:1.0
    securityContext: {privileged: y}
""")
MERGED_KIND = _pod("merged-kind", """\
  containers:
  - name: app
    image: app:1.0
    securityContext: {privileged: true}
""", kind="kind: ConfigMap\n<<: {kind: Pod}")
ROOT_SPELLINGS = ["0.0", ".0", "0e0", "0o0", "0x0", "!!float 0"]


def _root_init(spelling: str) -> str:
    return _pod("float-root", f"""\
  initContainers:
  - name: init
    image: init:1.0
    securityContext: {{runAsUser: {spelling}}}
  containers:
  - name: app
    image: app:1.0
    securityContext: {{runAsUser: 1000}}
""")


def _findings(harden, stream: str, *flags: str) -> list[tuple]:
    result = harden("check", "--format", "json", "--fail-on", "never", *flags, "-", stdin=stream)
    assert result.returncode == 0, result.stderr
    return [(f["rule"], f["container"], f["path"], f["fixable"]) for f in json.loads(result.stdout)["findings"]]


def test_a_merge_key_that_makes_a_container_privileged_is_found(harden):
    findings = _findings(harden, MERGED_PRIVILEGED)
    assert ("no-privileged", "app", "/spec/containers/0/securityContext/privileged", False) in findings
    assert ("drop-capabilities", "app", "/spec/containers/0/securityContext/capabilities/add", False) in findings
    assert [f for f in findings if f[0] == "no-privilege-escalation"] == [
        ("no-privilege-escalation", "app", "/spec/containers/0/securityContext/allowPrivilegeEscalation", False)]


def test_short_booleans_make_a_privileged_host_network_pod(harden):
    findings = _findings(harden, SHORT_BOOLEANS)
    assert ("no-privileged", "app", "/spec/containers/0/securityContext/privileged", False) in findings
    assert [f for f in findings if f[0] == "no-privilege-escalation"] == [
        ("no-privilege-escalation", "app", "/spec/containers/0/securityContext/allowPrivilegeEscalation", False)]


def test_a_top_level_merge_key_that_makes_a_configmap_a_pod_is_checked(harden):
    findings = _findings(harden, MERGED_KIND)
    assert ("no-privileged", "app", "/spec/containers/0/securityContext/privileged", False) in findings


@pytest.mark.parametrize("spelling", ROOT_SPELLINGS)
def test_every_spelling_of_zero_is_root(harden, spelling):
    findings = _findings(harden, _root_init(spelling))
    assert [f for f in findings if f[0] == "run-as-non-root"] == [
        ("run-as-non-root", "init", "/spec/initContainers/0/securityContext/runAsUser", False),
        ("run-as-non-root", "app", "/spec/containers/0/securityContext/runAsNonRoot", True),
    ]


def _pss_controls(harden, stream: str, level: str) -> set[str]:
    result = harden("check", "--pss", level, "--format", "json", "--fail-on", "never", "-", stdin=stream)
    assert result.returncode == 0, result.stderr
    return {f["rule"] for f in json.loads(result.stdout)["findings"]}


@pytest.mark.parametrize("stream", [MERGED_PRIVILEGED, SHORT_BOOLEANS, MERGED_KIND], ids=["merge", "y", "kind"])
def test_pss_baseline_rejects_the_privileged_pods(harden, stream):
    assert "pss/privileged-containers" in _pss_controls(harden, stream, "baseline")


def test_pss_baseline_rejects_host_network_spelled_y(harden):
    assert "pss/host-namespaces" in _pss_controls(harden, SHORT_BOOLEANS, "baseline")


def test_pss_baseline_rejects_an_added_capability_that_a_merge_key_brings(harden):
    assert "pss/capabilities-baseline" in _pss_controls(harden, MERGED_PRIVILEGED, "baseline")


@pytest.mark.parametrize("spelling", ROOT_SPELLINGS)
def test_pss_restricted_rejects_every_spelling_of_root(harden, spelling):
    assert "pss/running-as-non-root-user" in _pss_controls(harden, _root_init(spelling), "restricted")


def _post_render(harden, stream: str) -> str:
    result = harden("post-render", "-q", stdin=stream)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("stream", [MERGED_PRIVILEGED, SHORT_BOOLEANS], ids=["merge", "y"])
def test_post_render_never_fills_allow_privilege_escalation_beside_privileged(harden, stream):
    assert "allowPrivilegeEscalation" not in _post_render(harden, stream)


@pytest.mark.parametrize("spelling", ROOT_SPELLINGS)
def test_post_render_never_sets_pod_run_as_non_root_over_a_root_init_container(harden, spelling):
    output = loader.load(_post_render(harden, _root_init(spelling)))
    assert "runAsNonRoot" not in output["spec"]["securityContext"]
    assert output["spec"]["initContainers"][0]["securityContext"]["runAsUser"] == 0
    assert output["spec"]["containers"][0]["securityContext"]["runAsNonRoot"] is True


MERGED_CAPABILITIES = _pod("merged-capabilities", """\
  containers:
  - name: app
    image: app:1.0
    securityContext: {<<: {capabilities: {add: [SYS_ADMIN]}}}
""")


def test_post_render_writes_no_fix_into_a_value_a_merge_key_supplies(harden):
    """capabilities comes from the merge: a drop: [ALL] written there would edit the merged mapping.
    (Not privileged: a privileged container gets no drop fix at all.)"""
    result = harden("check", "--format", "json", "--fail-on", "never", "-", stdin=MERGED_CAPABILITIES)
    drop = [f for f in json.loads(result.stdout)["findings"] if f["path"].endswith("/capabilities/drop")]
    assert [(f["fixable"], f["note"]) for f in drop] == [
        (False, "not fixed: a YAML merge key (<<) supplies this value, and a fix is never written into merged values")]
    output = _post_render(harden, MERGED_CAPABILITIES)
    assert output.startswith(MERGED_CAPABILITIES)  # the container's text is untouched; pod-level fills follow
    assert loader.load(output)["spec"]["containers"][0]["securityContext"] == {"capabilities": {"add": ["SYS_ADMIN"]}}


def test_post_render_fills_beside_a_merge_key_what_no_merge_supplies(harden):
    stream = _pod("beside-merge", """\
  containers:
  - name: app
    image: app:1.0
    securityContext:
      <<: {runAsUser: 1000}
      capabilities: {drop: [ALL]}
""")
    output = loader.load(_post_render(harden, stream))
    assert output["spec"]["containers"][0]["securityContext"] == {
        "runAsUser": 1000, "capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": False}


def test_a_config_file_is_read_in_the_same_dialect(harden, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("rules:\n  no-privileged: {enabled: n}\n  resource-limits: {enabled: off}\n")
    result = harden("check", "--config", str(config), "--format", "json", "--fail-on", "never", "-", stdin=SHORT_BOOLEANS)
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert "no-privileged" not in rules and "resource-limits" not in rules and "run-as-non-root" in rules


PRIVILEGED_POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                  "spec:\n  containers: [{name: c, image: 'i:1', securityContext: {privileged: true}}]\n")
INNER_BYTE_ORDER_MARK = "a byte-order mark starts a line inside the stream (libyaml ends the mapping there, Kubernetes does not)"


def test_a_byte_order_mark_at_the_start_of_a_line_inside_the_stream_is_refused(harden):
    """libyaml skips such a mark and then ends the document's mapping after its first key: the pod
    below read as ``{status: {}}``, no workload, and post-render passed it through unhardened,
    while kubectl reads the whole privileged pod (and "\\ufeffstatus" as an unknown field)."""
    stream = "---\n# Source: c/templates/pod.yaml\n\ufeffstatus: {}\n" + PRIVILEGED_POD
    with pytest.raises(loader.DialectError, match="^" + re.escape(INNER_BYTE_ORDER_MARK)):
        loader.load(stream)
    for command in (("check", "-"), ("post-render",)):
        result = harden(*command, stdin=stream)
        assert (result.returncode, result.stdout, result.stderr) == (
            2, "", f"helm-harden: error: c/templates/pod.yaml: line 1 of the rendered template: {INNER_BYTE_ORDER_MARK}\n")
    # The mark that starts the stream is the stream's own: read as before.
    assert loader.load("\ufeff" + PRIVILEGED_POD)["spec"]["containers"][0]["securityContext"] == {"privileged": True}
    assert loader.load("a: \"x\ufeff\"\n") == {"a": "x\ufeff"}

"""Hostile input and a hostile environment, through the real command line: every failure is one
line on stderr with the documented exit code (never 4, the internal-error code), nothing is
half-written or silently lost, and nothing of the input's content is quoted back."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXIT_USAGE = 2

BARE_POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: a:1.0\n"


def cli(*args, cwd=None, stdin: str | None = "", env=None, preexec_fn=None, stdout=subprocess.PIPE):
    """Run ``python -m helm_harden ARGS`` with an empty config; ``stdin=None`` leaves it closed."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HELM_", "KUBE"))}
    environment.update(HELM_HARDEN_CONFIG=os.devnull, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "helm_harden", *args],
        cwd=cwd,
        input=None if stdin is None else stdin.encode(),
        stdin=subprocess.DEVNULL if stdin is None else None,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=environment,
        preexec_fn=preexec_fn,
        timeout=120,
    )


def one_error_line(result, exit_code: int = EXIT_USAGE) -> str:
    """The run failed with ``exit_code``, saying why in one stderr line; that line is returned."""
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert result.returncode == exit_code, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("helm-harden: error: "), stderr
    return lines[0]


def closing(fd: int):
    """A preexec_fn that closes one of the child's standard streams before helm-harden starts."""
    return lambda: os.close(fd)


# --- explicit tags that do not fit their value ----------------------------------------------

MAYBE_POD = BARE_POD.replace("spec:\n", "spec:\n  hostNetwork: !!bool maybe\n")


def test_a_bool_tag_on_a_non_boolean_is_an_input_error_naming_the_file(tmp_path):
    (tmp_path / "pod.yaml").write_text(MAYBE_POD)
    for args in (["check", "pod.yaml"], ["check", "--pss", "restricted", "pod.yaml"]):
        line = one_error_line(cli(*args, cwd=tmp_path))
        assert line.startswith("helm-harden: error: pod.yaml: "), line
        assert "maybe" not in line


def test_a_bool_tag_on_a_non_boolean_fails_post_render_without_output():
    result = cli("post-render", stdin=MAYBE_POD)
    line = one_error_line(result)
    assert line.startswith("helm-harden: error: <stdin>: ") and "maybe" not in line
    assert result.stdout == b""


def test_a_bool_tag_on_a_non_boolean_in_the_config_names_its_line(tmp_path):
    (tmp_path / "config.yaml").write_text("rules:\n  run-as-user-group:\n    min_id: !!bool maybe\n")
    (tmp_path / "pod.yaml").write_text(BARE_POD)
    line = one_error_line(cli("check", "--config", "config.yaml", "pod.yaml", cwd=tmp_path))
    assert line.startswith("helm-harden: error: config.yaml: line 3: "), line
    assert "maybe" not in line


# --- targets that are not there, or not readable --------------------------------------------


def test_a_symlink_loop_as_the_target_is_an_input_error_naming_it(tmp_path):
    (tmp_path / "loop-a").symlink_to("loop-b")
    (tmp_path / "loop-b").symlink_to("loop-a")
    line = one_error_line(cli("check", "loop-a", cwd=tmp_path))
    assert line == "helm-harden: error: loop-a: a symbolic link that loops back on itself"


def test_a_dangling_link_as_the_target_is_an_input_error_naming_it(tmp_path):
    (tmp_path / "gone").symlink_to("nowhere")
    line = one_error_line(cli("check", "gone", cwd=tmp_path))
    assert line == "helm-harden: error: gone: a symbolic link to nothing (its target does not exist)"


def without_dac_override():
    """A preexec_fn under which even root is refused what ``chmod 000`` hides: the child drops the
    capabilities that bypass file permissions from its bounding set, so the program it runs
    never gets them (None when the tests do not run as root)."""
    if os.geteuid() != 0:
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2

    def drop():
        for capability in (cap_dac_override, cap_dac_read_search):
            if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return drop


def test_an_unreadable_directory_as_the_target_is_an_input_error_naming_it(tmp_path):
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "pod.yaml").write_text(BARE_POD)
    (tmp_path / "manifests").chmod(0)
    try:
        line = one_error_line(cli("check", "manifests", cwd=tmp_path, preexec_fn=without_dac_override()))
    finally:
        (tmp_path / "manifests").chmod(0o755)
    assert line == "helm-harden: error: manifests: cannot read: Permission denied"


# --- closed and full standard streams -------------------------------------------------------


@pytest.mark.parametrize("args", [["check", "-"], ["post-render"], ["krm-function"]])
def test_a_closed_stdin_is_an_input_error(args):
    result = cli(*args, stdin=None, preexec_fn=closing(0))
    assert one_error_line(result) == "helm-harden: error: <stdin>: standard input is closed"
    assert result.stdout == b""


def test_post_render_with_stdout_closed_fails():
    result = cli("post-render", "-q", stdin=BARE_POD, preexec_fn=closing(1))
    assert one_error_line(result) == "helm-harden: error: cannot write to stdout: it is closed"


@pytest.mark.parametrize("args", [["post-render", "-q"], ["check", "-"], ["check", "-", "--format", "json"]])
def test_output_to_a_full_disk_is_an_io_error_naming_stdout(args):
    with open("/dev/full", "wb") as full:
        result = cli(*args, stdin=BARE_POD, stdout=full)
    assert one_error_line(result) == "helm-harden: error: cannot write to stdout: No space left on device"


def test_a_report_file_on_a_full_disk_is_an_io_error_naming_the_file():
    result = cli("check", "-", "--output", "/dev/full", stdin=BARE_POD)
    assert one_error_line(result) == "helm-harden: error: /dev/full: cannot write the report: No space left on device"
    assert result.stdout == b""


def test_post_render_into_a_pipe_nobody_reads_fails():
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HELM_", "KUBE"))}
    environment["HELM_HARDEN_CONFIG"] = os.devnull
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before a byte is written: every write is EPIPE
    try:
        result = subprocess.run([sys.executable, "-m", "helm_harden", "post-render", "-q"], input=BARE_POD.encode(),
                                stdout=write_end, stderr=subprocess.PIPE, env=environment, timeout=120)
    finally:
        os.close(write_end)
    assert one_error_line(result) == "helm-harden: error: cannot write to stdout: Broken pipe"


# --- folders of manifests -------------------------------------------------------------------

PRIVILEGED_POD = BARE_POD.replace("    image: a:1.0\n", "    image: a:1.0\n    securityContext: {privileged: true}\n")


def privileged_origins(result) -> list[str]:
    import json

    assert result.returncode == 1, result.stderr.decode()
    return sorted({f["origin"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "no-privileged"})


def test_a_symlinked_folder_of_manifests_is_read(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "pod.yaml").write_text(PRIVILEGED_POD)
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "linked").symlink_to("../shared", target_is_directory=True)
    result = cli("check", "manifests", "--format", "json", cwd=tmp_path)
    assert privileged_origins(result) == ["manifests/linked/pod.yaml"]


def test_a_symlink_back_up_the_tree_is_read_once_not_forever(tmp_path):
    (tmp_path / "manifests" / "sub").mkdir(parents=True)
    (tmp_path / "manifests" / "sub" / "pod.yaml").write_text(PRIVILEGED_POD)
    (tmp_path / "manifests" / "sub" / "up").symlink_to("..", target_is_directory=True)
    result = cli("check", "manifests", "--format", "json", cwd=tmp_path)
    assert privileged_origins(result) == ["manifests/sub/pod.yaml"]


def test_an_unreadable_subfolder_is_an_error_naming_it(tmp_path):
    (tmp_path / "manifests" / "locked").mkdir(parents=True)
    (tmp_path / "manifests" / "pod.yaml").write_text(BARE_POD)
    (tmp_path / "manifests" / "locked" / "pod.yaml").write_text(PRIVILEGED_POD)
    (tmp_path / "manifests" / "locked").chmod(0)
    try:
        line = one_error_line(cli("check", "manifests", cwd=tmp_path, preexec_fn=without_dac_override()))
    finally:
        (tmp_path / "manifests" / "locked").chmod(0o755)
    assert line == "helm-harden: error: manifests/locked: cannot read: Permission denied"


@pytest.mark.parametrize("name", ["gone.yaml", "gone-folder"])
def test_a_dangling_link_in_a_folder_is_an_error_naming_it(tmp_path, name):
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "pod.yaml").write_text(BARE_POD)
    (tmp_path / "manifests" / name).symlink_to("nowhere")
    line = one_error_line(cli("check", "manifests", cwd=tmp_path))
    assert line == f"helm-harden: error: manifests/{name}: a symbolic link to nothing (its target does not exist)"


def test_a_looping_link_in_a_folder_is_an_error_naming_it(tmp_path):
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "pod.yaml").write_text(BARE_POD)
    (tmp_path / "manifests" / "self.yaml").symlink_to("self.yaml")
    line = one_error_line(cli("check", "manifests", cwd=tmp_path))
    assert line == "helm-harden: error: manifests/self.yaml: a symbolic link that loops back on itself"


# --- diffs never show a Secret ---------------------------------------------------------------

SECRET_VALUE = "U0VLUkVUX01BUktFUg=="  # planted: must appear nowhere in any output
POD_ITEM = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "a:1.0"}]}}
SECRET_ITEM = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"password": SECRET_VALUE}}


def secret_lists() -> dict[str, str]:
    import json

    one_line = json.dumps({"apiVersion": "v1", "kind": "List", "items": [SECRET_ITEM, POD_ITEM]}, separators=(",", ":"))
    return {
        "json-one-line": one_line + "\n",
        "json-pod-first": json.dumps({"apiVersion": "v1", "kind": "List", "items": [POD_ITEM, SECRET_ITEM]}) + "\n",
        "flow": "{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Secret, metadata: {name: s}, "
                f"data: {{password: {SECRET_VALUE}}}}}, {{apiVersion: v1, kind: Pod, metadata: {{name: p}}, "
                "spec: {containers: [{name: c, image: 'a:1.0'}]}}]}\n",
        "block-list-flow-items": "apiVersion: v1\nkind: List\nitems:\n"
                f"- {{apiVersion: v1, kind: Secret, metadata: {{name: s}}, stringData: {{password: {SECRET_VALUE}}}}}\n"
                "- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: 'a:1.0'}]}}\n",
        "block": "apiVersion: v1\nkind: List\nitems:\n"
                 f"- apiVersion: v1\n  kind: Secret\n  metadata: {{name: s}}\n  data:\n    password: {SECRET_VALUE}\n"
                 "- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers:\n    - name: c\n      image: a:1.0\n",
    }


@pytest.mark.parametrize("shape", sorted(secret_lists()))
def test_a_diff_shows_no_line_of_a_document_that_holds_a_secret(tmp_path, shape):
    (tmp_path / "list.yaml").write_text(secret_lists()[shape])
    result = cli("check", "list.yaml", "--diff", "--fail-on", "never", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert SECRET_VALUE not in (result.stdout + result.stderr).decode()
    index = 0 if shape == "json-pod-first" else 1
    assert result.stdout.decode() == (
        "--- list.yaml (document 1) (rendered)\n"
        "+++ list.yaml (document 1) (post-rendered)\n"
        "# The document holds a Secret, so none of its lines are shown. The fixes repair:\n"
        f"#   /items/{index}/spec/containers/0/securityContext/allowPrivilegeEscalation (no-privilege-escalation)\n"
        f"#   /items/{index}/spec/containers/0/securityContext/capabilities/drop (drop-capabilities)\n"
        f"#   /items/{index}/spec/containers/0/securityContext/runAsNonRoot (run-as-non-root)\n"
        f"#   /items/{index}/spec/containers/0/securityContext/seccompProfile (seccomp-profile)\n"
    )


# --- messages name places, never content -----------------------------------------------------

MARKER = "SEKRET"


@pytest.mark.parametrize("args", [["check", "-"], ["check", "--pss", "restricted", "-"], ["post-render"]])
@pytest.mark.parametrize("stream", [
    BARE_POD.replace("spec:\n", "spec:\n  hostNetwork: !!x%27SEKRET%22z true\n"),
    BARE_POD.replace("spec:\n", "spec:\n  hostNetwork: !x%27SEKRET%22z {a: 1}\n  ho: !!str%22SEKRET x\n"),
], ids=["unknown-tag", "tag-on-mapping"])
def test_messages_never_quote_a_tag(args, stream):
    """A tag Kubernetes' decoder ignores may be read or refused; either way nothing quotes it."""
    result = cli(*args, stdin=stream)
    assert result.returncode in (0, 1, 2), result.stderr.decode()
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and MARKER not in stderr and "%27" not in stderr
    if result.returncode == 2:
        assert one_error_line(result).startswith("helm-harden: error: <stdin>")
    if args[0] == "check":
        assert MARKER not in result.stdout.decode()


@pytest.mark.parametrize("args", [["check", "-"], ["check", "-", "--format", "json"], ["check", "--pss", "restricted", "-"],
                                  ["post-render"]])
def test_no_output_quotes_the_key_of_an_ignore_annotation(args):
    stream = BARE_POD.replace("metadata: {name: p}", "metadata: {name: p, annotations: {ignore.helm-harden.io/SEKRET: why}}")
    result = cli(*args, stdin=stream)
    assert result.returncode in (0, 1), result.stderr.decode()
    output = (result.stdout + result.stderr).decode()
    assert MARKER not in output.replace("ignore.helm-harden.io/SEKRET: why", "")  # post-render passes the object through


# --- usage errors are one line ----------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["chek"], "No such command 'chek'. Did you mean 'check'? (see: helm-harden --help)"),
    (["check"], "Missing argument 'TARGET'. (see: helm-harden check --help)"),
    (["check", "--set", "a=b", "chart"], "give the chart, kustomization, file or '-' first, then helm flags (see: helm-harden check --help)"),
    (["post-render", "--fail-on", "often"], "Invalid value for '--fail-on': 'often' is not one of 'info', 'warning', 'error', 'never'. (see: helm-harden post-render --help)"),
])
def test_usage_errors_are_one_line(args, message):
    result = subprocess.run([str(Path(sys.executable).parent / "helm-harden"), *args], capture_output=True,
                            stdin=subprocess.DEVNULL, timeout=60)
    assert result.stdout == b""
    assert one_error_line(result) == f"helm-harden: error: {message}"


# --- names cannot fake lines of a report -----------------------------------------------------

HOSTILE_NAME = "evil\nerror    no-privileged  pod: fake\x1b[2J|x|<b>*y*</b>"
HOSTILE_POD = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": HOSTILE_NAME, "namespace": "ns|`x`\r"},
    "spec": {"automountServiceAccountToken": False,
             "containers": [{"name": "c\n| a | b |", "image": "a:1.0", "securityContext": {"privileged": True}}]},
}


def hostile_report(fmt: str) -> str:
    import json

    result = cli("check", "-", "--format", fmt, "--fail-on", "never", stdin=json.dumps(HOSTILE_POD))
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def test_names_with_line_breaks_and_escapes_stay_on_their_line_of_the_text_report():
    lines = hostile_report("text").splitlines()
    assert "\x1b" not in "".join(lines) and "\r" not in "".join(lines)
    assert lines[:2] == ["<stdin> (document 1)", "  Pod ns|`x`\\r/evil\\nerror    no-privileged  pod: fake\\x1b[2J|x|<b>*y*</b>"]
    findings = [line for line in lines[2:] if line.startswith("    ")]
    assert findings and all(line.startswith(("    error    ", "    warning  ", "    info     ")) for line in findings)
    assert all("c\\n| a | b |: " in line for line in findings)
    assert lines[2 + len(findings):][0] == ""
    assert lines[-1].startswith(f"{len(findings)} findings")


def test_names_with_pipes_line_breaks_and_markup_stay_in_their_markdown_cell():
    import re

    rows = [line for line in hostile_report("markdown").splitlines() if line.startswith("|")]
    header, rule, *findings = rows
    assert header == "| Severity | Rule | Template | Object | Container | Finding | Fix |"
    assert findings and all(len(re.findall(r"(?<!\\)\|", row)) == 8 for row in findings)
    cells = [re.split(r"(?<!\\)\|", row)[1:-1] for row in findings]
    assert {cell[3].strip() for cell in cells} == {
        # line breaks become spaces, other control characters are spelt out (and their backslash escaped)
        "Pod ns\\|\\`x\\` /evil error    no-privileged  pod: fake\\\\x1b\\[2J\\|x\\|\\<b\\>\\*y\\*\\</b\\>"
    }
    assert {cell[4].strip() for cell in cells} == {"c \\| a \\| b \\|"}
    assert {cell[2].strip() for cell in cells} == {"`<stdin>`"}


def test_an_error_naming_a_template_with_a_line_break_is_still_one_line():
    import json

    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "annotations": {"postrenderer.helm.sh/postrender-filename": "t.yaml\nhelm-harden: error: fake"}},
           "spec": {"securityContext": 5, "containers": [{"name": "c", "image": "a:1.0"}]}}
    line = one_error_line(cli("post-render", stdin=json.dumps(pod)))
    assert line.startswith("helm-harden: error: t.yaml\\nhelm-harden: error: fake: cannot harden: "), line


# --- fills never contradict a legacy seccomp annotation --------------------------------------


def seccomp_annotated_pod(annotation: str, value: str) -> str:
    return BARE_POD.replace("metadata: {name: p}", f"metadata:\n  name: p\n  annotations: {{{annotation}: {value}}}")


@pytest.mark.parametrize("annotation, value", [
    ("seccomp.security.alpha.kubernetes.io/pod", "unconfined"),
    ("seccomp.security.alpha.kubernetes.io/pod", "localhost/profiles/audit.json"),
    ("container.seccomp.security.alpha.kubernetes.io/c", "unconfined"),
])
def test_post_render_never_fills_a_seccomp_profile_an_annotation_contradicts(annotation, value):
    import json

    pod = seccomp_annotated_pod(annotation, value)
    hardened = cli("post-render", "-q", stdin=pod)
    assert hardened.returncode == 0, hardened.stderr.decode()
    assert b"seccompProfile" not in hardened.stdout
    assert b"runAsNonRoot: true" in hardened.stdout  # the other fills still happen
    report = json.loads(cli("check", "-", "--format", "json", stdin=pod).stdout)
    assert [(f["rule"], f["fixable"], f["message"]) for f in report["findings"] if f["rule"] == "seccomp-profile"] == [
        ("seccomp-profile", False, "no seccomp profile is set, and a legacy seccomp annotation asks for another one than"
         " RuntimeDefault: set the field to agree with it, or remove it"),
    ]


def test_post_render_fills_a_seccomp_profile_an_annotation_agrees_with():
    pod = seccomp_annotated_pod("seccomp.security.alpha.kubernetes.io/pod", "runtime/default")
    hardened = cli("post-render", "-q", stdin=pod)
    assert b"seccompProfile:\n      type: RuntimeDefault" in hardened.stdout, hardened.stdout.decode()


# --- deep nesting ------------------------------------------------------------------------------


def test_a_deeply_nested_flow_list_in_a_fixable_document_is_hardened():
    depth = 990
    pod = BARE_POD + "    args: " + "[" * depth + "]" * depth + "\n"
    hardened = cli("post-render", "-q", stdin=pod)
    assert hardened.returncode == 0, hardened.stderr.decode()
    assert hardened.stdout.decode().startswith(pod)  # the fills go after the last line
    assert b"runAsNonRoot: true" in hardened.stdout
    diff = cli("check", "-", "--diff", "--fail-on", "never", stdin=pod)
    assert diff.returncode == 0, diff.stderr.decode()
    assert "+    securityContext:" in diff.stdout.decode()


# --- line endings and the byte-order mark survive every rewrite ------------------------------

NULL_CONTEXT_POD = BARE_POD.replace("spec:\n", "spec:\n  securityContext: null\n")  # beyond insertion: a round trip


@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["no-bom", "bom"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("pod", [BARE_POD, NULL_CONTEXT_POD, "---\n# Source: c/templates/pod.yaml\n" + NULL_CONTEXT_POD],
                         ids=["inserted", "round-trip", "round-trip-after-separator"])
def test_post_render_keeps_line_endings_and_the_byte_order_mark(bom, newline, pod):
    stream = (bom + pod.replace("\n", newline) + "---" + newline + BARE_POD.replace("\n", newline)).encode()
    hardened = cli("post-render", "-q", stdin=stream.decode())
    assert hardened.returncode == 0, hardened.stderr.decode()
    out = hardened.stdout
    assert out.startswith(bom.encode() + pod.replace("\n", newline).encode()[:12])
    assert out.count(b"runAsNonRoot: true") == 2
    if newline == "\r\n":
        assert b"\n" not in out.replace(b"\r\n", b""), out
    else:
        assert b"\r" not in out

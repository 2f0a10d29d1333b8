"""Every hostile shape of test_hostile_input, combined at random and run through check,
check --pss, check --diff and post-render: never exit 4, never a traceback, nothing of a planted
marker in any report or message, and post-render's stream complete or nothing at all.

The command line runs in-process through click's runner (the same entry point, streams and exit
codes as a process; the process-level cases, closed and full streams, are in test_hostile_input),
so a hundred examples take seconds.
"""

from __future__ import annotations

import json
import os
import re

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helm_harden.cli import main
from helm_harden.manifest import split_stream

MARKER = "PLANTEDzq"  # a Secret's value, a tag, an annotation key: never in any report or message
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"token": MARKER}}

HOSTILE_NAMES = st.sampled_from(["web", "a\nerror    fake", "x|y|z", "<b>*m*</b>", "`t`", "n\x1b[2J", "p\r\nq"])
HOSTILE_VALUES = st.sampled_from([
    "true", "y", "!!bool maybe", f"!!x%27{MARKER}%22z true", f"!{MARKER} true", "!!int 0x", "0.0", "[]", "{}", "null",
])


def _pod(name: str, container: str, host_network: str, depth: int, annotations: dict) -> str:
    annotation_text = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in annotations.items())
    nested = "[" * depth + "]" * depth
    return (
        "apiVersion: v1\nkind: Pod\n"
        f"metadata: {{name: {json.dumps(name)}, annotations: {{{annotation_text}}}}}\n"
        f"spec:\n  hostNetwork: {host_network}\n  containers:\n  - name: {json.dumps(container)}\n"
        f"    image: a:1.0\n    args: {nested}\n"
    )


@st.composite
def streams(draw) -> str:
    annotations = draw(st.dictionaries(st.sampled_from([
        f"ignore.helm-harden.io/{MARKER}", "ignore.helm-harden.io/no-privileged",
        "seccomp.security.alpha.kubernetes.io/pod", "container.seccomp.security.alpha.kubernetes.io/c",
    ]), st.sampled_from(["unconfined", "runtime/default", "", "reviewed"]), max_size=3))
    pod = _pod(draw(HOSTILE_NAMES), draw(HOSTILE_NAMES), draw(HOSTILE_VALUES), draw(st.sampled_from([0, 1, 50, 990])),
               annotations)
    secret_shape = draw(st.sampled_from(["json-list", "flow-list", "block", "none"]))
    documents = [pod]
    if secret_shape == "json-list":
        documents.append(json.dumps({"apiVersion": "v1", "kind": "List", "items": [SECRET, json.loads(json.dumps({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q"},
            "spec": {"containers": [{"name": "c", "image": "a:1.0"}]}}))]}, separators=(",", ":")) + "\n")
    elif secret_shape == "flow-list":
        documents.append("{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Secret, metadata: {name: s}, "
                         f"data: {{token: {MARKER}}}}}, {{apiVersion: v1, kind: Pod, metadata: {{name: q}}, "
                         "spec: {containers: [{name: c, image: 'a:1.0'}]}}]}\n")
    elif secret_shape == "block":
        documents.append(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: {MARKER}\n")
    if draw(st.booleans()):
        documents.reverse()
    text = "---\n".join(documents)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


COMMANDS = (
    ["check", "-", "--fail-on", "never"],
    ["check", "-", "--format", "json"],
    ["check", "-", "--format", "markdown"],
    ["check", "--pss", "restricted", "-"],
    ["check", "-", "--diff"],
    ["post-render"],
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=streams())
def test_hostile_streams_never_crash_leak_or_lose_documents(stream):
    runner = CliRunner()
    env = {"HELM_HARDEN_CONFIG": os.devnull, "HELM_HARDEN_DEBUG": ""}
    for args in COMMANDS:
        result = runner.invoke(main, args, input=stream.encode(), env=env)
        # the bytes: click's Result.stdout would turn CRLF into LF
        stdout, stderr = result.stdout_bytes.decode("utf-8"), result.stderr_bytes.decode("utf-8")
        assert result.exit_code in (0, 1, 2), (args, result.exit_code, stderr, result.exception)
        assert "Traceback" not in stdout + stderr and "internal error" not in stderr, (args, stderr)
        assert MARKER not in stderr, (args, stderr)
        if args[0] == "check":
            assert MARKER not in stdout, (args, stdout)
            continue
        if result.exit_code != 0:
            assert stdout == "", "a refused stream is not written at all"
            continue
        # complete: every document comes out, in order, and what was not hardened byte for byte
        given_documents = [chunk for _, chunk in split_stream(stream)]
        hardened = [chunk for _, chunk in split_stream(stdout)]
        assert len(hardened) == len(given_documents)
        for before, after in zip(given_documents, hardened):
            if re.search(r"^kind: Secret\r?$", before, re.M):  # a Secret on its own needs no fix: it comes out byte for byte
                assert after == before

"""JSON in, JSON out: a document written as JSON (``kubectl get -o json``, ``jq -c``) that post-render
hardens comes out as JSON that the real kubectl reads with its JSON decoder, not YAML flow syntax."""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import kubectl_for_tests

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web"},
    "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "securityContext": {}}]},
}
HARDENED_SPEC = {
    "containers": [
        {
            "name": "web",
            "image": "nginx:1.27",
            "securityContext": {"capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": False},
        }
    ],
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
}


def _kubectl_reads(text: str) -> dict:
    """The object as the real kubectl decodes the file (it sniffs JSON by its first brace)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "pod.json")
        path.write_text(text, encoding="utf-8")
        result = subprocess.run(
            [kubectl_for_tests(), "label", "--local", "-f", str(path), "checked=yes", "-o", "json"],
            env={"PATH": os.defpath, "KUBECONFIG": os.devnull, "HOME": folder},
            capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("indent", [None, 2], ids=["one-line", "pretty"])
def test_a_json_document_comes_out_of_post_render_as_json(harden, indent):
    original = json.dumps(POD, indent=indent) + "\n"
    result = harden("post-render", stdin=original)
    assert result.returncode == 0, result.stderr
    hardened = json.loads(result.stdout)  # JSON, not YAML flow syntax with bare keys
    assert hardened == {**POD, "spec": HARDENED_SPEC}
    assert _kubectl_reads(result.stdout)["spec"]["securityContext"] == HARDENED_SPEC["securityContext"]


def test_a_yaml_flow_mapping_keeps_its_own_spelling():
    """Only JSON documents get JSON spelling: a YAML document's flow mapping stays YAML."""
    from helm_harden.patch import SetDefault
    from helm_harden.textpatch import apply_edits

    text = "spec:\n  securityContext: {runAsUser: 1000}\n"
    edits = [SetDefault(("spec", "securityContext", "runAsNonRoot"), True)]
    assert apply_edits(text, edits, 2, 2) == "spec:\n  securityContext: {runAsUser: 1000, runAsNonRoot: true}\n"

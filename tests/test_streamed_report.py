"""A check whose reports are all JSON writes its findings as the scan makes them instead of keeping
them: the report is the same text as one built from the kept findings, the exit code comes from
the same counts, and a scan that fails part-way still writes nothing anywhere."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

import pytest

from helm_harden.config import default_config, load_config
from helm_harden.engine import Engine
from helm_harden.errors import OutputError
from helm_harden.files import write_whole
from helm_harden.manifest import parse_documents
from helm_harden.report.json_report import JsonFindings, format_json, json_pieces

POD = "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{n}}}\nspec:\n  containers:\n  - name: c\n    image: a:1.0\n"
PRIVILEGED = POD.replace("    image: a:1.0\n", "    image: a:1.0\n    securityContext: {{privileged: true}}\n")
CONFIG_MAP = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n"
MALFORMED = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  a: b\n   c: d\n"


def _both(text: str, config=None) -> tuple[str, str]:
    """The JSON report of one scan with its findings kept and of one with them streamed."""
    engine = Engine(config or default_config(), namespace="default", today=datetime.date(2026, 1, 1))
    kept = engine.scan("s.yaml", parse_documents(text, "s.yaml"))
    engine = Engine(config or default_config(), namespace="default", today=datetime.date(2026, 1, 1))
    streamed = engine.scan("s.yaml", parse_documents(text, "s.yaml"), findings=JsonFindings())
    assert isinstance(kept.findings, list) and not isinstance(streamed.findings, list)
    return format_json(kept), "".join(json_pieces(streamed))


@pytest.mark.parametrize("stream", ["one-pod", "no-findings", "no-workloads", "enough-to-spill-to-disk"])
def test_a_streamed_report_is_the_report_of_the_kept_findings(stream):
    text = {
        "one-pod": POD.format(n=1) + CONFIG_MAP,
        "no-findings": CONFIG_MAP,
        "no-workloads": "---\n# Source: c/templates/empty.yaml\n" + CONFIG_MAP,
        "enough-to-spill-to-disk": "".join((PRIVILEGED if n % 3 else POD).format(n=n) for n in range(600)),
    }[stream]
    kept, streamed = _both(text)
    assert streamed == kept
    report = json.loads(streamed)
    assert report["summary"]["findings"] == len(report["findings"])


def test_a_streamed_report_counts_suppressed_findings_as_the_kept_one_does(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "exemptions:\n  - rule: no-privileged\n    name: p1\n    reason: a test\n"
        "  - rule: run-as-non-root\n    name: p2\n    reason: expired\n    expires: 2025-01-01\n"
    )
    text = "".join(PRIVILEGED.format(n=n) for n in range(3))
    kept, streamed = _both(text, load_config(str(tmp_path / "config.yaml")))
    assert streamed == kept
    summary = json.loads(streamed)["summary"]
    assert (summary["suppressed"], summary["findings"]) == (1, len(json.loads(streamed)["findings"]) - 1)


def _check(*args, stdin: str, cwd):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HELM_", "KUBE"))}
    environment["HELM_HARDEN_CONFIG"] = os.devnull
    return subprocess.run([sys.executable, "-m", "helm_harden", "check", "-", *args], input=stdin.encode(),
                          capture_output=True, env=environment, cwd=cwd, timeout=120)


def test_a_scan_that_fails_after_findings_were_streamed_writes_no_report(tmp_path):
    (tmp_path / "old.json").write_text("the previous report\n")
    stream = "".join(PRIVILEGED.format(n=n) for n in range(50)) + MALFORMED
    for args in (["--format", "json"], ["--format", "json", "--output", "old.json"]):
        result = _check(*args, stdin=stream, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (2, b"")
        assert result.stderr.decode().splitlines() == ["helm-harden: error: <stdin>: line 458: invalid YAML: "
                                                       "mapping values are not allowed in this context"]
        assert (tmp_path / "old.json").read_text() == "the previous report\n"
    assert os.listdir(tmp_path) == ["old.json"]


@pytest.mark.parametrize("fail_on, exit_code", [("error", 1), ("warning", 1), ("never", 0)])
def test_the_exit_code_of_a_streamed_scan_follows_its_findings(tmp_path, fail_on, exit_code):
    result = _check("--format", "json", "--fail-on", fail_on, stdin=PRIVILEGED.format(n=1), cwd=tmp_path)
    assert result.returncode == exit_code, result.stderr
    clean = _check("--format", "json", "--fail-on", fail_on, stdin=CONFIG_MAP, cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr


def test_two_json_reports_of_one_streamed_scan_are_the_same(tmp_path):
    stream = "".join(PRIVILEGED.format(n=n) for n in range(400))
    result = _check("--format", "json", "--output", "a.json", "--format", "json", "--fail-on", "never",
                    stdin=stream, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.json").read_bytes() == result.stdout
    assert json.loads(result.stdout)["summary"]["findings"] == len(json.loads(result.stdout)["findings"]) > 400


# The temporary file's disk fills up: every write to /dev/full fails with ENOSPC, but only once
# the file's buffer is flushed, as a nearly full disk fails the last few kilobytes of the report.
_FULL_TEMPORARY_DISK = (
    "import runpy, tempfile\n"
    "tempfile.SpooledTemporaryFile = lambda *args, mode='w+b', encoding=None, **options: open('/dev/full', mode, encoding=encoding)\n"
    "runpy.run_module('helm_harden', run_name='__main__')\n"
)


@pytest.mark.parametrize("pods", [1, 600])  # the findings' lines still buffered, or written and refused
def test_a_temporary_file_that_cannot_be_written_writes_no_report_and_one_error_line(tmp_path, pods):
    (tmp_path / "old.json").write_text("the previous report\n")
    stream = "".join(PRIVILEGED.format(n=n) for n in range(pods))
    for args in (["--format", "json"], ["--format", "json", "--output", "old.json"]):
        result = subprocess.run([sys.executable, "-c", _FULL_TEMPORARY_DISK, "check", "-", *args],
                                input=stream.encode(), capture_output=True, cwd=tmp_path, timeout=120,
                                env={**os.environ, "HELM_HARDEN_CONFIG": os.devnull})
        assert (result.returncode, result.stdout) == (2, b"")
        assert result.stderr.decode().splitlines() == [
            "helm-harden: error: cannot hold the JSON report in a temporary file: No space left on device"]
        assert (tmp_path / "old.json").read_text() == "the previous report\n"
    assert os.listdir(tmp_path) == ["old.json"]


def test_the_pieces_of_a_report_whose_temporary_file_cannot_be_written_are_refused_before_the_first(monkeypatch):
    monkeypatch.setattr("tempfile.SpooledTemporaryFile",
                        lambda *args, mode="w+b", encoding=None, **options: open("/dev/full", mode, encoding=encoding))
    engine = Engine(default_config(), namespace="default", today=datetime.date(2026, 1, 1))
    # The scan itself may be refused: the findings it holds until the stream ends wait in a file too.
    with pytest.raises(OutputError, match="^cannot hold the JSON report in a temporary file: No space left on device$"):
        json_pieces(engine.scan("s.yaml", parse_documents(PRIVILEGED.format(n=1), "s.yaml"), findings=JsonFindings()))


def test_a_report_interrupted_while_its_pieces_are_written_leaves_the_old_file_and_no_temporary_one(tmp_path):
    (tmp_path / "old.json").write_text("the previous report\n")

    def interrupted():
        yield '{"findings": [\n'
        raise KeyboardInterrupt  # Ctrl-C while a large report's findings are copied out

    with pytest.raises(KeyboardInterrupt):
        write_whole(str(tmp_path / "old.json"), interrupted(), "report")
    assert os.listdir(tmp_path) == ["old.json"]
    assert (tmp_path / "old.json").read_text() == "the previous report\n"

"""The JSON report: helm-harden's stable machine-readable contract (documented in the README).

Fields are only ever added, never renamed or removed, within a ``schema_version``.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from typing import Iterator

from helm_harden import __version__
from helm_harden.errors import InternalError
from helm_harden.findings import Finding, ScanResult
from helm_harden.fingerprint import fingerprint
from helm_harden.report.summary import Counts, summarize
from helm_harden.rules.base import Severity
from helm_harden.spill import SpilledList, on_temporary_file

SCHEMA_VERSION = 1
_SEVERITY_NAMES = {severity: str(severity) for severity in Severity}  # str() of an enum is slow, and per finding


def format_json(result: ScanResult) -> str:
    return "".join(json_pieces(result))


def json_pieces(result: ScanResult) -> Iterator[str]:
    """The report as pieces of text to write in order; only its findings' lines are read as it is
    written (from the temporary file `JsonFindings` holds them in), the rest is made here."""
    findings = result.findings if isinstance(result.findings, JsonFindings) else JsonFindings(result.findings)
    return findings.pieces(result)


class JsonFindings:
    """The JSON report's findings, written as they arrive, one line each, to a temporary file.

    A scan that writes only JSON reports hands its findings here instead of keeping them (`Engine.scan`),
    so its memory does not grow with them; the report's summary comes from their `Counts`. Nothing
    reaches the report's destination before the scan is complete (`pieces`).
    """

    def __init__(self, findings=()):
        # A small report stays in memory; a large one goes to disk, not the process's resident set.
        self._lines = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8")
        self._batch: list[str] = []  # lines not yet written: the file is written a few hundred at a time
        self._written = 0  # findings appended, whose lines are in the file or the batch
        self._placed = SpilledList("the JSON report")  # (position, line) of findings placed among them
        self.counts = Counts()
        self.extend(findings)

    def __len__(self) -> int:
        return self._written + len(self._placed)

    def append(self, finding: Finding) -> None:
        self.counts.add(finding)
        self._batch.append(json.dumps(finding_to_dict(finding)) + "\n")
        self._written += 1
        if len(self._batch) >= 256:
            self._write_batch()

    def place(self, position: int, finding: Finding) -> None:
        """Put a finding the scan held back where it would have been: before the finding that
        was appended at ``position`` (`len` then). Positions come in order."""
        self.counts.add(finding)
        self._placed.append((position, json.dumps(finding_to_dict(finding)) + "\n"))

    def _write_batch(self) -> None:
        text = "".join(self._batch)
        self._batch.clear()
        self._hold(self._lines.write, text)

    def _hold(self, action, *arguments) -> None:
        on_temporary_file(self._lines, "the JSON report", action, *arguments)

    def extend(self, findings) -> None:
        for finding in findings:
            self.append(finding)

    def __iter__(self):
        raise InternalError("the findings of a streamed JSON report are not kept")

    def pieces(self, result: ScanResult) -> Iterator[str]:
        if self._batch:
            self._write_batch()
        # Flushed now: the file's buffer failing to reach a full disk once the first piece is out
        # would leave half a report.
        self._hold(self._lines.flush)
        report = _report(result, summarize(result, counts=self.counts))
        # Indented JSON with one finding per line: as readable, and as easy to grep and diff, as a
        # fully indented file, and written by json's C encoder (indentation would use the slow
        # Python one, a third of a 230,000-finding scan's time). The top-level key is the one
        # line indented by exactly two spaces that reads so.
        head, tail = json.dumps(report, indent=2).split('\n  "findings": []', 1)
        if not self.counts.total:
            return iter((head, '\n  "findings": []', tail, "\n"))
        return itertools.chain((head, '\n  "findings": [\n'), self._read(), ("\n  ]", tail, "\n"))

    def _read(self) -> Iterator[str]:
        """The findings' lines in order, the placed ones among them, joined as the report lists them."""
        self._lines.seek(0)
        separator = "    "  # before the first line; ",\n    " before each other
        chunk: list[str] = []
        for line in self._in_order():
            chunk.append(line[:-1])
            if len(chunk) == 4096:
                yield separator + ",\n    ".join(chunk)
                separator, chunk = ",\n    ", []
        if chunk:
            yield separator + ",\n    ".join(chunk)

    def _in_order(self) -> Iterator[str]:
        placed = iter(self._placed)
        position, line = next(placed, (None, None))
        for index, written in enumerate(self._lines):
            while position is not None and position <= index:
                yield line
                position, line = next(placed, (None, None))
            yield written
        while position is not None:
            yield line
            position, line = next(placed, (None, None))


def _report(result: ScanResult, summary) -> dict:
    report = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "helm-harden", "version": __version__},
        "target": result.target,
        "deploy_with": result.deploy_with,
        "summary": {
            "findings": summary.findings,
            "by_severity": summary.by_severity,
            "fixable": summary.fixable,
            "objects": summary.objects,
            "workloads": summary.workloads,
            "suppressed": summary.suppressed,
            "baselined": summary.baselined,
        },
        "findings": [],  # written line by line in its place
        "failures": [
            {"origin": f.origin, "values_file": f.values_file, "message": f.message, "stderr": f.stderr}
            for f in result.failures
        ],
    }
    if result.verdicts:
        report["verdicts"] = [
            {
                "kind": v.workload.kind,
                "name": v.workload.name,
                "namespace": v.workload.namespace,
                "source": v.workload.source,
                "admitted": v.admitted,
                "level": v.level,
                "version": v.version,
                "controls": list(v.controls),
                "admitted_after_post_render": v.admitted_after_post_render,
                "verdict": v.line,
            }
            for v in result.verdicts
        ]
    if result.baseline is not None:
        report["baseline"] = {"new": result.baseline.new, "fixed": result.baseline.fixed}
    return report


def finding_to_dict(finding: Finding) -> dict:
    return {
        "rule": finding.rule,
        "severity": _SEVERITY_NAMES[finding.severity],
        "kind": finding.kind,
        "name": finding.name,
        "namespace": finding.namespace,
        "container": finding.container,
        "path": finding.path,
        "source": finding.source,
        "document": finding.document,
        "origin": finding.origin,
        "message": finding.message,
        "fixable": finding.fixable,
        "hook": finding.hook,
        "values_file": finding.values_file,
        "suppressed": finding.suppressed is not None,
        "suppression_reason": finding.suppressed,
        "baselined": finding.baselined,
        "note": finding.note,
        "hint": finding.hint,
        "fingerprint": fingerprint(finding),
    }

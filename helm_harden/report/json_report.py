"""The JSON report: helm-harden's stable machine-readable contract (documented in the README).

Fields are only ever added, never renamed or removed, within a ``schema_version``.
"""

from __future__ import annotations

import json

from helm_harden import __version__
from helm_harden.findings import Finding, ScanResult
from helm_harden.fingerprint import fingerprint
from helm_harden.report.summary import summarize

SCHEMA_VERSION = 1


def format_json(result: ScanResult) -> str:
    summary = summarize(result)
    report = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "helm-harden", "version": __version__},
        "target": result.target,
        "summary": {
            "findings": summary.findings,
            "by_severity": summary.by_severity,
            "fixable": summary.fixable,
            "objects": summary.objects,
            "workloads": summary.workloads,
            "suppressed": summary.suppressed,
            "baselined": summary.baselined,
        },
        "findings": [finding_to_dict(f) for f in result.findings],
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
    return _dumps(report) + "\n"


def _dumps(report: dict) -> str:
    """Indented JSON with one finding per line: as readable, and as easy to grep and diff, as a
    fully indented file, and written by json's C encoder (indentation would use the slow Python
    one, a third of a 230,000-finding scan's time)."""
    findings = report["findings"]
    report = {**report, "findings": []}
    text = json.dumps(report, indent=2)
    if not findings:
        return text
    lines = ",\n".join("    " + json.dumps(finding) for finding in findings)
    # The top-level key is the one line indented by exactly two spaces that reads so.
    return text.replace('\n  "findings": []', '\n  "findings": [\n' + lines + "\n  ]", 1)


def finding_to_dict(finding: Finding) -> dict:
    return {
        "rule": finding.rule,
        "severity": str(finding.severity),
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

"""The JSON report: helm-harden's stable machine-readable contract (documented in the README).

Fields are only ever added, never renamed or removed, within a ``schema_version``.
"""

from __future__ import annotations

import json

from helm_harden import __version__
from helm_harden.engine import Finding, ScanResult
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
        },
        "findings": [finding_to_dict(f) for f in result.findings],
    }
    return json.dumps(report, indent=2) + "\n"


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
    }

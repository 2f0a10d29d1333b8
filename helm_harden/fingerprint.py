"""Stable identities for findings, shared by baselines and SARIF's partialFingerprints.

A fingerprint names what is wrong and where in the chart, not where in the output: chart,
template, object kind and name, container and rule. Line numbers, document positions, values
files and messages are left out, so moving a template's lines or rewording a message does not
turn a known finding into a new one.
"""

from __future__ import annotations

import hashlib

from helm_harden.exemptions import chart_name


def fingerprint_fields(finding) -> dict[str, str]:
    return {
        "chart": chart_name(finding),
        "template": finding.source,
        "kind": finding.kind,
        "name": finding.name,
        "container": finding.container or "",
        "rule": finding.rule,
    }


def fingerprint(finding) -> str:
    text = "\0".join(fingerprint_fields(finding).values())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

"""The human-readable report: findings grouped by template, then by object.

Styles are ANSI escapes; the CLI's ``click.echo`` removes them when the output is not a
terminal, so files and pipes get plain text.
"""

from __future__ import annotations

from itertools import groupby

import click

from helm_harden.config import Config
from helm_harden.engine import ScanResult
from helm_harden.report.summary import summarize

_SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


def format_text(result: ScanResult) -> str:
    lines: list[str] = []
    by_source = sorted(result.findings, key=_group)  # a stable sort: rule order is kept
    for _, findings in groupby(by_source, key=_group):
        findings = list(findings)
        lines.append(click.style(_source_label(findings[0]), bold=True))
        for (kind, namespace, name), object_findings in groupby(findings, key=lambda f: (f.kind, f.namespace, f.name)):
            where = f"{namespace}/{name}" if namespace else name
            lines.append(f"  {kind} {where}")
            for finding in object_findings:
                lines.append("    " + finding_line(finding))
        lines.append("")
    lines.append(summarize(result).sentence())
    return "\n".join(lines) + "\n"


def _group(finding) -> tuple:
    """Findings under one heading: one template, or one document of a plain stream."""
    document = finding.document if finding.source == finding.origin else 0
    return finding.origin, finding.source, document


def _source_label(finding) -> str:
    if finding.source != finding.origin:
        return finding.source
    return f"{finding.source} (document {finding.document})"


def finding_line(finding) -> str:
    severity = str(finding.severity)
    label = click.style(f"{severity:<8}", fg=_SEVERITY_COLOURS[severity])
    subject = f"{finding.container}: " if finding.container else "pod: "
    marker = click.style("[fixable]", fg="green") if finding.fixable else click.style("[manual]", dim=True)
    return f"{label} {finding.rule:<26} {subject}{finding.message} {marker}"


def format_rules_text(config: Config) -> str:
    lines = [f"{'RULE':<26} {'SEVERITY':<8} {'FIX':<8} DESCRIPTION"]
    for settings in config.rules:
        fix = settings.rule.FIX or "none"
        state = "" if settings.enabled else " (disabled)"
        lines.append(f"{settings.id:<26} {str(settings.severity):<8} {fix:<8} {settings.rule.SUMMARY}{state}")
    return "\n".join(lines) + "\n"

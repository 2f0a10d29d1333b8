"""Counts that several formats print."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from helm_harden.engine import ScanResult
from helm_harden.rules.base import Severity


@dataclass(frozen=True)
class Summary:
    findings: int
    by_severity: dict[str, int]
    fixable: int
    objects: int
    workloads: int

    def sentence(self) -> str:
        if not self.findings:
            return f"No findings in {self.workloads} workloads ({self.objects} objects checked)."
        severities = ", ".join(_plural(count, name) for name, count in self.by_severity.items() if count)
        manual = self.findings - self.fixable
        return (
            f"{_plural(self.findings, 'finding')} ({severities}) in {self.workloads} workloads, "
            f"{self.objects} objects checked: {self.fixable} fixable by post-render, {manual} need a chart change."
        )


def summarize(result: ScanResult) -> Summary:
    counts = Counter(str(f.severity) for f in result.findings)
    by_severity = {str(s): counts.get(str(s), 0) for s in sorted(Severity, reverse=True)}
    return Summary(
        findings=len(result.findings),
        by_severity=by_severity,
        fixable=sum(1 for f in result.findings if f.fixable),
        objects=result.objects,
        workloads=result.workloads,
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"

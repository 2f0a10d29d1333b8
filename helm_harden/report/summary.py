"""Counts that several formats print."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from helm_harden.findings import ScanResult
from helm_harden.rules.base import Severity


@dataclass(frozen=True)
class Summary:
    findings: int  # not suppressed (baselined ones included: they are still there)
    by_severity: dict[str, int]
    fixable: int
    objects: int
    workloads: int
    suppressed: int = 0
    baselined: int = 0
    failures: int = 0  # renders that failed

    def sentence(self) -> str:
        if not self.findings:
            text = f"No findings in {plural(self.workloads, 'workload')} ({plural(self.objects, 'object')} checked)."
        else:
            severities = ", ".join(plural(count, name) for name, count in self.by_severity.items() if count)
            manual = self.findings - self.fixable
            text = (
                f"{plural(self.findings, 'finding')} ({severities}) in {plural(self.workloads, 'workload')}, "
                f"{plural(self.objects, 'object')} checked: {self.fixable} fixable by post-render, "
                f"{manual} {'needs' if manual == 1 else 'need'} a chart change."
            )
        extras = [f"{self.suppressed} suppressed" if self.suppressed else "",
                  f"{self.baselined} in the baseline" if self.baselined else "",
                  f"{plural(self.failures, 'render')} failed" if self.failures else ""]
        extras = [extra for extra in extras if extra]
        return text + (f" ({'; '.join(extras)})" if extras else "")


def active(findings) -> list:
    """The findings that count: neither suppressed by an exemption nor recorded in a baseline."""
    return [f for f in findings if not f.suppressed and not f.baselined]


def summarize(result: ScanResult, merged: bool = False) -> Summary:
    """The counts of a result; ``merged``: a finding found under several values files of its
    chart counts once, as the reports that merge them show it."""
    shown = [f for f in result.findings if not f.suppressed]
    suppressed = len(result.findings) - len(shown)
    if merged:
        from helm_harden.report.merge import merge_findings

        suppressed = len(merge_findings(f for f in result.findings if f.suppressed))
        shown = [m.finding for m in merge_findings(shown)]
    counts = Counter(str(f.severity) for f in shown)
    by_severity = {str(s): counts.get(str(s), 0) for s in sorted(Severity, reverse=True)}
    return Summary(
        findings=len(shown),
        by_severity=by_severity,
        fixable=sum(1 for f in shown if f.fixable),
        objects=result.objects,
        workloads=result.workloads,
        suppressed=suppressed,
        baselined=sum(1 for f in shown if f.baselined),
        failures=len(result.failures),
    )


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"

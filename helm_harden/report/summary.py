"""Counts that several formats print."""

from __future__ import annotations

from collections import Counter

from helm_harden.findings import ScanResult
from helm_harden.records import record
from helm_harden.rules.base import Severity


@record(frozen=True)
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


class Counts:
    """A summary's counts, added up one finding at a time: a report that writes findings as the
    scan makes them (`helm_harden.report.json_report.JsonFindings`) keeps these instead of the findings."""

    def __init__(self, findings=()):
        self.shown = self.suppressed = self.fixable = self.baselined = 0
        self.severities: Counter = Counter()  # of the findings shown
        self.worst_active: Severity | None = None  # the highest severity that counts for --fail-on
        for finding in findings:
            self.add(finding)

    def add(self, finding) -> None:
        if finding.suppressed:
            self.suppressed += 1
            return
        self.shown += 1
        self.severities[finding.severity] += 1
        self.fixable += finding.fixable
        if finding.baselined:
            self.baselined += 1
        elif self.worst_active is None or finding.severity > self.worst_active:
            self.worst_active = finding.severity

    @property
    def total(self) -> int:
        return self.shown + self.suppressed

    def fail(self, fail_on: str) -> bool:
        """Does a finding that counts reach the ``--fail-on`` severity (``never``: none does)?"""
        return fail_on != "never" and self.worst_active is not None and self.worst_active >= Severity.parse(fail_on)


def summarize(result: ScanResult, merged: bool = False, counts: Counts | None = None) -> Summary:
    """The counts of a result; ``merged``: a finding found under several values files of its
    chart counts once, as the reports that merge them show it. ``counts``: those of findings the
    result did not keep."""
    if merged:
        from helm_harden.report.merge import merge_findings

        suppressed = len(merge_findings(f for f in result.findings if f.suppressed))
        counts = Counts(m.finding for m in merge_findings(f for f in result.findings if not f.suppressed))
        counts.suppressed = suppressed
    elif counts is None:
        counts = Counts(result.findings)
    by_severity = {str(s): counts.severities.get(s, 0) for s in sorted(Severity, reverse=True)}
    return Summary(
        findings=counts.shown,
        by_severity=by_severity,
        fixable=counts.fixable,
        objects=result.objects,
        workloads=result.workloads,
        suppressed=counts.suppressed,
        baselined=counts.baselined,
        failures=len(result.failures),
    )


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"

"""GitHub Actions workflow commands: each finding an annotation on its template line.

``::error file=…,line=…,title=<rule>::<message>`` (``warning`` and ``notice`` for the other
severities) shows up on the pull request's diff and the run's summary. Suppressed findings and
findings recorded in the baseline are left out: annotations are for what needs attention now.
A finding found under several values files of one chart is one annotation listing them, and a
chart whose renders failed the same way is one ``::error`` on its values file or chart.

GitHub shows at most 10 error and 10 warning (and 10 notice) annotations per step and drops the
rest without a word, so no more are printed: render failures first, then findings in report
order; a last line says how many were left out and where to find them. Before it, a plain
summary, which the runner prints as it is.
"""

from __future__ import annotations

from collections import Counter

from helm_harden.findings import ScanResult
from helm_harden.report.labels import failure_text, finding_sentence
from helm_harden.report.locations import locate_or_anchor, render_file
from helm_harden.report.merge import GroupedFailure, merge_findings, group_failures
from helm_harden.report.summary import plural
from helm_harden.rules.base import Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
LEVELS = ("error", "warning", "notice")
ANNOTATIONS_PER_STEP = 10  # per level: what GitHub shows of one step's annotations


def format_github(result: ScanResult) -> str:
    shown = merge_findings(f for f in result.findings if not f.suppressed and not f.baselined)
    failures = group_failures(result.failures)
    annotations = [("error", _failure_command(group)) for group in failures]
    for merged in shown:
        finding = merged.finding
        where = locate_or_anchor(finding)
        properties = {"file": where.file, "line": where.line, "title": finding.rule}
        message = finding_sentence(finding, values_files=merged.values_files)
        annotations.append((COMMANDS[finding.severity], workflow_command(COMMANDS[finding.severity], properties, message)))
    printed: Counter = Counter()
    lines = []
    for level, line in annotations:
        printed[level] += 1
        if printed[level] <= ANNOTATIONS_PER_STEP:
            lines.append(line)
    lines.append(_summary(result, shown, failures))
    cut = {level: printed[level] - ANNOTATIONS_PER_STEP for level in LEVELS if printed[level] > ANNOTATIONS_PER_STEP}
    if cut:
        lines.append(
            f"helm-harden: not annotated: {', '.join(plural(count, level) for level, count in cut.items())} "
            f"(GitHub shows {ANNOTATIONS_PER_STEP} annotations of each level per step); "
            "the SARIF and Markdown reports hold them all."
        )
    return "\n".join(lines) + "\n"


def workflow_command(command: str, properties: dict, message: str) -> str:
    """``::command key=value,…::message``, escaped as the runner unescapes; None values are left out."""
    given = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{command}{' ' + given if given else ''}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """A message: the runner reads ``%``, CR and LF as escapes and ends a command at a line break."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: also ``:`` (ends the properties) and ``,`` (separates them)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _failure_command(group: GroupedFailure) -> str:
    failure = group.failure
    properties = {"file": render_file(failure.origin, failure.values_file), "title": "render failed"}
    return workflow_command("error", properties, failure_text(failure, group.values_files))


def _summary(result: ScanResult, shown: list, failures: list) -> str:
    counts = Counter(COMMANDS[merged.finding.severity] for merged in shown)
    by_level = ", ".join(plural(counts[level], level) for level in LEVELS if counts[level])
    text = f"helm-harden: {plural(len(shown), 'finding')}"
    text += f" ({by_level})" if by_level else ""
    text += f" in {plural(result.workloads, 'workload')}"
    suppressed = sum(1 for f in result.findings if f.suppressed)
    baselined = sum(1 for f in result.findings if f.baselined and not f.suppressed)
    failed = len(result.failures)
    extras = [
        f"{suppressed} suppressed" if suppressed else "",
        f"{baselined} in the baseline" if baselined else "",
        f"{plural(failed, 'render')} failed" if failed else "",
    ]
    extras = [extra for extra in extras if extra]
    return text + (f"; {', '.join(extras)}" if extras else "") + "."

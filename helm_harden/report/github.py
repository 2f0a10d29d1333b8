"""GitHub Actions workflow commands: each finding an annotation on its template line.

``::error file=…,line=…,title=<rule>::<message>`` (``warning`` and ``notice`` for the other
severities) shows up on the pull request's diff and the run's summary. Suppressed findings and
findings recorded in the baseline are left out: annotations are for what needs attention now.
A chart that failed to render is an ``::error`` on its values file or chart. The last line is
a plain summary, which the runner prints as it is.
"""

from __future__ import annotations

from collections import Counter

from helm_harden.findings import RenderFailure, ScanResult
from helm_harden.report.labels import failure_text, finding_sentence
from helm_harden.report.locations import locate_or_anchor, render_file
from helm_harden.report.summary import plural
from helm_harden.rules.base import Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def format_github(result: ScanResult) -> str:
    shown = [f for f in result.findings if not f.suppressed and not f.baselined]
    lines = []
    for finding in shown:
        where = locate_or_anchor(finding)
        properties = {"file": where.file, "line": where.line, "title": finding.rule}
        lines.append(workflow_command(COMMANDS[finding.severity], properties, finding_sentence(finding)))
    for failure in result.failures:
        lines.append(_failure_command(failure))
    lines.append(_summary(result, shown))
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


def _failure_command(failure: RenderFailure) -> str:
    properties = {"file": render_file(failure.origin, failure.values_file), "title": "render failed"}
    return workflow_command("error", properties, failure_text(failure))


def _summary(result: ScanResult, shown: list) -> str:
    counts = Counter(COMMANDS[f.severity] for f in shown)
    by_level = ", ".join(plural(counts[level], level) for level in ("error", "warning", "notice") if counts[level])
    text = f"helm-harden: {plural(len(shown), 'finding')} annotated"
    text += f" ({by_level})" if by_level else ""
    text += f" in {plural(result.workloads, 'workload')}"
    suppressed = sum(1 for f in result.findings if f.suppressed)
    baselined = sum(1 for f in result.findings if f.baselined and not f.suppressed)
    extras = [
        f"{suppressed} suppressed" if suppressed else "",
        f"{baselined} in the baseline" if baselined else "",
        f"{plural(len(result.failures), 'render')} failed" if result.failures else "",
    ]
    extras = [extra for extra in extras if extra]
    return text + (f"; {', '.join(extras)}" if extras else "") + "."

"""One-line names for what CI reports show: a render, an object, a finding.

SARIF, JUnit and GitHub annotations each show a finding away from its context (a code-review
comment, a test case), so the line has to say which object, container and values file it is
about on its own.
"""

from __future__ import annotations

import re

_TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def values_label(values_file: str | None) -> str:
    """How a render's values are named: the values file (relative to its chart), or the defaults."""
    return values_file or "default values"


def render_label(origin: str, values_file: str | None) -> str:
    """``charts/webapp (ci/hardened-values.yaml)``: one chart rendered with one values file."""
    return f"{origin.rstrip('/') or origin} ({values_label(values_file)})"


def object_label(kind: str, name: str, container: str | None = None) -> str:
    """``Deployment web, container app``; without a container for pod- and object-level findings."""
    return f"{kind} {name}, container {container}" if container else f"{kind} {name}"


def finding_sentence(finding, *, with_object: bool = True) -> str:
    """The finding's message with what it is about, its values file and any note, in one line."""
    text = finding.message
    if with_object:
        text = f"{object_label(finding.kind, finding.name, finding.container)}: {text}"
    elif finding.container:
        text = f"container {finding.container}: {text}"
    if finding.values_file:
        text += f" (values: {finding.values_file})"
    if finding.note:
        text += f" ({finding.note})"
    if finding.hint:
        text += f" (hint: {finding.hint})"
    return text


def plain_stderr(stderr: str) -> str:
    """A tool's stderr for a report: trimmed, without terminal colour codes."""
    return _TERMINAL_ESCAPE.sub("", stderr).strip()


def failure_text(failure) -> str:
    """A failed render: which chart and values, what failed, then the tool's own words."""
    text = f"{render_label(failure.origin, failure.values_file)}: {failure.message}"
    stderr = plain_stderr(failure.stderr)
    return f"{text}\n{stderr}" if stderr else text

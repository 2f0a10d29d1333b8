"""One-line names for what CI reports show: a render, an object, a finding.

SARIF, JUnit and GitHub annotations each show a finding away from its context (a code-review
comment, a test case), so the line has to say which object, container and values file it is
about on its own.
"""

from __future__ import annotations

import re

_TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def visible(text: str) -> str:
    """``text`` on one line, its control characters spelt out as Python would (``\\n``, ``\\x1b``).

    Names and messages come from the manifests: a name holding a line break or a terminal escape
    must not fake a line of a report, or wipe the screen it is shown on.
    """
    return _INVISIBLE.sub(lambda match: repr(match.group())[1:-1], text)


def values_label(values_file: str | None) -> str:
    """How a render's values are named: the values file (relative to its chart), or the defaults."""
    return values_file or "default values"


def values_list(values_files) -> str:
    """Several renders' values, as a list: ``ci/a-values.yaml, ci/b-values.yaml``."""
    return ", ".join(values_label(values_file) for values_file in values_files)


def render_label(origin: str, values_file: str | None) -> str:
    """``charts/webapp (ci/hardened-values.yaml)``: one chart rendered with one values file."""
    return renders_label(origin, (values_file,))


def renders_label(origin: str, values_files) -> str:
    """``charts/webapp (ci/a-values.yaml, ci/b-values.yaml)``: one chart rendered with each."""
    return f"{origin.rstrip('/') or origin} ({values_list(values_files)})"


def object_label(kind: str, name: str, container: str | None = None) -> str:
    """``Deployment web, container app``; without a container for pod- and object-level findings."""
    return f"{kind} {name}, container {container}" if container else f"{kind} {name}"


def finding_sentence(finding, *, with_object: bool = True, values_files=None) -> str:
    """The finding's message with what it is about, its values files (``values_files`` when it
    was found under several) and any note, in one line."""
    text = finding.message
    if with_object:
        text = f"{object_label(finding.kind, finding.name, finding.container)}: {text}"
    elif finding.container:
        text = f"container {finding.container}: {text}"
    values = [v for v in (values_files if values_files is not None else (finding.values_file,)) if v]
    if values:
        text += f" (values: {', '.join(values)})"
    if finding.note:
        text += f" ({finding.note})"
    if finding.hint:
        text += f" (hint: {finding.hint})"
    return text


def plain_stderr(stderr: str) -> str:
    """A tool's stderr for a report: trimmed, without terminal colour codes."""
    return _TERMINAL_ESCAPE.sub("", stderr).strip()


def failure_text(failure, values_files=None) -> str:
    """A failed render (or several of one chart that failed alike, ``values_files``): which chart
    and values, what failed, then the tool's own words."""
    values = values_files if values_files is not None else (failure.values_file,)
    text = f"{renders_label(failure.origin, values)}: {failure.message}"
    stderr = plain_stderr(failure.stderr)
    return f"{text}\n{stderr}" if stderr else text

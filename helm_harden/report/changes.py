"""What post-render did: a summary for stderr or --report, and a unified diff for check --diff."""

from __future__ import annotations

from helm_harden.findings import Hardened
from helm_harden.manifest import Document
from helm_harden.report.summary import plural
from helm_harden.report.text import finding_line


def format_post_render_summary(results: list[Hardened]) -> str:
    changed = [hardened for hardened in results if hardened.changed]
    fixes = sum(len(hardened.fixed) for hardened in changed)
    remaining = [finding for hardened in results for finding in hardened.remaining]
    lines = [
        f"helm-harden: hardened {len(changed)} of {plural(len(results), 'document')} ({plural(fixes, 'finding')} fixed); "
        f"{plural(len(remaining), 'finding')} left unchanged"
        + (":" if remaining else ".")
    ]
    for finding in remaining:
        namespace = f"{finding.namespace}/" if finding.namespace else ""
        lines.append(f"  {finding.source}: {finding.kind} {namespace}{finding.name}: {finding_line(finding)}")
    return "\n".join(lines) + "\n"


def _holds_secret(data) -> bool:
    items = data.get("items") if isinstance(data, dict) else None
    objects = [data] + (items if isinstance(items, list) else [])
    return any(isinstance(obj, dict) and obj.get("kind") == "Secret" for obj in objects)


def format_diff(results: list[tuple[Document, Hardened]]) -> str:
    """A unified diff per changed document of the rendered output (not of the template file, which
    post-render never touches): headed ``<template> (rendered)`` and ``<template> (post-rendered)``."""
    import difflib  # only check --diff needs it

    chunks = []
    for document, hardened in results:
        if not hardened.changed:
            continue
        chunks.extend(
            difflib.unified_diff(
                document.text.splitlines(keepends=True),
                hardened.text.splitlines(keepends=True),
                fromfile=f"{document.label} (rendered)",
                tofile=f"{document.label} (post-rendered)",
                # Context lines could show a Secret's data when a List holds one beside a workload;
                # the added lines are the fills and never do.
                n=0 if _holds_secret(document.data) else 3,
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)

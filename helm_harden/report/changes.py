"""What post-render did: a summary for stderr or --report, and a unified diff for check --diff."""

from __future__ import annotations

from helm_harden.deploy_target import held_back
from helm_harden.findings import Hardened
from helm_harden.manifest import Document
from helm_harden.report.labels import visible
from helm_harden.report.summary import plural
from helm_harden.report.text import finding_line, object_heading


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
        what = object_heading(finding.kind, finding.namespace, finding.name)
        lines.append(f"  {visible(finding.source)}: {what}: {finding_line(finding)}")
    return "\n".join(lines) + "\n"


def _holds_secret(data) -> bool:
    """Is there a Secret anywhere in the object: itself, an item of a List, or deeper?"""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("kind") == "Secret":
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def format_diff(results: list[tuple[Document, Hardened]]) -> str:
    """A unified diff per changed document of the rendered output (not of the template file, which
    post-render never touches): headed ``<template> (rendered)`` and ``<template> (post-rendered)``.

    A document that holds a Secret (a List, say, beside the workload being fixed) shows none of
    its lines: in one-line JSON or flow style, even the lines the fixes change carry the Secret's
    data. It lists the fields the fixes fill instead. A hook that the deploy target never gives
    post-render gets a line saying that the fixes post-render would make there are not made.
    """
    import difflib  # only check --diff needs it

    chunks = []
    for document, hardened in results:
        chunks += _held_back(document, hardened)
        if not hardened.changed:
            continue
        fromfile, tofile = f"{visible(document.label)} (rendered)", f"{visible(document.label)} (post-rendered)"
        if _holds_secret(document.data):
            chunks += [f"--- {fromfile}\n", f"+++ {tofile}\n",
                       "# The document holds a Secret, so none of its lines are shown. The fixes repair:\n"]
            chunks += sorted(f"#   {finding.path} ({finding.rule})\n" for finding in hardened.fixed)
            continue
        chunks.extend(
            difflib.unified_diff(
                document.text.splitlines(keepends=True),
                hardened.text.splitlines(keepends=True),
                fromfile=fromfile,
                tofile=tofile,
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)


def _held_back(document: Document, hardened: Hardened) -> list[str]:
    """The line for a document whose hooks keep findings post-render would fix, were it given them."""
    count = sum(1 for finding in hardened.remaining if held_back(finding))
    if not count:
        return []
    return [f"# {visible(document.label)}: a hook, left as rendered: Helm 3 never sends hooks to a post-renderer "
            f"(Helm 4 and Kustomize do: --deploy-with); {plural(count, 'finding')} post-render would fix there stay\n"]

"""Write a values overlay as block YAML with a comment above each key saying what it fixes.

Keys come out sorted, so the same overlay is the same text on every run. Scalars and lists are
written by PyYAML in flow style (it quotes whatever a YAML reader would otherwise retype).
"""

from __future__ import annotations

import yaml

from helm_harden import loader

HEADER = (
    "# Values overlay written by `helm-harden fix` for {chart}: verified with helm template, it removes\n"
    "# the findings named below and adds none. Give it as the last values file (-f), after your own.\n"
)


def format_overlay(overlay: dict, comments: dict, chart: str) -> str:
    lines = [HEADER.format(chart=chart).rstrip("\n")]
    if not overlay:
        lines.append("{}")
    else:
        _emit(overlay, (), 0, comments, lines)
    text = "\n".join(lines) + "\n"
    if (loader.load(text) or {}) != overlay:  # what helm reads is what we mean
        raise ValueError("the overlay does not read back as written")
    return text


def _emit(node: dict, path: tuple, indent: int, comments: dict, lines: list[str]) -> None:
    for key in sorted(node, key=str):
        child = node[key]
        comment = comments.get(path + (key,))
        if comment:
            lines.append(" " * indent + "# " + comment)
        if isinstance(child, dict) and child:
            lines.append(" " * indent + f"{flow_scalar(key)}:")
            _emit(child, path + (key,), indent + 2, comments, lines)
        else:
            lines.append(" " * indent + f"{flow_scalar(key)}: {flow_scalar(child)}")


def flow_scalar(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9).strip()
    return text[:-4].rstrip() if text.endswith("\n...") else text.removesuffix("...").rstrip()

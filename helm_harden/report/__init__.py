"""Format scan results and the rule reference. Each format is a function returning the whole
text, so nothing is written until the report is complete; the JSON report can also be had as
pieces (`report_pieces`), its findings read from a temporary file as it is written.

Formatter modules are imported when first used: a run prints one or two formats, and every
import counts in post-render's and check's start-up time.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping


class _Formatters(Mapping):
    """``{format name: function}``, importing each function's module on first access."""

    def __init__(self, functions: dict[str, str]):
        self._functions = functions  # name -> "module:function"

    def __getitem__(self, name: str):
        module, function = self._functions[name].split(":")
        return getattr(importlib.import_module(f"helm_harden.report.{module}"), function)

    def __iter__(self):
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)


FORMATTERS = _Formatters({
    "text": "text:format_text",
    "json": "json_report:format_json",
    "markdown": "markdown:format_markdown",
    "sarif": "sarif:format_sarif",
    "junit": "junit:format_junit",
    "github": "github:format_github",
})

RULE_FORMATTERS = _Formatters({
    "text": "text:format_rules_text",
    "markdown": "markdown:format_rules_markdown",
})

_PIECES = _Formatters({
    "json": "json_report:json_pieces",
})


def report_pieces(name: str, result) -> Iterable[str]:
    """The report in format ``name`` as pieces of text to write in order, all made before the first
    is written (the JSON report's findings are read back from their temporary file as they go)."""
    if name in _PIECES:
        return _PIECES[name](result)
    return (FORMATTERS[name](result),)

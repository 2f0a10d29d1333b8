"""Markdown: a findings report for pull-request comments and the rule reference for the README."""

from __future__ import annotations

import inspect

import jinja2

from helm_harden.config import Config
from helm_harden.engine import ScanResult
from helm_harden.report.summary import summarize

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("helm_harden.report", "templates"),
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")


def format_markdown(result: ScanResult) -> str:
    template = _environment.get_template("findings.md.j2")
    return template.render(result=result, summary=summarize(result))


def format_rules_markdown(config: Config) -> str:
    rules = [
        {
            "id": s.id,
            "severity": str(s.severity),
            "fix": s.rule.FIX or "none",
            "summary": s.rule.SUMMARY,
            "doc": inspect.cleandoc(s.rule.__doc__ or ""),
            "options": s.rule.OPTIONS,
        }
        for s in config.rules
    ]
    return _environment.get_template("rules.md.j2").render(rules=rules)

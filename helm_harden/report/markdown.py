"""Markdown: a findings report for pull-request comments and the rule reference for the README."""

from __future__ import annotations

import functools
import inspect

from helm_harden.config import Config
from helm_harden.findings import ScanResult
from helm_harden.report.summary import summarize


@functools.cache
def _environment():
    import jinja2  # imported on first use: most runs print no Markdown, and start-up counts

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("helm_harden.report", "templates"),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    return environment


def format_markdown(result: ScanResult) -> str:
    template = _environment().get_template("findings.md.j2")
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
    return _environment().get_template("rules.md.j2").render(rules=rules)

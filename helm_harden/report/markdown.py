"""Markdown: a findings report for pull-request comments and the rule reference for the README."""

from __future__ import annotations

import functools

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


def rule_profiles(settings) -> list[str]:
    """The profiles a rule is in (with this config): a baseline control is in restricted too."""
    rule = settings.rule
    profiles = ["default"] if settings.enabled else []
    if rule.is_control:
        profiles += ["pss-baseline", "pss-restricted"] if rule.module.LEVEL == "baseline" else ["pss-restricted"]
    return profiles


def format_rules_markdown(config: Config) -> str:
    rules = [
        {
            "id": s.id,
            "severity": str(s.severity),
            "anchor": s.id.replace("/", ""),
            "fix": s.rule.fix or "none",
            "summary": s.rule.summary,
            "doc": s.rule.doc,
            "options": s.rule.default_options,
            "profiles": ", ".join(rule_profiles(s)),
        }
        for s in config.rules
    ]
    return _environment().get_template("rules.md.j2").render(rules=rules)

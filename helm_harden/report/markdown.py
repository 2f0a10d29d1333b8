"""Markdown: a findings report for pull-request comments and the rule reference for the README.

A finding found under several values files of its chart is one row listing them, and the report
stays within what GitHub keeps of a comment or job summary.
"""

from __future__ import annotations

import functools
import re

from helm_harden.config import Config
from helm_harden.findings import ScanResult
from helm_harden.report.labels import values_list, visible
from helm_harden.report.merge import group_failures, merge_findings
from helm_harden.report.summary import plural, summarize

COMMENT_LIMIT = 65_536  # characters GitHub keeps of a pull-request comment or a job summary


@functools.cache
def _environment():
    import jinja2  # imported on first use: most runs print no Markdown, and start-up counts

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("helm_harden.report", "templates"),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["cell"] = cell
    # helm-harden's own text (rule summaries) may use Markdown: only kept on one line, in its cell
    environment.filters["own_cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    environment.filters["code"] = code_span
    environment.filters["values"] = values_list
    return environment


# Markdown's inline syntax, and the table's cell separator: a backslash makes each literal.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029]")
_MARKUP = re.compile(r"([\\`*_~\[\]<>|&!])")


def cell(text) -> str:
    """Free text (a name, a message) for a table cell: on one line (a line break becomes a space,
    other control characters are spelt out) and every markup character escaped, so that a name
    cannot end its cell, start a row, or bring its own links and HTML."""
    return _MARKUP.sub(r"\\\1", visible(_LINE_BREAK.sub(" ", str(text))))


def code_span(text) -> str:
    """A code span holding ``text`` literally: fenced by more backticks than any run inside it,
    on one line, with the table's ``|`` escaped (GitHub reads that escape even in code)."""
    text = visible(str(text)).replace("|", "\\|")
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def format_markdown(result: ScanResult, limit: int = COMMENT_LIMIT) -> str:
    """The report, cut to ``limit`` characters: the last entries make way for a note saying how
    many were left out (the longest prefix of findings, then suppressed findings, then failed
    renders, that fits)."""
    template = _environment().get_template("findings.md.j2")
    findings = merge_findings(f for f in result.findings if not f.suppressed)
    suppressed = merge_findings(f for f in result.findings if f.suppressed)
    failures = group_failures(result.failures)
    summary = summarize(result, merged=True)
    values_shown = any(v for m in findings for v in m.values_files)

    def render(kept: int) -> str:
        lists = []
        for entries in (findings, suppressed, failures):
            lists.append(entries[:max(0, kept)])
            kept -= len(entries)
        left_out = [
            plural(len(entries) - len(shown), noun)
            for entries, shown, noun in zip((findings, suppressed, failures), lists,
                                            ("finding", "suppressed finding", "failed render"))
            if len(shown) < len(entries)
        ]
        return template.render(result=result, summary=summary, findings=lists[0], suppressed=lists[1],
                               suppressed_count=len(suppressed), failures=lists[2], values_shown=values_shown,
                               left_out=", ".join(left_out))

    total = len(findings) + len(suppressed) + len(failures)
    text = render(total)
    if len(text) <= limit:
        return text
    fits, too_many = 0, total  # render(fits) fits within the limit, render(too_many) does not
    while too_many - fits > 1:
        middle = (fits + too_many) // 2
        if len(render(middle)) <= limit:
            fits = middle
        else:
            too_many = middle
    return render(fits)


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
            "profiles": ", ".join(rule_profiles(s)) or "none (enable it in the config)",
        }
        for s in config.rules
    ]
    return _environment().get_template("rules.md.j2").render(rules=rules)

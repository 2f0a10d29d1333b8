"""Format scan results and the rule reference. Each format is a function returning the whole
text, so nothing is written until the report is complete."""

from helm_harden.report.github import format_github
from helm_harden.report.json_report import format_json
from helm_harden.report.junit import format_junit
from helm_harden.report.markdown import format_markdown, format_rules_markdown
from helm_harden.report.sarif import format_sarif
from helm_harden.report.text import format_rules_text, format_text

FORMATTERS = {
    "text": format_text,
    "json": format_json,
    "markdown": format_markdown,
    "sarif": format_sarif,
    "junit": format_junit,
    "github": format_github,
}

RULE_FORMATTERS = {
    "text": format_rules_text,
    "markdown": format_rules_markdown,
}

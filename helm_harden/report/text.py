"""The human-readable report: findings grouped by template, then by object.

Styles are ANSI escapes; `console.echo` removes them when the output is not a terminal, so
files and pipes get plain text.
"""

from __future__ import annotations

from itertools import groupby

from helm_harden.console import style
from helm_harden.deploy_target import DEFAULT, sends_hooks
from helm_harden.report.labels import visible
from helm_harden.report.summary import plural, summarize

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without loading typing at start-up
if TYPE_CHECKING:
    from helm_harden.config import Config
    from helm_harden.findings import ScanResult

_SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


def format_text(result: ScanResult) -> str:
    # Here, not above: post-render's summary uses this module's lines but merges nothing.
    from helm_harden.report.merge import group_failures, merge_findings

    lines: list[str] = []
    shown = merge_findings(finding for finding in result.findings if not finding.suppressed)
    by_source = sorted(shown, key=_group)  # a stable sort: rule order is kept
    rule_width = max([26, *(len(merged.finding.rule) for merged in shown)])
    for _, group in groupby(by_source, key=_group):
        group = list(group)
        lines.append(style(visible(_source_label(group[0])), bold=True))
        for (kind, namespace, name), object_findings in groupby(
                group, key=lambda m: (m.finding.kind, m.finding.namespace, m.finding.name)):
            lines.append("  " + object_heading(kind, namespace, name))
            for merged in object_findings:
                finding = merged.finding
                lines.append("    " + finding_line(finding, rule_width))
                if finding.hint:
                    lines.append(style(f"      hint: {visible(finding.hint)}", dim=True))
        lines.append("")
    for grouped in group_failures(result.failures):
        failure = grouped.failure
        values = [v for v in grouped.values_files if v]
        with_values = f" with {', '.join(values)}" if values else ""
        lines.append(style(visible(f"{failure.origin}{with_values}: {failure.message}"), fg="red"))
        lines.extend(("    " + line).rstrip() for line in failure.stderr.strip().splitlines())
        lines.append("")
    if result.verdicts:
        lines.append(style("Pod Security admission:", bold=True))
        for verdict in result.verdicts:
            lines.append("  " + style(visible(verdict.line), fg="green" if verdict.admitted else "red"))
        lines.append("")
    if result.baseline is not None:
        fixed = len(result.baseline.fixed)
        lines.append(f"Baseline: {plural(result.baseline.new, 'new finding')}, {plural(fixed, 'recorded finding')} fixed.")
    lines.append(summarize(result, merged=True).sentence())
    return "\n".join(lines) + "\n"


def _group(merged) -> tuple:
    """Findings under one heading: one template (or one document of a plain stream) under the
    same values files."""
    finding = merged.finding
    document = finding.document if finding.source == finding.origin else 0
    return finding.origin, tuple(v or "" for v in merged.values_files), finding.source, document


def _source_label(merged) -> str:
    finding = merged.finding
    label = finding.source if finding.source != finding.origin else f"{finding.source} (document {finding.document})"
    values = [v for v in merged.values_files if v]
    return f"{label} [{', '.join(values)}]" if values else label


def object_heading(kind: str, namespace: str | None, name: str) -> str:
    """``Deployment team-a/web``, on one line whatever the names hold."""
    return visible(f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}")


def finding_line(finding, rule_width: int = 26) -> str:
    """One finding on one line: the names and messages in it come from the manifests."""
    severity = str(finding.severity)
    label = style(f"{severity:<8}", fg=_SEVERITY_COLOURS[severity])
    subject = f"{visible(finding.container)}: " if finding.container else "pod: "
    if finding.suppressed:
        marker = style(f"[exempted: {visible(finding.suppressed)}]", dim=True)
    elif finding.fixable:
        marker = style("[fixable]", fg="green")
    else:
        marker = style("[manual]", dim=True)
    if finding.baselined:
        marker += style(" [baseline]", dim=True)
    note = f" ({visible(finding.note)})" if finding.note else ""
    return f"{label} {finding.rule:<{rule_width}} {subject}{visible(finding.message)}{note} {marker}"


def format_rules_text(config: Config) -> str:
    """The rules with the settings in effect: severity, whether post-render fixes, options."""
    width = max(len(settings.id) for settings in config.rules) + 1
    lines = [f"{'RULE':<{width}} {'SEVERITY':<8} {'FIX':<14} DESCRIPTION"]
    for settings in config.rules:
        if settings.rule.fix is None:
            fix = "none"
        else:
            fix = ("on" if settings.fix else "off") + (" (opt-in)" if settings.rule.fix == "opt-in" else "")
        if settings.enabled:
            state = ""
        else:
            state = " (--pss only)" if settings.rule.is_control else " (disabled)"
        lines.append(f"{settings.id:<{width}} {str(settings.severity):<8} {fix:<14} {settings.rule.summary}{state}")
        options = ", ".join(f"{key}={value}" for key, value in settings.options.items() if value is not None)
        if options:
            lines.append(f"{'':<{width}} {'':<8} {'':<14} options: {options}")
    lines.append(deploy_target_line(config.deploy_with))
    lines.append(f"config: {config.path}" if config.path else NO_CONFIG)
    return "\n".join(lines) + "\n"


def deploy_target_line(configured: str | None) -> str:
    """What check takes the charts to be deployed with, which decides whether hooks count as fixable."""
    name = configured or DEFAULT
    where = "deploy_with in the config" if configured else "the default"
    hooks = "hooks are post-rendered too" if sends_hooks(name) else "hooks are not post-rendered"
    return f"deploy with: {name}, {where} ({hooks}; a kustomization: kustomize; check --deploy-with overrides it)"


NO_CONFIG = ("config: none (no --config, $HELM_HARDEN_CONFIG or .helm-harden.yaml in the current directory "
             "or above it): the defaults")

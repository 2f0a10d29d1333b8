"""SARIF 2.1.0, for GitHub code scanning and other code-review UIs.

One run. The driver describes every registered rule, whether or not it ran or found anything,
so a viewer can show the help of any rule ID it meets (also from an older or newer run).
Each result points at the chart template file, relative to the repository root, and at a line
in it when one can be found (see `locations`); GitHub rejects a whole upload when any result
has no physical location, so one without a template file points at the chart's file instead.
A finding found under several values files of its chart is one result listing them (one
code-scanning alert, not one per values file). Suppressed findings stay in, with an external
suppression and its reason; charts that failed to render are tool execution notifications
(renders of one chart that failed alike, one notification), and make the invocation unsuccessful.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import quote

from helm_harden import __version__
from helm_harden.findings import Finding, ScanResult
from helm_harden.fingerprint import fingerprint
from helm_harden.report.labels import failure_text, finding_sentence
from helm_harden.report.locations import locate_or_anchor, render_file
from helm_harden.report.merge import GroupedFailure, group_failures, merge_findings
from helm_harden.rules import RULES
from helm_harden.rules.base import Severity

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/helm-harden/helm-harden"
FINGERPRINT_KEY = "helmHarden/v1"
SOURCE_ROOT = "%SRCROOT%"  # GitHub and most viewers resolve relative URIs against the checkout

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def format_sarif(result: ScanResult) -> str:
    descriptors = _descriptors(result)
    rule_index = {descriptor["id"]: index for index, descriptor in enumerate(descriptors)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "helm-harden",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "invocations": [_invocation(result, rule_index)],
                "results": _results(result, rule_index),
            }
        ],
    }
    if result.shard:  # each job of a matrix uploads its own category, so none replaces another's
        index, count = result.shard.split("/")
        log["runs"][0]["automationDetails"] = {"id": f"helm-harden/shard-{index}-of-{count}/"}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _descriptors(result: ScanResult) -> list[dict]:
    """Every registered rule, Pod Security controls included, whichever ran."""
    return [rule_descriptor(rule) for rule in RULES]


def help_uri(rule_id: str) -> str:
    """The rule's section of the README (GitHub's anchor for the heading ``#### `rule-id` ``)."""
    return f"{INFORMATION_URI}#{rule_id.replace('/', '')}"


def rule_descriptor(rule) -> dict:
    described = {"text": _plain(rule.doc), "markdown": rule.doc}
    tags = ["security", "kubernetes"] + (["pod-security-standards"] if rule.is_control else [])
    return {
        "id": rule.id,
        "name": "".join(word.capitalize() for word in rule.id.replace("/", "-").split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": described,
        "help": described,
        "helpUri": help_uri(rule.id),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": tags, "fix": rule.fix or "none"},
    }


def _plain(markdown: str) -> str:
    """The docstrings are Markdown; as plain text, code spans lose their backticks."""
    return re.sub(r"``(.+?)``", r"\1", markdown, flags=re.S)


def _results(result: ScanResult, rule_index: dict[str, int]) -> list[dict]:
    # One problem can be reported several times in one render (resource-limits for each missing
    # field of one container): numbering repeats keeps them apart without using line numbers.
    # A finding found under several values files of its chart is one result listing them.
    seen: Counter = Counter()
    compared = result.baseline is not None
    results = []
    for merged in merge_findings(result.findings):
        finding = merged.finding
        key = fingerprint(finding)
        seen[key, finding.origin, finding.values_file] += 1  # the first of its values files
        entry = {
            "ruleId": finding.rule,
            **({"ruleIndex": rule_index[finding.rule]} if finding.rule in rule_index else {}),
            "level": LEVELS[finding.severity],
            "message": {"text": finding_sentence(finding, values_files=merged.values_files)},
            "locations": [_location(finding)],
            "partialFingerprints": {FINGERPRINT_KEY: f"{key}:{seen[key, finding.origin, finding.values_file]}"},
            "properties": _properties(finding, merged.values_files),
        }
        if finding.suppressed:
            entry["suppressions"] = [{"kind": "external", "status": "accepted", "justification": finding.suppressed}]
        if compared:
            entry["baselineState"] = "unchanged" if finding.baselined else "new"
        results.append(entry)
    return results


def _location(finding: Finding) -> dict:
    where = locate_or_anchor(finding)
    if where.file is None:  # nothing on disk (a chart reference, stdin): the name Helm gave it
        physical = {"artifactLocation": {"uri": quote(finding.source)}}
    else:
        physical = {"artifactLocation": _artifact(where.file)}
        if where.line is not None:
            physical["region"] = {"startLine": where.line}
    object_name = "/".join(part for part in (finding.kind, finding.namespace, finding.name) if part)
    pointer = finding.path
    return {
        "physicalLocation": physical,
        "logicalLocations": [
            {"name": finding.name, "fullyQualifiedName": object_name, "kind": "resource"},
            {"name": pointer or "/", "fullyQualifiedName": f"{object_name}#{pointer}", "kind": "property"},
        ],
    }


def _artifact(path: str) -> dict:
    return {"uri": quote(path), "uriBaseId": SOURCE_ROOT}


def _properties(finding: Finding, values_files) -> dict:
    properties = {
        "chart": finding.origin,
        "valuesFile": finding.values_file,  # the first of valuesFiles
        "valuesFiles": [v for v in values_files if v] or None,
        "template": finding.source,
        "namespace": finding.namespace,
        "container": finding.container,
        "path": finding.path,
        "fixable": finding.fixable,
    }
    if finding.note:
        properties["note"] = finding.note
    if finding.hint:
        properties["hint"] = finding.hint
    if finding.baselined:
        properties["baselined"] = True
    return {key: value for key, value in properties.items() if value is not None}


def _invocation(result: ScanResult, rule_index: dict[str, int]) -> dict:
    invocation: dict = {"executionSuccessful": not result.failures}
    if result.failures:
        invocation["toolExecutionNotifications"] = [_notification(group) for group in group_failures(result.failures)]
    if result.rules:  # rules the config or level switched off: so "no results" is not read as "clean"
        disabled = [rule for rule in rule_index if rule not in result.rules]
        if disabled:
            invocation["ruleConfigurationOverrides"] = [
                {"descriptor": {"id": rule, "index": rule_index[rule]}, "configuration": {"enabled": False}}
                for rule in disabled
            ]
    return invocation


def _notification(group: GroupedFailure) -> dict:
    failure = group.failure
    values = [v for v in group.values_files if v]
    notification = {
        "level": "error",
        "message": {"text": failure_text(failure, group.values_files)},
        "descriptor": {"id": "render-failure"},
        "properties": {"chart": failure.origin, **({"valuesFile": values[0], "valuesFiles": values} if values else {})},
    }
    file = render_file(failure.origin, failure.values_file)
    if file is not None:
        notification["locations"] = [{"physicalLocation": {"artifactLocation": _artifact(file)}}]
    return notification

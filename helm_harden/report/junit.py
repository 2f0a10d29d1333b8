"""JUnit XML, for CI systems' test reports (GitLab, Jenkins, GitHub test-report actions).

One ``<testsuite>`` per chart and values file; in it one ``<testcase>`` per checked object and
rule that ran, so a clean object shows as passing tests rather than nothing. A case fails when
the rule found something that counts; it is skipped when everything it found is suppressed
(with the reasons) or recorded in the baseline. A chart that failed to render is a suite with
one ``render`` case in error. Test reports have no notion of a chart or a values file, hence
the names: suite ``charts/webapp (ci/hardened-values.yaml)``, case ``Deployment/web
run-as-non-root`` with the template file as its class name.

The XML is built with ElementTree so that escaping is right; characters XML 1.0 cannot carry
at all (terminal escapes in helm's stderr) are dropped first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from helm_harden.findings import Finding, RenderFailure, ScanResult
from helm_harden.records import field, record
from helm_harden.report.labels import plain_stderr, render_label, values_label
from helm_harden.report.locations import SourceLocation, locate, locate_object

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@record(frozen=True)
class _Object:
    """A checked workload, named the way `Workload` and `Finding` both can be."""

    origin: str
    values_file: str | None
    source: str
    document: int
    kind: str
    namespace: str | None
    name: str


@record
class _Suite:
    origin: str
    values_file: str | None
    objects: dict[_Object, None] = field(default_factory=dict)  # ordered, and fast to look up
    failures: list[RenderFailure] = field(default_factory=list)


def format_junit(result: ScanResult) -> str:
    by_case: dict[tuple[_Object, str], list[Finding]] = {}
    suites: dict[tuple, _Suite] = {}

    def suite_of(origin: str, values_file: str | None) -> _Suite:
        return suites.setdefault((origin, values_file), _Suite(origin, values_file))

    for item in [*result.checked, *result.findings]:
        obj = _Object(item.origin, item.values_file, item.source, item.document, item.kind, item.namespace, item.name)
        suite_of(obj.origin, obj.values_file).objects.setdefault(obj)
    for finding in result.findings:
        obj = _Object(finding.origin, finding.values_file, finding.source, finding.document, finding.kind,
                      finding.namespace, finding.name)
        by_case.setdefault((obj, finding.rule), []).append(finding)
    for failure in result.failures:
        suite_of(failure.origin, failure.values_file).failures.append(failure)

    rules = list(dict.fromkeys([*result.rules, *(finding.rule for finding in result.findings)]))
    root = ET.Element("testsuites", name="helm-harden")
    for suite in suites.values():
        root.append(_suite_element(suite, rules, by_case))
    _add_counts(root, root.findall("testsuite"))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite_element(suite: _Suite, rules: list[str], by_case: dict) -> ET.Element:
    element = ET.Element("testsuite", name=_xml(render_label(suite.origin, suite.values_file)))
    properties = ET.SubElement(element, "properties")
    ET.SubElement(properties, "property", name="chart", value=_xml(suite.origin))
    ET.SubElement(properties, "property", name="values", value=_xml(values_label(suite.values_file)))
    for obj in suite.objects:
        where = locate_object(obj.origin, obj.source, kind=obj.kind, name=obj.name,
                              document=obj.document if obj.source == obj.origin else None)
        for rule in rules:
            element.append(_case(obj, rule, by_case.get((obj, rule), []), where))
    for failure in suite.failures:
        element.append(_render_case(failure))
    _add_counts(element, element.findall("testcase"))
    return element


def _case(obj: _Object, rule: str, findings: list[Finding], where: SourceLocation) -> ET.Element:
    case = ET.Element("testcase", classname=_xml(where.file or obj.source), name=_xml(f"{obj.kind}/{obj.name} {rule}"))
    if where.file:
        case.set("file", _xml(where.file))
    counted = [f for f in findings if not f.suppressed and not f.baselined]
    if counted:
        first = locate(counted[0])
        if first.line is not None:
            case.set("line", str(first.line))
        failure = ET.SubElement(case, "failure", message=_xml("; ".join(_short(f) for f in counted)),
                                type=str(max(f.severity for f in counted)))
        failure.text = _xml("\n".join(_detail(f) for f in findings))
    elif findings:
        reasons = list(dict.fromkeys(f.suppressed for f in findings if f.suppressed))
        parts = [f"suppressed: {'; '.join(reasons)}"] if reasons else []
        if any(f.baselined and not f.suppressed for f in findings):
            parts.append("in the baseline")
        ET.SubElement(case, "skipped", message=_xml("; ".join(parts)))
    case.set("time", "0")
    return case


def _render_case(failure: RenderFailure) -> ET.Element:
    case = ET.Element("testcase", classname=_xml(failure.origin), name="render", time="0")
    error = ET.SubElement(case, "error", message=_xml(failure.message), type="render-failure")
    error.text = _xml(plain_stderr(failure.stderr)) or None
    return case


def _short(finding: Finding) -> str:
    text = f"container {finding.container}: {finding.message}" if finding.container else finding.message
    text = f"{text} ({finding.note})" if finding.note else text
    return f"{text} (hint: {finding.hint})" if finding.hint else text


def _detail(finding: Finding) -> str:
    """One line per finding: what, where in the object and in the template, and its state."""
    where = locate(finding)
    place = f" ({where.file}:{where.line})" if where.file else ""
    state = ""
    if finding.suppressed:
        state = f" [suppressed: {finding.suppressed}]"
    elif finding.baselined:
        state = " [in the baseline]"
    elif finding.fixable:
        state = " [fixable by post-render]"
    return f"{finding.severity} {finding.rule} at {finding.path or '/'}{place}: {_short(finding)}{state}"


def _add_counts(element: ET.Element, children: list[ET.Element]) -> None:
    """tests/failures/errors/skipped of a suite (from its cases) or of the whole report (from its suites)."""
    if element.tag == "testsuites":
        totals = {name: sum(int(child.get(name)) for child in children) for name in ("tests", "failures", "errors", "skipped")}
    else:
        totals = {
            "tests": len(children),
            "failures": sum(1 for case in children if case.find("failure") is not None),
            "errors": sum(1 for case in children if case.find("error") is not None),
            "skipped": sum(1 for case in children if case.find("skipped") is not None),
        }
    for name, value in totals.items():
        element.set(name, str(value))
    element.set("time", "0")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)

"""Justified exceptions: findings that are known, reviewed and accepted.

Two sources, both with a mandatory reason:

- ``exemptions:`` in ``.helm-harden.yaml``, matched by rule, chart, template, kind, name,
  namespace and container (shell-style patterns); an optional ``expires`` date turns an
  exemption back into a finding, which then says so;
- the annotation ``ignore.helm-harden.io/<rule-id>: "<reason>"`` on an object or its pod
  template, for charts whose authors can annotate their own objects. An annotation name holds
  no ``/``, so a Pod Security control's is ``ignore.helm-harden.io/pss.<control-id>``.

A suppressed finding stays in machine-readable output, marked with its reason, but neither
counts towards the exit code nor gets fixed by post-render.
"""

from __future__ import annotations

import datetime
from fnmatch import fnmatchcase

from helm_harden.errors import InputError
from helm_harden.records import record
from helm_harden.rules import RULES_BY_ID
from helm_harden.rules.base import PSS_PREFIX

ANNOTATION_PREFIX = "ignore.helm-harden.io/"
PSS_ANNOTATION_PREFIX = "pss."
MATCH_FIELDS = ("rule", "chart", "template", "kind", "name", "namespace", "container")


@record(frozen=True)
class Exemption:
    reason: str
    expires: datetime.date | None = None
    rule: str | None = None
    chart: str | None = None
    template: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    container: str | None = None
    line: int | None = None  # where it is written in the config, for messages
    config: str | None = None  # the config file it is written in, for messages

    def matches(self, finding) -> bool:
        if not all(
            pattern is None or any(fnmatchcase(value or "", pattern) for value in _values(finding, field))
            for field, pattern in ((f, getattr(self, f)) for f in MATCH_FIELDS if f != "namespace")
        ):
            return False
        if self.namespace is None:
            return True
        if finding.namespace is None:
            # A post-renderer is not told the release namespace (Helm passes no -n to it):
            # hardening what the user exempted, or sparing it, on a guess would both be wrong.
            raise InputError(
                f"{finding.source}: {finding.kind} {finding.name}: the exemption on line {self.line} of {self.config} "
                "matches by namespace, but the release namespace is unknown: pass --namespace "
                "(Helm: --post-renderer-args=--namespace=NS) or set HELM_NAMESPACE"
            )
        return fnmatchcase(finding.namespace, self.namespace)


def _values(finding, field: str) -> tuple:
    """The finding's values that a pattern for ``field`` may match."""
    if field == "chart":
        return (chart_name(finding),)
    if field == "template":
        source = finding.source
        return (source, source.split("/", 1)[1] if "/" in source else source)
    return (getattr(finding, field),)


def chart_name(finding) -> str:
    """The chart's name as Helm's ``# Source:`` gives it, else the rendered directory's name."""
    if finding.source != finding.origin and "/" in finding.source:
        return finding.source.split("/", 1)[0]
    return finding.origin.rstrip("/").rsplit("/", 1)[-1]


def annotation_reasons(annotations: dict) -> dict[str, str]:
    """``{rule-id: reason}`` from the ignore annotations that name a known rule and give a reason.

    The others suppress nothing: a chart's annotation never blocks a deploy (the
    ``ignore-annotation`` rule reports them).
    """
    reasons = {}
    for key, value in annotations.items():
        rule = ignored_rule(key)
        if rule in RULES_BY_ID and isinstance(value, str) and value.strip():
            reasons[rule] = value.strip()
    return reasons


def ignored_rule(key) -> str | None:
    """The rule ID an annotation key asks to ignore (``pss.sysctls`` is ``pss/sysctls``), None
    when it is not an ignore annotation."""
    if not isinstance(key, str) or not key.startswith(ANNOTATION_PREFIX):
        return None
    name = key[len(ANNOTATION_PREFIX) :]
    return PSS_PREFIX + name[len(PSS_ANNOTATION_PREFIX) :] if name.startswith(PSS_ANNOTATION_PREFIX) else name


def exemption_for(finding, exemptions: tuple[Exemption, ...], today: datetime.date) -> tuple[str | None, str | None]:
    """``(reason, note)``: the reason of the first matching exemption that has not expired, and
    a note for each expired one met before it (``finding``: a finding or the fields one is built from)."""
    note = None
    for exemption in exemptions:
        if not exemption.matches(finding):
            continue
        if exemption.expires is not None and exemption.expires < today:
            note = f"the exemption for this finding expired on {exemption.expires.isoformat()} ({exemption.reason})"
            continue
        return exemption.reason, note
    return None, note

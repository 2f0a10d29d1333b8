"""What the Pod Security admission controller would do with a pod: its violations and verdict,
and the level and version rendered Namespaces enforce.

For a workload (Deployment, Job, …) the admission controller only warns when the workload is
created; it is the pods the workload's controller creates that get rejected. A "rejected"
verdict for a workload therefore means its pods would never start.

A namespace enforces what its ``pod-security.kubernetes.io/enforce`` label says, at the policy
version of ``pod-security.kubernetes.io/enforce-version`` (``latest`` when absent). Invalid
values are read the way the admission controller reads them: an unknown level enforces
``restricted`` (it fails closed), an unparsable version means ``latest``. A namespace without
the enforce label is left out: it enforces the cluster's default (``privileged`` unless the
admission configuration says otherwise), which a chart cannot see.
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple

from helm_harden.findings import Workload
from helm_harden.profiles import LEVELS, PRIVILEGED, context_for, label, level_rules, parse_label, resolve
from helm_harden.records import record
from helm_harden.rules.base import Rule, Version, Violation
from helm_harden.workload import Container, Path, Pod, mapping, objects_in

ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version"


@record(frozen=True, slots=True)
class ControlViolation:
    control: str  # the control's ID, e.g. "capabilities-restricted"
    name: str  # as the Kubernetes documentation names it, e.g. "Capabilities"
    level: str  # the control's own level: "baseline" or "restricted"
    path: Path  # the offending (or missing) field, from the document root
    message: str
    container: Container | None  # None for a pod-level field

    @property
    def container_name(self) -> str | None:
        return self.container.name if self.container is not None else None


def judge(pod: Pod, level: str, version: Version | None = None, cluster: Version | None = None):
    """``(rule, violation)`` for every violation of the ``level`` standard in ``pod``.

    ``version`` is the policy version a namespace pins (None: ``latest``); ``cluster`` is the
    Kubernetes version of the API server (None: the newest this package knows). A pinned
    version newer than the cluster's evaluates as the cluster's.
    """
    target = resolve(version, cluster)
    context = context_for({}, cluster, target)
    return [(rule, violation) for rule in level_rules(level, target.policy) for violation in rule.check(pod, context)]


def evaluate(pod: Pod, level: str, version: Version | None = None, cluster: Version | None = None) -> list[ControlViolation]:
    """Every violation of the ``level`` standard in ``pod`` (see `judge`)."""
    return [control_violation(rule, violation) for rule, violation in judge(pod, level, version, cluster)]


def control_violation(rule: Rule, violation: Violation) -> ControlViolation:
    control = rule.module
    return ControlViolation(control.ID, control.NAME, control.LEVEL, violation.path, violation.message, violation.container)


@record(frozen=True, slots=True)
class Verdict:
    admitted: bool
    level: str
    version: str  # the requested version as the admission controller writes it: "v1.30" or "latest"
    policy: Version  # the policy version actually evaluated
    violations: tuple[ControlViolation, ...]

    @property
    def control_names(self) -> list[str]:
        """The violated controls' documented names, each once, in the standard's order."""
        return list(dict.fromkeys(violation.name for violation in self.violations))


def verdict(pod: Pod, level: str, version: Version | None = None, cluster: Version | None = None) -> Verdict:
    """Judge ``pod`` at ``level``; ``version`` and ``cluster`` mean what they mean for `judge`."""
    return verdict_of(evaluate(pod, level, version, cluster), level, version, cluster)


def verdict_of(violations, level: str, version: Version | None, cluster: Version | None) -> Verdict:
    violations = tuple(violations)
    return Verdict(not violations, level, label(version), resolve(version, cluster).policy, violations)


def verdict_line(pod: Pod, result: Verdict, namespace: str | None = None) -> str:
    """``Deployment team-a/web: would be rejected at restricted v1.30: Seccomp, Capabilities``.

    ``namespace`` stands in for objects that name none (the release namespace).
    """
    where = pod.namespace or namespace
    subject = f"{pod.kind} {where + '/' if where else ''}{pod.name or '(unnamed)'}"
    if result.admitted:
        return f"{subject}: would be admitted at {result.level} {result.version}"
    return f"{subject}: would be rejected at {result.level} {result.version}: {', '.join(result.control_names)}"


@record(frozen=True, slots=True)
class WorkloadVerdict:
    """A pod's verdict as ``check --pss`` reports it."""

    workload: Workload
    admitted: bool
    level: str
    version: str  # "v1.30" or "latest"
    controls: tuple[str, ...]  # the violated controls' documented names
    line: str  # "Deployment team-a/web: would be rejected at restricted v1.30: Seccomp"
    admitted_after_post_render: bool


class NamespacePolicy(NamedTuple):
    level: str  # "privileged", "baseline" or "restricted"
    version: Version | None  # None: latest


def namespace_levels(documents_data: Iterable[Any]) -> dict[str, NamespacePolicy]:
    """``{namespace name: (level, version)}`` for every labelled Namespace among parsed documents.

    ``documents_data`` holds parsed objects (``Document.data``); ``List`` kinds are searched
    item by item. When a namespace appears twice, the later object wins, as it would on apply.
    """
    policies: dict[str, NamespacePolicy] = {}
    for obj in (item for data in documents_data for item in objects_in(data)):
        if obj.get("kind") != "Namespace" or obj.get("apiVersion") != "v1":
            continue
        metadata = mapping(obj.get("metadata"))
        name, labels = metadata.get("name"), mapping(metadata.get("labels"))
        if isinstance(name, str) and ENFORCE_LABEL in labels:
            version = parse_label(labels.get(ENFORCE_VERSION_LABEL))
            policies[name] = NamespacePolicy(_level(labels[ENFORCE_LABEL]), version)
    return policies


def _level(value: Any) -> str:
    return value if value in LEVELS or value == PRIVILEGED else "restricted"

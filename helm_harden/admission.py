"""Check mode ``--pss LEVEL``: predict what the Pod Security admission controller would do.

Instead of the hardening rules, every pod is judged by the Pod Security Standards' controls at
a level and policy version: the level of ``--pss`` and the version of ``--kube-version``, unless
a rendered Namespace that the pod lands in carries ``pod-security.kubernetes.io/enforce`` (and
``enforce-version``) labels, which the admission controller would apply instead. Each violation
is a finding named after the control; each pod also gets a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from helm_harden import pss
from helm_harden.engine import Engine, acyclic_phase, object_of
from helm_harden.findings import Finding, ScanResult, Workload
from helm_harden.errors import InputError
from helm_harden.manifest import Document, load_text
from helm_harden.rules.base import Severity
from helm_harden.workload import pods_in

# A control's ID as a finding's rule, kept apart from the hardening rules' IDs.
RULE_PREFIX = "pss/"


@dataclass(frozen=True, slots=True)
class WorkloadVerdict:
    workload: Workload
    admitted: bool
    level: str
    version: str  # "v1.30" or "latest"
    controls: tuple[str, ...]  # the violated controls' documented names
    line: str  # "Deployment team-a/web: would be rejected at restricted v1.30: Seccomp"
    admitted_after_post_render: bool


def scan_pss(target: str, documents: list[Document], level: str, engine: Engine) -> ScanResult:
    """Judge every pod in ``documents``; Namespace labels among them override ``level``.

    A violation is marked fixable when the same pod, with the fixes post-render would apply
    under ``engine``'s configuration, no longer has it.
    """
    kube_version, namespace = engine.kube_version, engine.namespace
    result = ScanResult(target, [], rules=tuple(RULE_PREFIX + control.ID for control in pss.controls_for(level, pss.LATEST)))
    objects = [(document, object_of(document)) for document in documents]
    labelled = pss.namespace_levels(data for _, data in objects if data is not None)
    with acyclic_phase():
        for document, data in objects:
            if data is None:
                continue
            result.objects += 1
            hardened = load_text(document.text)  # a fresh copy: deepcopy recurses, libyaml does not
            engine.fill(document, hardened)
            for pod, hardened_pod in zip(pods_in(data), pods_in(hardened)):
                result.workloads += 1
                pod_namespace = pod.namespace or namespace
                policy = labelled.get(pod_namespace)
                pod_level, version = (policy.level, policy.version) if policy else (level, kube_version)
                try:
                    judged = pss.verdict(pod, pod_level, version, kube_version)
                    left = {(v.control, v.path) for v in pss.evaluate(hardened_pod, pod_level, version, kube_version)}
                except (TypeError, AttributeError, ValueError):
                    raise InputError(f"{document.label}: {pod.kind} {pod.name}: a pod field has an unexpected type") from None
                workload = Workload(pod.kind, pod.name, pod_namespace, document.source, document.index + 1,
                                    document.origin, None)
                result.checked.append(workload)
                line = pss.verdict_line(pod, judged, namespace)
                if not judged.admitted and not left:
                    line += " (admitted after helm-harden post-render)"
                result.verdicts.append(
                    WorkloadVerdict(workload, judged.admitted, judged.level, judged.version,
                                    tuple(judged.control_names), line, judged.admitted or not left)
                )
                result.findings.extend(
                    _finding(document, pod, pod_namespace, violation, (violation.control, violation.path) not in left)
                    for violation in judged.violations
                )
    return result


def _finding(document: Document, pod, namespace: str | None, violation, fixable: bool) -> Finding:
    return Finding(
        rule=RULE_PREFIX + violation.control,
        severity=Severity.ERROR,  # the admission controller rejects: there is no lesser outcome
        kind=pod.kind,
        name=pod.name,
        namespace=namespace,
        container=violation.container_name,
        location=violation.path,
        source=document.source,
        document=document.index + 1,
        origin=document.origin,
        message=f"{violation.name} ({violation.level}): {violation.message}",
        fixable=fixable,
        hook=pod.is_helm_hook,
    )

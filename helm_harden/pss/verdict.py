"""One verdict per pod: would the admission controller let it in, and if not, why.

For a workload (Deployment, Job, …) the admission controller only warns when the workload is
created; it is the pods the workload's controller creates that get rejected. A "rejected"
verdict for a workload therefore means its pods would never start.
"""

from __future__ import annotations

from dataclasses import dataclass

from helm_harden.pss.evaluate import ControlViolation, evaluate
from helm_harden.pss.target import Version
from helm_harden.pss.versions import label, resolve
from helm_harden.workload import Pod


@dataclass(frozen=True, slots=True)
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
    """Judge ``pod`` at ``level``; ``version`` and ``cluster`` mean what they mean for `evaluate`."""
    violations = tuple(evaluate(pod, level, version, cluster))
    policy = resolve(version, cluster).policy
    return Verdict(not violations, level, label(version), policy, violations)


def verdict_line(pod: Pod, result: Verdict, namespace: str | None = None) -> str:
    """``Deployment team-a/web: would be rejected at restricted v1.30: Seccomp, Capabilities``.

    ``namespace`` stands in for objects that name none (the release namespace).
    """
    where = pod.namespace or namespace
    subject = f"{pod.kind} {where + '/' if where else ''}{pod.name or '(unnamed)'}"
    if result.admitted:
        return f"{subject}: would be admitted at {result.level} {result.version}"
    return f"{subject}: would be rejected at {result.level} {result.version}: {', '.join(result.control_names)}"

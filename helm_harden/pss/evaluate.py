"""Run the controls of a level over one pod, as the admission controller of a version would.

Restricted includes every baseline control, except those a restricted control replaces while
it applies (its ``OVERRIDES``): the admission controller does the same, so that a pod is never
judged twice for one field, and so that, say, a restricted namespace pinned to v1.21 still
gets the baseline capabilities rule, the restricted one starting at v1.22.
"""

from __future__ import annotations

from dataclasses import dataclass

from helm_harden.pss.controls import CONTROLS
from helm_harden.pss.target import Version
from helm_harden.pss.versions import resolve
from helm_harden.workload import Container, Path, Pod

LEVELS = ("baseline", "restricted")
PRIVILEGED = "privileged"  # a namespace may say so; nothing is checked


@dataclass(frozen=True, slots=True)
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


def controls_for(level: str, policy: Version) -> list:
    """The control modules that apply at ``level`` for policy version ``policy``, in order."""
    if level == PRIVILEGED:
        return []
    if level not in LEVELS:
        raise ValueError(f"unknown Pod Security level {level!r} (expected baseline or restricted)")
    active = [
        control
        for control in CONTROLS
        if policy >= control.REVISIONS[0] and (control.LEVEL == "baseline" or level == "restricted")
    ]
    replaced = {
        overridden for control in active if control.LEVEL == "restricted" for overridden in control.OVERRIDES
    }
    return [control for control in active if control.ID not in replaced]


def evaluate(
    pod: Pod, level: str, version: Version | None = None, cluster: Version | None = None
) -> list[ControlViolation]:
    """Every violation of the ``level`` standard in ``pod``.

    ``version`` is the policy version a namespace pins (None: ``latest``); ``cluster`` is the
    Kubernetes version of the API server (None: the newest this package knows). A pinned
    version newer than the cluster's evaluates as the cluster's.
    """
    target = resolve(version, cluster)
    return [
        ControlViolation(
            control.ID, control.NAME, control.LEVEL, violation.path, violation.message, violation.container
        )
        for control in controls_for(level, target.policy)
        for violation in control.check(pod, target)
    ]

"""Seccomp (restricted, v1.19+): every container runs under RuntimeDefault or Localhost.

Rule (Pod Security Standards, Restricted, "Seccomp (v1.19+)"): ``seccompProfile.type`` must be
explicitly ``RuntimeDefault`` or ``Localhost``; both ``Unconfined`` and an absent profile fail.
A container may leave it unset when the pod's securityContext sets an allowed type; the pod
may leave it unset when every container sets one. A pod level ``Unconfined`` fails even when
every container overrides it. From policy v1.25 the control does not apply to pods with
``spec.os.name: windows`` (the standard's "Policies specific to Linux"). Admission source:
``policy/check_seccompProfile_restricted.go``, revisions v1.19 and v1.25; it replaces
Seccomp (baseline) in restricted namespaces. Before v1.19 there is no restricted seccomp
requirement: only the baseline annotation rule applies.
"""

from helm_harden.pss.controls import seccomp_baseline
from helm_harden.rules.base import Violation
from helm_harden.workload import one_of

ID = "seccomp-restricted"
NAME = "Seccomp"
LEVEL = "restricted"
REVISIONS = ((1, 19), (1, 25))
OVERRIDES = (seccomp_baseline.ID,)

ALLOWED_TYPES = seccomp_baseline.ALLOWED_TYPES


def check(pod, context):
    if context.policy >= (1, 25) and pod.is_windows:
        return
    pod_allowed = False
    pod_profile = pod.security_context.get("seccompProfile")
    if isinstance(pod_profile, dict):
        if one_of(pod_profile.get("type"), ALLOWED_TYPES):
            pod_allowed = True
        else:
            message = f"seccompProfile.type is {pod_profile.get('type')}, not RuntimeDefault or Localhost"
            yield Violation(pod.security_context_path + ("seccompProfile", "type"), message)
    for container in pod.containers():
        path = container.security_context_path + ("seccompProfile", "type")
        profile = container.security_context.get("seccompProfile")
        if isinstance(profile, dict):
            if not one_of(profile.get("type"), ALLOWED_TYPES):
                message = f"seccompProfile.type is {profile.get('type')}, not RuntimeDefault or Localhost"
                yield Violation(path, message, container)
        elif not pod_allowed:
            message = "no seccomp profile: neither the container nor the pod sets RuntimeDefault or Localhost"
            yield Violation(path, message, container)

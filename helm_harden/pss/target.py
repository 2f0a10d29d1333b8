"""What a control is evaluated against: a policy version, run by an API server of some version.

The two usually coincide, but not always. A namespace may pin an older policy
(``pod-security.kubernetes.io/enforce-version: v1.25``) on a newer cluster: the checks then
follow the v1.25 policy, yet the API server still knows fields that v1.25 did not have and
runs its own (newer) copy of the checks, which Kubernetes has sometimes amended in place
rather than under a new policy version (the AppArmor field, image volumes). Controls read
``policy`` for what the standard says at that version and ``cluster`` for what the API
server can see and how it judges it.
"""

from __future__ import annotations

from dataclasses import dataclass

Version = tuple  # (major, minor), e.g. (1, 30)


@dataclass(frozen=True, slots=True)
class Target:
    policy: Version  # the policy version whose rules apply
    cluster: Version  # the Kubernetes version of the API server running the admission checks

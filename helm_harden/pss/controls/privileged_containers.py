"""Privileged Containers (baseline): no container runs privileged.

Rule (Pod Security Standards, Baseline, "Privileged Containers"): ``securityContext.privileged``
of every container, init container and ephemeral container must be unset or ``false``.
Admission source: ``policy/check_privileged.go``, one revision since v1.0.
"""

from helm_harden.rules.base import Violation

ID = "privileged-containers"
NAME = "Privileged Containers"
LEVEL = "baseline"
REVISIONS = ((1, 0),)
OVERRIDES: tuple = ()
SCOPE = "container"


def check(pod, container, context):
    if container.security_context.get("privileged") is True:
        path = container.security_context_path + ("privileged",)
        yield Violation(path, "privileged is true: the container has full access to the node")

"""Running as Non-root user (restricted, v1.23+): nothing sets runAsUser to 0.

Rule (Pod Security Standards, Restricted, "Running as Non-root user (v1.23+)"): ``runAsUser``
of the pod's securityContext and of every container's must be unset or non-zero. Each is
judged on its own: a pod level 0 fails even when every container sets another user. Admission
source: ``policy/check_runAsUser.go``, revisions v1.23 and v1.35; from v1.35 the control does
not apply to a pod with its own user namespace (``spec.hostUsers: false``), as for Running as
Non-root.
"""

from helm_harden.pss.controls import running_as_non_root
from helm_harden.workload import is_uid_zero
from helm_harden.rules.base import Violation

ID = "running-as-non-root-user"
NAME = "Running as Non-root user"
LEVEL = "restricted"
REVISIONS = ((1, 23), (1, 35))
OVERRIDES: tuple = ()

MESSAGE = "runAsUser is 0 (root)"


def check(pod, context):
    if running_as_non_root.root_is_relaxed(pod, context):
        return
    if is_uid_zero(pod.security_context.get("runAsUser")):
        yield Violation(pod.security_context_path + ("runAsUser",), MESSAGE)
    for container in pod.containers():
        if is_uid_zero(container.security_context.get("runAsUser")):
            yield Violation(container.security_context_path + ("runAsUser",), MESSAGE, container)

"""Privilege Escalation (restricted, v1.8+): containers cannot gain privileges through setuid.

Rule (Pod Security Standards, Restricted, "Privilege Escalation (v1.8+)"):
``securityContext.allowPrivilegeEscalation`` of every container, init container and ephemeral
container must be explicitly ``false``; unset fails, because the runtime's default allows
escalation. From policy v1.25 the control does not apply to pods with ``spec.os.name:
windows``. Admission source: ``policy/check_allowPrivilegeEscalation.go``, revisions v1.8 (the
release that added the field) and v1.25.
"""

from helm_harden.rules.base import Violation, yaml_scalar

ID = "privilege-escalation"
NAME = "Privilege Escalation"
LEVEL = "restricted"
REVISIONS = ((1, 8), (1, 25))
OVERRIDES: tuple = ()
SCOPE = "container"


def check(pod, container, context):
    if context.policy >= (1, 25) and pod.is_windows:
        return
    value = container.security_context.get("allowPrivilegeEscalation")
    if value is not False:
        path = container.security_context_path + ("allowPrivilegeEscalation",)
        shown = "not set" if value is None else yaml_scalar(value)
        yield Violation(path, f"allowPrivilegeEscalation is {shown}; it must be false")

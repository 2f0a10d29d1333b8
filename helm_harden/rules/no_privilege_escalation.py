"""Containers cannot gain privileges through setuid binaries.

Fails when ``allowPrivilegeEscalation`` is not explicitly ``false``: left unset, the runtime
allows escalation (``no_new_privs`` is off).

Fix: set ``allowPrivilegeEscalation: false``, except where the API server would reject it:
a privileged container or one that adds ``SYS_ADMIN`` (it always escalates). An explicit
``true`` is left alone.

Passes:

    securityContext: {allowPrivilegeEscalation: false}

Fails:

    securityContext: {allowPrivilegeEscalation: true}
"""

from helm_harden.patch import SetDefault
from helm_harden.rules.base import RuleContext, Severity, Violation, security_context_field, yaml_scalar

ID = "no-privilege-escalation"
SEVERITY = Severity.ERROR
FIX = "default"
SUMMARY = "Containers set allowPrivilegeEscalation: false."
OPTIONS: dict = {}
SCOPE = "container"
LINUX_ONLY = True


def check(pod, container, context: RuleContext):
    value = container.security_context.get("allowPrivilegeEscalation")
    if value is False:
        return
    path = security_context_field(container, "allowPrivilegeEscalation")
    if value is not None:
        yield Violation(path, f"allowPrivilegeEscalation is {yaml_scalar(value)}, not false")
    elif _must_escalate(container):
        message = "allowPrivilegeEscalation is not set (and cannot be false while privileged or adding SYS_ADMIN)"
        yield Violation(path, message)
    else:
        message = "allowPrivilegeEscalation is not set, so setuid binaries can gain privileges"
        yield Violation(path, message, fix=(SetDefault(path, False),))


def _must_escalate(container) -> bool:
    """The API rejects allowPrivilegeEscalation: false together with these."""
    if container.security_context.get("privileged") is True:
        return True
    return any(c in ("SYS_ADMIN", "CAP_SYS_ADMIN") for c in container.capabilities("add"))

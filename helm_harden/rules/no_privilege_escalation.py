"""Containers cannot gain privileges through setuid binaries.

Fails when ``allowPrivilegeEscalation`` is not explicitly ``false``: left unset, the runtime
allows escalation (``no_new_privs`` is off). Fails too when it is ``false`` on a privileged
container or one that adds ``SYS_ADMIN``: the API server rejects that object (so a values
overlay from `helm-harden fix` that would produce it does not verify).

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
    path = security_context_field(container, "allowPrivilegeEscalation")
    if value is False:
        if container.must_allow_escalation:  # a values overlay or a hand edit can produce it
            yield Violation(path, REJECTED)
        return
    if value is not None:
        yield Violation(path, f"allowPrivilegeEscalation is {yaml_scalar(value)}, not false")
    elif container.must_allow_escalation:
        message = "allowPrivilegeEscalation is not set (and cannot be false while privileged or adding SYS_ADMIN)"
        yield Violation(path, message)
    else:
        message = "allowPrivilegeEscalation is not set, so setuid binaries can gain privileges"
        yield Violation(path, message, fix=(SetDefault(path, False),))


REJECTED = "allowPrivilegeEscalation is false while privileged or adding SYS_ADMIN: the API server rejects the object"

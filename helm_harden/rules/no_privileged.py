"""Containers must not be privileged.

A privileged container has every capability and every host device: it is root on the node.
Fails when ``securityContext.privileged`` is ``true``. There is no fix: an explicit
``privileged: true`` is a deliberate choice that only its author can undo.

Passes:

    containers: [{name: app, image: app:1.0}]

Fails:

    containers: [{name: app, image: app:1.0, securityContext: {privileged: true}}]
"""

from helm_harden.rules.base import RuleContext, Severity, Violation, security_context_field

ID = "no-privileged"
SEVERITY = Severity.ERROR
FIX = None
SUMMARY = "Containers are not privileged."
OPTIONS: dict = {}
SCOPE = "container"
LINUX_ONLY = True


def check(pod, container, context: RuleContext):
    if container.is_privileged:
        path = security_context_field(container, "privileged")
        yield Violation(path, "runs privileged: it has full access to the node")

"""Containers drop ALL capabilities and add back only what they need.

Fails when ``capabilities.drop`` does not contain ``ALL``, or ``capabilities.add`` holds a
capability outside ``allowed_add``. Capability names are case-sensitive: ``all`` is not
``ALL``. A privileged container fails whatever it drops: the runtime grants it every capability.
That finding points at ``privileged``, and nothing fixes it but turning that off.

Options:

- ``allowed_add`` (default ``[NET_BIND_SERVICE]``, as the restricted Pod Security Standard):
  capabilities that may be added back.

Deliberately unlike Checkov: ``NET_BIND_SERVICE`` may be added back by default (the restricted
Pod Security Standard allows it, so that a non-root process can bind a port below 1024), and
``ALL`` is compared case-sensitively, as the Pod Security admission compares it (``all`` is not
``ALL`` there).

Fix: append ``ALL`` to ``drop``. ``add`` is kept as it is: removing a capability the
application needs would break it, so an unexpected one is reported instead. A container that
explicitly runs as root (``runAsUser: 0``, such as an init container that runs ``chown -R`` on a
volume) is left alone: root's work needs capabilities such as ``CHOWN``, ``FOWNER`` and
``DAC_OVERRIDE``, which dropping ALL would take away. Drop ALL there yourself and add back
exactly what it needs. A privileged container gets nothing either: dropping changes nothing
for it.

Passes:

    securityContext:
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}

Fails:

    securityContext:
      capabilities: {add: [SYS_ADMIN]}
"""

from helm_harden.patch import AppendMissing
from helm_harden.rules.base import RuleContext, Severity, Violation, security_context_field
from helm_harden.workload import mapping, one_of

ID = "drop-capabilities"
SEVERITY = Severity.ERROR
FIX = "default"
SUMMARY = "Containers drop ALL capabilities and add back only allowed ones."
OPTIONS = {"allowed_add": ["NET_BIND_SERVICE"]}
SCOPE = "container"
LINUX_ONLY = True

PRIVILEGED = "runs privileged, which grants every capability whatever it drops"
ROOT_KEEPS = (
    " (not fixed: it runs as root (runAsUser 0), and root's work such as chown -R needs CHOWN, FOWNER and"
    " DAC_OVERRIDE; drop ALL and add back exactly what it needs)"
)


def check(pod, container, context: RuleContext):
    allowed = frozenset(context.options["allowed_add"])
    path = container.security_context_path + ("capabilities",)
    if container.is_privileged:  # dropping changes nothing for it: no fix can repair this
        yield Violation(security_context_field(container, "privileged"), PRIVILEGED)
    elif not container.drops_all_capabilities():
        drop = mapping(container.security_context.get("capabilities")).get("drop")
        fix = (AppendMissing(path + ("drop",), "ALL"),) if drop is None or isinstance(drop, list) else ()
        message = "does not drop ALL capabilities" + container.drop_all_hint()
        if fix and container.runs_as_root:
            message, fix = message + ROOT_KEEPS, ()
        yield Violation(path + ("drop",), message, fix=fix)
    extra = [str(c) for c in container.capabilities("add") if not one_of(c, allowed)]
    if extra:
        yield Violation(path + ("add",), f"adds capabilities {', '.join(extra)}")

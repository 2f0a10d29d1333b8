"""Containers drop ALL capabilities and add back only what they need.

Fails when ``capabilities.drop`` does not contain ``ALL``, or ``capabilities.add`` holds a
capability outside ``allowed_add``. Capability names are case-sensitive: ``all`` is not
``ALL``.

Options:

- ``allowed_add`` (default ``[NET_BIND_SERVICE]``, as the restricted Pod Security Standard):
  capabilities that may be added back.

Fix: append ``ALL`` to ``drop``. ``add`` is kept as it is: removing a capability the
application needs would break it, so an unexpected one is reported instead.

Passes:

    securityContext:
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}

Fails:

    securityContext:
      capabilities: {add: [SYS_ADMIN]}
"""

from helm_harden.patch import AppendMissing
from helm_harden.rules.base import RuleContext, Severity, Violation

ID = "drop-capabilities"
SEVERITY = Severity.ERROR
FIX = "default"
SUMMARY = "Containers drop ALL capabilities and add back only allowed ones."
OPTIONS = {"allowed_add": ["NET_BIND_SERVICE"]}
LINUX_ONLY = True


def check(pod, context: RuleContext):
    allowed = set(context.options["allowed_add"])
    for container in pod.containers():
        capabilities = container.security_context.get("capabilities")
        capabilities = capabilities if isinstance(capabilities, dict) else {}
        path = container.security_context_path + ("capabilities",)
        drop = capabilities.get("drop")
        if not (isinstance(drop, list) and "ALL" in drop):
            message = "does not drop ALL capabilities"
            if isinstance(drop, list) and any(str(c).upper() == "ALL" for c in drop):
                message += " (names are case-sensitive: use ALL)"
            fix = (AppendMissing(path + ("drop",), "ALL"),) if drop is None or isinstance(drop, list) else ()
            yield Violation(path + ("drop",), message, container, fix)
        added = capabilities.get("add")
        if isinstance(added, list):
            extra = [str(c) for c in added if not (isinstance(c, str) and c in allowed)]
            if extra:
                yield Violation(path + ("add",), f"adds capabilities {', '.join(extra)}", container)

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
from helm_harden.workload import mapping, one_of

ID = "drop-capabilities"
SEVERITY = Severity.ERROR
FIX = "default"
SUMMARY = "Containers drop ALL capabilities and add back only allowed ones."
OPTIONS = {"allowed_add": ["NET_BIND_SERVICE"]}
SCOPE = "container"
LINUX_ONLY = True


def check(pod, container, context: RuleContext):
    allowed = frozenset(context.options["allowed_add"])
    path = container.security_context_path + ("capabilities",)
    if not container.drops_all_capabilities():
        drop = mapping(container.security_context.get("capabilities")).get("drop")
        fix = (AppendMissing(path + ("drop",), "ALL"),) if drop is None or isinstance(drop, list) else ()
        yield Violation(path + ("drop",), "does not drop ALL capabilities" + container.drop_all_hint(), fix=fix)
    extra = [str(c) for c in container.capabilities("add") if not one_of(c, allowed)]
    if extra:
        yield Violation(path + ("add",), f"adds capabilities {', '.join(extra)}")

"""Capabilities (restricted, v1.22+): containers drop ALL and add back at most NET_BIND_SERVICE.

Rule (Pod Security Standards, Restricted, "Capabilities (v1.22+)"): every container, init
container and ephemeral container must list ``ALL`` in ``securityContext.capabilities.drop``
and may list only ``NET_BIND_SERVICE`` in ``capabilities.add``. Names are case-sensitive:
``all`` does not drop anything the standard recognises. From policy v1.25 the control does not
apply to pods with ``spec.os.name: windows``. Admission source:
``policy/check_capabilities_restricted.go``, revisions v1.22 and v1.25; it replaces
Capabilities (baseline) in restricted namespaces from v1.22 (before that, the baseline rule
applies there).
"""

from helm_harden.pss.controls import capabilities_baseline
from helm_harden.rules.base import Violation

ID = "capabilities-restricted"
NAME = "Capabilities"
LEVEL = "restricted"
REVISIONS = ((1, 22), (1, 25))
OVERRIDES = (capabilities_baseline.ID,)
SCOPE = "container"


def check(pod, container, context):
    if context.policy >= (1, 25) and pod.is_windows:
        return
    path = container.security_context_path + ("capabilities",)
    if not container.drops_all_capabilities():
        yield Violation(path + ("drop",), "does not drop ALL capabilities" + container.drop_all_hint())
    for index, capability in enumerate(container.capabilities("add")):
        if capability != "NET_BIND_SERVICE":
            message = f"adds capability {capability}; only NET_BIND_SERVICE may be added"
            yield Violation(path + ("add", index), message)

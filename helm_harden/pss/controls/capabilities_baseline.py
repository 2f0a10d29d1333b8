"""Capabilities (baseline): containers add no capability beyond the runtime's default set.

Rule (Pod Security Standards, Baseline, "Capabilities"): every entry of
``securityContext.capabilities.add`` (containers, initContainers, ephemeralContainers) must be
one of AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE,
SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT. Names are compared exactly: ``chown`` and
``CAP_CHOWN`` are not in the set. ``drop`` is not restricted at this level. Admission source:
``policy/check_capabilities_baseline.go``, one revision since v1.0 (no user-namespace
relaxation: a proposal for one was closed unmerged). The restricted level replaces this
control with Capabilities (restricted) from v1.22.
"""

from helm_harden.rules.base import Violation
from helm_harden.workload import one_of

ID = "capabilities-baseline"
NAME = "Capabilities"
LEVEL = "baseline"
REVISIONS = ((1, 0),)
OVERRIDES: tuple = ()
SCOPE = "container"

ALLOWED = frozenset(
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
        "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    }
)


def check(pod, container, context):
    add_path = container.security_context_path + ("capabilities", "add")
    for index, capability in enumerate(container.capabilities("add")):
        if not one_of(capability, ALLOWED):
            message = f"adds capability {capability}, which is not in the baseline set"
            yield Violation(add_path + (index,), message)

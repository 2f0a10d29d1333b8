"""SELinux (baseline): SELinux options keep a container type and set no user or role.

Rule (Pod Security Standards, Baseline, "SELinux"): in ``seLinuxOptions`` of the pod's
securityContext and of every container's, ``type`` must be unset, ``""``, ``container_t``,
``container_init_t`` or ``container_kvm_t`` (and ``container_engine_t`` from policy v1.31);
``user`` and ``role`` must be unset or ``""``. ``level`` is not restricted. Admission source:
``policy/check_seLinuxOptions.go``, revisions v1.0 and v1.31 (the one adding
``container_engine_t``).
"""

from helm_harden.pss.fields import is_set
from helm_harden.rules.base import Violation

ID = "selinux"
NAME = "SELinux"
LEVEL = "baseline"
REVISIONS = ((1, 0), (1, 31))
OVERRIDES: tuple = ()

TYPES_1_0 = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
TYPES_1_31 = TYPES_1_0 | {"container_engine_t"}


def check(pod, target):
    types = TYPES_1_31 if target.policy >= (1, 31) else TYPES_1_0
    owners = [(None, pod.security_context, pod.security_context_path)]
    owners += [(c, c.security_context, c.security_context_path) for c in pod.containers()]
    for container, context, path in owners:
        options = context.get("seLinuxOptions")
        if not isinstance(options, dict):
            continue
        path = path + ("seLinuxOptions",)
        selinux_type = options.get("type")
        if selinux_type is not None and selinux_type not in types:
            message = f"SELinux type {selinux_type} is not an allowed container type"
            yield Violation(path + ("type",), message, container)
        for key in ("user", "role"):
            if is_set(options.get(key)):
                yield Violation(path + (key,), f"SELinux {key} is set to {options[key]}", container)

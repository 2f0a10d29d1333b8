"""SELinux (baseline): SELinux options keep a container type and set no user or role.

Rule (Pod Security Standards, Baseline, "SELinux"): in ``seLinuxOptions`` of the pod's
securityContext and of every container's, ``type`` must be unset, ``""``, ``container_t``,
``container_init_t`` or ``container_kvm_t`` (and ``container_engine_t`` from policy v1.31);
``user`` and ``role`` must be unset or ``""``. ``level`` is not restricted. Admission source:
``policy/check_seLinuxOptions.go``, revisions v1.0 and v1.31 (the one adding
``container_engine_t``).
"""

from helm_harden.rules.base import Violation
from helm_harden.workload import SELINUX_CONTAINER_TYPES, SELINUX_ENGINE_TYPE, is_set, one_of

ID = "selinux"
NAME = "SELinux"
LEVEL = "baseline"
REVISIONS = ((1, 0), (1, 31))
OVERRIDES: tuple = ()

TYPES_1_0 = SELINUX_CONTAINER_TYPES
TYPES_1_31 = TYPES_1_0 | {SELINUX_ENGINE_TYPE}


def check(pod, context):
    types = TYPES_1_31 if context.policy >= (1, 31) else TYPES_1_0
    for container, security_context, path in pod.security_contexts():
        options = security_context.get("seLinuxOptions")
        if not isinstance(options, dict):
            continue
        path = path + ("seLinuxOptions",)
        selinux_type = options.get("type")
        if selinux_type is not None and not one_of(selinux_type, types):
            message = f"SELinux type {selinux_type} is not an allowed container type"
            yield Violation(path + ("type",), message, container)
        for key in ("user", "role"):
            if is_set(options.get(key)):
                yield Violation(path + (key,), f"SELinux {key} is set to {options[key]}", container)

"""SELinux options do not lift a container out of its confinement.

Fails when ``seLinuxOptions.type`` (of the pod or a container) is set to something other than
the container types Kubernetes allows (``container_t``, ``container_init_t``,
``container_kvm_t``, ``container_engine_t``), or when ``user`` or ``role`` is set: a custom
user, role or type can give a process the host's SELinux domain. The pod's options are checked
once, each container's own options once per container.

No fix: an SELinux label is a deliberate choice.

Passes:

    securityContext: {seLinuxOptions: {level: "s0:c123,c456"}}

Fails:

    securityContext: {seLinuxOptions: {type: spc_t}}
"""

from helm_harden.rules.base import RuleContext, Severity, Violation

ID = "selinux-options"
SEVERITY = Severity.ERROR
FIX = None
SUMMARY = "SELinux options keep a container type and set no user or role."
OPTIONS: dict = {}
LINUX_ONLY = True

ALLOWED_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})


def check(pod, context: RuleContext):
    yield from _check_options(pod.security_context, pod.security_context_path, None)
    for container in pod.containers():
        yield from _check_options(container.security_context, container.security_context_path, container)


def _check_options(security_context: dict, path, container):
    options = security_context.get("seLinuxOptions")
    if not isinstance(options, dict):
        return
    path = path + ("seLinuxOptions",)
    selinux_type = options.get("type")
    if selinux_type is not None and not (isinstance(selinux_type, str) and selinux_type in ALLOWED_TYPES):
        yield Violation(path + ("type",), f"SELinux type {selinux_type} is not a container type", container)
    for key in ("user", "role"):
        if options.get(key) not in (None, ""):
            yield Violation(path + (key,), f"SELinux {key} is set to {options[key]}", container)

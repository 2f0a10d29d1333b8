"""SELinux options do not lift a container out of its confinement.

Fails when ``seLinuxOptions.type`` (of the pod or a container) is set to something other than
the container types Kubernetes allows (``container_t``, ``container_init_t``,
``container_kvm_t``, and from ``--kube-version`` 1.31 ``container_engine_t``), or when ``user``
or ``role`` is set: a custom user, role or type can give a process the host's SELinux domain.
The pod's options are checked once, each container's own options once per container. This is
the Pod Security control ``pss/selinux``, in the default profile.

No fix: an SELinux label is a deliberate choice.

Passes:

    securityContext: {seLinuxOptions: {level: "s0:c123,c456"}}

Fails:

    securityContext: {seLinuxOptions: {type: spc_t}}
"""

from helm_harden.pss.controls import selinux
from helm_harden.rules.base import RuleContext, Severity

ID = "selinux-options"
SEVERITY = Severity.ERROR
FIX = None
SUMMARY = "SELinux options keep a container type and set no user or role."
OPTIONS: dict = {}
LINUX_ONLY = True


def check(pod, context: RuleContext):
    # The Pod Security control's predicate, at the target version (container_engine_t from 1.31).
    return selinux.check(pod, context)

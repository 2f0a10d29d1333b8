"""Containers keep the default, masked ``/proc``.

Fails when a container's ``securityContext.procMount`` is anything but ``Default`` (in practice
``Unmasked``): an unmasked ``/proc`` exposes the kernel interfaces the runtime hides, such as
``/proc/sys`` and ``/proc/sysrq-trigger``, through which a process can change or crash the
node. A pod in its own user namespace (``hostUsers: false``) may unmask its ``/proc`` from
``--kube-version`` 1.35, as the baseline Pod Security Standard allows: the kernel then guards it.
The same predicate as the Pod Security control ``pss/proc-mount``.

No fix: ``Unmasked`` is only ever set on purpose (nested container runtimes).

Passes:

    securityContext: {procMount: Default}

Fails:

    securityContext: {procMount: Unmasked}
"""

from helm_harden.pss.controls import proc_mount
from helm_harden.rules.base import Severity

ID = "proc-mount-unmasked"
SEVERITY = Severity.ERROR
SUMMARY = "Containers keep the default masked /proc (no procMount: Unmasked)."
SCOPE = "container"
LINUX_ONLY = True

check = proc_mount.check

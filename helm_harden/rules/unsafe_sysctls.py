"""Pods set only the sysctls that are namespaced and safe.

Fails for every ``spec.securityContext.sysctls[*].name`` outside the safe set of the target
Kubernetes version (``--kube-version``; the newest known when none is given): the sysctls the
kubelet allows by default, which affect only the pod itself. Any other sysctl changes the node's
kernel for every pod on it, or needs the kubelet's ``--allowed-unsafe-sysctls``. The same
predicate, with the same version-by-version list, as the Pod Security control ``pss/sysctls``.

No fix: only the chart knows why it needs the sysctl.

Passes:

    securityContext:
      sysctls: [{name: net.ipv4.ip_local_port_range, value: "1024 65535"}]

Fails:

    securityContext:
      sysctls: [{name: kernel.msgmax, value: "65536"}]
"""

from helm_harden.pss.controls import sysctls
from helm_harden.rules.base import Severity

ID = "unsafe-sysctls"
SEVERITY = Severity.WARNING
SUMMARY = "Pods set only safe sysctls."
LINUX_ONLY = True

check = sysctls.check

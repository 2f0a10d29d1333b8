"""Pods do not share the node's network, process or IPC namespace.

Fails when ``spec.hostNetwork``, ``spec.hostPID`` or ``spec.hostIPC`` is ``true``. With the
node's network a pod reaches every service bound to the node's loopback and can sniff its
traffic; with its process namespace it sees, signals and (as root) enters every process of the
node; with its IPC namespace it reads the shared memory of the node's processes. Each is one
step from taking over the node. The same predicate as the Pod Security control
``pss/host-namespaces``.

No fix: sharing a namespace is a deliberate choice (a CNI plugin, a node agent), to be
exempted with a reason rather than flipped.

Passes:

    spec:
      containers: [{name: app, image: app:1.0}]

Fails:

    spec:
      hostNetwork: true
      hostPID: true
"""

from helm_harden.pss.controls import host_namespaces
from helm_harden.rules.base import Severity

ID = "host-namespaces"
SEVERITY = Severity.ERROR
SUMMARY = "Pods share none of the node's namespaces (hostNetwork, hostPID, hostIPC)."

check = host_namespaces.check

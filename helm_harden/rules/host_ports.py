"""Containers bind no port of the node.

Fails when a container's ``ports[*].hostPort`` is set (and not 0). A host port ties the pod to
one node per port, bypasses the NetworkPolicies that select pods, and lets the pod answer for
whatever the node serves on that port. The same predicate as the Pod Security control
``pss/host-ports``.

No fix: expose the port through a Service instead.

Passes:

    ports: [{containerPort: 8080}]

Fails:

    ports: [{containerPort: 22, hostPort: 22}]
"""

from helm_harden.pss.controls import host_ports
from helm_harden.rules.base import Severity

ID = "host-ports"
SEVERITY = Severity.WARNING
SUMMARY = "Containers bind no hostPort."
SCOPE = "container"

check = host_ports.check

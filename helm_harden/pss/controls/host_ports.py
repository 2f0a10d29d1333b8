"""Host Ports (baseline): no container binds a port of the node.

Rule (Pod Security Standards, Baseline, "Host Ports"): ``ports[*].hostPort`` of every
container, init container and ephemeral container must be unset or ``0``. The standard lets
other enforcers allow a known list of ports; the built-in admission controller allows none,
and so does this control. Admission source: ``policy/check_hostPorts.go``, one revision since
v1.0.
"""

from helm_harden.workload import sequence
from helm_harden.rules.base import Violation

ID = "host-ports"
NAME = "Host Ports"
LEVEL = "baseline"
REVISIONS = ((1, 0),)
OVERRIDES: tuple = ()
SCOPE = "container"


def check(pod, container, context):
    for index, port in enumerate(sequence(container.data.get("ports"))):
        host_port = port.get("hostPort") if isinstance(port, dict) else None
        if host_port is not None and host_port != 0:
            path = container.path + ("ports", index, "hostPort")
            yield Violation(path, f"uses hostPort {host_port}")

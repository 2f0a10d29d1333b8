"""No Windows HostProcess containers.

Fails when ``securityContext.windowsOptions.hostProcess`` is ``true``, on the pod or on a
container. A HostProcess container is not a container at all: it runs as a process on the
Windows node, with the node's network and file system, as the node's administrator if it asks.
The same predicate as the Pod Security control ``pss/host-process``.

No fix: only node agents run so, and they should be exempted with a reason.

Passes:

    securityContext: {windowsOptions: {runAsUserName: ContainerUser}}

Fails:

    securityContext: {windowsOptions: {hostProcess: true}}
"""

from helm_harden.pss.controls import host_process
from helm_harden.rules.base import Severity

ID = "host-process"
SEVERITY = Severity.ERROR
SUMMARY = "No Windows HostProcess containers."

check = host_process.check

"""HostProcess (baseline): no Windows HostProcess containers.

Rule (Pod Security Standards, Baseline, "HostProcess"): ``windowsOptions.hostProcess`` in the
pod's securityContext and in every container's (containers, initContainers,
ephemeralContainers) must be unset or ``false``. A HostProcess container runs as a process on
the Windows node itself. Admission source: ``policy/check_windowsHostProcess.go``, one
revision since v1.0.
"""

from helm_harden.workload import mapping
from helm_harden.rules.base import Violation

ID = "host-process"
NAME = "HostProcess"
LEVEL = "baseline"
REVISIONS = ((1, 0),)
OVERRIDES: tuple = ()

MESSAGE = "windowsOptions.hostProcess is true: a HostProcess container runs on the Windows node itself"


def check(pod, context):
    for container, security_context, path in pod.security_contexts():
        if mapping(security_context.get("windowsOptions")).get("hostProcess") is True:
            yield Violation(path + ("windowsOptions", "hostProcess"), MESSAGE, container)

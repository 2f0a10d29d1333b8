"""Host Probes / Lifecycle Hooks (baseline, v1.34+): probes and hooks target the pod itself.

Rule (Pod Security Standards, Baseline, "Host Probes / Lifecycle Hooks (v1.34+)"): the
``host`` of ``httpGet`` and ``tcpSocket`` in ``livenessProbe``, ``readinessProbe``,
``startupProbe`` and in ``lifecycle.postStart``/``lifecycle.preStop`` must be unset or ``""``
for every container, init container and ephemeral container. A host there makes the kubelet
connect to any address it can reach. Admission source:
``policy/check_hostProbesAndhostLifecycle.go``, first revision v1.34; older policy versions
do not have this control.
"""

from helm_harden.workload import mapping, is_set
from helm_harden.rules.base import Violation

ID = "host-probes"
NAME = "Host Probes / Lifecycle Hooks"
LEVEL = "baseline"
REVISIONS = ((1, 34),)
OVERRIDES: tuple = ()
SCOPE = "container"

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HOOKS = ("postStart", "preStop")
ACTIONS = ("httpGet", "tcpSocket")


def check(pod, container, context):
    handlers = [((probe,), mapping(container.data.get(probe))) for probe in PROBES]
    lifecycle = mapping(container.data.get("lifecycle"))
    handlers += [(("lifecycle", hook), mapping(lifecycle.get(hook))) for hook in HOOKS]
    for where, handler in handlers:
        for action in ACTIONS:
            host = mapping(handler.get(action)).get("host")
            if is_set(host):
                path = container.path + where + (action, "host")
                yield Violation(path, f"{'.'.join(where)} {action} targets host {host}")

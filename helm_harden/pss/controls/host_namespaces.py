"""Host Namespaces (baseline): the pod shares none of the node's namespaces.

Rule (Pod Security Standards, Baseline, "Host Namespaces"): ``spec.hostNetwork``,
``spec.hostPID`` and ``spec.hostIPC`` must be unset or ``false``. Admission source:
``policy/check_hostNamespaces.go``, one revision since v1.0. (``hostUsers`` is not one of
them: no level restricts it; see the user-namespace relaxations in the Running as Non-root
controls.)
"""

from helm_harden.rules.base import Violation

ID = "host-namespaces"
NAME = "Host Namespaces"
LEVEL = "baseline"
REVISIONS = ((1, 0),)
OVERRIDES: tuple = ()

FIELDS = ("hostNetwork", "hostPID", "hostIPC")


def check(pod, context):
    for field in FIELDS:
        if pod.spec.get(field) is True:
            yield Violation(pod.spec_path + (field,), f"{field} is true: the pod shares the node's namespace")

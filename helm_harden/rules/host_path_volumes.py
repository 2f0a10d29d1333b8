"""Pods mount no directory or file of the node.

Fails for every ``spec.volumes[*].hostPath``. A hostPath volume gives the pod the node's files:
writable, it can plant a binary the node runs or change the kubelet's configuration; read-only,
it can still read every Secret mounted into the node's other pods. The message calls out the
paths that hand over the node outright: ``/``, ``/etc``, ``/proc``, ``/sys``,
``/var/lib/kubelet`` (and anything under them), and the container runtimes' sockets
(``docker.sock``, ``containerd.sock``, ``crio.sock``), through which the pod can start a
privileged container of its choosing. The same predicate as the Pod Security control
``pss/host-path-volumes``.

No fix: a hostPath is a deliberate choice (a log collector, a CSI driver).

Passes:

    volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]

Fails:

    volumes: [{name: docker, hostPath: {path: /var/run/docker.sock}}]
"""

from helm_harden.pss.controls import host_path_volumes
from helm_harden.rules.base import Severity, Violation
from helm_harden.workload import mapping, sequence

ID = "host-path-volumes"
SEVERITY = Severity.ERROR
SUMMARY = "Pods mount no hostPath volume (the node's root, /etc, /proc, /sys, kubelet and runtime sockets called out)."

SENSITIVE_DIRECTORIES = ("/etc", "/proc", "/sys", "/var/lib/kubelet")
RUNTIME_SOCKETS = ("docker.sock", "containerd.sock", "crio.sock")


def check(pod, context):
    volumes = sequence(pod.spec.get("volumes"))
    for violation in host_path_volumes.check(pod, context):
        volume = volumes[violation.path[-2]]
        node_path = mapping(volume.get("hostPath")).get("path")
        why = sensitive(node_path)
        name = volume.get("name")
        if why:
            yield Violation(violation.path, f"volume {name} mounts {node_path} of the node, {why}")
        else:
            where = f" {node_path}" if isinstance(node_path, str) and node_path else ""
            yield Violation(violation.path, f"volume {name} mounts the node's path{where}")


def sensitive(node_path) -> str | None:
    """Why a hostPath hands over the node, None when it is not one of the paths that do."""
    if not isinstance(node_path, str) or not node_path.startswith("/"):
        return None
    normalized = "/" + "/".join(part for part in node_path.split("/") if part and part != ".")
    if normalized == "/":
        return "its whole filesystem"
    if normalized.rsplit("/", 1)[-1] in RUNTIME_SOCKETS:
        return "a container runtime's socket: whoever holds it starts privileged containers"
    for directory in SENSITIVE_DIRECTORIES:
        if normalized == directory or normalized.startswith(directory + "/"):
            return f"which is under {directory}" if normalized != directory else "a system directory"
    return None

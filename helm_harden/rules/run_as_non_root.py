"""Containers must run as a non-root user.

Fails when the effective ``runAsNonRoot`` (the container's own value, else the pod's) is not
``true``, or when the effective ``runAsUser`` is 0. With ``runAsNonRoot: true`` the kubelet
refuses to start a container whose image would run as root.

Fix: set the pod's ``runAsNonRoot: true`` where neither the pod nor the container says
anything; an explicit ``false`` or ``runAsUser: 0`` is reported and left alone. When a container
of the pod explicitly runs as root (say, an init container that chowns a volume), the others
get ``runAsNonRoot: true`` each, so that the root one can still start.

An operator's resource (a Prometheus, say) that lists no containers of its own is judged by its
pod-level ``securityContext``, which the operator gives the containers it creates.

A pod in its own user namespace (``hostUsers: false``) passes from ``--kube-version`` 1.35 (or
none given), as the Pod Security Standards relax it: its UID 0 is an unprivileged UID on the node.

Passes:

    spec:
      securityContext: {runAsNonRoot: true}
      containers: [{name: app, image: app:1.0}]

Fails:

    spec:
      containers: [{name: app, image: app:1.0, securityContext: {runAsUser: 0}}]
"""

from helm_harden.patch import SetDefault
from helm_harden.rules.base import RuleContext, Severity, Violation, security_context_field, yaml_scalar
from helm_harden.pss.controls.running_as_non_root import root_is_relaxed
from helm_harden.workload import is_uid_zero

ID = "run-as-non-root"
SEVERITY = Severity.ERROR
FIX = "default"
SUMMARY = "Containers run as a non-root user (runAsNonRoot: true, never runAsUser: 0)."
OPTIONS: dict = {}
LINUX_ONLY = False


def check(pod, context: RuleContext):
    if root_is_relaxed(pod, context):
        return
    pod_fix = (SetDefault(pod.security_context_path + ("runAsNonRoot",), True),)
    # A container that explicitly runs as root would inherit a pod-level runAsNonRoot: true and
    # then never start; with one in the pod, each other container gets its own setting.
    root_in_pod = any(container.runs_as_root for container in pod.containers())
    if not pod.containers():  # an operator's resource that lists none: its pod-level settings are all there is
        yield from _pod_level(pod, pod_fix)
    for container in pod.containers():
        fix = (SetDefault(container.security_context_path + ("runAsNonRoot",), True),) if root_in_pod else pod_fix
        user, user_path = container.effective("runAsUser")
        if is_uid_zero(user):
            yield Violation(user_path, "runs as root: runAsUser is 0", container)
            continue
        non_root, non_root_path = container.effective("runAsNonRoot")
        if non_root is True:
            continue
        if non_root is None:
            if type(user) is int and user > 0:
                message = (f"runAsNonRoot is not set: runAsUser {user} is not root, but only runAsNonRoot: true"
                           " makes the kubelet refuse root")
            else:
                message = "runAsNonRoot is not set, so the image decides whether it runs as root"
            yield Violation(security_context_field(container, "runAsNonRoot"), message, container, fix)
        else:
            yield Violation(non_root_path, f"runAsNonRoot is {yaml_scalar(non_root)}, not true", container)



def _pod_level(pod, fix):
    user = pod.security_context.get("runAsUser")
    non_root = pod.security_context.get("runAsNonRoot")
    if is_uid_zero(user):
        yield Violation(pod.security_context_path + ("runAsUser",), "the pod runs as root: runAsUser is 0")
    elif non_root is None:
        message = "runAsNonRoot is not set, so the images decide whether the pod runs as root"
        yield Violation(pod.security_context_path + ("runAsNonRoot",), message, fix=fix)
    elif non_root is not True:
        yield Violation(pod.security_context_path + ("runAsNonRoot",), f"runAsNonRoot is {yaml_scalar(non_root)}, not true")

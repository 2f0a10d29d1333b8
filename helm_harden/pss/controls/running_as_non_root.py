"""Running as Non-root (restricted): every container is required to run as a non-root user.

Rule (Pod Security Standards, Restricted, "Running as Non-root"): ``runAsNonRoot`` must be
``true``. A container may leave it unset when the pod's securityContext sets it to ``true``;
an explicit ``false`` fails wherever it is, including at pod level when every container sets
``true``. Admission source: ``policy/check_runAsNonRoot.go``, revisions v1.0 and v1.35. From
policy v1.35 the control does not apply to a pod with its own user namespace
(``spec.hostUsers: false``), whose root is not root on the node (Kubernetes "User Namespaces"
page, integration with Pod Security Admission). Before v1.35 that relaxation only existed
behind the alpha ``UserNamespacesPodSecurityStandards`` feature gate (off by default, removed
in 1.35), so it is not applied there.
"""

from helm_harden.rules.base import Violation, yaml_scalar

# From this policy version a pod with its own user namespace need not run as non-root.
USER_NAMESPACE_SINCE = (1, 35)

ID = "running-as-non-root"
NAME = "Running as Non-root"
LEVEL = "restricted"
REVISIONS = ((1, 0), (1, 35))
OVERRIDES: tuple = ()


def check(pod, context):
    if root_is_relaxed(pod, context):
        return
    pod_value = pod.security_context.get("runAsNonRoot")
    if pod_value is not None and pod_value is not True:
        path = pod.security_context_path + ("runAsNonRoot",)
        yield Violation(path, f"runAsNonRoot is {yaml_scalar(pod_value)}; it must be true")
    for container in pod.containers():
        path = container.security_context_path + ("runAsNonRoot",)
        value = container.security_context.get("runAsNonRoot")
        if value is None:
            if pod_value is not True:
                yield Violation(path, "runAsNonRoot is set to true neither here nor on the pod", container)
        elif value is not True:
            yield Violation(path, f"runAsNonRoot is {yaml_scalar(value)}; it must be true", container)


def root_is_relaxed(pod, context) -> bool:
    """``hostUsers: false`` at a version that lets such a pod run as UID 0: root there is an
    unprivileged UID on the node (shared with the run-as rules of the default profile)."""
    return pod.user_namespaced and context.policy >= USER_NAMESPACE_SINCE

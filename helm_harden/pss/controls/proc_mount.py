"""/proc Mount Type (baseline): containers keep the default masked /proc.

Rule (Pod Security Standards, Baseline, "/proc Mount Type"): ``securityContext.procMount`` of
every container, init container and ephemeral container must be unset or ``Default``.
Admission source: ``policy/check_procMount_baseline.go`` (formerly ``check_procMount.go``),
revisions v1.0 and v1.35. From policy v1.35 the baseline level allows any value in a pod with
its own user namespace (``spec.hostUsers: false``), as the Kubernetes "User Namespaces" page
describes; the restricted level keeps the strict rule through /proc Mount Type (restricted).
"""

from helm_harden.rules.base import Violation

ID = "proc-mount"
NAME = "/proc Mount Type"
LEVEL = "baseline"
REVISIONS = ((1, 0), (1, 35))
OVERRIDES: tuple = ()
SCOPE = "container"


def check(pod, container, context):
    if context.policy >= (1, 35) and pod.user_namespaced:
        return
    yield from strict(pod, container, context)


def strict(pod, container, context):
    """The rule without the user-namespace relaxation (shared with the restricted variant)."""
    proc_mount = container.security_context.get("procMount")
    if proc_mount is not None and proc_mount != "Default":
        path = container.security_context_path + ("procMount",)
        yield Violation(path, f"procMount is {proc_mount}, not Default")

"""Containers run under a seccomp filter.

Fails when the effective ``seccompProfile.type`` is unset or ``Unconfined``. Without a filter
a container can call every syscall of the host kernel. For a ``--kube-version`` below 1.27 the
legacy annotations ``seccomp.security.alpha.kubernetes.io/pod`` and
``container.seccomp.security.alpha.kubernetes.io/<container>`` count too (1.27 stopped honouring
them).

A privileged container fails whatever profile it or its pod sets: the container runtime runs it
Unconfined. The finding points at ``privileged``, and nothing fixes it but turning that off.
(The restricted Pod Security Standard, like admission, reads only the profile fields.)

Deliberately unlike Checkov, a ``Localhost`` profile passes: it is a filter the node's
administrator wrote, and the restricted Pod Security Standard accepts it too.

Fix: set the pod's ``seccompProfile: {type: RuntimeDefault}`` (the pod annotation
``runtime/default`` for Kubernetes before 1.19, which had no field) where nothing is set. An
explicit ``Unconfined`` is left alone, and so is a pod whose legacy annotations ask for another
profile: the API server rejects a field that contradicts them, whatever the version. A
privileged container gets nothing (a profile would change nothing for it); the pod-level fill
is still made for the pod's other containers.

Passes:

    spec:
      securityContext: {seccompProfile: {type: RuntimeDefault}}

Fails:

    spec:
      securityContext: {seccompProfile: {type: Unconfined}}
"""

from helm_harden.patch import SetDefault
from helm_harden.rules.base import RuleContext, Severity, Violation, security_context_field
from helm_harden.workload import SECCOMP_CONTAINER_ANNOTATION_PREFIX as CONTAINER_ANNOTATION_PREFIX
from helm_harden.workload import SECCOMP_POD_ANNOTATION as POD_ANNOTATION

ID = "seccomp-profile"
SEVERITY = Severity.ERROR
FIX = "default"
SUMMARY = "Containers run with a seccomp profile (RuntimeDefault or Localhost)."
OPTIONS: dict = {}
SCOPE = "container"
LINUX_ONLY = True


PRIVILEGED = "runs privileged, which overrides its seccomp profile: it runs Unconfined"


def check(pod, container, context: RuleContext):
    if container.is_privileged:  # no profile confines it, so no fill can repair it
        yield Violation(security_context_field(container, "privileged"), PRIVILEGED)
        return
    legacy = not context.kube_at_least(1, 27)
    missing = "no seccomp profile is set, so every syscall is allowed"
    if not context.kube_at_least(1, 19):
        fix = (SetDefault(pod.annotations_path + (POD_ANNOTATION,), "runtime/default"),)
    elif _annotations_contradict(pod):
        fix, missing = (), CONTRADICTED  # the API server rejects a field the annotation contradicts
    else:
        # The type rather than the whole profile: a rendered ``seccompProfile: {}`` gets completed.
        fix = (SetDefault(pod.security_context_path + ("seccompProfile", "type"), "RuntimeDefault", fill_empty=True),)
    profile, path = _effective_profile(pod, container, legacy)
    if profile is None:
        yield Violation(security_context_field(container, "seccompProfile"), missing, fix=fix)
    elif profile == "Unconfined":
        yield Violation(path, "seccomp profile is Unconfined")


CONTRADICTED = ("no seccomp profile is set, and a legacy seccomp annotation asks for another one than RuntimeDefault:"
                " set the field to agree with it, or remove it")


def _annotations_contradict(pod) -> bool:
    """Does a legacy annotation on the pod or one of its containers ask for a profile other than
    the RuntimeDefault the (pod-level) fix would set?"""
    keys = [POD_ANNOTATION, *(CONTAINER_ANNOTATION_PREFIX + container.name for container in pod.containers())]
    return any(key in pod.annotations and _annotation_type(pod.annotations[key]) != "RuntimeDefault" for key in keys)


def _effective_profile(pod, container, legacy: bool):
    """The profile type ("RuntimeDefault", "Unconfined", …) and where it is set."""
    annotations = pod.annotations if legacy else {}
    own = container.security_context.get("seccompProfile")
    if isinstance(own, dict) and own.get("type"):
        return own["type"], container.security_context_path + ("seccompProfile", "type")
    key = CONTAINER_ANNOTATION_PREFIX + container.name
    if key in annotations:
        return _annotation_type(annotations[key]), pod.annotations_path + (key,)
    pod_profile = pod.security_context.get("seccompProfile")
    if isinstance(pod_profile, dict) and pod_profile.get("type"):
        return pod_profile["type"], pod.security_context_path + ("seccompProfile", "type")
    if POD_ANNOTATION in annotations:
        return _annotation_type(annotations[POD_ANNOTATION]), pod.annotations_path + (POD_ANNOTATION,)
    return None, None


def _annotation_type(value) -> str:
    if value == "unconfined":
        return "Unconfined"
    if isinstance(value, str) and value.startswith("localhost/"):
        return "Localhost"
    return "RuntimeDefault"  # runtime/default and docker/default

"""Seccomp (baseline): no seccomp profile is explicitly Unconfined.

Rule (Pod Security Standards, Baseline, "Seccomp"): ``seccompProfile.type`` of the pod's
securityContext and of every container's must be unset, ``RuntimeDefault`` or ``Localhost``.
Admission source: ``policy/check_seccompProfile_baseline.go``, two revisions:

- v1.0 to v1.18 (before the field existed) read the alpha annotations instead:
  ``seccomp.security.alpha.kubernetes.io/pod`` and
  ``container.seccomp.security.alpha.kubernetes.io/<container>`` for each container must be
  ``runtime/default``, ``docker/default`` or ``localhost/<profile>`` when present;
- v1.19 and later read only the fields.

The restricted level replaces this control with Seccomp (restricted) from v1.19; before that
it applies to restricted namespaces too.
"""

from helm_harden.rules.base import Violation
from helm_harden.workload import (
    CONFINED_PROFILE_TYPES,
    one_of,
    SECCOMP_CONTAINER_ANNOTATION_PREFIX as CONTAINER_ANNOTATION_PREFIX,
    SECCOMP_POD_ANNOTATION as POD_ANNOTATION,
)

ID = "seccomp-baseline"
NAME = "Seccomp"
LEVEL = "baseline"
REVISIONS = ((1, 0), (1, 19))
OVERRIDES: tuple = ()

ALLOWED_TYPES = CONFINED_PROFILE_TYPES


def check(pod, context):
    if context.policy >= (1, 19):
        yield from _fields(pod)
    else:
        yield from _annotations(pod)


def _fields(pod):
    return profile_type_violations(pod, "seccompProfile", ALLOWED_TYPES)


def profile_type_violations(pod, field: str, allowed: frozenset):
    """``field`` (``seccompProfile``, ``appArmorProfile``) whose ``type`` is not in ``allowed``,
    at the pod level and in each container's own securityContext."""
    for container, context, path in pod.security_contexts():
        profile = context.get(field)
        if isinstance(profile, dict) and not one_of(profile.get("type"), allowed):
            message = f"{field}.type is {profile.get('type')}, not {' or '.join(sorted(allowed, reverse=True))}"
            yield Violation(path + (field, "type"), message, container)


def _annotations(pod):
    annotations = pod.annotations
    if POD_ANNOTATION in annotations and not _allowed_annotation(annotations[POD_ANNOTATION]):
        message = f"seccomp annotation is {annotations[POD_ANNOTATION]}"
        yield Violation(pod.annotations_path + (POD_ANNOTATION,), message)
    for container in pod.containers():
        key = CONTAINER_ANNOTATION_PREFIX + container.name
        if key in annotations and not _allowed_annotation(annotations[key]):
            yield Violation(pod.annotations_path + (key,), f"seccomp annotation is {annotations[key]}", container)


def _allowed_annotation(value) -> bool:
    return isinstance(value, str) and (value in ("runtime/default", "docker/default") or value.startswith("localhost/"))

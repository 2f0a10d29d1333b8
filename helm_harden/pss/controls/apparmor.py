"""AppArmor (baseline): no container overrides the default AppArmor profile with an unconfined one.

Rule (Pod Security Standards, Baseline, "AppArmor"), two sets of restricted fields:

- ``appArmorProfile.type`` of the pod's securityContext and of every container's: unset,
  ``RuntimeDefault`` or ``Localhost``;
- every annotation ``container.apparmor.security.beta.kubernetes.io/*``: unset, empty,
  ``runtime/default`` or ``localhost/<profile>``.

Admission source: ``policy/check_appArmorProfile.go``. It has a single revision (v1.0), but
the field check was added to that revision in place when the field arrived (API servers from
1.30), so it applies to every pinned policy version on those API servers, and to none before:
an older API server does not know the field and drops it. Hence the field is checked when the
cluster is 1.30 or newer, the annotations always.
"""

from helm_harden.pss.controls.seccomp_baseline import profile_type_violations
from helm_harden.rules.base import Violation
from helm_harden.workload import APPARMOR_ANNOTATION_PREFIX as ANNOTATION_PREFIX, CONFINED_PROFILE_TYPES

ID = "apparmor"
NAME = "AppArmor"
LEVEL = "baseline"
REVISIONS = ((1, 0),)
OVERRIDES: tuple = ()

FIELD_SINCE = (1, 30)
ALLOWED_TYPES = CONFINED_PROFILE_TYPES


def check(pod, context):
    if context.cluster >= FIELD_SINCE:
        yield from _fields(pod)
    yield from _annotations(pod)


def _fields(pod):
    return profile_type_violations(pod, "appArmorProfile", ALLOWED_TYPES)


def _annotations(pod):
    # The admission check reads every annotation with the prefix, whether or not a container
    # of that name exists; the finding names the container when there is one.
    by_name = {container.name: container for container in pod.containers()}
    for key, value in pod.annotations.items():
        if isinstance(key, str) and key.startswith(ANNOTATION_PREFIX) and not _allowed_annotation(value):
            container = by_name.get(key[len(ANNOTATION_PREFIX) :])
            yield Violation(pod.annotations_path + (key,), f"AppArmor annotation is {value}", container)


def _allowed_annotation(value) -> bool:
    return isinstance(value, str) and (value in ("", "runtime/default") or value.startswith("localhost/"))

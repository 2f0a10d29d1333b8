"""Containers have an immutable root filesystem, with an emptyDir for scratch space.

Fails when ``readOnlyRootFilesystem`` is not ``true``. A read-only root stops an attacker from
dropping tools or changing binaries inside the container.

Fix (opt-in): set ``readOnlyRootFilesystem: true`` and, unless something is already mounted
at ``/tmp``, mount an emptyDir volume named ``helm-harden-tmp`` there. It can still break an
application that writes elsewhere (caches, pid files under ``/var/run``): enable it per chart
once you know where it writes. An explicit ``false`` is left alone.

Passes:

    securityContext: {readOnlyRootFilesystem: true}

Fails:

    securityContext: {readOnlyRootFilesystem: false}
"""

from helm_harden.patch import AppendMissing, SetDefault
from helm_harden.rules.base import RuleContext, Severity, Violation, security_context_field, yaml_scalar

ID = "read-only-root-filesystem"
SEVERITY = Severity.WARNING
FIX = "opt-in"
SUMMARY = "Containers mount their root filesystem read-only."
OPTIONS: dict = {}
SCOPE = "container"
LINUX_ONLY = True

SCRATCH_VOLUME = "helm-harden-tmp"
SCRATCH_PATH = "/tmp"


def check(pod, container, context: RuleContext):
    value = container.security_context.get("readOnlyRootFilesystem")
    if value is True:
        return
    path = security_context_field(container, "readOnlyRootFilesystem")
    if value is not None:
        yield Violation(path, f"readOnlyRootFilesystem is {yaml_scalar(value)}, not true")
        return
    fix = [SetDefault(path, True)]
    if not _mounts_tmp(container):
        fix.append(AppendMissing(pod.spec_path + ("volumes",), {"name": SCRATCH_VOLUME, "emptyDir": {}}, "name"))
        mount = {"name": SCRATCH_VOLUME, "mountPath": SCRATCH_PATH}
        fix.append(AppendMissing(container.path + ("volumeMounts",), mount, "mountPath"))
    yield Violation(path, "readOnlyRootFilesystem is not set: the root filesystem is writable", fix=tuple(fix))


def _mounts_tmp(container) -> bool:
    mounts = container.data.get("volumeMounts")
    if not isinstance(mounts, list):
        return False
    return any(isinstance(m, dict) and str(m.get("mountPath", "")).rstrip("/") == SCRATCH_PATH for m in mounts)

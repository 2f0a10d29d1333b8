"""Volume Types (restricted): volumes use only the core, PersistentVolume-backed types.

Rule (Pod Security Standards, Restricted, "Volume Types"): every ``spec.volumes[*]`` must be
one of ``configMap``, ``csi``, ``downwardAPI``, ``emptyDir``, ``ephemeral``,
``persistentVolumeClaim``, ``projected`` or ``secret``. Admission source:
``policy/check_restrictedVolumes.go``, one revision since v1.0, which replaces HostPath
Volumes in restricted namespaces. API servers from 1.33 also allow ``image`` volumes: that
was added to the v1.0 revision in place (kubernetes/kubernetes pull request 130394), so it
holds for every pinned policy version on those clusters (the documentation's list omits
it: kubernetes/website issue 55370).

A volume that names no source at all is defaulted to ``emptyDir`` by the API server before
admission runs, so it passes.
"""

from helm_harden.pss.controls import host_path_volumes
from helm_harden.workload import sequence
from helm_harden.rules.base import Violation

ID = "volume-types"
NAME = "Volume Types"
LEVEL = "restricted"
REVISIONS = ((1, 0),)
OVERRIDES = (host_path_volumes.ID,)

ALLOWED = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
)
IMAGE_SINCE = (1, 33)

# Every volume source of the core API; any other key of a volume is dropped by the decoder.
SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
    "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
    "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)


def check(pod, context):
    allowed = ALLOWED | {"image"} if context.cluster >= IMAGE_SINCE else ALLOWED
    for index, volume in enumerate(sequence(pod.spec.get("volumes"))):
        if not isinstance(volume, dict):
            continue
        sources = [key for key in SOURCES if volume.get(key) is not None]
        if not sources or any(source in allowed for source in sources):
            continue
        path = pod.spec_path + ("volumes", index, sources[0])
        yield Violation(path, f"volume {volume.get('name')} uses the restricted volume type {sources[0]}")

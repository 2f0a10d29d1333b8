"""HostPath Volumes (baseline): no volume mounts a path of the node.

Rule (Pod Security Standards, Baseline, "HostPath Volumes"): ``spec.volumes[*].hostPath`` must
be unset. Admission source: ``policy/check_hostPathVolumes.go``, one revision since v1.0. The
restricted level replaces this control with Volume Types, which forbids hostPath too.
"""

from helm_harden.workload import sequence
from helm_harden.rules.base import Violation

ID = "host-path-volumes"
NAME = "HostPath Volumes"
LEVEL = "baseline"
REVISIONS = ((1, 0),)
OVERRIDES: tuple = ()


def check(pod, context):
    for index, volume in enumerate(sequence(pod.spec.get("volumes"))):
        if isinstance(volume, dict) and volume.get("hostPath") is not None:
            name = volume.get("name")
            yield Violation(pod.spec_path + ("volumes", index, "hostPath"), f"volume {name} mounts a hostPath")

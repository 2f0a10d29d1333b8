"""Where each kind keeps its pod, and one view over a pod's containers.

This is the only module that knows the shapes of workload kinds. Rules ask it for `Pod`s and
their `Container`s and never read ``spec.template.spec.containers`` themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

Path = tuple  # keys and list indices from the document root, e.g. ("spec", "containers", 0)


@dataclass(frozen=True)
class PodLocation:
    spec: Path
    metadata: Path


_TEMPLATE = PodLocation(("spec", "template", "spec"), ("spec", "template", "metadata"))

POD_LOCATIONS: dict[str, PodLocation] = {
    "Pod": PodLocation(("spec",), ("metadata",)),
    "Deployment": _TEMPLATE,
    "StatefulSet": _TEMPLATE,
    "DaemonSet": _TEMPLATE,
    "ReplicaSet": _TEMPLATE,
    "ReplicationController": _TEMPLATE,
    "Job": _TEMPLATE,
    "CronJob": PodLocation(
        ("spec", "jobTemplate", "spec", "template", "spec"),
        ("spec", "jobTemplate", "spec", "template", "metadata"),
    ),
    "PodTemplate": PodLocation(("template", "spec"), ("template", "metadata")),
}

# The API groups that serve the kinds above; a CRD reusing one of their names is not a workload.
WORKLOAD_API_GROUPS = frozenset({"", "apps", "batch", "extensions"})

CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")

HELM_HOOK_ANNOTATION = "helm.sh/hook"

# securityContext fields a container inherits from the pod when it does not set them itself.
INHERITED_FIELDS = frozenset(
    {"runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "seLinuxOptions", "appArmorProfile"}
)


@dataclass(slots=True)
class Pod:
    """The pod spec of one object (or of one item of a ``List``)."""

    kind: str
    name: str
    namespace: str | None
    spec: dict
    spec_path: Path
    metadata: dict
    metadata_path: Path
    object_annotations: dict = field(default_factory=dict)  # the object's own, beside the pod template's
    _containers: list | None = field(default=None, repr=False)

    @property
    def security_context(self) -> dict:
        context = self.spec.get("securityContext")
        return context if isinstance(context, dict) else {}

    @property
    def security_context_path(self) -> Path:
        return self.spec_path + ("securityContext",)

    @property
    def is_helm_hook(self) -> bool:
        """A Helm hook (or test), which Helm 3 never sends to a post-renderer."""
        return HELM_HOOK_ANNOTATION in self.object_annotations

    @property
    def is_windows(self) -> bool:
        """``spec.os.name: windows``: the API forbids Linux-only securityContext fields here."""
        os_spec = self.spec.get("os")
        return isinstance(os_spec, dict) and os_spec.get("name") == "windows"

    @property
    def annotations(self) -> dict:
        annotations = self.metadata.get("annotations")
        return annotations if isinstance(annotations, dict) else {}

    @property
    def annotations_path(self) -> Path:
        return self.metadata_path + ("annotations",)

    def containers(self) -> list[Container]:
        """initContainers, containers and ephemeralContainers, in that order (built once: every rule asks)."""
        if self._containers is None:
            self._containers = [
                Container(
                    name=data["name"] if isinstance(data.get("name"), str) else f"{kind}[{index}]",
                    field=kind,
                    data=data,
                    path=self.spec_path + (kind, index),
                    pod_security_context=self.security_context,
                    pod_security_context_path=self.security_context_path,
                )
                for kind in CONTAINER_FIELDS
                if isinstance(self.spec.get(kind), list)
                for index, data in enumerate(self.spec[kind])
                if isinstance(data, dict)
            ]
        return self._containers


@dataclass(slots=True)
class Container:
    """One entry of ``initContainers``, ``containers`` or ``ephemeralContainers``.

    It holds the pod's securityContext rather than the pod itself: a pod that caches its
    containers and containers that point back at it would form reference cycles, which only
    the cyclic garbage collector frees, and the engine pauses that collector while it scans.
    """

    name: str
    field: str
    data: dict
    path: Path
    pod_security_context: dict
    pod_security_context_path: Path

    @property
    def security_context(self) -> dict:
        context = self.data.get("securityContext")
        return context if isinstance(context, dict) else {}

    @property
    def security_context_path(self) -> Path:
        return self.path + ("securityContext",)

    @property
    def is_ephemeral(self) -> bool:
        return self.field == "ephemeralContainers"

    def effective(self, key: str) -> tuple[Any, Path | None]:
        """A securityContext value as the kubelet sees it, and where it is set (None: nowhere).

        The container's own value wins; fields in `INHERITED_FIELDS` fall back to the pod's.
        """
        own = self.security_context.get(key)
        if own is not None:
            return own, self.security_context_path + (key,)
        if key in INHERITED_FIELDS:
            inherited = self.pod_security_context.get(key)
            if inherited is not None:
                return inherited, self.pod_security_context_path + (key,)
        return None, None


def pods_in(obj: Any) -> Iterator[Pod]:
    """Every pod spec in an object; ``List`` kinds yield one per item, unknown kinds none."""
    if not isinstance(obj, dict):
        return
    kind = obj.get("kind")
    items = obj.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for index, item in enumerate(items):
            pod = _pod_of(item, ("items", index))
            if pod is not None:
                yield pod
        return
    pod = _pod_of(obj, ())
    if pod is not None:
        yield pod


def _pod_of(obj: Any, root: Path) -> Pod | None:
    if not isinstance(obj, dict):
        return None
    kind = obj.get("kind")
    location = POD_LOCATIONS.get(kind) if isinstance(kind, str) else None
    if location is None or _api_group(obj.get("apiVersion")) not in WORKLOAD_API_GROUPS:
        return None
    spec = _get(obj, location.spec)
    if not isinstance(spec, dict):
        return None
    metadata = _get(obj, location.metadata)
    object_metadata = obj.get("metadata")
    object_metadata = object_metadata if isinstance(object_metadata, dict) else {}
    name = object_metadata.get("name")
    namespace = object_metadata.get("namespace")
    return Pod(
        kind=kind,
        name=name if isinstance(name, str) else "",
        namespace=namespace if isinstance(namespace, str) and namespace else None,
        spec=spec,
        spec_path=root + location.spec,
        metadata=metadata if isinstance(metadata, dict) else {},
        metadata_path=root + location.metadata,
        object_annotations=_mapping(object_metadata.get("annotations")),
    )


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _api_group(api_version: Any) -> str | None:
    if not isinstance(api_version, str):
        return None
    group, _, version = api_version.rpartition("/")
    return group if version else None


def _get(obj: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj

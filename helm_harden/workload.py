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

# The profile types that confine a container (seccompProfile.type, appArmorProfile.type).
CONFINED_PROFILE_TYPES = frozenset({"RuntimeDefault", "Localhost"})
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
# The SELinux types a container may run as (container_engine_t from Kubernetes 1.31).
SELINUX_CONTAINER_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
SELINUX_ENGINE_TYPE = "container_engine_t"


# Rendered YAML is not validated yet: a field may be missing, null, or of the wrong type. The
# readers treat anything that is not the expected shape as absent, which is what the API
# server's decoder does with a null and what its validation would reject otherwise.


def mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list:
    return value if isinstance(value, list) else []


def is_set(value: Any) -> bool:
    """Set to something other than the empty string, which the API treats as unset."""
    return value is not None and value != ""


def one_of(value: Any, allowed: frozenset) -> bool:
    """``value`` is one of the strings in ``allowed`` (a list or mapping there is just not one)."""
    return isinstance(value, str) and value in allowed


def is_uid_zero(value: Any) -> bool:
    # ``False == 0`` in Python; a boolean is never a UID.
    return type(value) is int and value == 0


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
    object_path: Path = ()  # where the object is: () for a document, ("items", 3) inside a List
    # What the stream says about the pod's service account: its automountServiceAccountToken,
    # None when its ServiceAccount was not rendered before the pod (the engine fills it in).
    account_automount: bool | None = None
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
    def service_account(self) -> str:
        """The service account the pod runs as (``default`` unless it names one)."""
        for key in ("serviceAccountName", "serviceAccount"):  # the second is the deprecated spelling
            name = self.spec.get(key)
            if isinstance(name, str) and name:
                return name
        return "default"

    @property
    def user_namespaced(self) -> bool:
        """``spec.hostUsers: false``: the pod runs in its own user namespace (unset means the host's)."""
        return self.spec.get("hostUsers") is False

    @property
    def annotations(self) -> dict:
        annotations = self.metadata.get("annotations")
        return annotations if isinstance(annotations, dict) else {}

    def security_contexts(self) -> list[tuple[Container | None, dict, Path]]:
        """``(container or None, securityContext, its path)``: the pod's, then each container's."""
        owners: list = [(None, self.security_context, self.security_context_path)]
        owners += [(c, c.security_context, c.security_context_path) for c in self.containers()]
        return owners

    @property
    def annotations_path(self) -> Path:
        return self.metadata_path + ("annotations",)

    @property
    def object_annotations_path(self) -> Path:
        return self.object_path + ("metadata", "annotations")

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

    @property
    def runs_as_root(self) -> bool:
        """The effective ``runAsUser`` is explicitly 0 (what an image's own user is, is not known here)."""
        return is_uid_zero(self.effective("runAsUser")[0])

    def capabilities(self, key: str) -> list:
        """``securityContext.capabilities.add`` or ``.drop``, as a list (empty when unset or malformed)."""
        return sequence(mapping(self.security_context.get("capabilities")).get(key))

    def drops_all_capabilities(self) -> bool:
        """``drop`` lists ``ALL``, spelt exactly so: the names are case-sensitive."""
        return "ALL" in self.capabilities("drop")

    def drop_all_hint(self) -> str:
        """Why a ``drop`` that seems to hold ALL does not, for a message; empty when it does not seem to."""
        if any(isinstance(name, str) and name.upper() == "ALL" for name in self.capabilities("drop")):
            return " (names are case-sensitive: write ALL)"
        return ""

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
    for item, root in _objects_with_roots(obj):
        pod = _pod_of(item, root)
        if pod is not None:
            yield pod


def objects_in(obj: Any) -> Iterator[dict]:
    """The object itself, or each mapping item of a ``List`` kind."""
    return (item for item, _ in _objects_with_roots(obj))


def _objects_with_roots(obj: Any) -> Iterator[tuple[dict, Path]]:
    if not isinstance(obj, dict):
        return
    items = obj.get("items")
    if _is_list(obj.get("kind")) and isinstance(items, list):
        yield from ((item, ("items", index)) for index, item in enumerate(items) if isinstance(item, dict))
    else:
        yield obj, ()


def may_hold_pods(api_version: Any, kind: Any) -> bool:
    """Could an object of this apiVersion and kind hold a pod (a ``List`` may hold anything)?

    The engine parses only the documents for which this is true.
    """
    return _location(api_version, kind) is not None or _is_list(kind)


def _is_list(kind: Any) -> bool:
    return isinstance(kind, str) and kind.endswith("List")


def _location(api_version: Any, kind: Any) -> PodLocation | None:
    """Where an object of this apiVersion and kind keeps its pod; None for kinds without one."""
    location = POD_LOCATIONS.get(kind) if isinstance(kind, str) else None
    if location is None or _api_group(api_version) not in WORKLOAD_API_GROUPS:
        return None
    return location


def _pod_of(obj: Any, root: Path) -> Pod | None:
    if not isinstance(obj, dict):
        return None
    kind = obj.get("kind")
    location = _location(obj.get("apiVersion"), kind)
    if location is None:
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
        object_annotations=mapping(object_metadata.get("annotations")),
        object_path=root,
    )


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

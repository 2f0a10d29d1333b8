"""Where each kind keeps its pod, and one view over a pod's containers.

This is the only module that knows the shapes of workload kinds. Rules ask it for `Pod`s and
their `Container`s and never read ``spec.template.spec.containers`` themselves.
"""

from __future__ import annotations

from collections.abc import Iterator

from helm_harden.records import field, record

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without loading typing at start-up
if TYPE_CHECKING:
    from typing import Any

Path = tuple  # keys and list indices from the document root, e.g. ("spec", "containers", 0)


CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")


@record(frozen=True)
class PodLocation:
    """Where one kind keeps its pod, and which of the fields there are the pod's.

    ``spec`` holds the pod's own fields (hostNetwork, volumes, …) and its container lists
    (``containers``: the keys of those lists there). ``security_context`` is the key of the
    pod-level securityContext there, None when the kind has none (then nothing is filled at pod
    level). ``metadata`` is the mapping whose ``annotations`` are the pod's. ``main_container``
    names the container whose fields (image, securityContext, resources) sit in ``spec`` itself,
    as in an operator resource that describes its one container inline.
    """

    spec: Path
    metadata: Path
    containers: tuple[str, ...] = CONTAINER_FIELDS
    security_context: str | None = "securityContext"
    main_container: str | None = None
    annotations: str = "annotations"  # the key, in ``metadata``, of the pod's annotations


def template_at(*path: str) -> PodLocation:
    """A kind that embeds a PodTemplateSpec at ``path``."""
    return PodLocation((*path, "spec"), (*path, "metadata"))


_TEMPLATE = template_at("spec", "template")
# prometheus-operator and grafana-agent-operator resources: the pod's securityContext, volumes
# and host settings in ``spec``, containers merged over the operator's own, annotations in podMetadata.
_OPERATED = PodLocation(("spec",), ("spec", "podMetadata"), ("initContainers", "containers"))

# Every pod-bearing kind, by API group and kind: a CRD reusing a kind's name elsewhere is not it.
WORKLOADS: dict[tuple[str, str], PodLocation] = {
    ("", "Pod"): PodLocation(("spec",), ("metadata",)),
    ("", "PodTemplate"): template_at("template"),
    ("", "ReplicationController"): _TEMPLATE,
    **{(group, kind): _TEMPLATE for group in ("apps", "extensions")
       for kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")},
    ("batch", "Job"): _TEMPLATE,
    ("batch", "CronJob"): template_at("spec", "jobTemplate", "spec", "template"),
    ("apps.openshift.io", "DeploymentConfig"): _TEMPLATE,
    ("argoproj.io", "Rollout"): _TEMPLATE,  # a workloadRef rollout has none: its Deployment is checked
    ("serving.knative.dev", "Service"): _TEMPLATE,
    ("keda.sh", "ScaledJob"): template_at("spec", "jobTargetRef", "template"),
    **{("monitoring.coreos.com", kind): _OPERATED
       for kind in ("Prometheus", "Alertmanager", "ThanosRuler", "PrometheusAgent")},
    ("monitoring.grafana.com", "GrafanaAgent"): _OPERATED,
    # The collector's own container is described inline; its pod's securityContext is podSecurityContext.
    ("opentelemetry.io", "OpenTelemetryCollector"): PodLocation(
        ("spec",), ("spec",), ("initContainers", "additionalContainers"),
        security_context="podSecurityContext", main_container="otc-container", annotations="podAnnotations",
    ),
    # kserve's runtime pods: containers and volumes, annotations in spec, no pod securityContext.
    **{("serving.kserve.io", kind): PodLocation(("spec",), ("spec",), ("containers",), security_context=None)
       for kind in ("ServingRuntime", "ClusterServingRuntime")},
}

# The core kinds' locations, by kind.
POD_LOCATIONS: dict[str, PodLocation] = {
    kind: location for (group, kind), location in WORKLOADS.items() if group in ("", "apps", "batch")
}

HELM_HOOK_ANNOTATION = "helm.sh/hook"
OS_LABEL = "kubernetes.io/os"

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


@record(slots=True)
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
    location: PodLocation = field(default_factory=lambda: WORKLOADS[("", "Pod")])
    # What the stream says about the pod's service account: its automountServiceAccountToken,
    # None when its ServiceAccount was not rendered before the pod (the engine fills it in).
    account_automount: bool | None = None
    _containers: list | None = field(default=None, repr=False)

    @property
    def security_context(self) -> dict:
        key = self.location.security_context
        return mapping(self.spec.get(key)) if key else {}

    @property
    def security_context_path(self) -> Path:
        """Where the pod-level securityContext is (for a kind without one: where it is not allowed)."""
        return self.spec_path + (self.location.security_context or "securityContext",)

    @property
    def has_security_context(self) -> bool:
        """The kind has a pod-level securityContext (kserve's runtimes have none)."""
        return self.location.security_context is not None

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
    def runs_on_windows(self) -> bool:
        """A Windows pod: ``spec.os.name: windows``, a node selector or required node affinity
        for ``kubernetes.io/os: windows`` nodes only, or a HostProcess container (Windows-only)."""
        if self.is_windows or mapping(self.spec.get("nodeSelector")).get(OS_LABEL) == "windows":
            return True
        affinity = mapping(mapping(mapping(self.spec.get("affinity")).get("nodeAffinity"))
                           .get("requiredDuringSchedulingIgnoredDuringExecution"))
        terms = sequence(affinity.get("nodeSelectorTerms"))
        if terms and all(_selects_windows_only(term) for term in terms):
            return True
        return any(mapping(context.get("windowsOptions")).get("hostProcess") is True
                   for _, context, _ in self.security_contexts())

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
        return mapping(self.metadata.get(self.location.annotations))

    def security_contexts(self) -> list[tuple[Container | None, dict, Path]]:
        """``(container or None, securityContext, its path)``: the pod's, then each container's."""
        owners: list = [(None, self.security_context, self.security_context_path)]
        owners += [(c, c.security_context, c.security_context_path) for c in self.containers()]
        return owners

    @property
    def annotations_path(self) -> Path:
        return self.metadata_path + (self.location.annotations,)

    @property
    def object_annotations_path(self) -> Path:
        return self.object_path + ("metadata", "annotations")

    def containers(self) -> list[Container]:
        """initContainers, containers and ephemeralContainers (or the kind's lists), in that
        order, after a container described inline (built once: every rule asks)."""
        if self._containers is None:
            containers = []
            if self.location.main_container:
                containers.append(self._container(self.location.main_container, "containers", self.spec, self.spec_path))
            containers += [
                self._container(data["name"] if isinstance(data.get("name"), str) else f"{kind}[{index}]",
                                kind, data, self.spec_path + (kind, index))
                for kind in self.location.containers
                if isinstance(self.spec.get(kind), list)
                for index, data in enumerate(self.spec[kind])
                if isinstance(data, dict)
            ]
            self._containers = containers
        return self._containers

    def _container(self, name: str, kind: str, data: dict, path: Path) -> Container:
        return Container(name, kind, data, path, self.security_context, self.security_context_path)


@record(slots=True)
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
    def is_privileged(self) -> bool:
        """``securityContext.privileged: true`` (the decoder accepts only a boolean): the runtime
        grants every capability and no seccomp filter, whatever else the securityContext says."""
        return self.security_context.get("privileged") is True

    @property
    def must_allow_escalation(self) -> bool:
        """Privileged, or adding SYS_ADMIN: the API server rejects ``allowPrivilegeEscalation: false`` with either."""
        return self.is_privileged or any(c in ("SYS_ADMIN", "CAP_SYS_ADMIN") for c in self.capabilities("add"))

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


def pods_in(obj: Any, workloads: dict | None = None) -> Iterator[Pod]:
    """Every pod spec in an object; ``List`` kinds yield one per item, unknown kinds none.

    ``workloads`` is the table to look kinds up in (default `WORKLOADS`; the config may add CRDs).
    """
    workloads = WORKLOADS if workloads is None else workloads
    for item, root in _objects_with_roots(obj):
        pod = _pod_of(item, root, workloads)
        if pod is not None:
            yield pod


def _selects_windows_only(term: Any) -> bool:
    """A node selector term that some expression limits to ``kubernetes.io/os`` in [windows]."""
    return any(
        isinstance(expression, dict) and expression.get("key") == OS_LABEL and expression.get("operator") == "In"
        and expression.get("values") == ["windows"]
        for expression in sequence(mapping(term).get("matchExpressions"))
    )


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


def may_hold_pods(api_version: Any, kind: Any, workloads: dict | None = None) -> bool:
    """Could an object of this apiVersion and kind hold a pod (a ``List`` may hold anything)?

    ``workloads`` is the table `pods_in` looks kinds up in. The engine parses only the
    documents for which this is true.
    """
    workloads = WORKLOADS if workloads is None else workloads
    return _is_list(kind) or (isinstance(kind, str) and (_api_group(api_version), kind) in workloads)


def _is_list(kind: Any) -> bool:
    return isinstance(kind, str) and kind.endswith("List")


def _pod_of(obj: Any, root: Path, workloads: dict) -> Pod | None:
    if not isinstance(obj, dict):
        return None
    kind = obj.get("kind")
    location = workloads.get((_api_group(obj.get("apiVersion")), kind)) if isinstance(kind, str) else None
    if location is None:
        return None
    spec = _get(obj, location.spec)
    if not isinstance(spec, dict):
        return None
    metadata = _get(obj, location.metadata)
    object_metadata = mapping(obj.get("metadata"))
    name = object_metadata.get("name")
    namespace = object_metadata.get("namespace")
    return Pod(
        kind=kind,
        name=name if isinstance(name, str) else "",
        namespace=namespace if isinstance(namespace, str) and namespace else None,
        spec=spec,
        spec_path=root + location.spec,
        metadata=mapping(metadata),
        metadata_path=root + location.metadata,
        object_annotations=mapping(object_metadata.get("annotations")),
        object_path=root,
        location=location,
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

"""The workload model: where each kind keeps its pod, and the view over its containers."""

from __future__ import annotations

import pytest
import yaml

from helm_harden.workload import pods_in

POD_SPEC = {"containers": [{"name": "app", "image": "app:1.0"}]}


def _template(spec=POD_SPEC):
    return {"metadata": {"labels": {"app": "x"}}, "spec": spec}


@pytest.mark.parametrize(
    "api_version, kind, body, spec_path, metadata_path",
    [
        ("v1", "Pod", {"spec": POD_SPEC}, ("spec",), ("metadata",)),
        ("apps/v1", "Deployment", {"spec": {"template": _template()}}, ("spec", "template", "spec"), ("spec", "template", "metadata")),
        ("extensions/v1beta1", "Deployment", {"spec": {"template": _template()}}, ("spec", "template", "spec"), ("spec", "template", "metadata")),
        ("apps/v1", "StatefulSet", {"spec": {"template": _template()}}, ("spec", "template", "spec"), ("spec", "template", "metadata")),
        ("apps/v1", "DaemonSet", {"spec": {"template": _template()}}, ("spec", "template", "spec"), ("spec", "template", "metadata")),
        ("apps/v1", "ReplicaSet", {"spec": {"template": _template()}}, ("spec", "template", "spec"), ("spec", "template", "metadata")),
        ("v1", "ReplicationController", {"spec": {"template": _template()}}, ("spec", "template", "spec"), ("spec", "template", "metadata")),
        ("batch/v1", "Job", {"spec": {"template": _template()}}, ("spec", "template", "spec"), ("spec", "template", "metadata")),
        (
            "batch/v1",
            "CronJob",
            {"spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": _template()}}}},
            ("spec", "jobTemplate", "spec", "template", "spec"),
            ("spec", "jobTemplate", "spec", "template", "metadata"),
        ),
        (
            "batch/v1beta1",
            "CronJob",
            {"spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": _template()}}}},
            ("spec", "jobTemplate", "spec", "template", "spec"),
            ("spec", "jobTemplate", "spec", "template", "metadata"),
        ),
        ("v1", "PodTemplate", {"template": _template()}, ("template", "spec"), ("template", "metadata")),
    ],
)
def test_each_pod_bearing_kind_yields_one_pod(api_version, kind, body, spec_path, metadata_path):
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "web", "namespace": "prod"}, **body}
    (pod,) = pods_in(obj)
    assert (pod.kind, pod.name, pod.namespace) == (kind, "web", "prod")
    assert pod.spec_path == spec_path
    assert pod.metadata_path == metadata_path
    assert pod.spec is _get(obj, spec_path)
    assert pod.security_context_path == spec_path + ("securityContext",)
    assert pod.annotations_path == metadata_path + ("annotations",)
    assert [(c.name, c.path) for c in pod.containers()] == [("app", spec_path + ("containers", 0))]


@pytest.mark.parametrize(
    "obj",
    [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"spec": "x"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": POD_SPEC},
        {"apiVersion": "example.com/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"template": _template()}},
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "Pod", "metadata": {"name": "x"}, "spec": POD_SPEC},
        {"apiVersion": "apps/", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"template": _template()}},
        {"kind": "Pod", "metadata": {"name": "x"}, "spec": POD_SPEC},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": ["not", "a", "mapping"]},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"template": "oops"}},
        {"apiVersion": "v1", "kind": None, "spec": POD_SPEC},
        {"apiVersion": "v1", "kind": ["Pod"], "spec": POD_SPEC},
        ["not", "an", "object"],
        "text",
        None,
    ],
)
def test_unknown_kinds_crds_and_malformed_objects_yield_no_pod(obj):
    assert list(pods_in(obj)) == []


def test_list_items_each_yield_their_pod():
    obj = yaml.safe_load(
        """
        apiVersion: v1
        kind: List
        items:
          - {apiVersion: v1, kind: ConfigMap, metadata: {name: settings}}
          - apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec: {template: {spec: {containers: [{name: app, image: app:1.0}]}}}
          - just a string
          - {apiVersion: example.com/v1, kind: Deployment, metadata: {name: crd}, spec: {template: {spec: {}}}}
          - apiVersion: v1
            kind: Pod
            metadata: {name: worker}
            spec: {containers: [{name: app, image: app:1.0}]}
        """
    )
    pods = list(pods_in(obj))
    assert [(p.kind, p.name, p.namespace, p.spec_path, p.metadata_path) for p in pods] == [
        ("Deployment", "web", "shop", ("items", 1, "spec", "template", "spec"), ("items", 1, "spec", "template", "metadata")),
        ("Pod", "worker", None, ("items", 4, "spec"), ("items", 4, "metadata")),
    ]
    assert [c.path for p in pods for c in p.containers()] == [
        ("items", 1, "spec", "template", "spec", "containers", 0),
        ("items", 4, "spec", "containers", 0),
    ]


def test_typed_lists_are_lists_too():
    obj = {
        "apiVersion": "apps/v1",
        "kind": "DeploymentList",
        "items": [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": _template()}}],
    }
    assert [p.name for p in pods_in(obj)] == ["a"]


def test_list_without_items_and_nested_lists_yield_nothing():
    assert list(pods_in({"apiVersion": "v1", "kind": "List"})) == []
    assert list(pods_in({"apiVersion": "v1", "kind": "List", "items": None})) == []
    nested = {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "deep"}, "spec": POD_SPEC},
    ]}]}
    assert list(pods_in(nested)) == []


def test_names_and_namespaces_come_from_the_object_not_the_template():
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "outer", "namespace": ""},
        "spec": {"template": {"metadata": {"name": "inner", "namespace": "other"}, "spec": POD_SPEC}},
    }
    (pod,) = pods_in(obj)
    assert (pod.name, pod.namespace) == ("outer", None)
    assert pods_in_one({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": 5}, "spec": POD_SPEC}).name == ""
    assert pods_in_one({"apiVersion": "v1", "kind": "Pod", "spec": POD_SPEC}).name == ""


def test_containers_come_in_init_regular_ephemeral_order():
    obj = yaml.safe_load(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: ordered}
        spec:
          ephemeralContainers:
            - {name: debug, image: busybox:1.36}
          containers:
            - {name: app, image: app:1.0}
            - not a container
            - {image: nameless:1.0}
            - {name: sidecar, image: app:1.0}
          initContainers:
            - {name: migrate, image: app:1.0}
            - {name: 7, image: app:1.0}
        """
    )
    pod = pods_in_one(obj)
    assert [(c.name, c.field, c.path, c.is_ephemeral) for c in pod.containers()] == [
        ("migrate", "initContainers", ("spec", "initContainers", 0), False),
        ("initContainers[1]", "initContainers", ("spec", "initContainers", 1), False),
        ("app", "containers", ("spec", "containers", 0), False),
        ("containers[2]", "containers", ("spec", "containers", 2), False),
        ("sidecar", "containers", ("spec", "containers", 3), False),
        ("debug", "ephemeralContainers", ("spec", "ephemeralContainers", 0), True),
    ]
    assert [c.data for c in pod.containers()][0] is obj["spec"]["initContainers"][0]


def test_container_lists_that_are_not_lists_are_skipped():
    pod = pods_in_one(
        {"apiVersion": "v1", "kind": "Pod", "spec": {"initContainers": {"name": "x"}, "containers": None, "ephemeralContainers": "x"}}
    )
    assert list(pod.containers()) == []


EFFECTIVE_POD = yaml.safe_load(
    """
    apiVersion: v1
    kind: Pod
    metadata: {name: effective}
    spec:
      securityContext:
        runAsUser: 1000
        runAsGroup: 3000
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
        seLinuxOptions: {level: "s0:c1,c2"}
        appArmorProfile: {type: RuntimeDefault}
        fsGroup: 2000
        readOnlyRootFilesystem: true
        allowPrivilegeEscalation: false
        privileged: false
      initContainers:
        - name: own
          image: app:1.0
          securityContext:
            runAsUser: 0
            runAsNonRoot: false
            seccompProfile: {type: Unconfined}
            readOnlyRootFilesystem: false
      containers:
        - {name: inherits, image: app:1.0}
        - {name: bad-context, image: app:1.0, securityContext: [not, a, mapping]}
    """
)


def test_effective_prefers_the_container_value_even_when_falsy():
    own = pods_in_one(EFFECTIVE_POD).containers()[0]
    assert own.effective("runAsUser") == (0, ("spec", "initContainers", 0, "securityContext", "runAsUser"))
    assert own.effective("runAsNonRoot") == (False, ("spec", "initContainers", 0, "securityContext", "runAsNonRoot"))
    assert own.effective("seccompProfile") == (
        {"type": "Unconfined"},
        ("spec", "initContainers", 0, "securityContext", "seccompProfile"),
    )
    assert own.effective("readOnlyRootFilesystem") == (
        False,
        ("spec", "initContainers", 0, "securityContext", "readOnlyRootFilesystem"),
    )
    assert own.effective("runAsGroup") == (3000, ("spec", "securityContext", "runAsGroup"))


@pytest.mark.parametrize(
    "key, value",
    [
        ("runAsUser", 1000),
        ("runAsGroup", 3000),
        ("runAsNonRoot", True),
        ("seccompProfile", {"type": "RuntimeDefault"}),
        ("seLinuxOptions", {"level": "s0:c1,c2"}),
        ("appArmorProfile", {"type": "RuntimeDefault"}),
    ],
)
def test_effective_inherits_the_pod_value(key, value):
    for container in pods_in_one(EFFECTIVE_POD).containers()[1:]:
        assert container.effective(key) == (value, ("spec", "securityContext", key))


@pytest.mark.parametrize(
    "key", ["readOnlyRootFilesystem", "allowPrivilegeEscalation", "privileged", "capabilities", "fsGroup", "procMount"]
)
def test_container_only_fields_are_not_inherited(key):
    for container in pods_in_one(EFFECTIVE_POD).containers()[1:]:
        assert container.effective(key) == (None, None)


def test_malformed_security_contexts_read_as_empty():
    pod = pods_in_one(
        {"apiVersion": "v1", "kind": "Pod", "spec": {"securityContext": "oops", "containers": [{"name": "a", "securityContext": 5}]}}
    )
    (container,) = pod.containers()
    assert pod.security_context == {}
    assert container.security_context == {}
    assert container.effective("runAsUser") == (None, None)
    assert pods_in_one({"apiVersion": "v1", "kind": "Pod", "metadata": {"annotations": ["x"]}, "spec": {}}).annotations == {}


def test_pod_annotations_are_the_template_annotations():
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "annotations": {"outer": "1"}},
        "spec": {"template": {"metadata": {"annotations": {"inner": "2"}}, "spec": POD_SPEC}},
    }
    assert pods_in_one(obj).annotations == {"inner": "2"}


def pods_in_one(obj):
    (pod,) = pods_in(obj)
    return pod


def _get(obj, path):
    for key in path:
        obj = obj[key]
    return obj

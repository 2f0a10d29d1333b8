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


# --- every pod, wherever it lives -------------------------------------------------------------

from helm_harden.config import default_config, parse_config  # noqa: E402
from helm_harden.engine import Engine  # noqa: E402
from helm_harden.manifest import load_text, parse_documents  # noqa: E402

ROOT_POD = "securityContext: {runAsUser: 0}\ncontainers: [{name: app, image: app:1.0}]\n"


def _indented(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def _template_doc(api_version: str, kind: str, *template_path: str) -> str:
    """An object of ``kind`` whose PodTemplateSpec at ``template_path`` runs as root."""
    body, depth = "", 0
    for key in template_path:
        body += " " * depth + f"{key}:\n"
        depth += 2
    body += " " * depth + "spec:\n" + _indented(ROOT_POD, depth + 2)
    return f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: {kind.lower()}}}\n{body}"


OPERATED = "spec:\n  securityContext: {runAsUser: 0}\n  containers: [{name: app, image: app:1.0}]\n"
MORE_KINDS = [
    (_template_doc("apps.openshift.io/v1", "DeploymentConfig", "spec", "template"), "/spec/template/spec"),
    (_template_doc("argoproj.io/v1alpha1", "Rollout", "spec", "template"), "/spec/template/spec"),
    (_template_doc("serving.knative.dev/v1", "Service", "spec", "template"), "/spec/template/spec"),
    (_template_doc("keda.sh/v1alpha1", "ScaledJob", "spec", "jobTargetRef", "template"), "/spec/jobTargetRef/template/spec"),
    *[(f"apiVersion: monitoring.coreos.com/v1\nkind: {kind}\nmetadata: {{name: {kind.lower()}}}\n{OPERATED}", "/spec")
      for kind in ("Prometheus", "Alertmanager", "ThanosRuler", "PrometheusAgent")],
    ("apiVersion: monitoring.grafana.com/v1alpha1\nkind: GrafanaAgent\nmetadata: {name: grafanaagent}\n" + OPERATED, "/spec"),
]


@pytest.mark.parametrize("text, spec", MORE_KINDS, ids=[text.split("kind: ")[1].split("\n")[0] for text, _ in MORE_KINDS])
def test_pods_of_other_kinds_are_found_and_a_root_user_is_reported(text, spec):
    result = Engine(default_config()).scan("t.yaml", parse_documents(text, "t.yaml"))
    assert [(f.rule, f.container, f.path) for f in result.findings if f.rule == "run-as-non-root"] == [
        ("run-as-non-root", "app", f"{spec}/securityContext/runAsUser"),
    ]


def test_a_rollout_with_a_workload_ref_has_no_pod_of_its_own():
    rollout = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r"},
               "spec": {"workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}}
    assert list(pods_in(rollout)) == []


def test_a_kind_of_the_same_name_in_another_group_is_not_a_workload():
    text = _template_doc("example.com/v1", "Rollout", "spec", "template")
    assert list(pods_in(yaml.safe_load(text))) == []


OTEL = """\
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata: {name: otel}
spec:
  image: otel/opentelemetry-collector-contrib:0.110.0
  podSecurityContext: {runAsNonRoot: true}
  securityContext: {allowPrivilegeEscalation: true}
  podAnnotations: {ignore.helm-harden.io/image-tag-pinned: "pinned by the operator"}
  additionalContainers: [{name: sidecar, image: busybox:1.36}]
"""


def test_an_operator_resource_says_which_fields_are_the_pods_and_which_a_containers():
    [pod] = pods_in(yaml.safe_load(OTEL))
    assert [(c.name, c.path) for c in pod.containers()] == [
        ("otc-container", ("spec",)), ("sidecar", ("spec", "additionalContainers", 0)),
    ]
    assert pod.security_context == {"runAsNonRoot": True}
    assert pod.security_context_path == ("spec", "podSecurityContext")
    result = Engine(default_config()).scan("t.yaml", parse_documents(OTEL, "t.yaml"))
    assert [(f.rule, f.container, f.path) for f in result.findings
            if f.rule in ("run-as-non-root", "no-privilege-escalation")] == [
        ("no-privilege-escalation", "otc-container", "/spec/securityContext/allowPrivilegeEscalation"),
        ("no-privilege-escalation", "sidecar", "/spec/additionalContainers/0/securityContext/allowPrivilegeEscalation"),
    ]


def test_post_render_hardens_an_operator_resource_losslessly():
    text = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s}  # keep\nspec:\n  replicas: 2\n"
    [document] = parse_documents(text, "t.yaml")
    hardened = Engine(default_config()).harden(document)
    assert hardened.text.startswith("apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s}  # keep\n")
    # The operator creates the containers: the pod-level setting is the one to fill.
    assert load_text(hardened.text) == {
        "apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "metadata": {"name": "k8s"},
        "spec": {"replicas": 2, "securityContext": {"runAsNonRoot": True}},
    }
    assert [(f.rule, f.path) for f in hardened.fixed] == [("run-as-non-root", "/spec/securityContext/runAsNonRoot")]
    root = text.replace("replicas: 2", "securityContext: {runAsUser: 0}")
    found = Engine(default_config()).scan("t.yaml", parse_documents(root, "t.yaml")).findings
    assert [(f.rule, f.container, f.path, f.message) for f in found] == [
        ("run-as-non-root", None, "/spec/securityContext/runAsUser", "the pod runs as root: runAsUser is 0"),
        ("automount-service-account-token", None, "/spec/automountServiceAccountToken",
         "automountServiceAccountToken is not set, so every container gets the token of service account default"),
    ]


def test_a_kind_without_a_pod_security_context_gets_no_pod_level_fill():
    text = ("apiVersion: serving.kserve.io/v1alpha1\nkind: ServingRuntime\nmetadata: {name: rt}\n"
            "spec:\n  containers: [{name: kserve-container, image: server:1.0}]\n")
    [document] = parse_documents(text, "t.yaml")
    hardened = Engine(default_config()).harden(document)
    filled = load_text(hardened.text)["spec"]
    assert "securityContext" not in filled
    assert filled["containers"][0]["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    notes = {(f.rule, f.note) for f in hardened.remaining if f.rule in ("run-as-non-root", "seccomp-profile")}
    assert notes == {(rule, "not fixed: a ServingRuntime has no pod-level securityContext to set it in")
                     for rule in ("run-as-non-root", "seccomp-profile")}


def test_the_config_adds_a_crd_of_ones_own():
    config = parse_config("workloads:\n  - {group: example.com, kind: AppSet, template: spec.podTemplate}\n", "c.yaml")
    text = _template_doc("example.com/v1", "AppSet", "spec", "podTemplate")
    found = Engine(config).scan("t.yaml", parse_documents(text, "t.yaml")).findings
    assert ("run-as-non-root", "app", "/spec/podTemplate/spec/securityContext/runAsUser") in {
        (f.rule, f.container, f.path) for f in found}
    assert Engine(default_config()).scan("t.yaml", parse_documents(text, "t.yaml")).findings == []


# --- Windows pods and user namespaces ----------------------------------------------------------

LINUX_ONLY = {"run-as-user-group", "no-privileged", "drop-capabilities", "read-only-root-filesystem",
              "no-privilege-escalation", "seccomp-profile", "apparmor-profile", "selinux-options",
              "unsafe-sysctls", "proc-mount-unmasked"}

WINDOWS_BY = {
    "node-selector": "nodeSelector: {kubernetes.io/os: windows}\n",
    "affinity": ("affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n"
                 "      nodeSelectorTerms:\n        - matchExpressions:\n"
                 "            - {key: kubernetes.io/os, operator: In, values: [windows]}\n"),
    "host-process": "securityContext: {windowsOptions: {hostProcess: true}}\nhostNetwork: true\n",
}


@pytest.mark.parametrize("how", sorted(WINDOWS_BY))
def test_windows_pods_are_spared_linux_only_rules_and_fills(how):
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: win}\nspec:\n" + _indented(WINDOWS_BY[how], 2) + (
        "  containers: [{name: app, image: mcr.microsoft.com/windows/servercore:ltsc2022}]\n")
    [document] = parse_documents(text, "t.yaml")
    assert pods_in(document.data).__next__().runs_on_windows
    rules = {settings.id for settings in default_config().enabled_rules}
    assert {f.rule for f in Engine(default_config()).scan("t.yaml", [document]).findings} <= rules - LINUX_ONLY
    hardened = Engine(default_config()).harden(document)
    container = load_text(hardened.text)["spec"]["containers"][0]
    assert "securityContext" not in container  # no allowPrivilegeEscalation, no capabilities
    assert "seccompProfile" not in load_text(hardened.text)["spec"].get("securityContext", {})


def test_a_selector_for_linux_or_windows_nodes_is_not_a_windows_pod():
    spec = {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["windows"]}]},
        {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]},
    ]}}}, "containers": [{"name": "app", "image": "app:1.0"}]}
    [pod] = pods_in({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
    assert not pod.runs_on_windows


USER_NAMESPACED = """\
apiVersion: v1
kind: Pod
metadata: {name: userns}
spec:
  hostUsers: false
  securityContext: {runAsUser: 0, runAsGroup: 0}
  containers: [{name: app, image: app:1.0}]
"""


@pytest.mark.parametrize("kube_version, relaxed", [(None, True), ((1, 35), True), ((1, 34), False)])
def test_user_namespaces_relax_the_run_as_rules_from_1_35(kube_version, relaxed):
    found = Engine(default_config(), kube_version).scan("t.yaml", parse_documents(USER_NAMESPACED, "t.yaml")).findings
    run_as = sorted((f.rule, f.path) for f in found if f.rule.startswith("run-as-"))
    assert run_as == ([] if relaxed else [
        ("run-as-non-root", "/spec/securityContext/runAsUser"),
        ("run-as-user-group", "/spec/securityContext/runAsGroup"),
        ("run-as-user-group", "/spec/securityContext/runAsUser"),
    ])

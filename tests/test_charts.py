"""Integration: `helm-harden check` on the charts in charts-under-test/.

Every test runs the command line in a subprocess, which renders with the real `helm template`
or `kubectl kustomize`. Findings are compared in full as
``(rule, kind, name, container, path, source)`` tuples.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import kubectl_for_tests
from helm_harden.profiles import default_rules
from helm_harden.workload import POD_LOCATIONS

DEFAULT_RULES = default_rules()


CHARTS = "charts-under-test"
INSECURE = f"{CHARTS}/insecure"
HARDENED = f"{CHARTS}/hardened"
WEBAPP = f"{CHARTS}/webapp"
OVERLAY = f"{CHARTS}/kustomize/overlays/production"
BASE = f"{CHARTS}/kustomize/base"


def ci_values(name: str) -> list[str]:
    return ["-f", f"{WEBAPP}/ci/{name}-values.yaml"]


# --- running the command line -------------------------------------------------------------


@pytest.fixture(scope="session")
def cli_env(harden_env) -> dict[str, str]:
    """A clean environment (see conftest), checked to have kustomize for the overlays."""
    kubectl_for_tests()  # helm-harden finds it beside its own Python
    return harden_env


@pytest.fixture
def check(repo_root, cli_env):
    """Run ``helm-harden check ARGS…`` from the repository root."""

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "helm_harden", "check", *args],
            cwd=repo_root,
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def check_json(check):
    """Run a check with ``--format json``; return the exit code and the parsed report."""

    def run(*args: str) -> tuple[int, dict]:
        result = check(*args, "--format", "json")
        assert result.stderr == ""
        return result.returncode, json.loads(result.stdout)

    return run


def findings(report: dict) -> list[tuple]:
    """The report's findings as sorted (rule, kind, name, container, path, source) tuples."""
    rows = [(f["rule"], f["kind"], f["name"], f["container"], f["path"], f["source"]) for f in report["findings"]]
    return _sorted(rows)


def _sorted(rows) -> list[tuple]:
    return sorted(rows, key=lambda row: tuple("" if value is None else str(value) for value in row))


# --- charts-under-test/insecure -----------------------------------------------------------

_T = "/spec/template/spec"
_CRON = "/spec/jobTemplate/spec/template/spec"
_SRC = "insecure/templates"

INSECURE_FINDINGS = [
    # Pod: AppArmor unconfined by annotation (app) and by field (the ephemeral debugger).
    ("apparmor-profile", "Pod", "fail-apparmor-unconfined-pod", "app",
     "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app", f"{_SRC}/pod.yaml"),
    ("apparmor-profile", "Pod", "fail-apparmor-unconfined-pod", "debugger",
     "/spec/ephemeralContainers/0/securityContext/appArmorProfile/type", f"{_SRC}/pod.yaml"),
    # Deployment: the pod's runAsUser 0, inherited by the init container and the app container.
    ("run-as-non-root", "Deployment", "fail-root-user-deployment", "init-config",
     f"{_T}/securityContext/runAsUser", f"{_SRC}/deployment-root-user.yaml"),
    ("run-as-non-root", "Deployment", "fail-root-user-deployment", "app",
     f"{_T}/securityContext/runAsUser", f"{_SRC}/deployment-root-user.yaml"),
    ("run-as-user-group", "Deployment", "fail-root-user-deployment", "init-config",
     f"{_T}/securityContext/runAsUser", f"{_SRC}/deployment-root-user.yaml"),
    ("run-as-user-group", "Deployment", "fail-root-user-deployment", "app",
     f"{_T}/securityContext/runAsUser", f"{_SRC}/deployment-root-user.yaml"),
    # Deployment: SELinux type spc_t on the pod (a pod-level finding), a user on the container.
    ("selinux-options", "Deployment", "fail-selinux-deployment", None,
     f"{_T}/securityContext/seLinuxOptions/type", f"{_SRC}/deployment-selinux.yaml"),
    ("selinux-options", "Deployment", "fail-selinux-deployment", "app",
     f"{_T}/containers/0/securityContext/seLinuxOptions/user", f"{_SRC}/deployment-selinux.yaml"),
    # StatefulSet: the container's runAsNonRoot: false beats the pod's true; an ignore annotation
    # without a reason suppresses nothing.
    ("run-as-non-root", "StatefulSet", "fail-run-as-non-root-false-statefulset", "app",
     f"{_T}/containers/0/securityContext/runAsNonRoot", f"{_SRC}/statefulset.yaml"),
    ("ignore-annotation", "StatefulSet", "fail-run-as-non-root-false-statefulset", None,
     "/spec/template/metadata/annotations", f"{_SRC}/statefulset.yaml"),
    # DaemonSet: privileged, which also rules out allowPrivilegeEscalation: false, and overrides the
    # pod's RuntimeDefault profile and the container's drop: [ALL].
    ("no-privileged", "DaemonSet", "fail-privileged-daemonset", "agent",
     f"{_T}/containers/0/securityContext/privileged", f"{_SRC}/daemonset.yaml"),
    ("drop-capabilities", "DaemonSet", "fail-privileged-daemonset", "agent",
     f"{_T}/containers/0/securityContext/privileged", f"{_SRC}/daemonset.yaml"),
    ("seccomp-profile", "DaemonSet", "fail-privileged-daemonset", "agent",
     f"{_T}/containers/0/securityContext/privileged", f"{_SRC}/daemonset.yaml"),
    ("no-privilege-escalation", "DaemonSet", "fail-privileged-daemonset", "agent",
     f"{_T}/containers/0/securityContext/allowPrivilegeEscalation", f"{_SRC}/daemonset.yaml"),
    # ReplicaSet: drop [all] in lower case (init container), add SYS_ADMIN (app container).
    ("drop-capabilities", "ReplicaSet", "fail-capabilities-replicaset", "init-net",
     f"{_T}/initContainers/0/securityContext/capabilities/drop", f"{_SRC}/replicaset.yaml"),
    ("drop-capabilities", "ReplicaSet", "fail-capabilities-replicaset", "app",
     f"{_T}/containers/0/securityContext/capabilities/add", f"{_SRC}/replicaset.yaml"),
    ("no-privilege-escalation", "ReplicaSet", "fail-capabilities-replicaset", "app",
     f"{_T}/containers/0/securityContext/allowPrivilegeEscalation", f"{_SRC}/replicaset.yaml"),
    # ReplicationController: nothing set at all.
    ("run-as-non-root", "ReplicationController", "fail-defaults-replicationcontroller", "app",
     f"{_T}/containers/0/securityContext/runAsNonRoot", f"{_SRC}/replicationcontroller.yaml"),
    ("run-as-user-group", "ReplicationController", "fail-defaults-replicationcontroller", "app",
     f"{_T}/containers/0/securityContext/runAsUser", f"{_SRC}/replicationcontroller.yaml"),
    ("run-as-user-group", "ReplicationController", "fail-defaults-replicationcontroller", "app",
     f"{_T}/containers/0/securityContext/runAsGroup", f"{_SRC}/replicationcontroller.yaml"),
    ("drop-capabilities", "ReplicationController", "fail-defaults-replicationcontroller", "app",
     f"{_T}/containers/0/securityContext/capabilities/drop", f"{_SRC}/replicationcontroller.yaml"),
    ("read-only-root-filesystem", "ReplicationController", "fail-defaults-replicationcontroller", "app",
     f"{_T}/containers/0/securityContext/readOnlyRootFilesystem", f"{_SRC}/replicationcontroller.yaml"),
    ("no-privilege-escalation", "ReplicationController", "fail-defaults-replicationcontroller", "app",
     f"{_T}/containers/0/securityContext/allowPrivilegeEscalation", f"{_SRC}/replicationcontroller.yaml"),
    ("seccomp-profile", "ReplicationController", "fail-defaults-replicationcontroller", "app",
     f"{_T}/containers/0/securityContext/seccompProfile", f"{_SRC}/replicationcontroller.yaml"),
    ("resource-limits", "ReplicationController", "fail-defaults-replicationcontroller", "app",
     f"{_T}/containers/0/resources/requests/cpu", f"{_SRC}/replicationcontroller.yaml"),
    ("resource-limits", "ReplicationController", "fail-defaults-replicationcontroller", "app",
     f"{_T}/containers/0/resources/requests/memory", f"{_SRC}/replicationcontroller.yaml"),
    ("resource-limits", "ReplicationController", "fail-defaults-replicationcontroller", "app",
     f"{_T}/containers/0/resources/limits/memory", f"{_SRC}/replicationcontroller.yaml"),
    ("automount-service-account-token", "ReplicationController", "fail-defaults-replicationcontroller", None,
     f"{_T}/automountServiceAccountToken", f"{_SRC}/replicationcontroller.yaml"),
    # Job, a pre-install hook: seccomp Unconfined on the pod.
    ("seccomp-profile", "Job", "fail-seccomp-unconfined-hook-job", "migrate",
     f"{_T}/securityContext/seccompProfile/type", f"{_SRC}/hook-job.yaml"),
    # CronJob: an untagged registry:5000/app (init container) and a :latest image.
    ("image-tag-pinned", "CronJob", "fail-image-tags-cronjob", "fetch",
     f"{_CRON}/initContainers/0/image", f"{_SRC}/cronjob.yaml"),
    ("image-tag-pinned", "CronJob", "fail-image-tags-cronjob", "app",
     f"{_CRON}/containers/0/image", f"{_SRC}/cronjob.yaml"),
    # PodTemplate: readOnlyRootFilesystem false and allowPrivilegeEscalation true.
    ("read-only-root-filesystem", "PodTemplate", "fail-writable-escalating-podtemplate", "app",
     "/template/spec/containers/0/securityContext/readOnlyRootFilesystem", f"{_SRC}/podtemplate.yaml"),
    ("no-privilege-escalation", "PodTemplate", "fail-writable-escalating-podtemplate", "app",
     "/template/spec/containers/0/securityContext/allowPrivilegeEscalation", f"{_SRC}/podtemplate.yaml"),
]


def test_insecure_chart_has_exactly_the_expected_findings(check_json):
    code, report = check_json(INSECURE)

    assert findings(report) == _sorted(INSECURE_FINDINGS)
    assert code == 1
    assert report["target"] == INSECURE
    assert report["summary"]["objects"] == report["summary"]["workloads"] == 10


_TAKEOVER = f"{_SRC}/daemonset-node-takeover.yaml"
NODE_TAKEOVER_FINDINGS = [
    ("host-namespaces", "DaemonSet", "fail-node-takeover-daemonset", None, f"{_T}/hostNetwork", _TAKEOVER),
    ("host-namespaces", "DaemonSet", "fail-node-takeover-daemonset", None, f"{_T}/hostPID", _TAKEOVER),
    ("host-namespaces", "DaemonSet", "fail-node-takeover-daemonset", None, f"{_T}/hostIPC", _TAKEOVER),
    ("host-path-volumes", "DaemonSet", "fail-node-takeover-daemonset", None, f"{_T}/volumes/0/hostPath", _TAKEOVER),
    ("host-path-volumes", "DaemonSet", "fail-node-takeover-daemonset", None, f"{_T}/volumes/1/hostPath", _TAKEOVER),
    ("host-ports", "DaemonSet", "fail-node-takeover-daemonset", "agent", f"{_T}/containers/0/ports/0/hostPort", _TAKEOVER),
    ("unsafe-sysctls", "DaemonSet", "fail-node-takeover-daemonset", None, f"{_T}/securityContext/sysctls/0/name", _TAKEOVER),
    ("proc-mount-unmasked", "DaemonSet", "fail-node-takeover-daemonset", "agent",
     f"{_T}/containers/0/securityContext/procMount", _TAKEOVER),
    # A Windows pod: spared the Linux-only rules, not the Windows one.
    ("host-namespaces", "Deployment", "fail-host-process-deployment", None, f"{_T}/hostNetwork", _TAKEOVER),
    ("host-process", "Deployment", "fail-host-process-deployment", None,
     f"{_T}/securityContext/windowsOptions/hostProcess", _TAKEOVER),
    ("automount-service-account-token", "DaemonSet", "fail-node-takeover-daemonset", None,
     f"{_T}/automountServiceAccountToken", _TAKEOVER),
    ("automount-service-account-token", "Deployment", "fail-host-process-deployment", None,
     f"{_T}/automountServiceAccountToken", _TAKEOVER),
]


def test_the_default_check_catches_node_takeover(check_json):
    code, report = check_json(INSECURE, "--set", "nodeTakeover.enabled=true")
    takeover = [row for row in findings(report) if row[2] in ("fail-node-takeover-daemonset", "fail-host-process-deployment")]
    assert takeover == _sorted(NODE_TAKEOVER_FINDINGS)
    assert findings(report) == _sorted(INSECURE_FINDINGS + NODE_TAKEOVER_FINDINGS)
    messages = {f["path"]: f["message"] for f in report["findings"] if f["name"] == "fail-node-takeover-daemonset"}
    assert messages[f"{_T}/volumes/1/hostPath"] == (
        "volume docker mounts /var/run/docker.sock of the node, a container runtime's socket: "
        "whoever holds it starts privileged containers")
    assert messages[f"{_T}/volumes/0/hostPath"] == "volume root mounts / of the node, its whole filesystem"
    assert {f["fixable"] for f in report["findings"] if f["name"] == "fail-node-takeover-daemonset"} == {False}
    assert code == 1


def test_insecure_chart_covers_every_rule_every_kind_and_container_field():
    """The chart stays a complete showcase when rules or workload kinds are added."""
    assert {row[0] for row in INSECURE_FINDINGS + NODE_TAKEOVER_FINDINGS} == {rule.id for rule in DEFAULT_RULES}
    assert {row[1] for row in INSECURE_FINDINGS} == set(POD_LOCATIONS)
    paths = [row[4] for row in INSECURE_FINDINGS]
    for field in ("/initContainers/", "/containers/", "/ephemeralContainers/"):
        assert any(field in path for path in paths), field


@pytest.mark.parametrize(
    ("args", "release_namespace"),
    [([], "default"), (["-n", "team-a"], "team-a"), (["--namespace", "team-a"], "team-a")],
)
def test_insecure_chart_reports_the_release_namespace(check_json, args, release_namespace):
    """Objects without a namespace are in the release's; the DaemonSet names its own."""
    _, report = check_json(INSECURE, *args)

    namespaces = {(f["kind"], f["name"]): f["namespace"] for f in report["findings"]}
    assert namespaces == {
        ("Pod", "fail-apparmor-unconfined-pod"): release_namespace,
        ("Deployment", "fail-root-user-deployment"): release_namespace,
        ("Deployment", "fail-selinux-deployment"): release_namespace,
        ("StatefulSet", "fail-run-as-non-root-false-statefulset"): release_namespace,
        ("DaemonSet", "fail-privileged-daemonset"): "kube-system",
        ("ReplicaSet", "fail-capabilities-replicaset"): release_namespace,
        ("ReplicationController", "fail-defaults-replicationcontroller"): release_namespace,
        ("Job", "fail-seccomp-unconfined-hook-job"): release_namespace,
        ("CronJob", "fail-image-tags-cronjob"): release_namespace,
        ("PodTemplate", "fail-writable-escalating-podtemplate"): release_namespace,
    }


# --- charts-under-test/hardened -----------------------------------------------------------


def test_hardened_chart_has_no_findings(check_json):
    code, report = check_json(HARDENED)

    assert report["findings"] == []
    assert code == 0
    assert report["summary"] == {
        "findings": 0,
        "by_severity": {"error": 0, "warning": 0, "info": 0},
        "fixable": 0,
        "objects": 10,  # the nine workloads and a Service
        "workloads": 9,
        "suppressed": 0,
        "baselined": 0,
    }


def test_hardened_chart_passes_for_an_older_kubernetes_too(check_json):
    code, report = check_json(HARDENED, "--kube-version", "1.26")

    assert (code, report["findings"]) == (0, [])


# --- charts-under-test/webapp -------------------------------------------------------------

_DEPLOY = "webapp/templates/deployment.yaml"
_HOOK = "webapp/templates/tests/test-connection.yaml"


def webapp_default_findings(fullname: str) -> list[tuple]:
    """The chart's defaults set nothing, in the Deployment and in the test hook alike."""
    d, p = "/spec/template/spec/containers/0", "/spec/containers/0"
    deployment = ("Deployment", fullname, "webapp")
    hook = ("Pod", f"{fullname}-test-connection", "wget")
    return [
        ("run-as-non-root", *deployment, f"{d}/securityContext/runAsNonRoot", _DEPLOY),
        ("run-as-user-group", *deployment, f"{d}/securityContext/runAsUser", _DEPLOY),
        ("run-as-user-group", *deployment, f"{d}/securityContext/runAsGroup", _DEPLOY),
        ("drop-capabilities", *deployment, f"{d}/securityContext/capabilities/drop", _DEPLOY),
        ("read-only-root-filesystem", *deployment, f"{d}/securityContext/readOnlyRootFilesystem", _DEPLOY),
        ("no-privilege-escalation", *deployment, f"{d}/securityContext/allowPrivilegeEscalation", _DEPLOY),
        ("seccomp-profile", *deployment, f"{d}/securityContext/seccompProfile", _DEPLOY),
        ("resource-limits", *deployment, f"{d}/resources/requests/cpu", _DEPLOY),
        ("resource-limits", *deployment, f"{d}/resources/requests/memory", _DEPLOY),
        ("resource-limits", *deployment, f"{d}/resources/limits/memory", _DEPLOY),
        ("run-as-non-root", *hook, f"{p}/securityContext/runAsNonRoot", _HOOK),
        ("run-as-user-group", *hook, f"{p}/securityContext/runAsUser", _HOOK),
        ("run-as-user-group", *hook, f"{p}/securityContext/runAsGroup", _HOOK),
        ("drop-capabilities", *hook, f"{p}/securityContext/capabilities/drop", _HOOK),
        ("read-only-root-filesystem", *hook, f"{p}/securityContext/readOnlyRootFilesystem", _HOOK),
        ("no-privilege-escalation", *hook, f"{p}/securityContext/allowPrivilegeEscalation", _HOOK),
        ("seccomp-profile", *hook, f"{p}/securityContext/seccompProfile", _HOOK),
        ("resource-limits", *hook, f"{p}/resources/requests/cpu", _HOOK),
        ("resource-limits", *hook, f"{p}/resources/requests/memory", _HOOK),
        ("resource-limits", *hook, f"{p}/resources/limits/memory", _HOOK),
    ]


# The AppArmor finding of ci/insecure-values.yaml: a field from Kubernetes 1.30, else an annotation.
_APPARMOR_FIELD = ("apparmor-profile", "Deployment", "release-name-webapp", "webapp",
                   "/spec/template/spec/containers/0/securityContext/appArmorProfile/type", _DEPLOY)
_APPARMOR_ANNOTATION = ("apparmor-profile", "Deployment", "release-name-webapp", "webapp",
                        "/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1webapp",
                        _DEPLOY)


def webapp_insecure_findings(apparmor: tuple) -> list[tuple]:
    """Root from the pod, privileged with escalation, floating images, AppArmor unconfined."""
    s, d = "/spec/template/spec", "/spec/template/spec/containers/0"
    p = "/spec/containers/0"
    deployment = ("Deployment", "release-name-webapp", "webapp")
    hook = ("Pod", "release-name-webapp-test-connection", "wget")
    return [
        ("run-as-non-root", *deployment, f"{s}/securityContext/runAsUser", _DEPLOY),
        ("run-as-user-group", *deployment, f"{s}/securityContext/runAsUser", _DEPLOY),
        ("run-as-user-group", *deployment, f"{d}/securityContext/runAsGroup", _DEPLOY),
        ("no-privileged", *deployment, f"{d}/securityContext/privileged", _DEPLOY),
        ("drop-capabilities", *deployment, f"{d}/securityContext/privileged", _DEPLOY),
        ("read-only-root-filesystem", *deployment, f"{d}/securityContext/readOnlyRootFilesystem", _DEPLOY),
        ("no-privilege-escalation", *deployment, f"{d}/securityContext/allowPrivilegeEscalation", _DEPLOY),
        ("seccomp-profile", *deployment, f"{d}/securityContext/privileged", _DEPLOY),
        ("resource-limits", *deployment, f"{d}/resources/requests/cpu", _DEPLOY),
        ("resource-limits", *deployment, f"{d}/resources/requests/memory", _DEPLOY),
        ("resource-limits", *deployment, f"{d}/resources/limits/memory", _DEPLOY),
        ("image-tag-pinned", *deployment, f"{d}/image", _DEPLOY),
        apparmor,
        ("run-as-non-root", *hook, "/spec/securityContext/runAsUser", _HOOK),
        ("run-as-user-group", *hook, "/spec/securityContext/runAsUser", _HOOK),
        ("run-as-user-group", *hook, f"{p}/securityContext/runAsGroup", _HOOK),
        ("no-privileged", *hook, f"{p}/securityContext/privileged", _HOOK),
        ("drop-capabilities", *hook, f"{p}/securityContext/privileged", _HOOK),
        ("read-only-root-filesystem", *hook, f"{p}/securityContext/readOnlyRootFilesystem", _HOOK),
        ("no-privilege-escalation", *hook, f"{p}/securityContext/allowPrivilegeEscalation", _HOOK),
        ("seccomp-profile", *hook, f"{p}/securityContext/privileged", _HOOK),
        ("resource-limits", *hook, f"{p}/resources/requests/cpu", _HOOK),
        ("resource-limits", *hook, f"{p}/resources/requests/memory", _HOOK),
        ("resource-limits", *hook, f"{p}/resources/limits/memory", _HOOK),
        ("image-tag-pinned", *hook, f"{p}/image", _HOOK),
    ]


_WEBAPP_LATEST_TAG = [
    ("image-tag-pinned", "Deployment", "release-name-webapp", "webapp",
     "/spec/template/spec/containers/0/image", _DEPLOY),
]


@pytest.mark.parametrize(
    ("values", "expected", "exit_code"),
    [
        ("default", webapp_default_findings("release-name-webapp"), 1),
        ("hardened", [], 0),
        ("insecure", webapp_insecure_findings(_APPARMOR_FIELD), 1),
    ],
)
def test_webapp_under_each_ci_values_file(check_json, values, expected, exit_code):
    code, report = check_json(WEBAPP, *ci_values(values))

    assert findings(report) == _sorted(expected)
    assert code == exit_code
    # Deployment, Service, ServiceAccount and the test hook Pod.
    assert (report["summary"]["objects"], report["summary"]["workloads"]) == (4, 2)


def test_webapp_without_values_files_is_the_default(check_json):
    code, report = check_json(WEBAPP)

    assert findings(report) == _sorted(webapp_default_findings("release-name-webapp"))
    assert code == 1


def test_set_passes_through_to_helm(check_json):
    code, report = check_json(WEBAPP, *ci_values("hardened"), "--set", "image.tag=latest")

    assert findings(report) == _WEBAPP_LATEST_TAG
    assert code == 1


def test_set_can_switch_hardening_on(check_json):
    """--set after -f wins, as in helm: the hook toggles with the Deployment."""
    code, report = check_json(WEBAPP, *ci_values("default"), "--set", "hardening.enabled=true")

    d, p = "/spec/template/spec/containers/0", "/spec/containers/0"
    deployment = ("Deployment", "release-name-webapp", "webapp")
    hook = ("Pod", "release-name-webapp-test-connection", "wget")
    assert findings(report) == _sorted([
        ("resource-limits", *deployment, f"{d}/resources/requests/cpu", _DEPLOY),
        ("resource-limits", *deployment, f"{d}/resources/requests/memory", _DEPLOY),
        ("resource-limits", *deployment, f"{d}/resources/limits/memory", _DEPLOY),
        ("resource-limits", *hook, f"{p}/resources/requests/cpu", _HOOK),
        ("resource-limits", *hook, f"{p}/resources/requests/memory", _HOOK),
        ("resource-limits", *hook, f"{p}/resources/limits/memory", _HOOK),
    ])
    assert code == 1


def test_optional_templates_render_through_set(check_json):
    """HPA and Ingress are objects but not workloads: they add nothing to the findings."""
    code, report = check_json(
        WEBAPP, *ci_values("hardened"), "--set", "autoscaling.enabled=true", "--set", "ingress.enabled=true"
    )

    assert (code, report["findings"]) == (0, [])
    assert (report["summary"]["objects"], report["summary"]["workloads"]) == (6, 2)


@pytest.mark.parametrize("position", ["before-flags", "after-flags"])
def test_release_name_after_the_chart(check_json, position):
    flags = ci_values("default")
    args = ["my-release", *flags] if position == "before-flags" else [*flags, "my-release"]
    code, report = check_json(WEBAPP, *args)

    assert findings(report) == _sorted(webapp_default_findings("my-release-webapp"))
    assert code == 1


@pytest.mark.parametrize(
    ("kube_version", "apparmor"),
    [("1.29", _APPARMOR_ANNOTATION), ("v1.29.4", _APPARMOR_ANNOTATION), ("1.30", _APPARMOR_FIELD)],
)
def test_kube_version_passes_through_to_helm(check_json, kube_version, apparmor):
    """The chart writes AppArmor as an annotation before Kubernetes 1.30: the finding moves."""
    code, report = check_json(WEBAPP, *ci_values("insecure"), "--kube-version", kube_version)

    assert findings(report) == _sorted(webapp_insecure_findings(apparmor))
    assert code == 1


def test_kube_version_below_the_chart_minimum_is_a_helm_failure(check):
    result = check(WEBAPP, "--kube-version", "1.24", "--format", "json")

    assert result.returncode == 3
    assert result.stdout == ""
    assert "chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.24.0" in result.stderr
    assert result.stderr.rstrip().endswith(f"helm-harden: error: helm template {WEBAPP} failed with exit code 1")
    assert "Traceback" not in result.stderr


# --- charts-under-test/kustomize ----------------------------------------------------------

_REPORT = "/spec/jobTemplate/spec/template/spec/containers/0"


def test_kustomize_overlay_findings_point_at_the_base_file(check_json):
    """The overlay hardens the Deployment fully and the CronJob's pod only; origin annotations
    name the base file that defines the CronJob (relative to the overlay, as kustomize writes it)."""
    code, report = check_json(OVERLAY)

    cronjob, source = ("CronJob", "nightly-report", "report"), "../../base/cronjob.yaml"
    assert findings(report) == _sorted([
        ("drop-capabilities", *cronjob, f"{_REPORT}/securityContext/capabilities/drop", source),
        ("read-only-root-filesystem", *cronjob, f"{_REPORT}/securityContext/readOnlyRootFilesystem", source),
        ("no-privilege-escalation", *cronjob, f"{_REPORT}/securityContext/allowPrivilegeEscalation", source),
        ("image-tag-pinned", *cronjob, f"{_REPORT}/image", source),
        ("automount-service-account-token", "CronJob", "nightly-report", None,
         "/spec/jobTemplate/spec/template/spec/automountServiceAccountToken", source),
    ])
    assert {(f["namespace"], f["origin"], f["document"]) for f in report["findings"]} == {("production", OVERLAY, 3)}
    assert (report["summary"]["objects"], report["summary"]["workloads"]) == (3, 2)
    assert code == 1


def test_kustomize_base_without_origin_annotations_names_the_kustomization(check_json):
    code, report = check_json(BASE)

    d = "/spec/template/spec/containers/0"
    web, cronjob = ("Deployment", "web", "web"), ("CronJob", "nightly-report", "report")
    rows = [(f["document"], f["rule"], f["kind"], f["name"], f["container"], f["path"], f["source"])
            for f in report["findings"]]
    assert _sorted(rows) == _sorted([
        (2, "automount-service-account-token", "Deployment", "web", None, "/spec/template/spec/automountServiceAccountToken", BASE),
        (3, "automount-service-account-token", "CronJob", "nightly-report", None,
         "/spec/jobTemplate/spec/template/spec/automountServiceAccountToken", BASE),
        (2, "run-as-non-root", *web, f"{d}/securityContext/runAsNonRoot", BASE),
        (2, "run-as-user-group", *web, f"{d}/securityContext/runAsUser", BASE),
        (2, "run-as-user-group", *web, f"{d}/securityContext/runAsGroup", BASE),
        (2, "drop-capabilities", *web, f"{d}/securityContext/capabilities/drop", BASE),
        (2, "read-only-root-filesystem", *web, f"{d}/securityContext/readOnlyRootFilesystem", BASE),
        (2, "no-privilege-escalation", *web, f"{d}/securityContext/allowPrivilegeEscalation", BASE),
        (2, "seccomp-profile", *web, f"{d}/securityContext/seccompProfile", BASE),
        (2, "image-tag-pinned", *web, f"{d}/image", BASE),
        (3, "run-as-non-root", *cronjob, f"{_REPORT}/securityContext/runAsNonRoot", BASE),
        (3, "run-as-user-group", *cronjob, f"{_REPORT}/securityContext/runAsUser", BASE),
        (3, "run-as-user-group", *cronjob, f"{_REPORT}/securityContext/runAsGroup", BASE),
        (3, "drop-capabilities", *cronjob, f"{_REPORT}/securityContext/capabilities/drop", BASE),
        (3, "read-only-root-filesystem", *cronjob, f"{_REPORT}/securityContext/readOnlyRootFilesystem", BASE),
        (3, "no-privilege-escalation", *cronjob, f"{_REPORT}/securityContext/allowPrivilegeEscalation", BASE),
        (3, "seccomp-profile", *cronjob, f"{_REPORT}/securityContext/seccompProfile", BASE),
        (3, "image-tag-pinned", *cronjob, f"{_REPORT}/image", BASE),
    ])
    assert {f["namespace"] for f in report["findings"]} == {"default"}
    assert code == 1


# --- text format --------------------------------------------------------------------------


def test_text_report_of_one_finding(check):
    result = check(WEBAPP, *ci_values("hardened"), "--set", "image.tag=latest")

    assert result.stdout == (
        "webapp/templates/deployment.yaml\n"
        "  Deployment default/release-name-webapp\n"
        "    warning  image-tag-pinned           webapp: image docker.io/nginxinc/nginx-unprivileged:latest"
        " uses the floating tag latest [manual]\n"
        "\n"
        "1 finding (1 warning) in 2 workloads, 4 objects checked: 0 fixable by post-render, 1 needs a chart change.\n"
    )
    assert (result.returncode, result.stderr) == (1, "")


def test_text_report_without_findings(check):
    result = check(HARDENED)

    assert result.stdout == "No findings in 9 workloads (10 objects checked).\n"
    assert (result.returncode, result.stderr) == (0, "")


def _outline(text: str) -> list[tuple[str, list[str]]]:
    """Template headers, each with its object lines, in the order of the report."""
    outline: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line and not line.startswith(" "):
            outline.append((line, []))
        elif line.startswith("  ") and not line.startswith("    "):
            outline[-1][1].append(line.strip())
    return outline


def test_text_report_groups_findings_by_template(check):
    result = check(INSECURE, "-n", "team-a")
    text = result.stdout

    assert "\x1b" not in text  # no colour when stdout is not a terminal
    assert _outline(text) == [
        ("insecure/templates/cronjob.yaml", ["CronJob team-a/fail-image-tags-cronjob"]),
        ("insecure/templates/daemonset.yaml", ["DaemonSet kube-system/fail-privileged-daemonset"]),
        ("insecure/templates/deployment-root-user.yaml", ["Deployment team-a/fail-root-user-deployment"]),
        ("insecure/templates/deployment-selinux.yaml", ["Deployment team-a/fail-selinux-deployment"]),
        ("insecure/templates/hook-job.yaml", ["Job team-a/fail-seccomp-unconfined-hook-job"]),
        ("insecure/templates/pod.yaml", ["Pod team-a/fail-apparmor-unconfined-pod"]),
        ("insecure/templates/podtemplate.yaml", ["PodTemplate team-a/fail-writable-escalating-podtemplate"]),
        ("insecure/templates/replicaset.yaml", ["ReplicaSet team-a/fail-capabilities-replicaset"]),
        ("insecure/templates/replicationcontroller.yaml",
         ["ReplicationController team-a/fail-defaults-replicationcontroller"]),
        ("insecure/templates/statefulset.yaml", ["StatefulSet team-a/fail-run-as-non-root-false-statefulset"]),
        ("33 findings (20 errors, 11 warnings, 2 infos) in 10 workloads, 10 objects checked:"
         " 5 fixable by post-render, 28 need a chart change.", []),
    ]
    finding_lines = [line for line in text.splitlines() if line.startswith("    ")]
    assert len(finding_lines) == len(INSECURE_FINDINGS)
    assert text.splitlines()[-1].startswith("33 findings")
    # Within a template, the object's findings in rule order, one line each.
    section = text.split("insecure/templates/pod.yaml\n", 1)[1].split("\n\n", 1)[0]
    assert section == (
        "  Pod team-a/fail-apparmor-unconfined-pod\n"
        "    error    apparmor-profile                app: AppArmor profile is unconfined [manual]\n"
        "    error    apparmor-profile                debugger: AppArmor profile is unconfined [manual]"
    )
    assert (result.returncode, result.stderr) == (1, "")


def test_text_report_labels_each_document_of_an_unannotated_stream(check):
    """Without a template name, findings are grouped by document, each under its own number."""
    result = check(BASE)

    assert _outline(result.stdout)[:-1] == [
        (f"{BASE} (document 2)", ["Deployment default/web"]),
        (f"{BASE} (document 3)", ["CronJob default/nightly-report"]),
    ]
    assert result.returncode == 1


# --- exit codes and --fail-on -------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "fail_on", "exit_code"),
    [
        ([INSECURE], None, 1),
        ([INSECURE], "warning", 1),
        ([INSECURE], "error", 1),
        ([INSECURE], "never", 0),
        ([HARDENED], None, 0),
        ([HARDENED], "info", 0),
        # Only a warning (image-tag-pinned): it fails at warning but not at error.
        ([WEBAPP, *ci_values("hardened"), "--set", "image.tag=latest"], None, 1),
        ([WEBAPP, *ci_values("hardened"), "--set", "image.tag=latest"], "info", 1),
        ([WEBAPP, *ci_values("hardened"), "--set", "image.tag=latest"], "error", 0),
        ([WEBAPP, *ci_values("hardened"), "--set", "image.tag=latest"], "never", 0),
    ],
)
def test_exit_code_follows_fail_on(check_json, target, fail_on, exit_code):
    options = [] if fail_on is None else ["--fail-on", fail_on]
    code, report = check_json(*target, *options)

    assert code == exit_code
    # --fail-on decides the exit code only, never what is reported.
    if target == [INSECURE]:
        assert findings(report) == _sorted(INSECURE_FINDINGS)
    elif target == [HARDENED]:
        assert report["findings"] == []
    else:
        assert findings(report) == _WEBAPP_LATEST_TAG


# --- Helm hooks and post-render -----------------------------------------------------------


_HOOK_NOTE = ("not fixed by post-render: Helm 3 never sends hooks to a post-renderer; "
              "Helm 4 and Kustomize do, see --deploy-with")


def test_the_test_hooks_fills_are_not_fixable_under_helm_3_and_are_under_helm_4(check, check_json):
    """Helm 3 (the default) never sends the test Pod to a post-renderer; Helm 4 does."""
    held_back = [("Pod", "release-name-webapp-test-connection", rule)
                 for rule in ("drop-capabilities", "no-privilege-escalation", "run-as-non-root", "seccomp-profile")]
    _, report = check_json(WEBAPP)
    assert sorted((f["kind"], f["name"], f["rule"]) for f in report["findings"] if f["note"] == _HOOK_NOTE) == held_back
    assert not any(f["fixable"] for f in report["findings"] if f["hook"])
    assert not any(f["hook"] for f in report["findings"] if f["kind"] == "Deployment")
    _, helm4 = check_json(WEBAPP, "--deploy-with", "helm4")
    assert sorted((f["kind"], f["name"], f["rule"]) for f in helm4["findings"] if f["hook"] and f["fixable"]) == held_back
    assert not any(f["note"] for f in helm4["findings"])
    text = check(WEBAPP).stdout
    hook_lines = [line for line in text.splitlines() if f"({_HOOK_NOTE}) [manual]" in line]
    assert [line.split()[1] for line in hook_lines] == [
        "run-as-non-root", "drop-capabilities", "no-privilege-escalation", "seccomp-profile",
    ]

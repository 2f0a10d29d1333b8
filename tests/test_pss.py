"""The Pod Security Standards package against the fixtures in tests/fixtures/pss.

Each pod there starts from a base the restricted level admits at every policy version and
changes one thing, so `ROWS` can state, for every level and policy version a pod is judged
at, exactly which violations the admission controller's rules give: ``(control ID, JSON
pointer, container)``. Every fixture pod is judged at both levels for the oldest and the
newest policy version, and again on each side of every version boundary that concerns it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from helm_harden import pss
from helm_harden.findings import json_pointer
from helm_harden.workload import POD_LOCATIONS, pods_in

FIXTURES = Path(__file__).parent / "fixtures" / "pss"
NOT_CONTROL_FIXTURES = {"workload-kinds.yaml", "namespaces.yaml", "verdicts.yaml"}

BASELINE, RESTRICTED = pss.LEVELS
BOTH = pss.LEVELS
OLD, NEW = pss.OLDEST, pss.LATEST


def load(file_name: str) -> list:
    return list(yaml.safe_load_all((FIXTURES / file_name).read_text(encoding="utf-8")))


def fixture_pods() -> dict:
    """Every pod of the per-control and cross-cutting fixture files, by object name."""
    pods = {}
    for path in sorted(FIXTURES.glob("*.yaml")):
        if path.name in NOT_CONTROL_FIXTURES:
            continue
        for document in load(path.name):
            for pod in pods_in(document):
                assert pod.name not in pods, f"{pod.name} appears twice"
                pods[pod.name] = pod
    return pods


PODS = fixture_pods()


def ordered(items) -> list:
    """``(control, pointer, container)`` tuples in a fixed order (a container may be None)."""
    return sorted(items, key=lambda item: (item[0], item[1], item[2] or ""))


def found(violations) -> list:
    return ordered((item.control, json_pointer(item.path), item.container_name) for item in violations)


def v(control: str, pointer: str, container: str | None = None) -> tuple:
    return (control, pointer, container)


class Row(NamedTuple):
    name: str
    level: str
    version: tuple | None  # the policy version asked for; None: latest
    cluster: tuple | None  # the API server's version; None: the newest known
    expected: list


ROWS: list[Row] = []


def expect(name, expected, levels=BOTH, versions=(OLD, NEW), cluster=None):
    """``name`` gives exactly ``expected`` at each of ``levels`` × ``versions`` on ``cluster``."""
    ROWS.extend(Row(name, level, version, cluster, ordered(expected)) for level in levels for version in versions)


def sc(container_path: str, *fields: str) -> str:
    """The pointer to a securityContext field of the container (or pod spec) at ``container_path``."""
    return "/".join((container_path, "securityContext") + fields)


APP, INIT, DEBUG = "/spec/containers/0", "/spec/initContainers/0", "/spec/ephemeralContainers/0"
POD = "/spec"

# --- HostProcess --------------------------------------------------------------------------
expect("pass-host-process-false", [])
expect(
    "fail-host-process-pod-init-ephemeral",
    [
        v("host-process", sc(POD, "windowsOptions", "hostProcess")),
        v("host-process", sc(INIT, "windowsOptions", "hostProcess"), "init"),
        v("host-process", sc(DEBUG, "windowsOptions", "hostProcess"), "debug"),
    ],
)

# --- Host Namespaces ----------------------------------------------------------------------
expect("pass-host-namespaces-false", [])
expect(
    "fail-host-namespaces-network-pid-ipc",
    [v("host-namespaces", f"/spec/{field}") for field in ("hostNetwork", "hostPID", "hostIPC")],
)

# --- Privileged Containers (and Privilege Escalation from v1.8 at restricted) -------------
expect("pass-privileged-containers-false", [])
PRIVILEGED = [
    v("privileged-containers", sc(INIT, "privileged"), "init"),
    v("privileged-containers", sc(APP, "privileged"), "app"),
]
ESCALATING = [
    v("privilege-escalation", sc(INIT, "allowPrivilegeEscalation"), "init"),
    v("privilege-escalation", sc(APP, "allowPrivilegeEscalation"), "app"),
]
expect("fail-privileged-containers-init-and-app", PRIVILEGED, levels=[BASELINE])
expect("fail-privileged-containers-init-and-app", PRIVILEGED, levels=[RESTRICTED], versions=[OLD, (1, 7)])
expect("fail-privileged-containers-init-and-app", PRIVILEGED + ESCALATING, levels=[RESTRICTED], versions=[(1, 8), NEW])

# --- Capabilities (baseline) --------------------------------------------------------------
DEFAULT_SET = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
               "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]  # fmt: skip
expect("pass-capabilities-baseline-default-set", [], levels=[BASELINE])
expect("pass-capabilities-baseline-default-set", [], levels=[RESTRICTED], versions=[OLD, (1, 21)])
expect(
    "pass-capabilities-baseline-default-set",
    [
        v("capabilities-restricted", sc(APP, "capabilities", "add", str(index)), "app")
        for index, name in enumerate(DEFAULT_SET)
        if name != "NET_BIND_SERVICE"
    ],
    levels=[RESTRICTED],
    versions=[(1, 22), NEW],
)


def added(control: str) -> list:
    return [
        v(control, sc(INIT, "capabilities", "add", "0"), "init"),
        v(control, sc(APP, "capabilities", "add", "0"), "app"),
        v(control, sc(APP, "capabilities", "add", "1"), "app"),
    ]


NET_RAW = "fail-capabilities-baseline-net-raw-lowercase-sys-admin"
expect(NET_RAW, added("capabilities-baseline"), levels=[BASELINE])
expect(NET_RAW, added("capabilities-baseline"), levels=[RESTRICTED], versions=[OLD, (1, 21)])
expect(NET_RAW, added("capabilities-restricted"), levels=[RESTRICTED], versions=[(1, 22), NEW])

# --- Capabilities (restricted, v1.22+) ----------------------------------------------------
expect("pass-capabilities-restricted-drop-all-add-net-bind-service", [])
for name, violations in {
    "fail-capabilities-restricted-lowercase-all": [
        v("capabilities-restricted", sc(APP, "capabilities", "drop"), "app"),
    ],
    "fail-capabilities-restricted-nothing-dropped": [
        v("capabilities-restricted", sc(APP, "capabilities", "drop"), "app"),
        v("capabilities-restricted", sc(DEBUG, "capabilities", "drop"), "debug"),
    ],
    "fail-capabilities-restricted-adds-chown": [
        v("capabilities-restricted", sc(APP, "capabilities", "add", "1"), "app"),
    ],
}.items():
    expect(name, [], levels=[BASELINE])
    expect(name, [], levels=[RESTRICTED], versions=[OLD, (1, 21)])
    expect(name, violations, levels=[RESTRICTED], versions=[(1, 22), NEW])

# --- HostPath Volumes (Volume Types replaces it at restricted) ----------------------------
expect("pass-host-path-volumes-none", [])
expect("fail-host-path-volumes-docker-socket", [v("host-path-volumes", "/spec/volumes/1/hostPath")], levels=[BASELINE])
expect("fail-host-path-volumes-docker-socket", [v("volume-types", "/spec/volumes/1/hostPath")], levels=[RESTRICTED])

# --- Host Ports ---------------------------------------------------------------------------
expect("pass-host-ports-zero-or-unset", [])
expect(
    "fail-host-ports-app-and-init",
    [v("host-ports", f"{INIT}/ports/0/hostPort", "init"), v("host-ports", f"{APP}/ports/1/hostPort", "app")],
)

# --- Host Probes / Lifecycle Hooks (v1.34+) -----------------------------------------------
expect("pass-host-probes-no-host", [])
expect("fail-host-probes-every-handler", [], versions=[OLD, (1, 33)])
expect(
    "fail-host-probes-every-handler",
    [
        v("host-probes", f"{INIT}/lifecycle/postStart/tcpSocket/host", "init"),
        v("host-probes", f"{APP}/livenessProbe/httpGet/host", "app"),
        v("host-probes", f"{APP}/readinessProbe/tcpSocket/host", "app"),
        v("host-probes", f"{APP}/startupProbe/httpGet/host", "app"),
        v("host-probes", f"{APP}/lifecycle/preStop/httpGet/host", "app"),
    ],
    versions=[(1, 34), NEW],
)

# --- AppArmor: annotations always, the field on API servers from 1.30 ---------------------
APPARMOR = "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1"
expect("pass-apparmor-runtime-default-and-localhost", [])
UNCONFINED_ANNOTATIONS = [v("apparmor", APPARMOR + "app", "app"), v("apparmor", APPARMOR + "gone")]
expect("fail-apparmor-annotations-unconfined", UNCONFINED_ANNOTATIONS)
expect("fail-apparmor-annotations-unconfined", UNCONFINED_ANNOTATIONS, versions=[None], cluster=(1, 29))
APPARMOR_FIELD = [
    v("apparmor", sc(POD, "appArmorProfile", "type")),
    v("apparmor", sc(DEBUG, "appArmorProfile", "type"), "debug"),
]
expect("fail-apparmor-field-unconfined", APPARMOR_FIELD)  # pinned to v1.0 on a current cluster too
expect("fail-apparmor-field-unconfined", [], versions=[None, OLD], cluster=(1, 29))
expect("fail-apparmor-field-unconfined", APPARMOR_FIELD, versions=[None, OLD], cluster=(1, 30))

# --- SELinux ------------------------------------------------------------------------------
expect("pass-selinux-container-types-and-level", [])
expect(
    "fail-selinux-spc-type-user-role",
    [
        v("selinux", sc(POD, "seLinuxOptions", "type")),
        v("selinux", sc(APP, "seLinuxOptions", "user"), "app"),
        v("selinux", sc(APP, "seLinuxOptions", "role"), "app"),
    ],
)
ENGINE_T = [v("selinux", sc(APP, "seLinuxOptions", "type"), "app")]
expect("pass-selinux-container-engine-t", ENGINE_T, versions=[OLD, (1, 30)])
expect("pass-selinux-container-engine-t", [], versions=[(1, 31), NEW])

# --- /proc Mount Type ---------------------------------------------------------------------
expect("pass-proc-mount-default", [])
def unmasked(control: str) -> list:
    return [v(control, sc(INIT, "procMount"), "init"), v(control, sc(APP, "procMount"), "app")]


expect("fail-proc-mount-unmasked", unmasked("proc-mount"), levels=[BASELINE])
expect("fail-proc-mount-unmasked", unmasked("proc-mount"), levels=[RESTRICTED], versions=[OLD, (1, 34)])
expect("fail-proc-mount-unmasked", unmasked("proc-mount-restricted"), levels=[RESTRICTED], versions=[(1, 35), NEW])

# --- Seccomp (baseline): annotations before v1.19, fields from then on ---------------------
SECCOMP_POD = "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod"
SECCOMP_APP = "/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1app"
expect("pass-seccomp-baseline-runtime-default-and-localhost", [])
expect("pass-seccomp-baseline-allowed-annotations", [], versions=[OLD, (1, 18), NEW])
expect("fail-seccomp-baseline-unconfined-field", [], versions=[OLD, (1, 18)])
for level, control in ((BASELINE, "seccomp-baseline"), (RESTRICTED, "seccomp-restricted")):
    app_profile = [v(control, sc(APP, "seccompProfile", "type"), "app")]
    expect("fail-seccomp-baseline-unconfined-field", app_profile, levels=[level], versions=[(1, 19), NEW])
expect(
    "fail-seccomp-baseline-unconfined-annotations",
    [v("seccomp-baseline", SECCOMP_POD), v("seccomp-baseline", SECCOMP_APP, "app")],
    versions=[OLD, (1, 18)],
)
expect("fail-seccomp-baseline-unconfined-annotations", [], versions=[(1, 19), NEW])

# --- Seccomp (restricted, v1.19+) ---------------------------------------------------------
expect("pass-seccomp-restricted-every-container", [])
expect("fail-seccomp-restricted-unset", [], levels=[BASELINE])
expect("fail-seccomp-restricted-unset", [], levels=[RESTRICTED], versions=[OLD, (1, 18)])
expect(
    "fail-seccomp-restricted-unset",
    [
        v("seccomp-restricted", sc(APP, "seccompProfile", "type"), "app"),
        v("seccomp-restricted", sc("/spec/containers/1", "seccompProfile", "type"), "sidecar"),
    ],
    levels=[RESTRICTED],
    versions=[(1, 19), NEW],
)
expect("fail-seccomp-restricted-pod-unconfined", [], versions=[OLD, (1, 18)])
for level, control in ((BASELINE, "seccomp-baseline"), (RESTRICTED, "seccomp-restricted")):
    pod_profile = [v(control, sc(POD, "seccompProfile", "type"))]
    expect("fail-seccomp-restricted-pod-unconfined", pod_profile, levels=[level], versions=[(1, 19), NEW])

# --- Sysctls: the safe set grows at v1.27, v1.29, v1.32 and v1.37 -------------------------
SYSCTL = sc(POD, "sysctls", "{}", "name")
expect("pass-sysctls-safe-since-v1-0", [])
expect("fail-sysctls-unsafe", [v("sysctls", SYSCTL.format(1)), v("sysctls", SYSCTL.format(2))])
for revision, count in {(1, 27): 1, (1, 29): 4, (1, 32): 2, (1, 37): 2}.items():
    name = f"pass-sysctls-added-in-v{revision[0]}-{revision[1]}"
    before = (revision[0], revision[1] - 1)
    expect(name, [v("sysctls", SYSCTL.format(index)) for index in range(count)], versions=[OLD, before])
    expect(name, [], versions=sorted({revision, NEW}))

# --- Volume Types: image volumes on API servers from 1.33 ---------------------------------
expect("pass-volume-types-allowed", [])
expect("fail-volume-types-nfs-git-ebs", [], levels=[BASELINE])
expect(
    "fail-volume-types-nfs-git-ebs",
    [
        v("volume-types", "/spec/volumes/1/nfs"),
        v("volume-types", "/spec/volumes/2/gitRepo"),
        v("volume-types", "/spec/volumes/3/awsElasticBlockStore"),
    ],
    levels=[RESTRICTED],
)
expect("pass-volume-types-image", [])  # pinned to v1.0 on a current cluster too
expect("pass-volume-types-image", [], versions=[None], cluster=(1, 33))
expect("pass-volume-types-image", [], levels=[BASELINE], versions=[None], cluster=(1, 32))
IMAGE = [v("volume-types", "/spec/volumes/0/image")]
expect("pass-volume-types-image", IMAGE, levels=[RESTRICTED], versions=[None], cluster=(1, 32))

# --- Privilege Escalation (v1.8+) ---------------------------------------------------------
expect("pass-privilege-escalation-false-everywhere", [])
expect("fail-privilege-escalation-unset-and-true", [], levels=[BASELINE])
expect("fail-privilege-escalation-unset-and-true", [], levels=[RESTRICTED], versions=[OLD, (1, 7)])
expect(
    "fail-privilege-escalation-unset-and-true",
    [
        v("privilege-escalation", sc(INIT, "allowPrivilegeEscalation"), "init"),
        v("privilege-escalation", sc(APP, "allowPrivilegeEscalation"), "app"),
        v("privilege-escalation", sc(DEBUG, "allowPrivilegeEscalation"), "debug"),
    ],
    levels=[RESTRICTED],
    versions=[(1, 8), NEW],
)

# --- Running as Non-root ------------------------------------------------------------------
expect("pass-running-as-non-root-every-container", [])
expect("fail-running-as-non-root-unset", [], levels=[BASELINE])
APP_NON_ROOT = [v("running-as-non-root", sc(APP, "runAsNonRoot"), "app")]
expect("fail-running-as-non-root-unset", APP_NON_ROOT, levels=[RESTRICTED])
expect("fail-running-as-non-root-explicit-false", [], levels=[BASELINE])
expect(
    "fail-running-as-non-root-explicit-false",
    [
        v("running-as-non-root", sc(POD, "runAsNonRoot")),
        v("running-as-non-root", sc(INIT, "runAsNonRoot"), "init"),
        v("running-as-non-root", sc(DEBUG, "runAsNonRoot"), "debug"),
    ],
    levels=[RESTRICTED],
)

# --- Running as Non-root user (v1.23+) ----------------------------------------------------
expect("pass-running-as-non-root-user-non-zero", [])
expect("fail-running-as-non-root-user-zero", [], levels=[BASELINE])
expect("fail-running-as-non-root-user-zero", [], levels=[RESTRICTED], versions=[OLD, (1, 22)])
expect(
    "fail-running-as-non-root-user-zero",
    [v("running-as-non-root-user", sc(POD, "runAsUser")), v("running-as-non-root-user", sc(INIT, "runAsUser"), "init")],
    levels=[RESTRICTED],
    versions=[(1, 23), NEW],
)

# --- Windows pods: three restricted controls exempt them from v1.25 -----------------------
WINDOWS = "pass-privilege-escalation-windows-pod"
ESCALATION = v("privilege-escalation", sc(APP, "allowPrivilegeEscalation"), "app")
SECCOMP = v("seccomp-restricted", sc(APP, "seccompProfile", "type"), "app")
DROP = v("capabilities-restricted", sc(APP, "capabilities", "drop"), "app")
expect(WINDOWS, [], levels=[BASELINE])
expect(WINDOWS, [], levels=[RESTRICTED], versions=[OLD, (1, 7), (1, 25), NEW])
expect(WINDOWS, [ESCALATION], levels=[RESTRICTED], versions=[(1, 18)])
expect(WINDOWS, [ESCALATION, SECCOMP], levels=[RESTRICTED], versions=[(1, 21)])
expect(WINDOWS, [ESCALATION, SECCOMP, DROP], levels=[RESTRICTED], versions=[(1, 22), (1, 24)])
expect("fail-running-as-non-root-windows-pod", [], levels=[BASELINE])
expect("fail-running-as-non-root-windows-pod", APP_NON_ROOT, levels=[RESTRICTED])

# --- User-namespaced pods (spec.hostUsers: false): relaxations from v1.35 ------------------
ROOT = "pass-running-as-non-root-user-namespace-root"
expect(ROOT, [], levels=[BASELINE])
expect(ROOT, APP_NON_ROOT, levels=[RESTRICTED], versions=[OLD])
POD_ROOT = [v("running-as-non-root-user", sc(POD, "runAsUser"))]
expect(ROOT, APP_NON_ROOT + POD_ROOT, levels=[RESTRICTED], versions=[(1, 34)])
expect(ROOT, [], levels=[RESTRICTED], versions=[(1, 35), NEW])
expect("pass-proc-mount-restricted-user-namespace-default", [])
USERNS_UNMASKED = "fail-proc-mount-restricted-user-namespace-unmasked"
APP_UNMASKED = sc(APP, "procMount")
expect(USERNS_UNMASKED, [v("proc-mount", APP_UNMASKED, "app")], versions=[OLD, (1, 34)])
expect(USERNS_UNMASKED, [], levels=[BASELINE], versions=[(1, 35), NEW])
expect(USERNS_UNMASKED, [v("proc-mount-restricted", APP_UNMASKED, "app")], levels=[RESTRICTED], versions=[(1, 35), NEW])
SYS_ADMIN = "fail-capabilities-baseline-user-namespace-sys-admin"
ADD_0 = sc(APP, "capabilities", "add", "0")
expect(SYS_ADMIN, [v("capabilities-baseline", ADD_0, "app")], levels=[BASELINE])
expect(SYS_ADMIN, [v("capabilities-baseline", ADD_0, "app")], levels=[RESTRICTED], versions=[OLD])
expect(SYS_ADMIN, [v("capabilities-restricted", ADD_0, "app")], levels=[RESTRICTED], versions=[NEW])


@pytest.mark.parametrize(
    "row",
    ROWS,
    ids=[f"{r.name}-{r.level}-{pss.label(r.version)}-on-{pss.label(r.cluster)}" for r in ROWS],
)
def test_exact_violations(row: Row):
    assert found(pss.evaluate(PODS[row.name], row.level, row.version, row.cluster)) == row.expected


def test_every_fixture_pod_is_judged_at_both_levels_for_the_oldest_and_newest_version():
    judged = {(row.name, row.level, row.version) for row in ROWS if row.cluster is None}
    missing = [
        (name, level, version)
        for name in PODS
        for level in BOTH
        for version in (OLD, NEW)
        if (name, level, version) not in judged
    ]
    assert missing == []
    assert {row.name for row in ROWS} <= set(PODS)


def test_every_control_has_passing_and_failing_fixtures():
    for control in pss.CONTROLS:
        passing = [name for name in PODS if name.startswith(f"pass-{control.ID}-")]
        failing = [name for name in PODS if name.startswith(f"fail-{control.ID}-")]
        assert passing and failing, control.ID
        for name in passing:
            assert not any(
                item[0] == control.ID
                for row in ROWS
                if row.name == name and row.level == control.LEVEL and row.version == NEW
                for item in row.expected
            ), name
        assert any(item[0] == control.ID for row in ROWS if row.name in failing for item in row.expected), control.ID


# --- Every pod-bearing kind, and every kind of container ----------------------------------

SPEC_PATHS = {
    "fail-workload-pod": "/spec",
    "fail-workload-deployment": "/spec/template/spec",
    "fail-workload-statefulset": "/spec/template/spec",
    "fail-workload-daemonset": "/spec/template/spec",
    "fail-workload-replicaset": "/spec/template/spec",
    "fail-workload-replicationcontroller": "/spec/template/spec",
    "fail-workload-job": "/spec/template/spec",
    "fail-workload-cronjob": "/spec/jobTemplate/spec/template/spec",
    "fail-workload-podtemplate": "/template/spec",
    "fail-workload-list-item": "/items/0/spec/template/spec",
}


CONTAINERS = (("initContainers", "init"), ("containers", "app"), ("ephemeralContainers", "debug"))


def workload_violations(spec: str, level: str, version: tuple) -> list:
    """What the workload-kinds pod spec gives under ``spec``: every container is privileged and
    sets nothing else, so at restricted each one also misses what the restricted controls ask."""
    expected = [v("host-namespaces", f"{spec}/hostNetwork")]
    for field, name in CONTAINERS:
        context = f"{spec}/{field}/0/securityContext"
        expected.append(v("privileged-containers", f"{context}/privileged", name))
        if level == RESTRICTED:
            expected.append(v("running-as-non-root", f"{context}/runAsNonRoot", name))
            if version >= (1, 8):
                expected.append(v("privilege-escalation", f"{context}/allowPrivilegeEscalation", name))
            if version >= (1, 19):
                expected.append(v("seccomp-restricted", f"{context}/seccompProfile/type", name))
            if version >= (1, 22):
                expected.append(v("capabilities-restricted", f"{context}/capabilities/drop", name))
    return ordered(expected)


@pytest.mark.parametrize("version", [OLD, NEW], ids=pss.label)
@pytest.mark.parametrize("level", BOTH)
def test_every_pod_bearing_kind_and_container_kind(level, version):
    pods = [pod for document in load("workload-kinds.yaml") for pod in pods_in(document)]
    assert {pod.kind for pod in pods} == set(POD_LOCATIONS)
    assert sorted(pod.name for pod in pods) == sorted(SPEC_PATHS)
    for pod in pods:
        expected = workload_violations(SPEC_PATHS[pod.name], level, version)
        assert found(pss.evaluate(pod, level, version)) == expected, pod.name


# --- Which controls apply ------------------------------------------------------------------

DOCUMENTED_NAMES = {
    "HostProcess", "Host Namespaces", "Privileged Containers", "Capabilities", "HostPath Volumes", "Host Ports",
    "Host Probes / Lifecycle Hooks", "AppArmor", "SELinux", "/proc Mount Type", "Seccomp", "Sysctls",
    "Volume Types", "Privilege Escalation", "Running as Non-root", "Running as Non-root user",
}  # fmt: skip


def test_control_modules_follow_the_contract():
    ids = [control.ID for control in pss.CONTROLS]
    assert len(ids) == len(set(ids))
    baseline_ids = {control.ID for control in pss.CONTROLS if control.LEVEL == BASELINE}
    for control in pss.CONTROLS:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", control.ID), control.ID
        assert control.NAME in DOCUMENTED_NAMES, control.NAME
        assert control.LEVEL in BOTH
        assert control.__doc__ and "policy/check_" in control.__doc__, control.ID
        assert list(control.REVISIONS) == sorted(set(control.REVISIONS)) and control.REVISIONS[0] >= OLD
        assert set(control.OVERRIDES) <= baseline_ids
        assert not control.OVERRIDES or control.LEVEL == RESTRICTED
        assert callable(control.check)
    assert {control.NAME for control in pss.CONTROLS} == DOCUMENTED_NAMES


def applying(level, version) -> set:
    return {control.ID for control in pss.controls_for(level, version)}


def test_baseline_never_runs_restricted_controls():
    for version in (OLD, (1, 22), NEW):
        assert all(pss.CONTROLS_BY_ID[i].LEVEL == BASELINE for i in applying(BASELINE, version))


@pytest.mark.parametrize(
    "restricted_control, baseline_control, since",
    [
        ("volume-types", "host-path-volumes", OLD),
        ("seccomp-restricted", "seccomp-baseline", (1, 19)),
        ("capabilities-restricted", "capabilities-baseline", (1, 22)),
        ("proc-mount-restricted", "proc-mount", (1, 35)),
    ],
)
def test_a_restricted_control_replaces_its_baseline_control_from_its_first_version(
    restricted_control, baseline_control, since
):
    if since > OLD:
        before = applying(RESTRICTED, (since[0], since[1] - 1))
        assert baseline_control in before and restricted_control not in before
    after = applying(RESTRICTED, since)
    assert restricted_control in after and baseline_control not in after
    assert baseline_control in applying(BASELINE, NEW)


def test_privileged_checks_nothing_and_unknown_levels_are_refused():
    pod = PODS["fail-host-namespaces-network-pid-ipc"]
    assert pss.evaluate(pod, pss.PRIVILEGED) == []
    with pytest.raises(ValueError, match="unknown Pod Security level"):
        pss.evaluate(pod, "strict")


def test_a_violation_carries_the_documented_name_and_level():
    [violation] = pss.evaluate(PODS["fail-seccomp-restricted-pod-unconfined"], RESTRICTED)
    assert (violation.control, violation.name, violation.level) == ("seccomp-restricted", "Seccomp", RESTRICTED)
    assert violation.container is None and "Unconfined" in violation.message


# --- Versions ------------------------------------------------------------------------------


def test_latest_is_the_newest_revision_of_any_control():
    assert NEW == max(revision for control in pss.CONTROLS for revision in control.REVISIONS) == (1, 37)
    assert OLD == (1, 0)


@pytest.mark.parametrize(
    "kube_version, policy",
    [(None, NEW), ((1, 30), (1, 30)), ((1, 99), NEW), ((2, 0), NEW), ((0, 9), OLD), ((1, 0), OLD), (NEW, NEW)],
)
def test_policy_version(kube_version, policy):
    assert pss.policy_version(kube_version) == policy


def test_a_pinned_version_newer_than_the_cluster_evaluates_as_the_cluster():
    assert pss.resolve((1, 36), (1, 30)) == pss.Target(policy=(1, 30), cluster=(1, 30))
    assert pss.resolve((1, 25), (1, 30)) == pss.Target(policy=(1, 25), cluster=(1, 30))
    assert pss.resolve(None, None) == pss.Target(policy=NEW, cluster=NEW)
    assert pss.resolve(None, (1, 29)) == pss.Target(policy=(1, 29), cluster=(1, 29))


@pytest.mark.parametrize(
    "text, version",
    [
        ("v1.30", (1, 30)),
        ("v1.0", (1, 0)),
        ("latest", None),
        ("1.30", None),
        ("v1.05", None),
        ("v2.0", None),
        (None, None),
        ("", None),
    ],
)
def test_parse_label_reads_versions_as_the_admission_controller_does(text, version):
    assert pss.parse_label(text) == version


def test_label():
    assert pss.label((1, 30)) == "v1.30"
    assert pss.label(None) == "latest"


# --- Namespace labels ----------------------------------------------------------------------


def test_namespace_levels():
    assert pss.namespace_levels(load("namespaces.yaml")) == {
        "team-a": (RESTRICTED, (1, 30)),
        "team-b": (BASELINE, None),
        "team-c": (RESTRICTED, None),
        "infra": (pss.PRIVILEGED, None),
        "typo": (RESTRICTED, None),
        "listed": (BASELINE, (1, 0)),
    }


def test_namespace_levels_ignores_what_is_not_a_namespace():
    assert pss.namespace_levels([None, "text", [], {"kind": "Pod", "apiVersion": "v1"}]) == {}


# --- Verdicts ------------------------------------------------------------------------------


def verdict_pods() -> dict:
    return {pod.name: pod for document in load("verdicts.yaml") for pod in pods_in(document)}


def test_verdict_line_for_a_rejected_workload():
    web = verdict_pods()["web"]
    result = pss.verdict(web, RESTRICTED, (1, 30))
    assert not result.admitted
    assert (result.level, result.version, result.policy) == (RESTRICTED, "v1.30", (1, 30))
    assert [item.control for item in result.violations] == ["seccomp-restricted", "capabilities-restricted"]
    line = "Deployment team-a/web: would be rejected at restricted v1.30: Seccomp, Capabilities"
    assert pss.verdict_line(web, result) == line


def test_verdict_line_for_an_admitted_workload():
    web = verdict_pods()["web"]
    result = pss.verdict(web, BASELINE)
    assert result.admitted and result.violations == () and result.policy == NEW
    assert pss.verdict_line(web, result) == "Deployment team-a/web: would be admitted at baseline latest"


def test_verdict_line_names_each_control_once_and_uses_the_release_namespace():
    migrate = verdict_pods()["migrate"]
    result = pss.verdict(migrate, RESTRICTED, cluster=(1, 29))
    assert (result.version, result.policy) == ("latest", (1, 29))
    assert pss.verdict_line(migrate, result, namespace="prod") == (
        "Job prod/migrate: would be rejected at restricted latest: "
        "Privilege Escalation, Running as Non-root, Seccomp, Capabilities"
    )
    assert pss.verdict_line(migrate, result).startswith("Job migrate: would be rejected")


def test_a_privileged_namespace_admits_everything():
    result = pss.verdict(PODS["fail-host-namespaces-network-pid-ipc"], pss.PRIVILEGED)
    assert result.admitted

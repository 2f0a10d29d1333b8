"""Verdicts and fixes that are right on real chart shapes.

- A root init container (bitnami's ``volume-permissions``, ``chown -R`` as ``runAsUser: 0``)
  keeps the capabilities its work needs: the default drop-capabilities fix leaves it alone, and
  the finding says why.
- Messages describe the object: a pod-level ``runAsUser: 1000`` decides the user, not the image;
  ``runAsUser: "10001"`` is a string, not a small number.

Post-render runs as Helm runs it, with the default config, and its exact output is compared.
"""

from __future__ import annotations

import json
from pathlib import Path

VOLUME_PERMISSIONS = """\
---
# Source: redis/templates/master/application.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis-master
spec:
  serviceName: redis-headless
  template:
    spec:
      securityContext:
        fsGroup: 1001
      initContainers:
        - name: volume-permissions
          image: docker.io/bitnami/os-shell:12-debian-12-r43
          command: ["/bin/bash", "-ec", "chown -R 1001:1001 /data"]
          securityContext:
            runAsUser: 0
          volumeMounts:
            - name: redis-data
              mountPath: /data
      containers:
        - name: redis
          image: docker.io/bitnami/redis:7.4.2-debian-12-r0
          securityContext:
            runAsUser: 1001
            runAsGroup: 1001
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
"""

ROOT_KEEPS_CAPABILITIES = (
    "does not drop ALL capabilities (not fixed: it runs as root (runAsUser 0), and root's work such as"
    " chown -R needs CHOWN, FOWNER and DAC_OVERRIDE; drop ALL and add back exactly what it needs)"
)


def _token(path: str = "/spec/template/spec") -> tuple:
    """The info finding of a pod that says nothing about its service-account token."""
    return ("automount-service-account-token", None, f"{path}/automountServiceAccountToken",
            "automountServiceAccountToken is not set, so every container gets the token of service account default", False)


def _check(harden, tmp_path: Path, stream: str, *args: str) -> list[tuple]:
    (tmp_path / "in.yaml").write_text(stream)
    result = harden("check", "in.yaml", "--format", "json", *args, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return [(f["rule"], f["container"], f["path"], f["message"], f["fixable"]) for f in json.loads(result.stdout)["findings"]]


def _post_render(harden, tmp_path: Path, stream: str) -> str:
    result = harden("post-render", cwd=tmp_path, stdin=stream)
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- a root init container keeps what root's work needs ------------------------------------------


def test_a_root_init_container_is_not_stripped_of_its_capabilities(harden, tmp_path):
    init = "/spec/template/spec/initContainers/0"
    assert _check(harden, tmp_path, VOLUME_PERMISSIONS) == [
        ("run-as-non-root", "volume-permissions", f"{init}/securityContext/runAsUser", "runs as root: runAsUser is 0", False),
        ("run-as-user-group", "volume-permissions", f"{init}/securityContext/runAsUser",
         "runAsUser is 0, below the minimum 1", False),
        ("run-as-user-group", "volume-permissions", f"{init}/securityContext/runAsGroup",
         "runAsGroup is not set, so the image decides the GID", False),
        ("drop-capabilities", "volume-permissions", f"{init}/securityContext/capabilities/drop", ROOT_KEEPS_CAPABILITIES, False),
        ("read-only-root-filesystem", "volume-permissions", f"{init}/securityContext/readOnlyRootFilesystem",
         "readOnlyRootFilesystem is not set: the root filesystem is writable", False),
        ("no-privilege-escalation", "volume-permissions", f"{init}/securityContext/allowPrivilegeEscalation",
         "allowPrivilegeEscalation is not set, so setuid binaries can gain privileges", True),
        ("seccomp-profile", "volume-permissions", f"{init}/securityContext/seccompProfile",
         "no seccomp profile is set, so every syscall is allowed", True),
        ("seccomp-profile", "redis", "/spec/template/spec/containers/0/securityContext/seccompProfile",
         "no seccomp profile is set, so every syscall is allowed", True),
        ("resource-limits", "volume-permissions", f"{init}/resources/requests/cpu", "has no cpu request", False),
        ("resource-limits", "volume-permissions", f"{init}/resources/requests/memory", "has no memory request", False),
        ("resource-limits", "volume-permissions", f"{init}/resources/limits/memory", "has no memory limit", False),
        _token(),
    ]


def test_post_render_leaves_a_root_init_containers_capabilities_alone(harden, tmp_path):
    assert _post_render(harden, tmp_path, VOLUME_PERMISSIONS) == VOLUME_PERMISSIONS.replace(
        "        fsGroup: 1001\n",
        "        fsGroup: 1001\n        seccompProfile:\n          type: RuntimeDefault\n",
    ).replace(
        "            runAsUser: 0\n",
        "            runAsUser: 0\n            allowPrivilegeEscalation: false\n",
    )


def test_a_pod_level_root_user_spares_every_container(harden, tmp_path):
    """runAsUser: 0 on the pod makes every container root that does not say otherwise."""
    stream = VOLUME_PERMISSIONS.replace("        fsGroup: 1001\n", "        fsGroup: 1001\n        runAsUser: 0\n").replace(
        "          securityContext:\n            runAsUser: 0\n", "")
    findings = _check(harden, tmp_path, stream)
    assert [row for row in findings if row[0] == "drop-capabilities"] == [
        ("drop-capabilities", "volume-permissions", "/spec/template/spec/initContainers/0/securityContext/capabilities/drop",
         ROOT_KEEPS_CAPABILITIES, False),
    ]
    init_container = _post_render(harden, tmp_path, stream).split("initContainers:")[1].split("      containers:")[0]
    assert "capabilities" not in init_container


def test_a_non_root_container_still_gets_drop_all(harden, tmp_path):
    stream = VOLUME_PERMISSIONS.replace("            runAsUser: 0\n", "            runAsUser: 1001\n")
    assert _post_render(harden, tmp_path, stream) == stream.replace(
        "        fsGroup: 1001\n",
        "        fsGroup: 1001\n        runAsNonRoot: true\n        seccompProfile:\n          type: RuntimeDefault\n",
    ).replace(
        "            runAsUser: 1001\n          volumeMounts:\n",
        "            runAsUser: 1001\n            capabilities:\n              drop:\n                - ALL\n"
        "            allowPrivilegeEscalation: false\n          volumeMounts:\n",
    )


# --- messages that describe the object ----------------------------------------------------------


USER_ONLY = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 1000
  containers:
    - name: app
      image: example.com/web:1.0.0
      securityContext:
        runAsUser: "10001"
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
        seccompProfile: {type: RuntimeDefault}
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {memory: 256Mi}
    - name: helper
      image: example.com/helper:1.0.0
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
        seccompProfile: {type: RuntimeDefault}
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {memory: 256Mi}
"""


def test_messages_say_what_the_object_sets(harden, tmp_path):
    assert _check(harden, tmp_path, USER_ONLY) == [
        ("run-as-non-root", "app", "/spec/containers/0/securityContext/runAsNonRoot",
         "runAsNonRoot is not set, so the image decides whether it runs as root", True),
        ("run-as-non-root", "helper", "/spec/containers/1/securityContext/runAsNonRoot",
         "runAsNonRoot is not set: runAsUser 1000 is not root, but only runAsNonRoot: true makes the kubelet"
         " refuse root", True),
        ("run-as-user-group", "app", "/spec/containers/0/securityContext/runAsUser",
         'runAsUser is "10001", a string: it must be an integer (the API server rejects the object)', False),
        _token("/spec"),
    ]


# --- a privileged container overrides its seccomp profile and its dropped capabilities -----------


NODE_AGENT = """\
---
# Source: agent/templates/daemonset.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: agent
          image: example.com/agent:1.0.0
          securityContext:
            privileged: true
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
        - name: exporter
          image: example.com/exporter:1.0.0
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
"""

AGENT = "/spec/template/spec/containers/0/securityContext"
RUNS_UNCONFINED = "runs privileged, which overrides its seccomp profile: it runs Unconfined"
HAS_EVERY_CAPABILITY = "runs privileged, which grants every capability whatever it drops"


def test_a_privileged_container_fails_seccomp_and_capabilities_whatever_it_sets(harden, tmp_path):
    """RuntimeDefault on the pod and drop: [ALL] on the container do not confine it: nothing fixes that."""
    assert _check(harden, tmp_path, NODE_AGENT) == [
        ("no-privileged", "agent", f"{AGENT}/privileged", "runs privileged: it has full access to the node", False),
        ("drop-capabilities", "agent", f"{AGENT}/privileged", HAS_EVERY_CAPABILITY, False),
        ("no-privilege-escalation", "agent", f"{AGENT}/allowPrivilegeEscalation",
         "allowPrivilegeEscalation is not set (and cannot be false while privileged or adding SYS_ADMIN)", False),
        ("seccomp-profile", "agent", f"{AGENT}/privileged", RUNS_UNCONFINED, False),
        _token(),
    ]


def test_post_render_writes_no_fix_that_privileged_overrides(harden, tmp_path):
    assert _post_render(harden, tmp_path, NODE_AGENT) == NODE_AGENT


def test_post_render_still_fills_the_pod_profile_for_the_other_containers(harden, tmp_path):
    """Without a pod profile the exporter gets the pod-level RuntimeDefault; the agent stays
    reported, unfixable, and post-render does not mistake that for a fix that failed (exit 4)."""
    stream = NODE_AGENT.replace("        seccompProfile:\n          type: RuntimeDefault\n", "")
    findings = _check(harden, tmp_path, stream)
    assert [row for row in findings if row[0] == "seccomp-profile"] == [
        ("seccomp-profile", "agent", f"{AGENT}/privileged", RUNS_UNCONFINED, False),
        ("seccomp-profile", "exporter", "/spec/template/spec/containers/1/securityContext/seccompProfile",
         "no seccomp profile is set, so every syscall is allowed", True),
    ]
    hardened = _post_render(harden, tmp_path, stream)
    assert hardened == NODE_AGENT
    assert [row for row in _check(harden, tmp_path, hardened) if row[0] == "seccomp-profile"] == [
        ("seccomp-profile", "agent", f"{AGENT}/privileged", RUNS_UNCONFINED, False),
    ]


def test_pod_security_admission_still_takes_the_profile_as_set(harden, tmp_path):
    """The restricted standard's seccomp and capabilities controls read the fields as set, as
    admission does: the agent is rejected for being privileged and escalating, not for those."""
    assert _check(harden, tmp_path, NODE_AGENT, "--pss", "restricted") == [
        ("pss/privileged-containers", "agent", f"{AGENT}/privileged",
         "Privileged Containers (baseline): privileged is true: the container has full access to the node", False),
        ("pss/privilege-escalation", "agent", f"{AGENT}/allowPrivilegeEscalation",
         "Privilege Escalation (restricted): allowPrivilegeEscalation is not set; it must be false", False),
    ]


# --- the service-account token, reported by default at info ----------------------------------------


TOKEN_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {namespace}
spec:
{spec}  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    seccompProfile: {{type: RuntimeDefault}}
  containers:
    - name: app
      image: example.com/app:1.0.0
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {{drop: [ALL]}}
      resources:
        requests: {{cpu: 100m, memory: 128Mi}}
        limits: {{memory: 256Mi}}
"""

TOKENS = "---\n".join([
    "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet, namespace: team-a}\nautomountServiceAccountToken: false\n",
    TOKEN_POD.format(name="says-false", namespace="team-a", spec="  automountServiceAccountToken: false\n"),
    TOKEN_POD.format(name="calls-the-api", namespace="team-a", spec="  automountServiceAccountToken: true\n"),
    TOKEN_POD.format(name="inherits-false", namespace="team-a", spec="  serviceAccountName: quiet\n"),
    TOKEN_POD.format(name="other-namespace", namespace="team-b", spec="  serviceAccountName: quiet\n"),
    TOKEN_POD.format(name="says-nothing", namespace="team-a", spec=""),
])


def test_the_default_check_reports_a_token_nothing_turns_off(harden, tmp_path):
    """False on the pod, or on its ServiceAccount in the same namespace, passes; so does an explicit
    true (the pod says it calls the API). The finding is info and has no fix."""
    (tmp_path / "in.yaml").write_text(TOKENS)
    result = harden("check", "in.yaml", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # info is below the default --fail-on
    assert [(f["rule"], f["name"], f["severity"], f["path"], f["message"], f["fixable"])
            for f in json.loads(result.stdout)["findings"]] == [
        ("automount-service-account-token", "other-namespace", "info", "/spec/automountServiceAccountToken",
         "automountServiceAccountToken is not set, so every container gets the token of service account quiet", False),
        ("automount-service-account-token", "says-nothing", "info", "/spec/automountServiceAccountToken",
         "automountServiceAccountToken is not set, so every container gets the token of service account default", False),
    ]
    assert _post_render(harden, tmp_path, TOKENS) == TOKENS  # no fill: only the chart knows if it calls the API


# Helm 4's stream is ordered by template file, not by kind: a ServiceAccount may come after its pods.
LATE_ACCOUNT = "---\n".join([
    TOKEN_POD.format(name="inherits-false", namespace="team-a", spec="  serviceAccountName: quiet\n"),
    TOKEN_POD.format(name="inherits-true", namespace="team-a", spec="  serviceAccountName: loud\n"),
    TOKEN_POD.format(name="says-nothing", namespace="team-a", spec=""),
    "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet, namespace: team-a}\nautomountServiceAccountToken: false\n",
    "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: loud, namespace: team-a}\nautomountServiceAccountToken: true\n",
])


def test_a_service_account_rendered_after_its_pods_still_decides_their_token(harden, tmp_path):
    assert [(name, message) for _, name, message in _token_findings(harden, tmp_path, LATE_ACCOUNT)] == [
        ("inherits-true", "automountServiceAccountToken is not set, so every container gets the token of service account loud"),
        ("says-nothing", "automountServiceAccountToken is not set, so every container gets the token of service account default"),
    ]


def test_a_late_service_account_keeps_the_findings_in_stream_order(harden, tmp_path):
    (tmp_path / "in.yaml").write_text(LATE_ACCOUNT)
    result = harden("check", "in.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # info is below the default --fail-on
    headings = [line.strip() for line in result.stdout.splitlines() if line.startswith("  Pod ")]
    assert headings == ["Pod team-a/inherits-true", "Pod team-a/says-nothing"]


def test_post_render_reports_no_token_finding_a_late_service_account_turns_off(harden, tmp_path):
    result = harden("post-render", "--fail-on", "info", cwd=tmp_path, stdin=LATE_ACCOUNT)
    assert result.returncode == 1, result.stderr  # two pods still mount a token
    token_lines = [line for line in result.stderr.splitlines() if "automount-service-account-token" in line]
    assert [line.split(": Pod ")[1].split(":")[0] for line in token_lines] == ["team-a/inherits-true", "team-a/says-nothing"]
    assert result.stdout == ""


def test_a_repository_scan_keeps_each_chart_s_service_accounts_to_itself(harden, tmp_path):
    """The first chart's ServiceAccount sets false; the second chart's pod names an account of the
    same name that its own chart does not render: it still mounts a token."""
    for chart, account in (("a-quiet", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app}\n"
                                       "automountServiceAccountToken: false\n"), ("b-bare", None)):
        templates = tmp_path / "charts" / chart / "templates"
        templates.mkdir(parents=True)
        (tmp_path / "charts" / chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {chart}\nversion: 1.0.0\n")
        if account:
            (templates / "account.yaml").write_text(account)
        (templates / "pod.yaml").write_text(TOKEN_POD.format(name=f"{chart}-pod", namespace="default",
                                                               spec="  serviceAccountName: app\n"))
    result = harden("check", "charts", "--format", "json", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [(f["rule"], f["name"]) for f in json.loads(result.stdout)["findings"]] == [
        ("automount-service-account-token", "b-bare-pod")]


def _token_findings(harden, tmp_path: Path, stream: str) -> list[tuple]:
    (tmp_path / "in.yaml").write_text(stream)
    result = harden("check", "in.yaml", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return [(f["rule"], f["name"], f["message"]) for f in json.loads(result.stdout)["findings"]]

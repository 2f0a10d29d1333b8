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

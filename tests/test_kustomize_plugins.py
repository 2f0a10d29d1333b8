"""Kustomize's two plugin protocols.

- The legacy exec transformer under the real ``kubectl kustomize --enable-alpha-plugins``
  (KUSTOMIZE_PLUGIN_HOME at the repository's kustomize/plugin, helm-harden found on PATH).
- The KRM exec function (``helm-harden krm-function`` and the kustomize/harden-krm script)
  fed ResourceLists directly: kubectl kustomize skips exec KRM functions, and no standalone
  kustomize is installed here.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import kubectl_for_tests

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent
BIN = Path(sys.executable).parent
HARDEN = BIN / "helm-harden"
PLUGIN_HOME = REPO / "kustomize" / "plugin"
KRM_SCRIPT = REPO / "kustomize" / "harden-krm"

SECURE_CONTAINER = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
SECURE_POD = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
TMP_VOLUME = {"name": "helm-harden-tmp", "emptyDir": {}}
TMP_MOUNT = {"name": "helm-harden-tmp", "mountPath": "/tmp"}


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELM_", "KUSTOMIZE_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}"
    env["KUSTOMIZE_PLUGIN_HOME"] = str(PLUGIN_HOME)
    return env


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of charts-under-test/kustomize, so overlays can sit next to base/ and production/."""
    root = tmp_path / "kustomize"
    shutil.copytree(REPO / "charts-under-test" / "kustomize", root)
    return root


def overlay(tree: Path, name: str, resources: list[str], config: str | None, origin: bool = False, files: dict | None = None) -> Path:
    folder = tree / "overlays" / name
    folder.mkdir()
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    }
    if config is not None:
        kustomization["transformers"] = ["harden.yaml"]
        (folder / "harden.yaml").write_text(
            "apiVersion: helm-harden.io/v1\nkind: HardenTransformer\nmetadata:\n  name: harden\n" + config, encoding="utf-8"
        )
    if origin:
        kustomization["buildMetadata"] = ["originAnnotations"]
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False), encoding="utf-8")
    for file, text in (files or {}).items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def kustomize(env, folder: Path, *flags, extra_env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [kubectl_for_tests(), "kustomize", *flags, str(folder)],
        capture_output=True,
        text=True,
        env={**env, **(extra_env or {})},
        timeout=120,
    )


def objects(stream: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def identities(items: list[dict]) -> list[tuple]:
    return [(o["kind"], o["metadata"]["name"], o["metadata"].get("namespace")) for o in items]


def built(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return objects(result.stdout)


# --- legacy exec transformer --------------------------------------------------------------

TRICKY_CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: tricky
data:
  "on": "on"
  mode: "0644"
  float: "1e3"
  date: "2024-01-01"
  flag: "true"
  script: |
    #!/bin/sh
    echo hi
"""


def test_transformer_with_the_default_config(env, tree):
    plain = built(kustomize(env, overlay(tree, "plain", ["../../base", "tricky.yaml"], None, files={"tricky.yaml": TRICKY_CONFIGMAP})))
    folder = overlay(tree, "hardened", ["../../base", "tricky.yaml"], "", files={"tricky.yaml": TRICKY_CONFIGMAP})
    hardened = built(kustomize(env, folder, "--enable-alpha-plugins"))
    assert identities(hardened) == identities(plain) == [
        ("ConfigMap", "tricky", None),
        ("Service", "web", None),
        ("Deployment", "web", None),
        ("CronJob", "nightly-report", None),
    ]
    expected = copy.deepcopy(plain)
    configmap, service, deployment, cronjob = expected
    assert configmap["data"] == {
        "on": "on", "mode": "0644", "float": "1e3", "date": "2024-01-01", "flag": "true", "script": "#!/bin/sh\necho hi\n",
    }
    pod = deployment["spec"]["template"]["spec"]
    pod["securityContext"] = dict(SECURE_POD)
    pod["containers"][0]["securityContext"] = dict(SECURE_CONTAINER)
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    pod["securityContext"] = dict(SECURE_POD)
    pod["containers"][0]["securityContext"] = dict(SECURE_CONTAINER)
    assert hardened == expected


def test_transformer_honours_its_config_and_reports_origins(env, tree, tmp_path):
    config = "rules:\n  read-only-root-filesystem:\n    fix: true\n  image-tag-pinned:\n    severity: error\n"
    plain = built(kustomize(env, overlay(tree, "plain", ["../production"], None, origin=True)))
    folder = overlay(tree, "hardened", ["../production"], config, origin=True)
    report = tmp_path / "report.txt"
    hardened = built(kustomize(env, folder, "--enable-alpha-plugins", extra_env={"HELM_HARDEN_REPORT": str(report)}))
    assert identities(hardened) == identities(plain) == [
        ("Service", "web", "production"),
        ("Deployment", "web", "production"),
        ("CronJob", "nightly-report", "production"),
    ]
    expected = copy.deepcopy(plain)
    service, deployment, cronjob = expected
    # The production overlay hardens web completely: nothing to do there.
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"},
    }
    pod["containers"][0]["securityContext"] = {**SECURE_CONTAINER, "readOnlyRootFilesystem": True}
    pod["containers"][0]["volumeMounts"] = [TMP_MOUNT]
    pod["volumes"] = [TMP_VOLUME]
    assert hardened == expected
    assert cronjob["metadata"]["annotations"] == {"config.kubernetes.io/origin": "path: ../../base/cronjob.yaml\n"}
    assert report.read_text(encoding="utf-8") == (
        "helm-harden: hardened 1 of 3 documents (3 findings fixed); 2 findings left unchanged:\n"
        "  ../../base/cronjob.yaml: CronJob production/nightly-report: error    image-tag-pinned           "
        "report: image registry.example.com/shop/report:latest uses the floating tag latest [manual]\n"
        "  ../../base/cronjob.yaml: CronJob production/nightly-report: info     automount-service-account-token "
        "pod: automountServiceAccountToken is not set, so every container gets the token of service account default [manual]\n"
    )


def test_transformer_rejects_a_bad_config(env, tree):
    folder = overlay(tree, "bad", ["../../base"], "rules:\n  no-such-rule: {}\n")
    result = kustomize(env, folder, "--enable-alpha-plugins")
    assert (result.returncode, result.stdout) == (1, "")
    assert "unknown rule 'no-such-rule' (see: helm-harden rules)" in result.stderr
    assert "exit status 2" in result.stderr


def test_without_enable_alpha_plugins_kubectl_refuses_the_transformer(env, tree):
    folder = overlay(tree, "hardened", ["../../base"], "")
    result = kustomize(env, folder)
    assert (result.returncode, result.stdout) == (1, "")
    assert "external plugins disabled; unable to load external plugin 'HardenTransformer'" in result.stderr


def test_transformer_runs_the_plugin_venv_without_helm_harden_on_path(env, tree, plugin_folder):
    """The transformer script prefers the Helm plugin's .plugin-venv five folders up."""
    plugin = plugin_folder()
    home = plugin / "kustomize" / "plugin" / "helm-harden.io" / "v1" / "hardentransformer"
    home.mkdir(parents=True)
    (home / "HardenTransformer").symlink_to(PLUGIN_HOME / "helm-harden.io" / "v1" / "hardentransformer" / "HardenTransformer")
    folder = overlay(tree, "hardened", ["../../base"], "")
    result = kustomize(  # kubectl is run by its full path: nothing of this venv is on PATH
        env, folder, "--enable-alpha-plugins",
        extra_env={"PATH": os.defpath, "KUSTOMIZE_PLUGIN_HOME": str(plugin / "kustomize" / "plugin")},
    )
    assert shutil.which("helm-harden", path=os.defpath) is None
    deployment = built(result)[1]
    assert deployment["spec"]["template"]["spec"]["securityContext"] == SECURE_POD


# --- KRM function -------------------------------------------------------------------------

RESOURCE_LIST = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
      namespace: prod
      annotations:
        config.kubernetes.io/index: '0'
        internal.config.kubernetes.io/path: 'settings.yaml'
    data:
      a: "on"
      b: 'yes'
      c: "0644"
      d: "1e3"
      e: |
        line one
        line two
  - apiVersion: v1
    kind: Secret
    metadata:
      name: credentials
      namespace: prod
    stringData:
      password: "krm-Secret-Value-42"
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      namespace: prod
      annotations:
        config.kubernetes.io/index: '2'
    spec:
      template:
        spec:
          containers:
            - name: web
              image: web:latest
              resources:
                requests: {cpu: 100m, memory: 64Mi}
                limits: {memory: 128Mi}
  - apiVersion: v1
    kind: Pod
    metadata:
      name: debug
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: shell
          image: busybox:1.37
          securityContext:
            privileged: true
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {memory: 32Mi}
functionConfig:
  apiVersion: helm-harden.io/v1
  kind: HardenTransformer
  metadata:
    name: harden
  rules:
    read-only-root-filesystem:
      fix: true
    image-tag-pinned:
      severity: error
"""

# Neither workload sets the field and no ServiceAccount comes with them.
TOKEN_MESSAGE = (
    "automount-service-account-token: automountServiceAccountToken is not set, "
    "so every container gets the token of service account default"
)
EXPECTED_RESULTS = [
    {
        "message": "run-as-user-group: web: runAsUser is not set, so the image decides the UID",
        "severity": "warning",
        "resourceRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "prod"},
        "field": {"path": "/spec/template/spec/containers/0/securityContext/runAsUser"},
        "tags": {"rule": "run-as-user-group"},
    },
    {
        "message": "run-as-user-group: web: runAsGroup is not set, so the image decides the GID",
        "severity": "warning",
        "resourceRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "prod"},
        "field": {"path": "/spec/template/spec/containers/0/securityContext/runAsGroup"},
        "tags": {"rule": "run-as-user-group"},
    },
    {
        "message": "image-tag-pinned: web: image web:latest uses the floating tag latest",
        "severity": "error",
        "resourceRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "prod"},
        "field": {"path": "/spec/template/spec/containers/0/image"},
        "tags": {"rule": "image-tag-pinned"},
    },
    {
        "message": TOKEN_MESSAGE,
        "severity": "info",
        "resourceRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "prod"},
        "field": {"path": "/spec/template/spec/automountServiceAccountToken"},
        "tags": {"rule": "automount-service-account-token"},
    },
    {
        "message": "no-privileged: shell: runs privileged: it has full access to the node",
        "severity": "error",
        "resourceRef": {"apiVersion": "v1", "kind": "Pod", "name": "debug"},
        "field": {"path": "/spec/containers/0/securityContext/privileged"},
        "tags": {"rule": "no-privileged"},
    },
    {
        "message": "drop-capabilities: shell: runs privileged, which grants every capability whatever it drops",
        "severity": "error",
        "resourceRef": {"apiVersion": "v1", "kind": "Pod", "name": "debug"},
        "field": {"path": "/spec/containers/0/securityContext/privileged"},
        "tags": {"rule": "drop-capabilities"},
    },
    {
        "message": (
            "no-privilege-escalation: shell: allowPrivilegeEscalation is not set "
            "(and cannot be false while privileged or adding SYS_ADMIN)"
        ),
        "severity": "error",
        "resourceRef": {"apiVersion": "v1", "kind": "Pod", "name": "debug"},
        "field": {"path": "/spec/containers/0/securityContext/allowPrivilegeEscalation"},
        "tags": {"rule": "no-privilege-escalation"},
    },
    {
        "message": "seccomp-profile: shell: runs privileged, which overrides its seccomp profile: it runs Unconfined",
        "severity": "error",
        "resourceRef": {"apiVersion": "v1", "kind": "Pod", "name": "debug"},
        "field": {"path": "/spec/containers/0/securityContext/privileged"},
        "tags": {"rule": "seccomp-profile"},
    },
    {
        "message": TOKEN_MESSAGE,
        "severity": "info",
        "resourceRef": {"apiVersion": "v1", "kind": "Pod", "name": "debug"},
        "field": {"path": "/spec/automountServiceAccountToken"},
        "tags": {"rule": "automount-service-account-token"},
    },
]


def krm(env, *command, stdin=RESOURCE_LIST, extra_env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in command], input=stdin, capture_output=True, text=True, env={**env, **(extra_env or {})}, timeout=60
    )


@pytest.mark.parametrize("command", [[HARDEN, "krm-function"], [KRM_SCRIPT]], ids=["helm-harden", "harden-krm"])
def test_krm_function_round_trip(env, command):
    result = krm(env, *command)
    assert (result.returncode, result.stderr) == (0, "")
    before, after = yaml.safe_load(RESOURCE_LIST), yaml.safe_load(result.stdout)
    assert after["apiVersion"] == "config.kubernetes.io/v1" and after["kind"] == "ResourceList"
    assert after["functionConfig"] == before["functionConfig"]
    configmap, secret, deployment, pod = before["items"]
    # Non-workloads and the pod whose choices are explicit: unchanged.
    assert after["items"][0] == configmap
    assert after["items"][1] == secret
    assert after["items"][3] == pod
    # Quoting and block scalars as they were (indentation may be normalised).
    lines = {line.strip() for line in result.stdout.splitlines()}
    for line in ('a: "on"', "b: 'yes'", 'c: "0644"', 'd: "1e3"', "e: |", "line one", "config.kubernetes.io/index: '0'",
                 "internal.config.kubernetes.io/path: 'settings.yaml'", 'password: "krm-Secret-Value-42"'):
        assert line in lines
    spec = deployment["spec"]["template"]["spec"]
    spec["securityContext"] = dict(SECURE_POD)
    spec["containers"][0]["securityContext"] = {**SECURE_CONTAINER, "readOnlyRootFilesystem": True}
    spec["containers"][0]["volumeMounts"] = [TMP_MOUNT]
    spec["volumes"] = [TMP_VOLUME]
    assert after["items"][2] == deployment
    assert after["results"] == EXPECTED_RESULTS
    assert list(after) == ["apiVersion", "kind", "items", "functionConfig", "results"]


def test_krm_function_script_uses_the_plugin_venv(plugin_folder):
    plugin = plugin_folder()
    result = subprocess.run(
        [str(plugin / "kustomize" / "harden-krm")], input=RESOURCE_LIST, capture_output=True, text=True,
        env={"PATH": os.defpath}, timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert yaml.safe_load(result.stdout)["results"] == EXPECTED_RESULTS


def test_krm_function_without_function_config_uses_the_defaults(env):
    resource_list = yaml.safe_load(RESOURCE_LIST)
    del resource_list["functionConfig"]
    result = krm(env, HARDEN, "krm-function", stdin=yaml.safe_dump(resource_list, sort_keys=False))
    assert result.returncode == 0, result.stderr
    after = yaml.safe_load(result.stdout)
    container = after["items"][2]["spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"] == SECURE_CONTAINER
    assert "volumeMounts" not in container
    rules = [r["tags"]["rule"] for r in after["results"]]
    assert rules == [
        "run-as-user-group", "run-as-user-group", "read-only-root-filesystem", "image-tag-pinned",
        "automount-service-account-token",
        "no-privileged", "drop-capabilities", "no-privilege-escalation", "seccomp-profile",
        "automount-service-account-token",
    ]
    assert [r["severity"] for r in after["results"]] == ["warning"] * 4 + ["info"] + ["error"] * 4 + ["info"]


def test_krm_function_without_findings_writes_no_results(env):
    resource_list = yaml.safe_load(RESOURCE_LIST)
    resource_list["items"] = resource_list["items"][:2]
    result = krm(env, HARDEN, "krm-function", stdin=yaml.safe_dump(resource_list, sort_keys=False))
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout) == resource_list


@pytest.mark.parametrize(
    "stdin, message",
    [
        ("{not yaml", "helm-harden: error: <stdin>: the ResourceList is not valid YAML\n"),
        ("apiVersion: v1\nkind: ConfigMap\n", "helm-harden: error: <stdin>: expected a ResourceList (kind: ResourceList)\n"),
        ("- a\n", "helm-harden: error: <stdin>: expected a ResourceList (kind: ResourceList)\n"),
        (
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n"
            "  apiVersion: helm-harden.io/v1\n  kind: HardenTransformer\n  metadata: {name: x}\n  rules:\n    nope: {}\n",
            "helm-harden: error: functionConfig: line 5: unknown rule 'nope' (see: helm-harden rules)\n",
        ),
        (
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - 1\n",
            "helm-harden: error: ResourceList item 1 (document 1): expected a Kubernetes object (a mapping), found a scalar\n",
        ),
    ],
    ids=["not-yaml", "not-a-resource-list", "a-sequence", "bad-function-config", "scalar-item"],
)
def test_krm_function_invalid_input(env, stdin, message):
    result = krm(env, HARDEN, "krm-function", stdin=stdin)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)


def test_krm_function_never_quotes_a_secret_in_an_error(env):
    stdin = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        "  - apiVersion: v1\n    kind: Secret\n    metadata: {name: s}\n    stringData:\n      password: !!int krm-Secret-Value-42\n"
    )
    result = krm(env, HARDEN, "krm-function", stdin=stdin)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "helm-harden: error: <stdin>: the ResourceList is not valid YAML\n"


def test_krm_function_passes_application_tags_through(env):
    stdin = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        "  - apiVersion: v1\n    kind: Secret\n    metadata: {name: s}\n    stringData:\n      password: !krm-Secret-Value-42 x\n"
    )
    result = krm(env, HARDEN, "krm-function", stdin=stdin)
    assert (result.returncode, result.stderr) == (0, "")
    assert "password: !krm-Secret-Value-42 x" in result.stdout

"""Helm 4's postrenderer/v1 contract, with synthetic streams (no Helm 4 binary installs here).

Helm 4 sends a stream without ``# Source:`` lines in which every document carries the
annotation ``postrenderer.helm.sh/postrender-filename``, hooks included; it runs the plugin
with its own environment plus ``HELM_PLUGIN_*`` (tested here with those alone, the least it may
be), never shows its stderr, and treats empty output as an error. tests/test_helm4_sdk.py runs
the same path through Helm 4's own code. The nested v1 plugin file must not disturb Helm 3, which is checked with the real helm.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent
PLUGIN_DIR = REPO / "helm4" / "harden-postrender"
BIN = Path(sys.executable).parent
HELM = BIN / "helm"
HARDEN = BIN / "helm-harden"
ANNOTATION = "postrenderer.helm.sh/postrender-filename"

STREAM = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  annotations:
    postrenderer.helm.sh/postrender-filename: web/templates/serviceaccount.yaml
---
apiVersion: v1
kind: Secret
metadata:
  name: web-credentials
  annotations:
    postrenderer.helm.sh/postrender-filename: "web/templates/secret.yaml"
stringData:
  password: "Pa55-helm4-s3cret"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
  annotations:
    postrenderer.helm.sh/postrender-filename: web/templates/deployment.yaml
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0
          env:
            - name: MODE
              value: "0644"
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 128Mi}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: web-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-5"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
    postrenderer.helm.sh/postrender-filename: 'web/templates/hooks/migrate.yaml'
spec:
  template:
    spec:
      restartPolicy: Never
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
      containers:
        - name: migrate
          image: registry.example.com/web:1.0
          securityContext:
            readOnlyRootFilesystem: true
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 128Mi}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-test
  annotations:
    helm.sh/hook: test
    postrenderer.helm.sh/postrender-filename: web/templates/tests/test-connection.yaml
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: wget
      image: busybox:1.37
      command: [wget, -q, -O, /dev/null, web:80]
      securityContext:
        privileged: true
        readOnlyRootFilesystem: true
        capabilities:
          drop: [ALL]
      resources:
        requests: {cpu: 10m, memory: 16Mi}
        limits: {memory: 32Mi}
  restartPolicy: Never
"""
SOURCES = [
    "web/templates/serviceaccount.yaml",
    "web/templates/secret.yaml",
    "web/templates/deployment.yaml",
    "web/templates/hooks/migrate.yaml",
    "web/templates/tests/test-connection.yaml",
]
SECRET = "Pa55-helm4-s3cret"


def split(stream: str) -> list[str]:
    pieces = stream.split("\n---\n")
    return [piece if index == 0 else "---\n" + piece for index, piece in enumerate(pieces)]


def rejoin(pieces: list[str]) -> str:
    return "\n".join(pieces)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cwd")


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> dict[str, str]:
    empty = tmp_path_factory.mktemp("config") / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    env["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}"
    env["HELM_HARDEN_CONFIG"] = str(empty)
    return env


def harden(cli_env, workdir, *args, stdin=STREAM) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(HARDEN), *map(str, args)], input=stdin, capture_output=True, text=True, env=cli_env, cwd=workdir, timeout=60
    )


# --- provenance and hardening of the Helm 4 stream ---------------------------------------


def test_findings_name_the_filename_annotation(cli_env, workdir):
    # Helm 4's stream, hooks included, is what Helm 4 post-renders: its hooks' fills are fixable there.
    result = harden(cli_env, workdir, "check", "-", "--format", "json", "--fail-on", "never", "--deploy-with", "helm4")
    assert result.returncode == 0, result.stderr
    found = [
        (f["rule"], f["kind"], f["name"], f["container"], f["source"], f["document"], f["fixable"])
        for f in json.loads(result.stdout)["findings"]
    ]
    deployment = ("Deployment", "web", "web", "web/templates/deployment.yaml", 3)
    migrate = ("Job", "web-migrate", "migrate", "web/templates/hooks/migrate.yaml", 4)
    test = ("Pod", "web-test", "wget", "web/templates/tests/test-connection.yaml", 5)
    assert sorted(found) == sorted(
        [
            ("run-as-non-root", *deployment, True),
            ("run-as-user-group", *deployment[:2], "web", deployment[3], 3, False),
            ("run-as-user-group", *deployment[:2], "web", deployment[3], 3, False),
            ("drop-capabilities", *deployment, True),
            ("read-only-root-filesystem", *deployment, False),
            ("no-privilege-escalation", *deployment, True),
            ("seccomp-profile", *deployment, True),
            ("drop-capabilities", *migrate, True),
            ("no-privilege-escalation", *migrate, True),
            ("seccomp-profile", *migrate, True),
            ("automount-service-account-token", *deployment[:2], None, *deployment[3:], False),
            ("automount-service-account-token", *migrate[:2], None, *migrate[3:], False),
            ("automount-service-account-token", *test[:2], None, *test[3:], False),
            ("no-privileged", *test, False),
            ("drop-capabilities", *test, False),
            ("no-privilege-escalation", *test, False),
            ("seccomp-profile", *test, False),
        ]
    )


def test_post_render_keeps_the_annotation_and_hardens_hooks(cli_env, workdir):
    result = harden(cli_env, workdir, "post-render", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    before, after = split(STREAM), split(result.stdout)
    assert len(after) == len(before)
    for original, hardened, source in zip(before, after, SOURCES):
        assert "# Source:" not in hardened
        data, original_data = yaml.safe_load(hardened), yaml.safe_load(original)
        assert data["metadata"]["annotations"] == original_data["metadata"]["annotations"]
        assert data["metadata"]["annotations"][ANNOTATION] == source
    # Untouched: the ServiceAccount, the Secret and the test hook (its choices are explicit).
    for index in (0, 1, 4):
        assert after[index] == before[index]
    deployment = yaml.safe_load(after[2])["spec"]["template"]["spec"]
    assert deployment["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert deployment["containers"][0]["securityContext"] == {"capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": False}
    assert '              value: "0644"' in after[2].splitlines()
    migrate = yaml.safe_load(after[3])
    assert migrate["spec"]["template"]["spec"]["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert migrate["spec"]["template"]["spec"]["containers"][0]["securityContext"] == {
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "allowPrivilegeEscalation": False,
    }
    # Post-render twice equals once.
    assert harden(cli_env, workdir, "post-render", "--quiet", stdin=result.stdout).stdout == result.stdout


def test_summary_and_report_name_the_annotated_files(cli_env, workdir, tmp_path):
    report = tmp_path / "report.txt"
    result = harden(cli_env, workdir, "post-render", "--report", report)
    assert result.returncode == 0
    text = report.read_text(encoding="utf-8")
    assert text == result.stderr
    lines = text.splitlines()
    assert lines[0] == "helm-harden: hardened 2 of 5 documents (7 findings fixed); 10 findings left unchanged:"
    assert sorted(line.split(": ", 1)[0].strip() for line in lines[1:]) == sorted(
        ["web/templates/deployment.yaml"] * 4 + ["web/templates/hooks/migrate.yaml"]
        + ["web/templates/tests/test-connection.yaml"] * 5
    )
    assert SECRET not in text and SECRET not in result.stderr


# --- the plugin's entry script, as Helm 4 runs it ------------------------------------------


def helm4_env(plugin: Path, **extra) -> dict[str, str]:
    """Only HELM_PLUGIN_* and a PATH without this venv: what Helm 4 gives a postrenderer."""
    env = {
        "HELM_PLUGIN_NAME": "harden-postrender",
        "HELM_PLUGIN_DIR": str(plugin / "helm4" / "harden-postrender"),
    }
    env.update(extra)
    return env


def run_entry(plugin: Path, env: dict, *args, stdin=STREAM, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(plugin / "helm4" / "harden-postrender" / "post-render"), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def test_entry_script_with_only_helm_plugin_variables(plugin_folder, cli_env, workdir, tmp_path):
    plugin = plugin_folder()
    expected = harden(cli_env, workdir, "post-render", "--quiet").stdout
    result = run_entry(plugin, helm4_env(plugin, PATH=os.defpath), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, expected)
    # Without any PATH at all, too.
    result = run_entry(plugin, helm4_env(plugin), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, expected)


def test_entry_script_takes_config_and_report_as_arguments(plugin_folder, tmp_path):
    plugin = plugin_folder()
    config = tmp_path / "harden.yaml"
    config.write_text("rules:\n  read-only-root-filesystem:\n    fix: true\n", encoding="utf-8")
    report = tmp_path / "report.txt"
    result = run_entry(plugin, helm4_env(plugin, PATH=os.defpath), "--config", config, "--report", report, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    deployment = yaml.safe_load(split(result.stdout)[2])["spec"]["template"]["spec"]
    assert deployment["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
    assert deployment["containers"][0]["volumeMounts"] == [{"name": "helm-harden-tmp", "mountPath": "/tmp"}]
    assert deployment["volumes"] == [{"name": "helm-harden-tmp", "emptyDir": {}}]
    assert report.read_text(encoding="utf-8").splitlines()[0] == (
        "helm-harden: hardened 2 of 5 documents (8 findings fixed); 9 findings left unchanged:"
    )


def test_entry_script_refuses_with_fail_on(plugin_folder, tmp_path):
    plugin = plugin_folder()
    result = run_entry(plugin, helm4_env(plugin, PATH=os.defpath), "--fail-on", "error", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")


def test_entry_script_without_the_plugin_venv_fails_with_an_explanation(plugin_folder, tmp_path):
    plugin = plugin_folder(venv=False)
    result = run_entry(plugin, helm4_env(plugin, PATH=os.defpath), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"helm-harden: the plugin's Python environment {plugin}/.plugin-venv is missing or broken")


def test_entry_script_through_a_linked_plugin_folder(plugin_folder, tmp_path):
    """``helm plugin install`` of a local folder links it into the plugins folder: ``cd -P``
    resolves the link, so the root two folders up is still the one holding .plugin-venv."""
    plugin = plugin_folder()
    helm4_plugins = tmp_path / "helm4-plugins"
    helm4_plugins.mkdir()
    linked = helm4_plugins / "harden-postrender"
    linked.symlink_to(plugin / "helm4" / "harden-postrender", target_is_directory=True)
    env = {"HELM_PLUGIN_NAME": "harden-postrender", "HELM_PLUGIN_DIR": str(linked), "PATH": os.defpath}
    result = subprocess.run(
        [str(linked / "post-render"), "--quiet"], input=STREAM, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert len(split(result.stdout)) == 5


# --- the plugin files ---------------------------------------------------------------------


def test_v1_plugin_file():
    plugin = yaml.safe_load((PLUGIN_DIR / "plugin.yaml").read_text(encoding="utf-8"))
    assert plugin["apiVersion"] == "v1"
    assert plugin["type"] == "postrenderer/v1"
    assert plugin["runtime"] == "subprocess"
    assert plugin["name"] == PLUGIN_DIR.name == "harden-postrender"
    commands = plugin["runtimeConfig"]["platformCommand"]
    assert [c["command"] for c in commands] == ["${HELM_PLUGIN_DIR}/post-render"]
    command = Path(commands[0]["command"].replace("${HELM_PLUGIN_DIR}", str(PLUGIN_DIR)))
    assert command.is_file()
    assert command.stat().st_mode & stat.S_IXUSR
    assert command.read_text(encoding="utf-8").startswith("#!/bin/sh\n")
    # One type per plugin: nothing of the legacy CLI schema in it.
    assert not {"command", "platformCommand", "hooks", "platformHooks", "useTunnel", "ignoreFlags"} & set(plugin)


def test_root_plugin_file_stays_helm3_legacy():
    plugin = yaml.safe_load((REPO / "plugin.yaml").read_text(encoding="utf-8"))
    assert "apiVersion" not in plugin and "type" not in plugin
    assert plugin["name"] == "harden"


@pytest.fixture
def helm3_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        HELM_CACHE_HOME=str(tmp_path / "cache"),
        HELM_CONFIG_HOME=str(tmp_path / "config"),
        HELM_DATA_HOME=str(tmp_path / "data"),
    )
    return env


def helm(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(HELM), *map(str, args)], capture_output=True, text=True, env=env, timeout=120)


def test_helm3_lists_the_repository_as_the_harden_plugin(helm3_env, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "harden").symlink_to(REPO, target_is_directory=True)
    result = helm({**helm3_env, "HELM_PLUGINS": str(plugins)}, "plugin", "list")
    assert (result.returncode, result.stderr) == (0, "")
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["NAME", "VERSION", "DESCRIPTION"],
        ["harden", "0.1.0", "Check and harden the securityContext of workloads in rendered charts"],
    ]


def test_helm3_loads_and_runs_the_plugin_with_the_nested_v1_file(helm3_env, plugin_folder):
    plugin = plugin_folder()
    assert (plugin / "helm4" / "harden-postrender" / "plugin.yaml").is_file()
    env = {**helm3_env, "HELM_PLUGINS": str(plugin.parent)}
    result = helm(env, "harden", "check", REPO / "charts-under-test" / "hardened", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert report["summary"]["workloads"] == 9


def test_helm3_would_break_on_a_v1_plugin_file_at_the_top_level(helm3_env, tmp_path):
    """Why the v1 plugin is nested: at the top of the plugins folder Helm 3 rejects it, and
    with it every plugin."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "harden").symlink_to(REPO, target_is_directory=True)
    (plugins / "harden-postrender").symlink_to(PLUGIN_DIR, target_is_directory=True)
    result = helm({**helm3_env, "HELM_PLUGINS": str(plugins)}, "plugin", "list")
    assert result.returncode == 1
    assert 'json: unknown field "apiVersion"' in result.stderr

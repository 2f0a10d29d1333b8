"""Smaller frictions found trying helm-harden on real charts: a stable post-renderer path, the
user's helm before the one installed with helm-harden, arguments in the wrong order and
mistyped paths explained, counts in the singular, and a ``version`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import web_deployment
from helm_harden import __version__

BIN = Path(sys.executable).parent
HELM = BIN / "helm"
DEPLOYMENT = web_deployment(
    pod="\n      automountServiceAccountToken: false"
        "\n      securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: {type: RuntimeDefault}}",
    container="\n          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}"
              "\n          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}",
)


@pytest.fixture
def chart(tmp_path) -> Path:
    chart = tmp_path / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "templates" / "deployment.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    return chart


# --- version ------------------------------------------------------------------------------


def test_version_command(harden, tmp_path):
    result = harden("version", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"helm-harden {__version__}\n", "")
    assert harden("--version", cwd=tmp_path).stdout == f"helm-harden, version {__version__}\n"


# --- counts -------------------------------------------------------------------------------


def test_one_workload_and_one_object_are_singular(harden, chart, tmp_path):
    clean = harden("check", str(chart), cwd=tmp_path)
    assert (clean.returncode, clean.stdout.splitlines()[-1]) == (0, "No findings in 1 workload (1 object checked).")
    (chart / "templates" / "deployment.yaml").write_text(DEPLOYMENT.replace("web:1.0", "web:latest"), encoding="utf-8")
    found = harden("check", str(chart), cwd=tmp_path)
    assert (found.returncode, found.stdout.splitlines()[-1]) == (
        1, "1 finding (1 warning) in 1 workload, 1 object checked: 0 fixable by post-render, 1 needs a chart change.")


def test_counts_above_one_are_plural(harden, chart, tmp_path):
    (chart / "templates" / "second.yaml").write_text(DEPLOYMENT.replace("name: web\n", "name: api\n", 1), encoding="utf-8")
    result = harden("check", str(chart), cwd=tmp_path)
    assert result.stdout.splitlines()[-1] == "No findings in 2 workloads (2 objects checked)."


# --- arguments in the wrong order, mistyped paths -----------------------------------------


def one_error(result) -> str:
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    [line] = result.stderr.splitlines()
    return line


def test_release_name_before_the_chart_is_explained(harden, chart):
    assert one_error(harden("check", "myrel", "./web", cwd=chart.parent)) == (
        "helm-harden: error: myrel: no such file, directory or chart; the chart comes first, then helm's arguments: "
        "helm-harden check ./web myrel")


def test_a_mistyped_chart_name_is_explained(harden, chart):
    assert one_error(harden("check", "wbe", cwd=chart.parent)) == (
        "helm-harden: error: wbe: no such file, directory or chart (a chart reference looks like repo/chart, "
        "oci://registry/chart, or NAME --repo URL)")


def test_a_mistyped_path_below_a_folder_is_explained(harden, chart):
    assert one_error(harden("check", "web/tmplates", cwd=chart.parent)) == (
        "helm-harden: error: web/tmplates: no such file or directory")


def test_a_chart_name_with_repo_still_goes_to_helm(harden, chart):
    """``NAME --repo URL`` is a chart reference helm resolves: its own error is shown (exit 3)."""
    result = harden("check", "web", "--repo", "http://127.0.0.1:9", cwd=chart.parent.parent)
    assert result.returncode == 3
    assert result.stderr.splitlines()[-1] == "helm-harden: error: helm template web failed with exit code 1"


# --- the user's helm first ----------------------------------------------------------------


def test_the_users_helm_comes_before_the_one_installed_beside_helm_harden(harden, harden_env, chart, tmp_path):
    """pre-commit and the Action put their environment's bin (holding PyPI's helm) first on PATH;
    a helm of the user's own elsewhere on PATH is the one to run."""
    users = tmp_path / "users-bin"
    users.mkdir()
    log = tmp_path / "users-helm.log"
    (users / "helm").write_text(f'#!/bin/sh\necho "$1" >> "{log}"\nexec "{HELM}" "$@"\n', encoding="utf-8")
    (users / "helm").chmod(0o755)
    env = {key: value for key, value in harden_env.items() if key != "HELM_BIN"}
    env["PATH"] = os.pathsep.join([str(BIN), str(users), os.defpath])
    result = harden("check", str(chart), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert log.read_text(encoding="utf-8") == "template\n"
    # With no other helm on PATH, the one beside helm-harden is used.
    env["PATH"] = os.pathsep.join([str(BIN), os.defpath])
    log.unlink()
    assert harden("check", str(chart), cwd=tmp_path, env=env).returncode == 0
    assert not log.exists()


# --- one stable command for the plugin's post-renderer ------------------------------------


def test_post_renderer_path_prints_the_installed_plugins_post_renderer(plugin_folder, isolated_env, chart, tmp_path):
    plugin = plugin_folder(name="whatever-folder-helm-chose")
    env = {**isolated_env, "HELM_PLUGINS": str(plugin.parent)}

    def helm(*args):
        return subprocess.run([str(HELM), *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)

    printed = helm("harden", "post-renderer-path")
    assert (printed.returncode, printed.stderr) == (0, "")
    assert printed.stdout == f"{plugin}/scripts/post-render\n"
    helm4 = helm("harden", "post-renderer-path", "--helm4-plugin")
    assert helm4.stdout == f"{plugin}/helm4/harden-postrender\n"
    assert (Path(helm4.stdout.strip()) / "plugin.yaml").is_file()
    (chart / "templates" / "deployment.yaml").write_text(DEPLOYMENT.replace("runAsNonRoot: true, ", ""), encoding="utf-8")
    rendered = helm("template", str(chart), "--post-renderer", printed.stdout.strip())
    assert rendered.returncode == 0, rendered.stderr
    assert "runAsNonRoot: true" in rendered.stdout


def test_post_renderer_path_outside_the_plugin_says_what_to_use(harden, tmp_path):
    assert one_error(harden("post-renderer-path", cwd=tmp_path)) == (
        "helm-harden: error: not running as the harden Helm plugin (run: helm harden post-renderer-path); "
        "without the plugin, give Helm --post-renderer helm-harden --post-renderer-args post-render")

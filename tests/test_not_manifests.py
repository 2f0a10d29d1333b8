"""Input that is not Kubernetes manifests is an error (exit 2), never "No findings".

A values file, a chart's ``ci/`` folder, an empty pipe from a ``helm template`` that failed: each
used to pass as a clean scan of "1 objects" or of nothing. Every check target must hold at least
one object, and every document an ``apiVersion`` and a ``kind``; the one-line error names the
file and document.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import web_deployment

DEPLOYMENT = web_deployment(
    pod="\n      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}",
    container="\n          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}",
)


def one_error(result: subprocess.CompletedProcess) -> str:
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def chart(tmp_path) -> Path:
    """A chart shaped like most: values.yaml and ci/*-values.yaml beside its templates."""
    chart = tmp_path / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "ci").mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "values.yaml").write_text("image:\n  repository: registry.example.com/web\n  tag: \"1.0\"\n", encoding="utf-8")
    (chart / "ci" / "default-values.yaml").write_text("replicas: 1\n", encoding="utf-8")
    (chart / "ci" / "ha-values.yaml").write_text("replicas: 3\n", encoding="utf-8")
    (chart / "templates" / "deployment.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    return chart


def test_a_values_file_is_not_manifests(harden, chart):
    assert one_error(harden("check", "values.yaml", cwd=chart)) == (
        "helm-harden: error: values.yaml (document 1): not a Kubernetes object: it has no apiVersion and no kind "
        "(a values file? check the chart with -f values.yaml)")


def test_a_ci_folder_is_not_manifests(harden, chart):
    assert one_error(harden("check", "ci/", cwd=chart)) == (
        "helm-harden: error: ci/default-values.yaml (document 1): not a Kubernetes object: it has no apiVersion and no kind "
        "(a values file? check the chart with -f ci/default-values.yaml)")


@pytest.mark.parametrize("stdin", ["", "\n", "---\n", "# nothing rendered\n---\n# Source: web/templates/x.yaml\n"])
def test_standard_input_without_objects_is_an_error(harden, tmp_path, stdin):
    assert one_error(harden("check", "-", cwd=tmp_path, stdin=stdin)) == (
        "helm-harden: error: <stdin>: no Kubernetes objects (did the command before the pipe fail?)")


def test_a_failed_render_piped_into_check_fails(harden, harden_env, chart):
    """``helm template … | helm-harden check -``: helm fails, writes nothing, and check must fail."""
    (chart / "templates" / "broken.yaml").write_text("{{ required \"a password is required\" .Values.password }}\n",
                                                     encoding="utf-8")
    result = subprocess.run(
        ["sh", "-c", f'helm template "$1" | "$2" -m helm_harden check -', "sh", str(chart), sys.executable],
        capture_output=True, text=True, env=harden_env, cwd=chart, timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "helm-harden: error: <stdin>: no Kubernetes objects (did the command before the pipe fail?)")


@pytest.mark.parametrize("options", [["--pss", "baseline"], ["--diff"], ["--format", "json"]])
def test_every_kind_of_check_refuses_an_empty_stream(harden, tmp_path, options):
    assert one_error(harden("check", "-", *options, cwd=tmp_path, stdin="")) == (
        "helm-harden: error: <stdin>: no Kubernetes objects (did the command before the pipe fail?)")


def test_a_file_of_empty_documents_is_an_error(harden, tmp_path):
    (tmp_path / "empty.yaml").write_text("---\n# nothing\n---\n", encoding="utf-8")
    assert one_error(harden("check", "empty.yaml", cwd=tmp_path)) == "helm-harden: error: empty.yaml: no Kubernetes objects"


@pytest.mark.parametrize(("head", "missing"), [
    ("kind: ConfigMap\n", "no apiVersion"),
    ("apiVersion: v1\n", "no kind"),
    ("apiVersion: v1\nkind: ''\n", "no kind"),
    ("apiVersion: 1\nkind: ConfigMap\n", "no apiVersion"),
])
def test_a_document_without_apiversion_or_kind_names_the_document(harden, tmp_path, head, missing):
    (tmp_path / "app.yaml").write_text(DEPLOYMENT + "---\n" + head + "metadata:\n  name: settings\n", encoding="utf-8")
    assert one_error(harden("check", "app.yaml", cwd=tmp_path)) == (
        f"helm-harden: error: app.yaml (document 2): not a Kubernetes object: it has {missing}")


def test_a_template_rendering_a_non_object_names_the_template(harden, chart):
    (chart / "templates" / "settings.yaml").write_text("replicas: 2\n", encoding="utf-8")
    assert one_error(harden("check", str(chart), cwd=chart)) == (
        "helm-harden: error: web/templates/settings.yaml: not a Kubernetes object: it has no apiVersion and no kind")


def test_a_chart_rendering_nothing_is_an_error(harden, chart):
    (chart / "templates" / "deployment.yaml").write_text("{{- if .Values.enabled }}\n" + DEPLOYMENT + "{{- end }}\n",
                                                         encoding="utf-8")
    assert one_error(harden("check", str(chart), cwd=chart)) == (
        f"helm-harden: error: {chart}: helm template rendered no Kubernetes objects (are they disabled in the values?)")


def test_manifests_still_pass(harden, chart):
    (chart / "app.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    result = harden("check", "app.yaml", "--fail-on", "never", "--format", "json", cwd=chart)
    assert (result.returncode, result.stderr) == (0, "")
    summary = json.loads(result.stdout)["summary"]
    assert (summary["objects"], summary["workloads"]) == (1, 1)

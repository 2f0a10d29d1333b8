"""`fix --format flux|kustomize`: patches for the fields values cannot reach, applied by the real
kustomize (kubectl's) the way Flux and `kustomize build --enable-helm` apply them."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES_DIR, helm_for_tests, kubectl_for_tests

CHARTS = FIXTURES_DIR / "values-charts"
CRON_CONTAINER = "/spec/jobTemplate/spec/template/spec/containers/0"
CRON_POD = "/spec/jobTemplate/spec/template/spec"


def _kubectl() -> str:
    return kubectl_for_tests()  # the test extra's, never a kubectl that happens to be on PATH


def _check(harden, stream: str) -> set[tuple]:
    result = harden("check", "-", "--format", "json", "--fail-on", "never", stdin=stream)
    assert result.returncode == 0, result.stderr
    return {(f["rule"], f["name"], f["container"], f["fixable"]) for f in json.loads(result.stdout)["findings"]}


def _fix(harden, chart: str, *args: str) -> subprocess.CompletedProcess:
    result = harden("fix", str(CHARTS / chart), *args)
    assert result.returncode == 0, result.stderr
    return result


def test_flux_fragment_patches_what_values_cannot_reach(harden, tmp_path, isolated_env):
    out = tmp_path / "helmrelease.yaml"
    _fix(harden, "hardcoded", "cleanup", "--format", "flux", "--output", str(out))
    spec = yaml.safe_load(out.read_text())["spec"]
    [renderer] = spec["postRenderers"]
    [patch] = renderer["kustomize"]["patches"]
    assert spec["values"] == {}
    assert patch["target"] == {"group": "batch", "version": "v1", "kind": "CronJob", "name": "cleanup-cleanup"}
    assert yaml.safe_load(patch["patch"]) == [
        {"op": "add", "path": f"{CRON_POD}/securityContext/runAsNonRoot", "value": True},
        {"op": "add", "path": f"{CRON_POD}/securityContext/seccompProfile", "value": {"type": "RuntimeDefault"}},
        {"op": "add", "path": f"{CRON_CONTAINER}/securityContext",
         "value": {"capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": False}},
    ]
    # What Flux does: helm renders, then kustomize applies the patches to the stream.
    rendered = subprocess.run([helm_for_tests(), "template", "cleanup", str(CHARTS / "hardcoded")],
                              env=isolated_env, capture_output=True, text=True, check=True).stdout
    build = tmp_path / "flux"
    build.mkdir()
    (build / "all.yaml").write_text(rendered)
    (build / "kustomization.yaml").write_text(yaml.safe_dump({"resources": ["all.yaml"], **renderer["kustomize"]}))
    patched = subprocess.run([_kubectl(), "kustomize", str(build)], capture_output=True, text=True, check=True).stdout
    assert _check(harden, patched) == {("read-only-root-filesystem", "cleanup-cleanup", "cleanup", False),
                                       ("automount-service-account-token", "cleanup-cleanup", None, False)}


def test_flux_gives_hooks_no_patch(harden, tmp_path):
    out = tmp_path / "helmrelease.yaml"
    result = _fix(harden, "nested", "--format", "flux", "--output", str(out))
    spec = yaml.safe_load(out.read_text())["spec"]
    assert "postRenderers" not in spec  # the only object values cannot fully fix is a hook Job
    assert spec["values"]["controller"]["podSecurityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert ("  patch   drop-capabilities          Job release-name-admission-patch container patch: no values key reaches "
            "this field; a hook: Flux's post-renderers never see it, kustomize --enable-helm does"
            " (tests/fixtures/values-charts/nested/templates/webhook-job.yaml:15)") in result.stderr.splitlines()


def test_kustomize_component_hardens_the_chart_with_enable_helm(harden, tmp_path, isolated_env):
    component = tmp_path / "hardening" / "kustomization.yaml"
    component.parent.mkdir()
    values = tmp_path / "hardened-values.yaml"
    _fix(harden, "nested", "web", "--format", "values", "--output", str(values), "--format", "kustomize", "--output", str(component))
    charts = tmp_path / "charts"
    charts.mkdir()
    shutil.copytree(CHARTS / "nested", charts / "nested")
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "helmCharts": [{"name": "nested", "releaseName": "web", "additionalValuesFiles": [values.name]}],
        "helmGlobals": {"chartHome": "charts"},
        "components": ["hardening"],
    }))
    built = subprocess.run([_kubectl(), "kustomize", "--enable-helm", str(tmp_path)], env=isolated_env,
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    fixable = {finding for finding in _check(harden, built.stdout) if finding[3]}
    assert fixable == set()  # values fixed some, the component's patches the rest: nothing left to fill

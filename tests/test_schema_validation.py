"""Hardened output validates against the Kubernetes OpenAPI schemas.

kubernetes-validate ships the schemas of every Kubernetes version it supports, so this runs
offline. The strict schemas reject unknown fields: a fix that put a field in the wrong place, or
one the target version does not know (appArmorProfile before 1.30), fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import all_versions, latest_version

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent
CHARTS = REPO / "charts-under-test"
BIN = Path(sys.executable).parent
HELM = BIN / "helm"
HARDEN = BIN / "helm-harden"
POST_RENDER = ["--post-renderer", str(HARDEN), "--post-renderer-args", "post-render"]
NEWEST = ".".join(latest_version().split(".")[:2])
VERSIONS = ["1.30", NEWEST]

CASES = [
    pytest.param("insecure", (), id="insecure"),
    pytest.param("hardened", (), id="hardened"),
    pytest.param("webapp", (), id="webapp"),
    *(
        pytest.param("webapp", ("-f", str(values)), id=f"webapp-{values.stem}")
        for values in sorted((CHARTS / "webapp" / "ci").glob("*-values.yaml"))
    ),
]

OPT_IN = """\
rules:
  read-only-root-filesystem:
    fix: true
  run-as-user-group:
    fix: true
    run_as_user: 10001
    run_as_group: 10001
    fs_group: 10001
  resource-limits:
    fix: true
    require_cpu_limit: true
"""


def test_the_cases_cover_every_chart():
    charts = {p.values[0] for p in CASES}
    assert charts == {c.name for c in CHARTS.iterdir() if (c / "Chart.yaml").is_file()}


def test_the_package_ships_the_versions_used_here():
    shipped = {".".join(v.split(".")[:2]) for v in all_versions()}
    assert {"1.29", "1.30", NEWEST} <= shipped
    assert tuple(map(int, NEWEST.split("."))) >= (1, 33)


@pytest.fixture(scope="module")
def env(isolated_env) -> dict[str, str]:
    return isolated_env


def template(env, chart: str, *args, config: Path | None = None) -> str:
    extra = {"HELM_HARDEN_CONFIG": str(config)} if config else {}
    result = subprocess.run(
        [str(HELM), "template", str(CHARTS / chart), *args, *POST_RENDER],
        capture_output=True, text=True, env={**env, **extra}, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def harden_stream(env, stream: str, config: Path | None = None) -> str:
    """The whole stream, hooks included (as Helm 4 sends it)."""
    extra = {"HELM_HARDEN_CONFIG": str(config)} if config else {}
    result = subprocess.run(
        [str(HARDEN), "post-render", "--quiet"], input=stream, capture_output=True, text=True, env={**env, **extra}, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def schema_errors(stream: str, version: str) -> list[str]:
    errors = []
    objects = [o for o in yaml.safe_load_all(stream) if o]
    assert objects
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(p) for p in error.path)
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {where}: {error.message}")
    return errors


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("chart, args", CASES)
def test_post_rendered_charts_validate(env, chart, args, version):
    assert schema_errors(template(env, chart, *args), version) == []


@pytest.mark.parametrize("chart, args", CASES)
def test_post_rendered_hooks_validate_too(env, chart, args):
    plain = subprocess.run(
        [str(HELM), "template", str(CHARTS / chart), *args], capture_output=True, text=True, env=env, timeout=120
    ).stdout
    assert schema_errors(harden_stream(env, plain), NEWEST) == []


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("chart, args", [p for p in CASES if p.id in ("insecure", "webapp", "webapp-insecure-values")])
def test_opt_in_fix_sets_validate(env, tmp_path, chart, args, version):
    config = tmp_path / "opt-in.yaml"
    config.write_text(OPT_IN, encoding="utf-8")
    stream = template(env, chart, *args, config=config)
    assert "helm-harden-tmp" in stream
    assert schema_errors(stream, version) == []


@pytest.mark.parametrize("kube_version, marker", [("1.29", "container.apparmor.security.beta.kubernetes.io/webapp: runtime/default"),
                                                  ("1.30", "appArmorProfile:")])
def test_apparmor_fix_validates_for_its_kubernetes_version(env, tmp_path, kube_version, marker):
    config = tmp_path / "apparmor.yaml"
    config.write_text(
        f'kube_version: "{kube_version}"\nrules:\n  apparmor-profile:\n    require: true\n    fix: true\n', encoding="utf-8"
    )
    stream = template(env, "webapp", "--kube-version", kube_version, config=config)
    assert marker in stream
    assert schema_errors(stream, kube_version) == []
    if kube_version == "1.29":
        # The field would not be known yet: the annotation was the right choice.
        assert "appArmorProfile" not in stream

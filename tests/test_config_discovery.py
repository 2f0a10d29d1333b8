"""One config, found the same way by every command: ``--config``, else ``$HELM_HARDEN_CONFIG``,
else ``.helm-harden.yaml`` in the current directory or above it.

``check`` used to look next to the chart and post-render in the current directory, so the same
chart got different verdicts from the two. Post-render has no path to start from (Helm runs it
in the directory helm was started in), so the current directory is the rule for everyone; a
config beside the chart that is not the one in effect is pointed out.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import web_deployment

DEPLOYMENT = web_deployment()
ROOT_CONFIG = "rules:\n  no-privilege-escalation: {enabled: false}\n  seccomp-profile: {enabled: false}\n"
CHART_CONFIG = "rules:\n  drop-capabilities: {enabled: false}\n"
NO_CONFIG = ("config: none (no --config, $HELM_HARDEN_CONFIG or .helm-harden.yaml in the current directory "
             "or above it): the defaults")


@pytest.fixture
def env(harden_env) -> dict[str, str]:
    return {key: value for key, value in harden_env.items() if key != "HELM_HARDEN_CONFIG"}


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository with a config at its root and another one beside its chart."""
    root = (tmp_path / "repo").resolve()
    chart = root / "charts" / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "templates" / "deployment.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    (chart / ".helm-harden.yaml").write_text(CHART_CONFIG, encoding="utf-8")
    (root / ".helm-harden.yaml").write_text(ROOT_CONFIG, encoding="utf-8")
    return root


def rules_of(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 1, result.stderr
    return sorted({finding["rule"] for finding in json.loads(result.stdout)["findings"]})


ROOT_RULES = ["automount-service-account-token", "drop-capabilities", "read-only-root-filesystem", "resource-limits",
              "run-as-non-root", "run-as-user-group"]


def test_check_uses_the_config_of_the_current_directory_and_says_which_it_ignores(harden, env, repo):
    result = harden("check", "charts/web", "--format", "json", cwd=repo, env=env)
    assert rules_of(result) == ROOT_RULES
    assert result.stderr == (
        f"helm-harden: warning: {repo}/charts/web/.helm-harden.yaml is not used: the config comes from the current "
        f"directory or above it ({repo}/.helm-harden.yaml); give --config {repo}/charts/web/.helm-harden.yaml to use it\n")
    # From a folder below the root, the root's config is still the one found.
    below = harden("check", "web", "--format", "json", cwd=repo / "charts", env=env)
    assert rules_of(below) == ROOT_RULES


def test_check_and_post_render_of_the_same_chart_agree(harden, env, repo):
    checked = harden("check", "charts/web", "--format", "json", "--fail-on", "never", cwd=repo, env=env)
    fixable = sorted({f["rule"] for f in json.loads(checked.stdout)["findings"] if f["fixable"]})
    assert fixable == ["drop-capabilities", "run-as-non-root"]
    rendered = subprocess.run([str(Path(sys.executable).parent / "helm"), "template", "charts/web"],
                              capture_output=True, text=True, env=env, cwd=repo, timeout=120, check=True).stdout
    hardened = harden("post-render", "--quiet", cwd=repo, env=env, stdin=rendered)
    assert hardened.returncode == 0, hardened.stderr
    # Exactly the two fixes check promised: no allowPrivilegeEscalation, no seccomp profile.
    added = [line for line in hardened.stdout.splitlines() if line not in rendered.splitlines()]
    assert added == ["          securityContext:", "            capabilities:", "              drop:", "                - ALL",
                     "      securityContext:", "        runAsNonRoot: true"]
    again = harden("check", "-", "--format", "json", "--fail-on", "never", cwd=repo, env=env, stdin=hardened.stdout)
    assert [f["rule"] for f in json.loads(again.stdout)["findings"] if f["fixable"]] == []


def test_an_explicit_config_silences_the_note(harden, env, repo):
    result = harden("check", "charts/web", "--format", "json", "--config", "charts/web/.helm-harden.yaml", cwd=repo, env=env)
    assert result.stderr == ""
    assert rules_of(result) == ["automount-service-account-token", "no-privilege-escalation", "read-only-root-filesystem", "resource-limits",
                                "run-as-non-root", "run-as-user-group", "seccomp-profile"]


def test_rules_says_which_config_is_in_effect(harden, env, repo, tmp_path):
    def last_line(*args, cwd, extra_env=None):
        result = harden("rules", *args, cwd=cwd, env={**env, **(extra_env or {})})
        assert (result.returncode, result.stderr) == (0, "")
        return result.stdout.splitlines()[-1]

    assert last_line(cwd=repo) == f"config: {repo}/.helm-harden.yaml"
    assert last_line(cwd=repo / "charts" / "web" / "templates") == f"config: {repo}/charts/web/.helm-harden.yaml"
    assert last_line("--config", "charts/web/.helm-harden.yaml", cwd=repo) == "config: charts/web/.helm-harden.yaml"
    assert last_line(cwd=repo, extra_env={"HELM_HARDEN_CONFIG": str(repo / "charts/web/.helm-harden.yaml")}) == (
        f"config: {repo}/charts/web/.helm-harden.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert last_line(cwd=elsewhere) == NO_CONFIG

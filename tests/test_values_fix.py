"""`helm-harden fix` on fixture charts shaped like real ones, with the real helm: the overlay renders,
removes exactly the findings it claims, adds none, and names keys the chart really reads."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES_DIR

CHARTS = FIXTURES_DIR / "values-charts"


def _findings(harden, chart: Path, *helm_args: str) -> set[tuple]:
    result = harden("check", str(chart), *helm_args, "--format", "json", "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    return {(f["rule"], f["kind"], f["name"], f["container"], f["path"]) for f in json.loads(result.stdout)["findings"]}


@pytest.fixture(scope="module")
def fixed(harden_env, tmp_path_factory):
    """Run fix once per chart and flags: (overlay text, summary, overlay path)."""
    out = tmp_path_factory.mktemp("overlays")

    def harden(*args):
        return subprocess.run([sys.executable, "-m", "helm_harden", *args], cwd=FIXTURES_DIR.parent.parent,
                              env=harden_env, capture_output=True, text=True, timeout=180)

    cache = {}

    def run(name: str, *helm_args: str) -> tuple[str, str, Path]:
        key = (name, helm_args)
        if key not in cache:
            path = out / f"{name}-{len(cache)}.yaml"
            result = harden("fix", str(CHARTS / name), *helm_args, "--output", str(path))
            assert result.returncode == 0, result.stderr
            cache[key] = (path.read_text(), result.stderr, path)
        return cache[key]

    return run


EXPECTED_OVERLAYS = {
    # bitnami's shape: the switch is turned on, the fills go into the switched map.
    "switches": {
        "podSecurityContext": {"enabled": True, "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containerSecurityContext": {"enabled": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    },
    # ingress-nginx's shape: nested controller.* keys, a hook Job's own map.
    "nested": {
        "controller": {
            "podSecurityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "admissionWebhooks": {"patch": {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}}},
        }
    },
    # nothing in values reaches the CronJob's fields.
    "hardcoded": {},
    # the exporter's map is the privileged agent's too: allowPrivilegeEscalation: false would get
    # the agent rejected by the API server, so the map (kept or dropped whole) gets nothing.
    "shared-privileged": {},
    # the chart refuses the probe's marker keys: nothing is known, so nothing is written.
    "strict": {},
    # a subchart's keys under its name, a global, and a map given to a library chart's helper.
    "umbrella": {
        "backend": {"containerSecurityContext": {"capabilities": {"drop": ["ALL"]}}},
        "global": {"podSecurityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}},
        # the pod has no securityContext of its own: the container's takes the inherited seccompProfile
        "worker": {"securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                       "seccompProfile": {"type": "RuntimeDefault"}}},
    },
}

SC = "/spec/template/spec/containers/0/securityContext/"

# What the overlay removes: the findings post-render would fix that values reach (plus, for the
# switches, the runAsUser the chart's switched-on map already held).
EXPECTED_REMOVED = {
    "switches": {
        ("run-as-non-root", "Deployment", "release-name-api", "api", SC + "runAsNonRoot"),
        ("run-as-user-group", "Deployment", "release-name-api", "api", SC + "runAsUser"),
        ("drop-capabilities", "Deployment", "release-name-api", "api", SC + "capabilities/drop"),
        ("no-privilege-escalation", "Deployment", "release-name-api", "api", SC + "allowPrivilegeEscalation"),
        ("seccomp-profile", "Deployment", "release-name-api", "api", SC + "seccompProfile"),
    },
    "nested": {
        ("run-as-non-root", "Deployment", "release-name-controller", "controller", SC + "runAsNonRoot"),
        ("seccomp-profile", "Deployment", "release-name-controller", "controller", SC + "seccompProfile"),
        ("run-as-non-root", "Job", "release-name-admission-patch", "patch", SC + "runAsNonRoot"),
        ("seccomp-profile", "Job", "release-name-admission-patch", "patch", SC + "seccompProfile"),
    },
    "hardcoded": set(),
    "shared-privileged": set(),
    "strict": set(),
    "umbrella": {
        ("run-as-non-root", "Deployment", "release-name-backend", "backend", SC + "runAsNonRoot"),
        ("drop-capabilities", "Deployment", "release-name-backend", "backend", SC + "capabilities/drop"),
        ("seccomp-profile", "Deployment", "release-name-backend", "backend", SC + "seccompProfile"),
        ("drop-capabilities", "StatefulSet", "release-name-worker", "worker", SC + "capabilities/drop"),
        ("no-privilege-escalation", "StatefulSet", "release-name-worker", "worker", SC + "allowPrivilegeEscalation"),
        ("seccomp-profile", "StatefulSet", "release-name-worker", "worker", SC + "seccompProfile"),
    },
}


@pytest.mark.parametrize("chart", sorted(EXPECTED_OVERLAYS))
def test_overlay_holds_the_keys_the_chart_reads(fixed, chart):
    text, _, _ = fixed(chart)
    assert (yaml.safe_load(text) or {}) == EXPECTED_OVERLAYS[chart]


@pytest.mark.parametrize("chart", sorted(EXPECTED_OVERLAYS))
def test_overlay_removes_what_it_claims_and_adds_nothing(harden, fixed, chart):
    _, _, path = fixed(chart)
    before = _findings(harden, CHARTS / chart)
    after = _findings(harden, CHARTS / chart, "-f", str(path))
    assert before - after == EXPECTED_REMOVED[chart]
    assert after - before == set()


def test_every_key_says_which_finding_it_fixes(fixed):
    text, _, _ = fixed("nested")
    lines = text.splitlines()
    assert lines[lines.index("      securityContext:") + 1] == (
        "        # fixes run-as-non-root: Job release-name-admission-patch container patch")


def test_summary_says_finding_by_finding_what_fixes_it(fixed):
    _, summary, _ = fixed("nested")
    lines = [line.strip() for line in summary.splitlines()]
    assert ("values  seccomp-profile            Job release-name-admission-patch container patch: "
            "set controller.admissionWebhooks.patch.securityContext.seccompProfile.type: RuntimeDefault") in lines
    assert ("patch   no-privilege-escalation    Job release-name-admission-patch container patch: "
            "no values key reaches this field; a hook: Flux's post-renderers never see it, kustomize --enable-helm does "
            "(tests/fixtures/values-charts/nested/templates/webhook-job.yaml:15)") in lines
    assert "4 fixed by values (4 of 6 that post-render fixes), 2 need a patch, 8 need a change by hand; 6 helm renders." in lines


def test_the_same_chart_gives_the_same_overlay(harden, fixed, tmp_path):
    first, _, _ = fixed("umbrella")
    again = harden("fix", str(CHARTS / "umbrella"))
    assert again.returncode == 0, again.stderr
    assert again.stdout == first


def test_a_value_the_user_set_is_kept_unless_asked(harden, fixed, tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("backend:\n  containerSecurityContext:\n    capabilities:\n      drop: []\n")
    text, summary, _ = fixed("umbrella", "-f", str(mine))
    assert "backend" not in yaml.safe_load(text)
    assert ("patch   drop-capabilities          Deployment release-name-backend container backend: you set "
            "backend.containerSecurityContext.capabilities.drop; --override-user-values lets fix change it") in summary
    text, _, path = fixed("umbrella", "-f", str(mine), "--override-user-values")
    assert yaml.safe_load(text)["backend"] == {"containerSecurityContext": {"capabilities": {"drop": ["ALL"]}}}
    assert ("drop-capabilities", "Deployment", "release-name-backend", "backend", SC + "capabilities/drop") not in _findings(
        harden, CHARTS / "umbrella", "-f", str(mine), "-f", str(path))


def test_fix_passes_the_users_flags_to_every_render(fixed):
    text, _, _ = fixed("switches", "--set", "containerSecurityContext.enabled=true", "--namespace", "team-a")
    overlay = yaml.safe_load(text)
    # the switch the user turned on is not written again; the fills still go into its map
    assert overlay["containerSecurityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def test_fix_refuses_what_is_not_a_chart(harden, tmp_path):
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n")
    result = harden("fix", str(tmp_path / "pod.yaml"))
    assert result.returncode == 2
    assert result.stderr == f"helm-harden: error: {tmp_path / 'pod.yaml'}: fix and values hints need a chart directory or a packaged .tgz chart\n"


def test_a_chart_repository_gets_one_overlay_per_chart(harden, tmp_path):
    out = tmp_path / "overlays"
    result = harden("fix", str(CHARTS), "--output-dir", str(out))
    assert result.returncode == 0, result.stderr
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml"))
    assert written == [f"{chart}/hardened-values.yaml" for chart in sorted(EXPECTED_OVERLAYS)]
    for chart, expected in EXPECTED_OVERLAYS.items():
        assert (yaml.safe_load((out / chart / "hardened-values.yaml").read_text()) or {}) == expected, chart
    assert f"  wrote {out / 'umbrella' / 'hardened-values.yaml'}" in result.stderr.splitlines()


def test_a_chart_repository_takes_an_output_dir_not_an_output(harden, tmp_path):
    result = harden("fix", str(CHARTS), "--output", str(tmp_path / "x.yaml"))
    assert (result.returncode, result.stderr.splitlines()[-1]) == (
        2, "helm-harden: error: a directory of charts gets one file per chart: use --output-dir, not --output"
           " (see: python -m helm_harden fix --help)")


def test_a_chart_that_refuses_the_markers_says_the_keys_are_not_known(fixed):
    _, summary, _ = fixed("strict")
    lines = summary.splitlines()
    assert ("  patch   run-as-non-root            Deployment release-name-strict container app: not known whether a values key "
            "reaches this field: the chart does not render with probe markers (see the note) "
            "(tests/fixtures/values-charts/strict/templates/deployment.yaml:19)") in lines
    notes = [line for line in lines if line.startswith("  note: ")]
    assert [note.split(" (")[0] for note in notes] == [
        "  note: the chart does not render with maps markers", "  note: the chart does not render with switched markers"]


def test_a_key_that_would_also_land_on_a_privileged_container_is_left_to_a_patch(fixed):
    """allowPrivilegeEscalation: false beside privileged: true is an object the API server rejects:
    the overlay that would write it does not verify, and the summary says why it is left out."""
    _, summary, _ = fixed("shared-privileged")
    lines = [line.strip() for line in summary.splitlines()]
    assert ("patch   no-privilege-escalation    DaemonSet release-name-agent container exporter: "
            "securityContext.allowPrivilegeEscalation: false would fix it, but its values map did not verify (the render"
            " with the map's keys adds or changes a finding elsewhere)"
            " (tests/fixtures/values-charts/shared-privileged/templates/daemonset.yaml:18)") in lines
    assert ("manual  no-privilege-escalation    DaemonSet release-name-agent container agent: no automatic fix: "
            "change the value in the chart or values"
            " (tests/fixtures/values-charts/shared-privileged/templates/daemonset.yaml:25)") in lines

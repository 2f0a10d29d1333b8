"""Each command imports only what it uses: Helm starts the post-renderer on every install, and a
small check's time is mostly start-up, so a module imported for nothing is a cost every run pays.

The modules a run loaded are those in ``sys.modules`` when the real command (the console
script's function) exits; nothing is timed. (``python -X importtime`` would not do: it does not
list what ``importlib.import_module`` imports, which is how rules and report formats load.)
"""

import json
import subprocess
import sys
import types

import pytest

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: nginx:1.27
"""

# Loaded by commands that need them only: the other report formats (and the fingerprints and
# template locations they quote), the Markdown templates, the round-trip YAML writer (a fallback
# for documents the text edits cannot change), helm and the repository scan, the admission model.
ON_DEMAND = (
    "jinja2", "markupsafe", "ruamel",
    "helm_harden.report.json_report", "helm_harden.report.sarif", "helm_harden.report.junit",
    "helm_harden.report.markdown", "helm_harden.report.github", "helm_harden.report.merge",
    "helm_harden.report.locations", "helm_harden.fingerprint",
    "helm_harden.render", "helm_harden.repository", "helm_harden.selection", "helm_harden.baseline",
    "helm_harden.remedy", "helm_harden.values_hints", "helm_harden.admission",
)
CONTROL = "helm_harden.pss.controls."
# Standard modules a small run has no use for, each loaded where it is used: tempfile and pickle
# for a streamed report's held findings, fractions for parse_quantity (rules compare whole nanos),
# decimal for a whole float in a manifest, inspect for the reports that print each rule's
# documentation. Each costs a few milliseconds of every start-up; dataclasses, which compiles
# every method of every class as its module loads, costs a fifth of a small check
# (helm_harden.records makes the package's record classes instead).
DEFERRED_STDLIB = ("tempfile", "pickle", "shutil", "random", "fractions", "decimal", "inspect", "dataclasses")

# The console script, which also writes the names of the modules loaded when it exits to argv[1].
_SCRIPT = """
import atexit, json, sys
modules_file = sys.argv.pop(1)
atexit.register(lambda: open(modules_file, "w").write(json.dumps(sorted(sys.modules))))
from helm_harden.entry import main
sys.exit(main())
"""


def imported(args: list[str], stdin: str, cwd) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run helm-harden with ``args``: the process and every module it imported."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}  # no $HELM_HARDEN_CONFIG, no Helm variables
    modules_file = cwd / "modules.json"
    process = subprocess.run([sys.executable, "-c", _SCRIPT, str(modules_file), *args], input=stdin,
                             capture_output=True, text=True, cwd=cwd, env=env, timeout=120)
    return process, set(json.loads(modules_file.read_text()))


def loaded(modules: set[str], prefixes) -> set[str]:
    return {name for name in modules if name.startswith(tuple(prefixes))}


@pytest.fixture(scope="module")
def shared_controls(tmp_path_factory) -> set[str]:
    """The Pod Security controls whose checks default rules reuse (hostNetwork, hostPath, …)."""
    script = ("import sys\nfrom helm_harden.profiles import default_rules\nfor rule in default_rules(): rule.module\n"
              f"print(*(name for name in sys.modules if name.startswith({CONTROL!r})))")
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    return set(process.stdout.split())


def test_post_render_loads_neither_report_formats_nor_the_controls_it_does_not_run(tmp_path, shared_controls):
    process, modules = imported(["post-render"], DEPLOYMENT, tmp_path)
    assert process.returncode == 0, process.stderr
    assert "runAsNonRoot: true" in process.stdout  # it hardened: the fill path ran
    assert loaded(modules, ON_DEMAND) == set()
    assert loaded(modules, ["click"]) == set()  # its command line is read by quick_args
    assert loaded(modules, DEFERRED_STDLIB) == set()
    assert loaded(modules, [CONTROL]) == shared_controls
    # Every control but those the rules share stays unloaded, the restricted ones among them.
    assert f"{CONTROL}volume_types" not in shared_controls and f"{CONTROL}seccomp_restricted" not in shared_controls


def test_a_quiet_post_render_makes_no_summary(tmp_path):
    process, modules = imported(["post-render", "-q"], DEPLOYMENT, tmp_path)
    assert (process.returncode, process.stderr) == (0, "") and "runAsNonRoot: true" in process.stdout
    assert "helm_harden.report.changes" not in modules


def test_a_text_check_loads_the_text_report_only(tmp_path, shared_controls):
    (tmp_path / "web.yaml").write_text(DEPLOYMENT)
    process, modules = imported(["check", "web.yaml"], "", tmp_path)
    assert process.returncode == 1 and "read-only-root-filesystem" in process.stdout, process.stderr
    assert "helm_harden.report.text" in modules
    assert loaded(modules, ["click"]) == set()  # its command line is read by quick_args
    # One render: its findings merge with no others, so neither fingerprints nor template locations load.
    assert loaded(modules, ON_DEMAND) - {"helm_harden.report.merge"} == set()
    assert loaded(modules, DEFERRED_STDLIB) == set()
    assert loaded(modules, [CONTROL]) == shared_controls


def test_a_pss_check_loads_the_controls_and_the_admission_model(tmp_path):
    (tmp_path / "web.yaml").write_text(DEPLOYMENT)
    process, modules = imported(["check", "web.yaml", "--pss", "restricted", "--format", "json"], "", tmp_path)
    assert process.returncode == 1 and '"pss/seccomp-restricted"' in process.stdout, process.stderr
    assert {"helm_harden.admission", f"{CONTROL}volume_types", f"{CONTROL}seccomp_restricted"} <= modules
    assert loaded(modules, ["helm_harden.report.text", "jinja2", "ruamel"]) == set()


def test_a_command_line_with_a_mistake_is_read_and_refused_by_click(tmp_path):
    process, modules = imported(["check", "web.yaml", "--fail-on", "sometimes"], "", tmp_path)
    assert process.returncode == 2 and "Invalid value for '--fail-on'" in process.stderr
    assert "click" in modules


def test_a_small_check_and_post_render_load_no_typing(tmp_path):
    """typing costs about 3 ms: what these commands use imports it for type checkers only (and
    neither loads the other deferred modules)."""
    (tmp_path / "web.yaml").write_text(DEPLOYMENT)
    check, check_modules = imported(["check", "web.yaml"], "", tmp_path)
    render, render_modules = imported(["post-render"], DEPLOYMENT, tmp_path)
    assert check.returncode == 1 and render.returncode == 0, check.stderr + render.stderr
    assert {"helm_harden.textpatch", "helm_harden.rules.resource_limits"} <= render_modules
    assert loaded(check_modules | render_modules, ["typing", *DEFERRED_STDLIB]) == set()


def test_version_loads_neither_click_nor_the_rules(tmp_path):
    process, modules = imported(["--version"], "", tmp_path)
    assert process.stdout == "helm-harden, version 0.1.0\n"
    assert loaded(modules, ["helm_harden"]) == {"helm_harden", "helm_harden.entry"}
    assert loaded(modules, ["click", "yaml"]) == set()


# --- The registry names every rule without importing it -----------------------------------


def test_every_registered_rule_states_the_id_its_module_name_gives_and_no_newer_policy_than_latest():
    from helm_harden.rules import RULES
    from helm_harden.rules.base import LATEST

    assert [rule.module.ID for rule in RULES if not rule.is_control] == [rule.id for rule in RULES if not rule.is_control]
    assert ["pss/" + rule.module.ID for rule in RULES if rule.is_control] == [rule.id for rule in RULES if rule.is_control]
    assert LATEST == max(revision for rule in RULES for revision in rule.revisions)


def test_a_rule_whose_module_breaks_the_contract_is_refused_when_it_loads():
    from helm_harden.rules.base import Rule, Severity

    control = types.ModuleType("fixing_control", "A control that would fix.")
    control.ID, control.NAME, control.LEVEL, control.FIX = "fixing-control", "Fixing", "baseline", "default"
    with pytest.raises(TypeError, match="fixing_control does not follow the rule contract"):
        Rule.of(control)
    future = types.ModuleType("future_rule", "A rule of a policy version nobody knows.")
    future.ID, future.SUMMARY, future.SEVERITY, future.REVISIONS = "future-rule", "future", Severity.INFO, ((1, 99),)
    with pytest.raises(TypeError, match="future_rule has a revision newer than"):
        Rule.of(future)
    misnamed = Rule.named("helm_harden.rules.no_privileged")
    misnamed.id = "not-privileged"
    with pytest.raises(TypeError, match="states the ID 'no-privileged', not 'not-privileged'"):
        misnamed.severity

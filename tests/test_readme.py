"""The README's promises: its two opening commands, CI running the second, and a rule
reference that matches the code."""

import re
from pathlib import Path

from click.testing import CliRunner

from helm_harden.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _opening_commands() -> list[str]:
    head = README.split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", head)


def test_readme_opens_with_the_two_commands():
    install_and_check, install_and_test = _opening_commands()
    assert install_and_check.startswith("python3 -m venv .venv && ")
    assert "helm-harden check charts-under-test/" in install_and_check
    assert install_and_test.endswith(".venv/bin/python -m pytest")


def test_ci_runs_exactly_the_readme_test_command():
    _, install_and_test = _opening_commands()
    ci_script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci_script.strip().splitlines()[-1] == install_and_test


def test_the_checked_chart_exists():
    install_and_check, _ = _opening_commands()
    chart = install_and_check.rsplit(" ", 1)[-1]
    assert (ROOT / chart / "Chart.yaml").is_file()


def test_rule_reference_is_generated_from_the_rules():
    reference = re.search(r"<!-- rules:start[^\n]*-->\n(.*)<!-- rules:end -->", README, re.S).group(1)
    generated = CliRunner().invoke(main, ["rules", "--format", "markdown"]).output
    assert reference == generated

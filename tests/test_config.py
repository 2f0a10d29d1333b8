"""config: the registry's rules and controls, their settings, and option types checked in one place."""

from __future__ import annotations

import pytest

from helm_harden.config import default_config, parse_config
from helm_harden.errors import ConfigError
from helm_harden.profiles import default_rules
from helm_harden.rules import RULES


def test_the_default_config_enables_the_default_profile_and_knows_every_control():
    config = default_config()
    assert [settings.id for settings in config.rules] == [rule.id for rule in RULES]
    assert [settings.id for settings in config.enabled_rules] == [rule.id for rule in default_rules()]
    controls = [settings for settings in config.rules if settings.id.startswith("pss/")]
    assert len(controls) == 19
    assert {(str(s.severity), s.enabled, s.fix) for s in controls} == {("error", False, False)}


def test_a_control_can_be_enabled_and_given_a_severity():
    config = parse_config("rules:\n  pss/host-probes: {enabled: true, severity: warning}\n", "c.yaml")
    [settings] = [s for s in config.enabled_rules if s.id == "pss/host-probes"]
    assert str(settings.severity) == "warning"


@pytest.mark.parametrize(
    "text, message",
    [
        ("rules:\n  pss/nope: {}\n", "c.yaml: line 2: unknown rule 'pss/nope' (see: helm-harden rules)"),
        ("rules:\n  pss/sysctls: {fix: true}\n", "c.yaml: line 2: pss/sysctls has no fix to enable"),
        ("rules:\n  pss/sysctls: {allowed: []}\n",
         "c.yaml: line 2: unknown setting 'allowed' for pss/sysctls (expected one of: enabled, fix, severity)"),
        ("exemptions:\n  - {rule: pss/nope, reason: r}\n", "c.yaml: line 2: unknown rule 'pss/nope' (see: helm-harden rules)"),
        ("rules:\n  run-as-user-group: {run_as_user: 0}\n", "c.yaml: line 2: run-as-user-group.run_as_user must be at least 1: 0 is root"),
        ("rules:\n  run-as-user-group: {min_id: true}\n", "c.yaml: line 2: run-as-user-group.min_id must be of type int"),
        ("rules:\n  drop-capabilities: {allowed_add: [1]}\n", "c.yaml: line 2: drop-capabilities.allowed_add must be a list of strings"),
    ],
)
def test_mistakes_name_their_line(text, message):
    with pytest.raises(ConfigError) as error:
        parse_config(text, "c.yaml")
    assert str(error.value) == message


def test_an_exemption_may_name_a_control():
    config = parse_config("exemptions:\n  - {rule: pss/host-path-volumes, reason: r}\n", "c.yaml")
    assert [exemption.rule for exemption in config.exemptions] == ["pss/host-path-volumes"]

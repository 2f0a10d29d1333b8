"""Each rule against its fixture in tests/fixtures/rules/<rule-id>.yaml.

Objects named ``pass-*`` must produce no finding and ``fail-*`` at least one, under the rule's
setup in `SETUPS`. The exact findings of each setup are written out below as sorted
``(name, container, path, fixable)`` tuples, and every fix a rule offers must remove its own
violation, add none, and be a no-op the second time.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from helm_harden.config import default_config, load_config
from helm_harden.engine import Engine
from helm_harden.kube_version import parse_kube_version
from helm_harden.manifest import parse_documents
from helm_harden.profiles import default_rules
from helm_harden.rules import RULES
from helm_harden.rules.base import RuleContext
from helm_harden.workload import pods_in

DEFAULT_RULES = default_rules()
# Every rule that is not a Pod Security control (those are tested in test_pss), on by default or not.
RULES_BY_ID = {rule.id: rule for rule in RULES if not rule.is_control}


FIXTURES = Path(__file__).parent / "fixtures" / "rules"


@dataclass(frozen=True)
class Setup:
    """The rule's settings in ``.helm-harden.yaml`` (options, ``fix``) and the --kube-version."""

    settings: dict = field(default_factory=dict)
    kube_version: str | None = None


# The setup under which each fixture's pass-/fail- names hold (its header comment says so too).
SETUPS = {
    "run-as-non-root": Setup(),
    "run-as-user-group": Setup(
        {"min_id": 10000, "run_as_user": 10001, "run_as_group": 10001, "fs_group": 10001, "fix": True}
    ),
    "no-privileged": Setup(),
    "drop-capabilities": Setup(),
    "read-only-root-filesystem": Setup({"fix": True}),
    "no-privilege-escalation": Setup(),
    "seccomp-profile": Setup(kube_version="1.26"),
    "resource-limits": Setup({"fix": True}),
    "image-tag-pinned": Setup(),
    "apparmor-profile": Setup({"require": True, "fix": True}),
    "selinux-options": Setup(),
    "ignore-annotation": Setup(),
    "host-namespaces": Setup(),
    "host-path-volumes": Setup(),
    "host-ports": Setup(),
    "unsafe-sysctls": Setup(kube_version="1.31"),
    "proc-mount-unmasked": Setup(),
    "host-process": Setup(),
    "automount-service-account-token": Setup(),
}

# Further setups whose fixes must hold as well.
EXTRA_SETUPS = [
    ("run-as-user-group", Setup({"run_as_user": 10001, "fix": True})),
    ("drop-capabilities", Setup({"allowed_add": ["NET_RAW", "SYS_TIME"]})),
    ("seccomp-profile", Setup()),
    ("seccomp-profile", Setup(kube_version="1.18")),
    ("resource-limits", Setup({"fix": True, "require_cpu_limit": True})),
    ("apparmor-profile", Setup({"require": True, "fix": True}, kube_version="1.29")),
    ("apparmor-profile", Setup({"require": True, "fix": True}, kube_version="v1.30.2")),
]


def load_fixture(rule_id: str):
    path = FIXTURES / f"{rule_id}.yaml"
    return list(parse_documents(path.read_text(encoding="utf-8"), path.name))


def rule_config(tmp_path: Path, rule_id: str, setup: Setup):
    """A config, read from a real ``.helm-harden.yaml``, that enables only ``rule_id``."""
    rules = {other: {"enabled": False} for other in RULES_BY_ID}
    rules[rule_id] = {"enabled": True, **setup.settings}
    path = tmp_path / ".helm-harden.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}), encoding="utf-8")
    config = load_config(path)
    assert [settings.id for settings in config.enabled_rules] == [rule_id]
    return config


def scan(tmp_path: Path, rule_id: str, setup: Setup | None = None):
    setup = SETUPS[rule_id] if setup is None else setup
    engine = Engine(rule_config(tmp_path, rule_id, setup), parse_kube_version(setup.kube_version))
    result = engine.scan(f"{rule_id}.yaml", load_fixture(rule_id))
    assert {finding.rule for finding in result.findings} <= {rule_id}
    return result.findings


def findings(tmp_path: Path, rule_id: str, setup: Setup | None = None) -> list[tuple]:
    tuples = [(f.name, f.container, f.path, f.fixable) for f in scan(tmp_path, rule_id, setup)]
    return sorted(tuples, key=lambda t: (t[0], t[1] or "", t[2]))


def messages(tmp_path: Path, rule_id: str, name: str, setup: Setup | None = None) -> list[tuple]:
    return sorted((f.container, f.message) for f in scan(tmp_path, rule_id, setup) if f.name == name)


def object_names(document) -> list[str]:
    data = document.data
    if not isinstance(data, dict):
        return []
    if str(data.get("kind", "")).endswith("List"):
        return [item["metadata"]["name"] for item in data.get("items") or []]
    return [data["metadata"]["name"]]


# --- pass-/fail- names, for every fixture -----------------------------------------------------


def test_every_rule_has_a_fixture_and_a_setup():
    assert sorted(SETUPS) == sorted(RULES_BY_ID)
    assert sorted(path.stem for path in FIXTURES.glob("*.yaml")) == sorted(RULES_BY_ID)


@pytest.mark.parametrize("rule_id", sorted(SETUPS))
def test_object_names_say_the_outcome(tmp_path, rule_id):
    names = [name for document in load_fixture(rule_id) for name in object_names(document)]
    failing = {f.name for f in scan(tmp_path, rule_id)}
    assert len(names) == len(set(names)), "object names must be unique"
    assert all(name.startswith(("pass-", "fail-")) for name in names), names
    assert [n for n in names if n.startswith("pass-") and n in failing] == []
    assert [n for n in names if n.startswith("fail-") and n not in failing] == []
    assert any(n.startswith("pass-") for n in names) and any(n.startswith("fail-") for n in names)


@pytest.mark.parametrize("rule_id", sorted(SETUPS))
def test_fixture_covers_every_container_list_and_kind(rule_id):
    kinds, fields = set(), set()
    for document in load_fixture(rule_id):
        for pod in pods_in(document.data):
            kinds.add(pod.kind)
            fields.update(container.field for container in pod.containers())
    assert fields == {"initContainers", "containers", "ephemeralContainers"}
    assert {"Pod", "Deployment", "CronJob", "PodTemplate"} <= kinds
    api_versions = {(d.data["apiVersion"], d.data["kind"]) for d in load_fixture(rule_id)}
    assert ("example.com/v1", "Deployment") in api_versions
    assert ("v1", "List") in api_versions


# --- exact findings -------------------------------------------------------------------------


def test_run_as_non_root(tmp_path):
    assert findings(tmp_path, "run-as-non-root") == [
        ("fail-container-false-overrides-pod", "app", "/spec/template/spec/containers/0/securityContext/runAsNonRoot", False),
        ("fail-container-run-as-user-zero-overrides-pod", "app", "/spec/template/spec/containers/0/securityContext/runAsUser", False),
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/runAsNonRoot", False),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/runAsNonRoot", True),
        ("fail-job", "app", "/spec/template/spec/containers/0/securityContext/runAsNonRoot", True),
        ("fail-list-item", "app", "/items/1/spec/template/spec/containers/0/securityContext/runAsUser", False),
        ("fail-pod-run-as-user-zero", "app", "/spec/template/spec/securityContext/runAsUser", False),
        ("fail-pod-run-as-user-zero", "sidecar", "/spec/template/spec/securityContext/runAsUser", False),
        ("fail-podtemplate", "app", "/template/spec/containers/0/securityContext/runAsNonRoot", True),
        ("fail-run-as-non-root-string", "app", "/spec/containers/0/securityContext/runAsNonRoot", False),
        ("fail-unset", "app", "/spec/containers/0/securityContext/runAsNonRoot", True),
        ("fail-unset", "init", "/spec/initContainers/0/securityContext/runAsNonRoot", True),
    ]


def test_run_as_non_root_messages(tmp_path):
    assert messages(tmp_path, "run-as-non-root", "fail-pod-run-as-user-zero") == [
        ("app", "runs as root: runAsUser is 0"),
        ("sidecar", "runs as root: runAsUser is 0"),
    ]
    assert messages(tmp_path, "run-as-non-root", "fail-run-as-non-root-string") == [
        ("app", 'runAsNonRoot is "true", not true'),
    ]


def test_run_as_user_group_strict(tmp_path):
    assert findings(tmp_path, "run-as-user-group") == [
        ("fail-below-min-id", "app", "/spec/template/spec/securityContext/runAsGroup", False),
        ("fail-below-min-id", "app", "/spec/template/spec/securityContext/runAsUser", False),
        ("fail-container-below-min-id-overrides-pod", "app", "/spec/template/spec/containers/0/securityContext/runAsUser", False),
        ("fail-cronjob-init-container-group-zero", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/runAsGroup", False),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/runAsGroup", True),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/runAsUser", True),
        ("fail-group-unset", "app", "/spec/containers/0/securityContext/runAsGroup", True),
        ("fail-list-item", "app", "/items/1/spec/containers/0/securityContext/runAsGroup", True),
        ("fail-list-item", "app", "/items/1/spec/containers/0/securityContext/runAsUser", True),
        ("fail-pod-user-zero", "app", "/spec/template/spec/securityContext/runAsUser", False),
        ("fail-podtemplate", "app", "/template/spec/containers/0/securityContext/runAsGroup", False),
        ("fail-string-id", "app", "/spec/containers/0/securityContext/runAsUser", False),
        ("fail-unset", "app", "/spec/containers/0/securityContext/runAsGroup", True),
        ("fail-unset", "app", "/spec/containers/0/securityContext/runAsUser", True),
        ("fail-unset", "init", "/spec/initContainers/0/securityContext/runAsGroup", True),
        ("fail-unset", "init", "/spec/initContainers/0/securityContext/runAsUser", True),
    ]


def test_run_as_user_group_defaults(tmp_path):
    """min_id 1: IDs of 1000 pass, 0 still fails; without configured IDs nothing is fixable."""
    assert findings(tmp_path, "run-as-user-group", Setup()) == [
        ("fail-cronjob-init-container-group-zero", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/runAsGroup", False),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/runAsGroup", False),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/runAsUser", False),
        ("fail-group-unset", "app", "/spec/containers/0/securityContext/runAsGroup", False),
        ("fail-list-item", "app", "/items/1/spec/containers/0/securityContext/runAsGroup", False),
        ("fail-list-item", "app", "/items/1/spec/containers/0/securityContext/runAsUser", False),
        ("fail-pod-user-zero", "app", "/spec/template/spec/securityContext/runAsUser", False),
        ("fail-string-id", "app", "/spec/containers/0/securityContext/runAsUser", False),
        ("fail-unset", "app", "/spec/containers/0/securityContext/runAsGroup", False),
        ("fail-unset", "app", "/spec/containers/0/securityContext/runAsUser", False),
        ("fail-unset", "init", "/spec/initContainers/0/securityContext/runAsGroup", False),
        ("fail-unset", "init", "/spec/initContainers/0/securityContext/runAsUser", False),
    ]


def test_run_as_user_group_where_the_platform_assigns_ids(tmp_path):
    """OpenShift-style: unset IDs are expected and never filled; explicit low ones still fail."""
    setup = Setup({"min_id": 10000, "run_as_user": 10001, "fix": True, "platform_assigns_ids": True})
    assert findings(tmp_path, "run-as-user-group", setup) == [
        ("fail-below-min-id", "app", "/spec/template/spec/securityContext/runAsGroup", False),
        ("fail-below-min-id", "app", "/spec/template/spec/securityContext/runAsUser", False),
        ("fail-container-below-min-id-overrides-pod", "app", "/spec/template/spec/containers/0/securityContext/runAsUser", False),
        ("fail-cronjob-init-container-group-zero", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/runAsGroup", False),
        ("fail-pod-user-zero", "app", "/spec/template/spec/securityContext/runAsUser", False),
        ("fail-podtemplate", "app", "/template/spec/containers/0/securityContext/runAsGroup", False),
        ("fail-string-id", "app", "/spec/containers/0/securityContext/runAsUser", False),
    ]



def test_run_as_user_group_fills_no_id_below_min_id(tmp_path):
    """A configured ID below min_id is a fill the rule itself fails (post-render refused the stream
    as a bug, exit 4): the violation is reported with why it is not filled, and nothing is filled."""
    setup = Setup({"min_id": 10000, "run_as_user": 5, "run_as_group": 10001, "fix": True})
    not_filled = ("runAsUser is not set, so the image decides the UID"
                  " (not filled: the configured run_as_user 5 is below min_id 10000)")
    assert messages(tmp_path, "run-as-user-group", "fail-unset", setup) == [
        ("app", "runAsGroup is not set, so the image decides the GID"),
        ("app", not_filled),
        ("init", "runAsGroup is not set, so the image decides the GID"),
        ("init", not_filled),
    ]
    assert [f[1:] for f in findings(tmp_path, "run-as-user-group", setup) if f[0] == "fail-unset"] == [
        ("app", "/spec/containers/0/securityContext/runAsGroup", True),
        ("app", "/spec/containers/0/securityContext/runAsUser", False),
        ("init", "/spec/initContainers/0/securityContext/runAsGroup", True),
        ("init", "/spec/initContainers/0/securityContext/runAsUser", False),
    ]
    engine = Engine(rule_config(tmp_path, "run-as-user-group", setup))
    for document in load_fixture("run-as-user-group"):
        hardened = engine.harden(document)
        assert "runAsUser: 5" not in hardened.text


def test_run_as_user_group_messages(tmp_path):
    assert messages(tmp_path, "run-as-user-group", "fail-below-min-id") == [
        ("app", "runAsGroup is 1000, below the minimum 10000"),
        ("app", "runAsUser is 1000, below the minimum 10000"),
    ]
    assert messages(tmp_path, "run-as-user-group", "fail-group-unset") == [
        ("app", "runAsGroup is not set, so the image decides the GID"),
    ]


def test_no_privileged(tmp_path):
    assert findings(tmp_path, "no-privileged") == [
        ("fail-list-item", "agent", "/items/1/spec/template/spec/containers/0/securityContext/privileged", False),
        ("fail-podtemplate", "app", "/template/spec/containers/0/securityContext/privileged", False),
        ("fail-privileged-container", "app", "/spec/template/spec/containers/0/securityContext/privileged", False),
        ("fail-privileged-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/privileged", False),
        ("fail-privileged-init-container", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/privileged", False),
    ]


def test_drop_capabilities(tmp_path):
    assert findings(tmp_path, "drop-capabilities") == [
        ("fail-add-lower-case-net-bind-service", "app", "/spec/containers/0/securityContext/capabilities/add", False),
        ("fail-add-outside-allow-list-without-drop", "app", "/spec/template/spec/containers/0/securityContext/capabilities/add", False),
        ("fail-add-outside-allow-list-without-drop", "app", "/spec/template/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-add-sys-admin", "app", "/spec/template/spec/containers/0/securityContext/capabilities/add", False),
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/capabilities/drop", True),
        ("fail-drop-not-a-list", "app", "/spec/containers/0/securityContext/capabilities/drop", False),
        ("fail-drop-without-all", "app", "/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/capabilities/add", False),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/capabilities/drop", True),
        ("fail-list-item", "app", "/items/1/spec/template/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-lower-case-all", "app", "/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-pod-level-capabilities-are-not-inherited", "app", "/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-podtemplate", "app", "/template/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-privileged-drops-all", "agent", "/spec/template/spec/containers/0/securityContext/privileged", False),
        ("fail-privileged-drops-nothing", "agent", "/spec/containers/0/securityContext/capabilities/add", False),
        ("fail-privileged-drops-nothing", "agent", "/spec/containers/0/securityContext/privileged", False),
        ("fail-unset", "app", "/spec/containers/0/securityContext/capabilities/drop", True),
    ]


def test_drop_capabilities_allowed_add(tmp_path):
    """An allow list replaces the default: NET_BIND_SERVICE is then reported too."""
    setup = Setup({"allowed_add": ["NET_RAW", "SYS_TIME"]})
    assert findings(tmp_path, "drop-capabilities", setup) == [
        ("fail-add-lower-case-net-bind-service", "app", "/spec/containers/0/securityContext/capabilities/add", False),
        ("fail-add-outside-allow-list-without-drop", "app", "/spec/template/spec/containers/0/securityContext/capabilities/add", False),
        ("fail-add-outside-allow-list-without-drop", "app", "/spec/template/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-add-sys-admin", "app", "/spec/template/spec/containers/0/securityContext/capabilities/add", False),
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/capabilities/drop", True),
        ("fail-drop-not-a-list", "app", "/spec/containers/0/securityContext/capabilities/drop", False),
        ("fail-drop-without-all", "app", "/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/capabilities/add", False),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/capabilities/drop", True),
        ("fail-list-item", "app", "/items/1/spec/template/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-lower-case-all", "app", "/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-pod-level-capabilities-are-not-inherited", "app", "/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-podtemplate", "app", "/template/spec/containers/0/securityContext/capabilities/drop", True),
        ("fail-privileged-drops-all", "agent", "/spec/template/spec/containers/0/securityContext/privileged", False),
        ("fail-privileged-drops-nothing", "agent", "/spec/containers/0/securityContext/capabilities/add", False),
        ("fail-privileged-drops-nothing", "agent", "/spec/containers/0/securityContext/privileged", False),
        ("fail-unset", "app", "/spec/containers/0/securityContext/capabilities/drop", True),
        ("pass-drop-all-add-net-bind-service", "app", "/spec/template/spec/containers/0/securityContext/capabilities/add", False),
    ]
    assert messages(tmp_path, "drop-capabilities", "fail-add-outside-allow-list-without-drop", setup) == [
        ("app", "adds capabilities NET_BIND_SERVICE"),
        ("app", "does not drop ALL capabilities"),
    ]


def test_drop_capabilities_messages(tmp_path):
    assert messages(tmp_path, "drop-capabilities", "fail-lower-case-all") == [
        ("app", "does not drop ALL capabilities (names are case-sensitive: write ALL)"),
    ]
    assert messages(tmp_path, "drop-capabilities", "fail-add-outside-allow-list-without-drop") == [
        ("app", "adds capabilities NET_RAW, SYS_TIME"),
        ("app", "does not drop ALL capabilities"),
    ]
    assert messages(tmp_path, "drop-capabilities", "fail-add-lower-case-net-bind-service") == [
        ("app", "adds capabilities net_bind_service"),
    ]
    privileged = "runs privileged, which grants every capability whatever it drops"
    assert messages(tmp_path, "drop-capabilities", "fail-privileged-drops-all") == [("agent", privileged)]
    assert messages(tmp_path, "drop-capabilities", "fail-privileged-drops-nothing") == [
        ("agent", "adds capabilities SYS_ADMIN"),
        ("agent", privileged),
    ]


def test_read_only_root_filesystem(tmp_path):
    assert findings(tmp_path, "read-only-root-filesystem") == [
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/readOnlyRootFilesystem", True),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/readOnlyRootFilesystem", True),
        ("fail-explicit-false", "app", "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem", False),
        ("fail-list-item", "app", "/items/1/spec/containers/0/securityContext/readOnlyRootFilesystem", False),
        ("fail-pod-level-setting-is-not-inherited", "app", "/spec/containers/0/securityContext/readOnlyRootFilesystem", True),
        ("fail-podtemplate", "app", "/template/spec/containers/0/securityContext/readOnlyRootFilesystem", True),
        ("fail-string-true", "app", "/spec/containers/0/securityContext/readOnlyRootFilesystem", False),
        ("fail-unset", "app", "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem", True),
        ("fail-unset", "sidecar", "/spec/template/spec/containers/1/securityContext/readOnlyRootFilesystem", True),
        ("fail-unset-with-tmp-already-mounted", "app", "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem", True),
    ]


def test_no_privilege_escalation(tmp_path):
    assert findings(tmp_path, "no-privilege-escalation") == [
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/allowPrivilegeEscalation", True),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/allowPrivilegeEscalation", True),
        ("fail-explicit-true", "app", "/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation", False),
        ("fail-false-beside-privileged", "app", "/spec/containers/0/securityContext/allowPrivilegeEscalation", False),
        ("fail-list-item", "app", "/items/1/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation", True),
        ("fail-net-admin-unset", "app", "/spec/containers/0/securityContext/allowPrivilegeEscalation", True),
        ("fail-pod-level-setting-is-not-inherited", "app", "/spec/containers/0/securityContext/allowPrivilegeEscalation", True),
        ("fail-podtemplate", "app", "/template/spec/containers/0/securityContext/allowPrivilegeEscalation", True),
        ("fail-privileged-unset", "app", "/spec/containers/0/securityContext/allowPrivilegeEscalation", False),
        ("fail-string-false", "app", "/spec/containers/0/securityContext/allowPrivilegeEscalation", False),
        ("fail-sys-admin-explicit-true", "app", "/spec/containers/0/securityContext/allowPrivilegeEscalation", False),
        ("fail-sys-admin-unset", "app", "/spec/containers/0/securityContext/allowPrivilegeEscalation", False),
        ("fail-sys-admin-unset", "sidecar", "/spec/containers/1/securityContext/allowPrivilegeEscalation", False),
        ("fail-unset", "app", "/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation", True),
    ]


def test_no_privilege_escalation_messages(tmp_path):
    cannot = "allowPrivilegeEscalation is not set (and cannot be false while privileged or adding SYS_ADMIN)"
    assert messages(tmp_path, "no-privilege-escalation", "fail-sys-admin-unset") == [("app", cannot), ("sidecar", cannot)]
    assert messages(tmp_path, "no-privilege-escalation", "fail-privileged-unset") == [("app", cannot)]
    assert messages(tmp_path, "no-privilege-escalation", "fail-sys-admin-explicit-true") == [
        ("app", "allowPrivilegeEscalation is true, not false"),
    ]
    assert messages(tmp_path, "no-privilege-escalation", "fail-false-beside-privileged") == [
        ("app", "allowPrivilegeEscalation is false while privileged or adding SYS_ADMIN: the API server rejects the object"),
    ]


def test_seccomp_profile_old_kube_counts_legacy_annotations(tmp_path):
    assert findings(tmp_path, "seccomp-profile") == [
        ("fail-container-unconfined-overrides-pod", "app", "/spec/template/spec/containers/0/securityContext/seccompProfile/type", False),
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/seccompProfile/type", False),
        ("fail-empty-pod-profile", "app", "/spec/template/spec/containers/0/securityContext/seccompProfile", True),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/seccompProfile", True),
        ("fail-legacy-annotation-on-deployment-not-template", "app", "/spec/template/spec/containers/0/securityContext/seccompProfile", True),
        ("fail-legacy-container-annotation-unconfined-overrides-pod-field", "app", "/spec/template/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1app", False),
        ("fail-legacy-pod-annotation-unconfined", "app", "/spec/template/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod", False),
        ("fail-list-item", "app", "/items/1/spec/containers/0/securityContext/seccompProfile", True),
        ("fail-pod-unconfined", "app", "/spec/template/spec/securityContext/seccompProfile/type", False),
        ("fail-pod-unconfined", "sidecar", "/spec/template/spec/securityContext/seccompProfile/type", False),
        ("fail-podtemplate", "app", "/template/spec/containers/0/securityContext/seccompProfile", True),
        ("fail-privileged-under-pod-runtime-default", "agent", "/spec/template/spec/containers/0/securityContext/privileged", False),
        ("fail-privileged-unset", "agent", "/spec/containers/0/securityContext/privileged", False),
        ("fail-privileged-unset", "app", "/spec/containers/1/securityContext/seccompProfile", True),
        ("fail-privileged-with-own-localhost", "agent", "/spec/containers/0/securityContext/privileged", False),
        ("fail-unset", "app", "/spec/template/spec/containers/0/securityContext/seccompProfile", True),
        ("fail-unset", "sidecar", "/spec/template/spec/containers/1/securityContext/seccompProfile", True),
    ]


def test_seccomp_profile_messages_say_privileged_overrides_the_profile(tmp_path):
    overridden = "runs privileged, which overrides its seccomp profile: it runs Unconfined"
    assert messages(tmp_path, "seccomp-profile", "fail-privileged-under-pod-runtime-default") == [("agent", overridden)]
    assert messages(tmp_path, "seccomp-profile", "fail-privileged-with-own-localhost") == [("agent", overridden)]
    assert messages(tmp_path, "seccomp-profile", "fail-privileged-unset") == [
        ("agent", overridden),
        ("app", "no seccomp profile is set, so every syscall is allowed"),
    ]


def test_seccomp_profile_before_the_field_existed(tmp_path):
    """Below 1.19 the findings are the same; only the fix differs (see the fix tests)."""
    assert findings(tmp_path, "seccomp-profile", Setup(kube_version="1.18")) == findings(tmp_path, "seccomp-profile")


def test_seccomp_profile_current_kube_ignores_legacy_annotations(tmp_path):
    assert findings(tmp_path, "seccomp-profile", Setup()) == [
        ("fail-container-unconfined-overrides-pod", "app", "/spec/template/spec/containers/0/securityContext/seccompProfile/type", False),
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/seccompProfile/type", False),
        ("fail-empty-pod-profile", "app", "/spec/template/spec/containers/0/securityContext/seccompProfile", True),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/seccompProfile", True),
        ("fail-legacy-annotation-on-deployment-not-template", "app", "/spec/template/spec/containers/0/securityContext/seccompProfile", True),
        # not fixable: the API server rejects a field that contradicts the annotation
        ("fail-legacy-pod-annotation-unconfined", "app", "/spec/template/spec/containers/0/securityContext/seccompProfile", False),
        ("fail-list-item", "app", "/items/1/spec/containers/0/securityContext/seccompProfile", True),
        ("fail-pod-unconfined", "app", "/spec/template/spec/securityContext/seccompProfile/type", False),
        ("fail-pod-unconfined", "sidecar", "/spec/template/spec/securityContext/seccompProfile/type", False),
        ("fail-podtemplate", "app", "/template/spec/containers/0/securityContext/seccompProfile", True),
        ("fail-privileged-under-pod-runtime-default", "agent", "/spec/template/spec/containers/0/securityContext/privileged", False),
        ("fail-privileged-unset", "agent", "/spec/containers/0/securityContext/privileged", False),
        ("fail-privileged-unset", "app", "/spec/containers/1/securityContext/seccompProfile", True),
        ("fail-privileged-with-own-localhost", "agent", "/spec/containers/0/securityContext/privileged", False),
        ("fail-unset", "app", "/spec/template/spec/containers/0/securityContext/seccompProfile", True),
        ("fail-unset", "sidecar", "/spec/template/spec/containers/1/securityContext/seccompProfile", True),
        # the pod-level fill would override the sidecar's Localhost annotation: not fixable
        ("pass-legacy-container-annotations", "app", "/spec/template/spec/containers/0/securityContext/seccompProfile", False),
        ("pass-legacy-container-annotations", "sidecar", "/spec/template/spec/containers/1/securityContext/seccompProfile", False),
        ("pass-legacy-pod-annotation", "app", "/spec/template/spec/containers/0/securityContext/seccompProfile", True),
    ]


def test_resource_limits(tmp_path):
    assert findings(tmp_path, "resource-limits") == [
        ('fail-cronjob-init-container', 'init', '/spec/jobTemplate/spec/template/spec/initContainers/0/resources/limits/memory', True),
        ('fail-cronjob-init-container', 'init', '/spec/jobTemplate/spec/template/spec/initContainers/0/resources/requests/cpu', True),
        ('fail-empty-resources', 'app', '/spec/template/spec/containers/0/resources/limits/memory', True),
        ('fail-empty-resources', 'app', '/spec/template/spec/containers/0/resources/requests/cpu', True),
        ('fail-empty-resources', 'app', '/spec/template/spec/containers/0/resources/requests/memory', True),
        ('fail-list-item', 'app', '/items/1/spec/template/spec/containers/0/resources/limits/memory', True),
        ('fail-list-item', 'app', '/items/1/spec/template/spec/containers/0/resources/requests/cpu', True),
        ('fail-list-item', 'app', '/items/1/spec/template/spec/containers/0/resources/requests/memory', True),
        ('fail-no-resources', 'app', '/spec/template/spec/containers/0/resources/limits/memory', True),
        ('fail-no-resources', 'app', '/spec/template/spec/containers/0/resources/requests/cpu', True),
        ('fail-no-resources', 'app', '/spec/template/spec/containers/0/resources/requests/memory', True),
        ('fail-podtemplate', 'app', '/template/spec/containers/0/resources/limits/memory', True),
        ('fail-requests-only-memory-above-the-default-limit', 'app', '/spec/template/spec/containers/0/resources/limits/memory', False),
    ]


def test_resource_limits_require_cpu_limit(tmp_path):
    setup = Setup({"fix": True, "require_cpu_limit": True})
    assert findings(tmp_path, "resource-limits", setup) == [
        ('fail-cronjob-init-container', 'app', '/spec/jobTemplate/spec/template/spec/containers/0/resources/limits/cpu', True),
        ('fail-cronjob-init-container', 'init', '/spec/jobTemplate/spec/template/spec/initContainers/0/resources/limits/cpu', True),
        ('fail-cronjob-init-container', 'init', '/spec/jobTemplate/spec/template/spec/initContainers/0/resources/limits/memory', True),
        ('fail-cronjob-init-container', 'init', '/spec/jobTemplate/spec/template/spec/initContainers/0/resources/requests/cpu', True),
        ('fail-empty-resources', 'app', '/spec/template/spec/containers/0/resources/limits/cpu', True),
        ('fail-empty-resources', 'app', '/spec/template/spec/containers/0/resources/limits/memory', True),
        ('fail-empty-resources', 'app', '/spec/template/spec/containers/0/resources/requests/cpu', True),
        ('fail-empty-resources', 'app', '/spec/template/spec/containers/0/resources/requests/memory', True),
        ('fail-list-item', 'app', '/items/1/spec/template/spec/containers/0/resources/limits/cpu', True),
        ('fail-list-item', 'app', '/items/1/spec/template/spec/containers/0/resources/limits/memory', True),
        ('fail-list-item', 'app', '/items/1/spec/template/spec/containers/0/resources/requests/cpu', True),
        ('fail-list-item', 'app', '/items/1/spec/template/spec/containers/0/resources/requests/memory', True),
        ('fail-no-resources', 'app', '/spec/template/spec/containers/0/resources/limits/cpu', True),
        ('fail-no-resources', 'app', '/spec/template/spec/containers/0/resources/limits/memory', True),
        ('fail-no-resources', 'app', '/spec/template/spec/containers/0/resources/requests/cpu', True),
        ('fail-no-resources', 'app', '/spec/template/spec/containers/0/resources/requests/memory', True),
        ('fail-podtemplate', 'app', '/template/spec/containers/0/resources/limits/cpu', True),
        ('fail-podtemplate', 'app', '/template/spec/containers/0/resources/limits/memory', True),
        ('fail-requests-only-memory-above-the-default-limit', 'app', '/spec/template/spec/containers/0/resources/limits/cpu', True),
        ('fail-requests-only-memory-above-the-default-limit', 'app', '/spec/template/spec/containers/0/resources/limits/memory', False),
        ('pass-ephemeral-container-is-exempt', 'app', '/spec/containers/0/resources/limits/cpu', True),
        ('pass-list-item', 'app', '/items/0/spec/template/spec/containers/0/resources/limits/cpu', True),
        ('pass-memory-request-defaults-to-its-limit', 'app', '/spec/template/spec/containers/0/resources/limits/cpu', True),
        ('pass-requests-and-memory-limit', 'init', '/spec/initContainers/0/resources/limits/cpu', True),
    ]


def test_image_tag_pinned(tmp_path):
    assert findings(tmp_path, "image-tag-pinned") == [
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/image", False),
        ("fail-empty-tag", "app", "/spec/template/spec/containers/0/image", False),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/image", False),
        ("fail-latest", "app", "/spec/template/spec/containers/0/image", False),
        ("fail-list-item", "app", "/items/1/spec/containers/0/image", False),
        ("fail-no-tag", "app", "/spec/containers/0/image", False),
        ("fail-podtemplate", "app", "/template/spec/containers/0/image", False),
        ("fail-registry-port-without-tag", "app", "/spec/containers/0/image", False),
    ]


def test_image_tag_pinned_require_digest(tmp_path):
    assert findings(tmp_path, "image-tag-pinned", Setup({"require_digest": True})) == [
        ("fail-cronjob-init-container", "app", "/spec/jobTemplate/spec/template/spec/containers/0/image", False),
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/image", False),
        ("fail-empty-tag", "app", "/spec/template/spec/containers/0/image", False),
        ("fail-ephemeral-container", "app", "/spec/containers/0/image", False),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/image", False),
        ("fail-latest", "app", "/spec/template/spec/containers/0/image", False),
        ("fail-latest", "sidecar", "/spec/template/spec/containers/1/image", False),
        ("fail-list-item", "app", "/items/1/spec/containers/0/image", False),
        ("fail-no-tag", "app", "/spec/containers/0/image", False),
        ("fail-podtemplate", "app", "/template/spec/containers/0/image", False),
        ("fail-registry-port-without-tag", "app", "/spec/containers/0/image", False),
        ("pass-list-item", "app", "/items/0/spec/containers/0/image", False),
        ("pass-registry-port-and-tag", "app", "/spec/containers/0/image", False),
        ("pass-tagged", "app", "/spec/containers/0/image", False),
        ("pass-tagged", "debug", "/spec/ephemeralContainers/0/image", False),
        ("pass-tagged", "init", "/spec/initContainers/0/image", False),
    ]


def test_image_tag_pinned_messages(tmp_path):
    assert messages(tmp_path, "image-tag-pinned", "fail-registry-port-without-tag") == [
        ("app", "image registry:5000/app has no tag, so it means latest"),
    ]
    assert messages(tmp_path, "image-tag-pinned", "fail-latest") == [
        ("app", "image app:latest uses the floating tag latest"),
    ]
    assert messages(tmp_path, "image-tag-pinned", "fail-latest", Setup({"require_digest": True})) == [
        ("app", "image app:latest is not pinned to a sha256 digest"),
        ("sidecar", "image sidecar:2.0 is not pinned to a sha256 digest"),
    ]


def test_apparmor_profile_required(tmp_path):
    assert findings(tmp_path, "apparmor-profile") == [
        ("fail-annotation-for-another-container-only", "sidecar", "/spec/template/spec/containers/1/securityContext/appArmorProfile", True),
        ("fail-annotation-on-deployment-not-template", "app", "/spec/template/spec/containers/0/securityContext/appArmorProfile", True),
        ("fail-annotation-unconfined", "app", "/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app", False),
        ("fail-container-field-unconfined-overrides-pod", "app", "/spec/template/spec/containers/0/securityContext/appArmorProfile/type", False),
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1init", False),
        ("fail-empty-pod-profile", "app", "/spec/template/spec/containers/0/securityContext/appArmorProfile", True),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/appArmorProfile", True),
        ("fail-list-item", "app", "/items/1/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app", False),
        ("fail-pod-field-unconfined", "app", "/spec/template/spec/securityContext/appArmorProfile/type", False),
        ("fail-pod-field-unconfined", "sidecar", "/spec/template/spec/securityContext/appArmorProfile/type", False),
        ("fail-podtemplate", "app", "/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app", False),
        ("fail-unset", "app", "/spec/template/spec/containers/0/securityContext/appArmorProfile", True),
    ]


def test_apparmor_profile_before_the_field_existed(tmp_path):
    setup = Setup({"require": True, "fix": True}, kube_version="1.29")
    assert findings(tmp_path, "apparmor-profile", setup) == findings(tmp_path, "apparmor-profile")


def test_apparmor_profile_defaults_only_report_unconfined(tmp_path):
    assert findings(tmp_path, "apparmor-profile", Setup()) == [
        ("fail-annotation-unconfined", "app", "/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app", False),
        ("fail-container-field-unconfined-overrides-pod", "app", "/spec/template/spec/containers/0/securityContext/appArmorProfile/type", False),
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1init", False),
        ("fail-list-item", "app", "/items/1/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app", False),
        ("fail-pod-field-unconfined", "app", "/spec/template/spec/securityContext/appArmorProfile/type", False),
        ("fail-pod-field-unconfined", "sidecar", "/spec/template/spec/securityContext/appArmorProfile/type", False),
        ("fail-podtemplate", "app", "/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app", False),
    ]


def test_selinux_options(tmp_path):
    assert findings(tmp_path, "selinux-options") == [
        ("fail-container-role", "app", "/spec/template/spec/containers/0/securityContext/seLinuxOptions/role", False),
        ("fail-container-type", "app", "/spec/template/spec/containers/0/securityContext/seLinuxOptions/type", False),
        ("fail-cronjob-init-container", "init", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/seLinuxOptions/type", False),
        ("fail-ephemeral-container", "debug", "/spec/ephemeralContainers/0/securityContext/seLinuxOptions/user", False),
        ("fail-list-item", "app", "/items/1/spec/containers/0/securityContext/seLinuxOptions/type", False),
        ("fail-pod-and-container-type", None, "/spec/template/spec/securityContext/seLinuxOptions/type", False),
        ("fail-pod-and-container-type", "app", "/spec/template/spec/containers/0/securityContext/seLinuxOptions/type", False),
        ("fail-pod-type", None, "/spec/template/spec/securityContext/seLinuxOptions/type", False),
        ("fail-pod-user-and-role", None, "/spec/template/spec/securityContext/seLinuxOptions/role", False),
        ("fail-pod-user-and-role", None, "/spec/template/spec/securityContext/seLinuxOptions/user", False),
        ("fail-podtemplate", None, "/template/spec/securityContext/seLinuxOptions/type", False),
    ]


UNKNOWN_RULE = "an ignore annotation names a rule this version of helm-harden does not know: it suppresses nothing"


def test_ignore_annotation(tmp_path):
    assert [(f.name, f.container, f.path, f.message) for f in scan(tmp_path, "ignore-annotation")] == [
        ("fail-pod-empty-reason", None, "/metadata/annotations",
         "the ignore annotation for no-privileged has no reason: it suppresses nothing"),
        ("fail-unknown-rule-on-object", None, "/metadata/annotations", UNKNOWN_RULE),
        ("fail-both-on-pod-template", None, "/spec/template/metadata/annotations", UNKNOWN_RULE),
        ("fail-both-on-pod-template", None, "/spec/template/metadata/annotations",
         "the ignore annotation for seccomp-profile has no reason: it suppresses nothing"),
        ("fail-cronjob-template-without-reason", None, "/spec/jobTemplate/spec/template/metadata/annotations",
         "the ignore annotation for drop-capabilities has no reason: it suppresses nothing"),
        ("fail-in-a-list", None, "/items/0/metadata/annotations", UNKNOWN_RULE),
    ]


# --- what lets a pod take over its node (no fixes) ----------------------------------------------


def test_host_namespaces(tmp_path):
    assert findings(tmp_path, "host-namespaces") == [
        ("fail-all-three", None, "/spec/hostIPC", False),
        ("fail-all-three", None, "/spec/hostNetwork", False),
        ("fail-all-three", None, "/spec/hostPID", False),
        ("fail-host-ipc", None, "/template/spec/hostIPC", False),
        ("fail-host-network", None, "/spec/template/spec/hostNetwork", False),
        ("fail-host-pid", None, "/spec/jobTemplate/spec/template/spec/hostPID", False),
        ("fail-list-item", None, "/items/1/spec/template/spec/hostPID", False),
    ]
    assert messages(tmp_path, "host-namespaces", "fail-host-network") == [
        (None, "hostNetwork is true: the pod shares the node's namespace"),
    ]


def test_host_path_volumes_call_out_sensitive_paths(tmp_path):
    assert findings(tmp_path, "host-path-volumes") == [
        ("fail-containerd-and-crio-sockets", None, "/spec/jobTemplate/spec/template/spec/volumes/0/hostPath", False),
        ("fail-containerd-and-crio-sockets", None, "/spec/jobTemplate/spec/template/spec/volumes/1/hostPath", False),
        ("fail-docker-socket", None, "/spec/template/spec/volumes/1/hostPath", False),
        ("fail-list-item", None, "/items/1/spec/template/spec/volumes/0/hostPath", False),
        ("fail-other-path", None, "/spec/volumes/0/hostPath", False),
        ("fail-other-path", None, "/spec/volumes/1/hostPath", False),
        ("fail-root", None, "/spec/template/spec/volumes/0/hostPath", False),
        ("fail-system-directories", None, "/template/spec/volumes/0/hostPath", False),
        ("fail-system-directories", None, "/template/spec/volumes/1/hostPath", False),
        ("fail-system-directories", None, "/template/spec/volumes/2/hostPath", False),
        ("fail-system-directories", None, "/template/spec/volumes/3/hostPath", False),
    ]
    socket = "a container runtime's socket: whoever holds it starts privileged containers"
    assert messages(tmp_path, "host-path-volumes", "fail-docker-socket") == [
        (None, f"volume docker mounts /var/run/docker.sock of the node, {socket}"),
    ]
    assert messages(tmp_path, "host-path-volumes", "fail-containerd-and-crio-sockets") == [
        (None, f"volume containerd mounts /run/containerd/containerd.sock of the node, {socket}"),
        (None, f"volume crio mounts /var/run/crio/crio.sock of the node, {socket}"),
    ]
    assert messages(tmp_path, "host-path-volumes", "fail-root") == [(None, "volume root mounts / of the node, its whole filesystem")]
    assert messages(tmp_path, "host-path-volumes", "fail-system-directories") == [
        (None, "volume etc mounts /etc of the node, a system directory"),
        (None, "volume kubelet mounts /var/lib/kubelet/pods of the node, which is under /var/lib/kubelet"),
        (None, "volume proc mounts /proc/ of the node, a system directory"),
        (None, "volume sys mounts /sys/fs/cgroup of the node, which is under /sys"),
    ]
    assert messages(tmp_path, "host-path-volumes", "fail-other-path") == [
        (None, "volume etcetera mounts the node's path /etcetera"),
        (None, "volume logs mounts the node's path /var/log"),
    ]


def test_host_ports(tmp_path):
    assert findings(tmp_path, "host-ports") == [
        ("fail-cronjob", "app", "/spec/jobTemplate/spec/template/spec/containers/0/ports/0/hostPort", False),
        ("fail-host-port", "app", "/spec/template/spec/containers/0/ports/1/hostPort", False),
        ("fail-init-and-ephemeral", "debug", "/spec/ephemeralContainers/0/ports/0/hostPort", False),
        ("fail-init-and-ephemeral", "init", "/spec/initContainers/0/ports/0/hostPort", False),
        ("fail-list-item", "app", "/items/1/spec/template/spec/containers/0/ports/0/hostPort", False),
        ("fail-podtemplate", "app", "/template/spec/containers/0/ports/0/hostPort", False),
    ]
    assert messages(tmp_path, "host-ports", "fail-host-port") == [("app", "uses hostPort 22")]


def test_unsafe_sysctls_follow_the_target_version(tmp_path):
    expected = [
        ("fail-list-item", None, "/items/1/spec/template/spec/securityContext/sysctls/0/name", False),
        ("fail-newer-than-the-target", None, "/spec/jobTemplate/spec/template/spec/securityContext/sysctls/0/name", False),
        ("fail-podtemplate", None, "/template/spec/securityContext/sysctls/0/name", False),
        ("fail-unsafe", None, "/spec/template/spec/securityContext/sysctls/1/name", False),
    ]
    assert findings(tmp_path, "unsafe-sysctls") == expected
    # net.ipv4.tcp_rmem is safe from Kubernetes 1.32, as the kubelet and the Pod Security Standards say.
    newer = [row for row in expected if row[0] != "fail-newer-than-the-target"]
    assert findings(tmp_path, "unsafe-sysctls", Setup(kube_version="1.32")) == newer
    assert messages(tmp_path, "unsafe-sysctls", "fail-unsafe") == [
        (None, "sysctl kernel.msgmax is not in the safe set of this policy version"),
    ]


def test_proc_mount_unmasked(tmp_path):
    assert findings(tmp_path, "proc-mount-unmasked") == [
        ("fail-cronjob", "app", "/spec/jobTemplate/spec/template/spec/containers/0/securityContext/procMount", False),
        ("fail-init-and-ephemeral", "debug", "/spec/ephemeralContainers/0/securityContext/procMount", False),
        ("fail-init-and-ephemeral", "init", "/spec/initContainers/0/securityContext/procMount", False),
        ("fail-list-item", "app", "/items/1/spec/template/spec/containers/0/securityContext/procMount", False),
        ("fail-unmasked", "app", "/spec/template/spec/containers/0/securityContext/procMount", False),
    ]
    # Before 1.35 a user namespace did not make an unmasked /proc acceptable.
    older = findings(tmp_path, "proc-mount-unmasked", Setup(kube_version="1.34"))
    assert ("pass-own-user-namespace", "app", "/template/spec/containers/0/securityContext/procMount", False) in older


def test_host_process(tmp_path):
    assert findings(tmp_path, "host-process") == [
        ("fail-cronjob", "app", "/spec/jobTemplate/spec/template/spec/containers/0/securityContext/windowsOptions/hostProcess", False),
        ("fail-init-and-ephemeral", "debug", "/spec/ephemeralContainers/0/securityContext/windowsOptions/hostProcess", False),
        ("fail-init-and-ephemeral", "init", "/spec/initContainers/0/securityContext/windowsOptions/hostProcess", False),
        ("fail-list-item", "app", "/items/1/spec/template/spec/containers/0/securityContext/windowsOptions/hostProcess", False),
        ("fail-pod-host-process", None, "/spec/template/spec/securityContext/windowsOptions/hostProcess", False),
        ("fail-podtemplate", "app", "/template/spec/containers/0/securityContext/windowsOptions/hostProcess", False),
    ]


def test_automount_service_account_token(tmp_path):
    assert findings(tmp_path, "automount-service-account-token") == [
        ("fail-cronjob", None, "/spec/jobTemplate/spec/template/spec/automountServiceAccountToken", False),
        ("fail-inherits-true", None, "/spec/template/spec/automountServiceAccountToken", False),
        ("fail-list-item", None, "/items/1/spec/template/spec/automountServiceAccountToken", False),
        ("fail-same-name-other-namespace", None, "/spec/template/spec/automountServiceAccountToken", False),
        ("fail-string", None, "/template/spec/automountServiceAccountToken", False),
        ("fail-unset", None, "/spec/template/spec/automountServiceAccountToken", False),
    ]
    assert messages(tmp_path, "automount-service-account-token", "fail-string") == [
        (None, 'automountServiceAccountToken is "false", not false'),
    ]
    assert messages(tmp_path, "automount-service-account-token", "fail-cronjob") == [
        (None, "automountServiceAccountToken is not set, so every container gets the token of service account reports"),
    ]


def test_node_takeover_rules_have_no_fix_and_the_token_rule_a_lower_severity():
    takeover = ["host-namespaces", "host-path-volumes", "host-ports", "unsafe-sysctls", "proc-mount-unmasked",
                "host-process", "automount-service-account-token"]
    assert {RULES_BY_ID[rule].fix for rule in takeover} == {None}
    assert {rule: str(RULES_BY_ID[rule].severity) for rule in takeover} == {
        "host-namespaces": "error", "host-path-volumes": "error", "host-ports": "warning", "unsafe-sysctls": "warning",
        "proc-mount-unmasked": "error", "host-process": "error", "automount-service-account-token": "info",
    }


@pytest.mark.parametrize("rule_id", sorted(rule.id for rule in DEFAULT_RULES if rule.fix == "opt-in"))
def test_opt_in_fixes_are_off_by_default(tmp_path, rule_id):
    """Without ``fix: true`` an opt-in rule reports the same findings, none of them fixable."""
    settings = {key: value for key, value in SETUPS[rule_id].settings.items() if key != "fix"}
    setup = Setup(settings, SETUPS[rule_id].kube_version)
    expected = [(name, container, path, False) for name, container, path, _ in findings(tmp_path, rule_id)]
    assert findings(tmp_path, rule_id, setup) == expected


def test_default_config_runs_every_rule_with_default_fixes():
    config = default_config()
    assert [settings.id for settings in config.enabled_rules] == [rule.id for rule in DEFAULT_RULES]
    # every registered rule but the Pod Security controls, the token rule too (issue #9)
    assert [rule.id for rule in DEFAULT_RULES] == [rule.id for rule in RULES if not rule.is_control]
    assert {settings.id for settings in config.rules if settings.fix} == {
        "run-as-non-root",
        "drop-capabilities",
        "no-privilege-escalation",
        "seccomp-profile",
    }


# --- fixes ------------------------------------------------------------------------------------


def _context(tmp_path, rule_id, setup):
    settings = next(s for s in rule_config(tmp_path, rule_id, setup).rules if s.id == rule_id)
    return RULES_BY_ID[rule_id], RuleContext(settings.options, parse_kube_version(setup.kube_version))


def _violations(rule, context, data) -> list:
    return [(index, v) for index, pod in enumerate(pods_in(data)) for v in rule.check(pod, context)]


def _key(index, violation) -> tuple:
    container = violation.container.name if violation.container is not None else None
    return index, container, violation.path, violation.message


def _apply(fix, data) -> None:
    for op in fix:
        op.apply(data)


FIX_CASES = [(rule_id, setup) for rule_id, setup in SETUPS.items()] + EXTRA_SETUPS


@pytest.mark.parametrize(
    "rule_id, setup", FIX_CASES, ids=[f"{r}-{s.kube_version or 'current'}-{i}" for i, (r, s) in enumerate(FIX_CASES)]
)
def test_each_fix_removes_its_violation_and_is_idempotent(tmp_path, rule_id, setup):
    rule, context = _context(tmp_path, rule_id, setup)
    fixes_seen = 0
    for document in load_fixture(rule_id):
        before = _violations(rule, context, document.data)
        before_keys = {_key(index, v) for index, v in before}
        for index, violation in before:
            if rule.fix is None:
                assert violation.fix == (), f"{rule_id} has no fix but offered one"
            if not violation.fix:
                continue
            fixes_seen += 1
            once = copy.deepcopy(document.data)
            _apply(violation.fix, once)
            after = {_key(i, v) for i, v in _violations(rule, context, once)}
            name = object_names(document)
            assert _key(index, violation) not in after, f"{name}: fix did not remove {violation.path}"
            assert after <= before_keys - {_key(index, violation)}, f"{name}: fix added {after - before_keys}"
            twice = copy.deepcopy(once)
            _apply(violation.fix, twice)
            assert twice == once
    if rule.fix is not None:
        assert fixes_seen > 0


@pytest.mark.parametrize(
    "rule_id, setup", FIX_CASES, ids=[f"{r}-{s.kube_version or 'current'}-{i}" for i, (r, s) in enumerate(FIX_CASES)]
)
def test_all_fixes_together_leave_nothing_fixable(tmp_path, rule_id, setup):
    rule, context = _context(tmp_path, rule_id, setup)
    for document in load_fixture(rule_id):
        before = _violations(rule, context, document.data)
        once = copy.deepcopy(document.data)
        for _, violation in before:
            _apply(violation.fix, once)
        after = _violations(rule, context, once)
        assert [v.path for _, v in after if v.fix] == []
        assert {_key(i, v) for i, v in after} <= {_key(i, v) for i, v in before}
        twice = copy.deepcopy(once)
        for _, violation in before:
            _apply(violation.fix, twice)
        assert twice == once
        if not any(v.fix for _, v in before):
            assert once == document.data


def _fixed(tmp_path, rule_id, name, setup=None):
    """The fixture object called ``name`` after all of its violations' fixes."""
    rule, context = _context(tmp_path, rule_id, SETUPS[rule_id] if setup is None else setup)
    (document,) = [d for d in load_fixture(rule_id) if name in object_names(d)]
    data = copy.deepcopy(document.data)
    for _, violation in _violations(rule, context, document.data):
        _apply(violation.fix, data)
    return data


def test_run_as_non_root_fix_sets_the_pod_field(tmp_path):
    fixed = _fixed(tmp_path, "run-as-non-root", "fail-unset")
    assert fixed["spec"]["securityContext"] == {"runAsNonRoot": True}
    assert fixed["spec"]["containers"] == [{"name": "app", "image": "app:1.0"}]


def test_run_as_user_group_fix_sets_configured_ids(tmp_path):
    fixed = _fixed(tmp_path, "run-as-user-group", "fail-unset")
    assert fixed["spec"]["securityContext"] == {"runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001}


def test_drop_capabilities_fix_keeps_add(tmp_path):
    fixed = _fixed(tmp_path, "drop-capabilities", "fail-add-outside-allow-list-without-drop")
    capabilities = fixed["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]
    assert capabilities == {"add": ["NET_BIND_SERVICE", "NET_RAW", "SYS_TIME"], "drop": ["ALL"]}
    fixed = _fixed(tmp_path, "drop-capabilities", "fail-lower-case-all")
    assert fixed["spec"]["containers"][0]["securityContext"]["capabilities"] == {"drop": ["all", "ALL"]}


def test_read_only_root_filesystem_fix_mounts_one_scratch_volume(tmp_path):
    spec = _fixed(tmp_path, "read-only-root-filesystem", "fail-unset")["spec"]["template"]["spec"]
    assert spec["volumes"] == [{"name": "helm-harden-tmp", "emptyDir": {}}]
    for container in spec["containers"]:
        assert container["securityContext"] == {"readOnlyRootFilesystem": True}
        assert container["volumeMounts"] == [{"name": "helm-harden-tmp", "mountPath": "/tmp"}]
    spec = _fixed(tmp_path, "read-only-root-filesystem", "fail-unset-with-tmp-already-mounted")["spec"]["template"]["spec"]
    assert spec["volumes"] == [{"name": "scratch", "emptyDir": {}}]
    assert spec["containers"][0]["volumeMounts"] == [{"name": "scratch", "mountPath": "/tmp/"}]


def test_no_privilege_escalation_fix(tmp_path):
    fixed = _fixed(tmp_path, "no-privilege-escalation", "fail-net-admin-unset")
    assert fixed["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] is False
    unchanged = _fixed(tmp_path, "no-privilege-escalation", "fail-sys-admin-unset")
    assert "allowPrivilegeEscalation" not in unchanged["spec"]["containers"][0]["securityContext"]


@pytest.mark.parametrize("kube_version", [None, "1.26", "1.19"])
def test_seccomp_fix_uses_the_field_from_1_19(tmp_path, kube_version):
    fixed = _fixed(tmp_path, "seccomp-profile", "fail-unset", Setup(kube_version=kube_version))
    assert fixed["spec"]["template"]["spec"]["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    assert "metadata" not in fixed["spec"]["template"]


def test_seccomp_fix_uses_the_annotation_before_1_19(tmp_path):
    fixed = _fixed(tmp_path, "seccomp-profile", "fail-unset", Setup(kube_version="1.18"))
    assert fixed["spec"]["template"]["metadata"] == {
        "annotations": {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}
    }
    assert "securityContext" not in fixed["spec"]["template"]["spec"]


def test_seccomp_fix_completes_an_empty_profile(tmp_path):
    fixed = _fixed(tmp_path, "seccomp-profile", "fail-empty-pod-profile")
    assert fixed["spec"]["template"]["spec"]["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}


def test_resource_limits_fix_fills_the_configured_defaults(tmp_path):
    """Configured values, never a copy of the counterpart; nothing beside a limit (the API server
    sets the request to it); nothing that would put a request above its limit (300Mi > 256Mi)."""
    def resources(name, setup=None):
        return _fixed(tmp_path, "resource-limits", name, setup)["spec"]["template"]["spec"]["containers"][0]["resources"]

    requests_only = "fail-requests-only-memory-above-the-default-limit"
    assert resources("fail-no-resources") == {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    assert resources("pass-limits-only-are-requests-too") == {"limits": {"cpu": "2", "memory": "1Gi"}}
    assert resources(requests_only) == {"requests": {"cpu": "200m", "memory": "300Mi"}}
    with_cpu = Setup({"fix": True, "require_cpu_limit": True})
    assert resources("fail-no-resources", with_cpu) == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }
    assert resources(requests_only, with_cpu) == {"requests": {"cpu": "200m", "memory": "300Mi"}, "limits": {"cpu": "500m"}}


def test_apparmor_fix_uses_the_field_from_1_30(tmp_path):
    fixed = _fixed(tmp_path, "apparmor-profile", "fail-unset")
    assert fixed["spec"]["template"]["spec"]["securityContext"] == {"appArmorProfile": {"type": "RuntimeDefault"}}
    fixed = _fixed(tmp_path, "apparmor-profile", "fail-empty-pod-profile")
    assert fixed["spec"]["template"]["spec"]["securityContext"] == {"appArmorProfile": {"type": "RuntimeDefault"}}


def test_apparmor_fix_uses_the_annotation_before_1_30(tmp_path):
    setup = Setup({"require": True, "fix": True}, kube_version="1.29")
    fixed = _fixed(tmp_path, "apparmor-profile", "fail-annotation-for-another-container-only", setup)
    assert fixed["spec"]["template"]["metadata"]["annotations"] == {
        "container.apparmor.security.beta.kubernetes.io/app": "runtime/default",
        "container.apparmor.security.beta.kubernetes.io/sidecar": "runtime/default",
    }
    assert "securityContext" not in fixed["spec"]["template"]["spec"]

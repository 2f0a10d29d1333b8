"""Load and validate ``.helm-harden.yaml``: which rules run, how severe they are, their options
and which fixes post-render applies.

    rules:
      run-as-user-group:
        severity: error
        min_id: 10000
      read-only-root-filesystem:
        fix: true
      image-tag-pinned:
        enabled: false
      pss/host-probes:          # a Pod Security control, in the default run too
        enabled: true
    deploy_with: helm4          # what deploys the charts: helm3 (default), helm4 or kustomize
    workloads:                  # CRDs of one's own that hold a PodTemplateSpec
      - {group: example.com, kind: AppSet, template: spec.podTemplate}
    exemptions:
      - rule: no-privileged
        chart: monitoring
        kind: DaemonSet
        name: node-exporter
        reason: reads host metrics; reviewed by the platform team
        expires: 2027-06-30

The file is validated against the rule registry (every rule and Pod Security control); a
mistake is an error naming its line.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import yaml

from helm_harden import loader
from helm_harden.deploy_target import DEPLOY_TARGETS
from helm_harden.errors import ConfigError
from helm_harden.exemptions import MATCH_FIELDS, Exemption
from helm_harden.kube_version import parse_kube_version
from helm_harden.manifest import without_content
from helm_harden.profiles import default_rules
from helm_harden.records import field, record
from helm_harden.rules import RULES, RULES_BY_ID
from helm_harden.rules.base import Rule, Severity
from helm_harden.workload import template_at

CONFIG_FILENAME = ".helm-harden.yaml"
CONFIG_ENV = "HELM_HARDEN_CONFIG"
_RULE_SETTINGS = {"enabled", "severity", "fix"}
_TOP_LEVEL_KEYS = ("rules", "exemptions", "kube_version", "exclude", "workloads", "deploy_with")
_ENVELOPE_KEYS = frozenset({"apiVersion", "kind", "metadata"})
_WORKLOAD_KEYS = ("group", "kind", "template")
DEFAULT_RULES = frozenset(default_rules())


@record(frozen=True)
class RuleSettings:
    rule: Rule
    enabled: bool
    severity: Severity
    fix: bool  # does post-render apply this rule's fixes?
    options: dict

    @property
    def id(self) -> str:
        return self.rule.id


@record(frozen=True)
class Config:
    rules: tuple[RuleSettings, ...]
    path: str | None = None  # the file it came from, None for the defaults
    kube_version: str | None = None  # the default for --kube-version (post-render has no helm flags)
    exemptions: tuple[Exemption, ...] = ()
    exclude: tuple[str, ...] = ()  # charts a repository scan leaves out: shell-style patterns
    workloads: dict = field(default_factory=dict)  # {(group, kind): PodLocation} of the user's own CRDs
    deploy_with: str | None = None  # the default for check --deploy-with (None: deploy_target decides)

    @property
    def enabled_rules(self) -> tuple[RuleSettings, ...]:
        return tuple(settings for settings in self.rules if settings.enabled)


def default_config() -> Config:
    return Config(tuple(_defaults(rule) for rule in RULES))


def resolve_config(explicit: str | None) -> Config:
    """The config in effect, for every command alike: --config, else $HELM_HARDEN_CONFIG, else
    the nearest .helm-harden.yaml in the current directory or above it. One rule, because a
    post-renderer has no path to start from (Helm runs it where helm was started), and check and
    post-render must judge a chart alike."""
    path = explicit or os.environ.get(CONFIG_ENV) or discover(os.getcwd())
    return load_config(path) if path else default_config()


def unused_config_near(target: str, explicit: str | None, config: Config) -> str | None:
    """A .helm-harden.yaml at or above ``target`` that is not the config in effect, when that
    was found rather than given: the user may well expect it to apply."""
    if explicit or os.environ.get(CONFIG_ENV) or target == "-" or not os.path.exists(target):
        return None
    near = discover(target)
    return near if near and near != config.path else None


def load_config(path: str | os.PathLike, envelope: bool = False) -> Config:
    """Load a config file; with ``envelope``, it is a Kubernetes-style object (a Kustomize
    transformer config) whose ``apiVersion``, ``kind`` and ``metadata`` are not settings."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config: {getattr(error, 'strerror', None) or error}") from None
    return parse_config(text, str(path), envelope)


def parse_config(text: str, name: str, envelope: bool = False) -> Config:
    try:
        root = loader.compose(text)  # read as Kubernetes reads YAML; dates stay strings, validated here
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else "?"
        what = "" if isinstance(error, loader.DialectError) else "invalid YAML: "
        raise ConfigError(f"{name}: line {line}: {what}{without_content(error.problem or '')}") from None
    except yaml.YAMLError:
        raise ConfigError(f"{name}: invalid YAML") from None
    return _build(root, name, _ENVELOPE_KEYS if envelope else frozenset())


def discover(start: str) -> str | None:
    """The nearest .helm-harden.yaml in ``start`` (a directory, or a file's) or above it."""
    directory = Path(start).resolve()
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        path = candidate / CONFIG_FILENAME
        if path.is_file():
            return str(path)
    return None


def _defaults(rule: Rule) -> RuleSettings:
    """A rule's settings when the config says nothing: on when the default profile has it."""
    return RuleSettings(rule, rule in DEFAULT_RULES, rule.severity, rule.fix == "default", rule.default_options)


def _build(root: yaml.Node | None, path: str, ignored_keys: frozenset = frozenset()) -> Config:
    if root is None:
        return Config(default_config().rules, path)
    _expect(root, yaml.MappingNode, "a mapping", path)
    settings = {rule.id: _defaults(rule) for rule in RULES}
    kube_version = None
    exemptions: tuple[Exemption, ...] = ()
    exclude: tuple[str, ...] = ()
    workloads: dict = {}
    deploy_with = None
    for key_node, value_node in root.value:
        key = _key(key_node, path)
        if key in ignored_keys:
            continue
        if key == "kube_version":
            _expect(value_node, yaml.ScalarNode, "a Kubernetes version such as 1.30", path)
            try:
                parse_kube_version(value_node.value)
            except ValueError as error:
                _fail(path, value_node, str(error))
            kube_version = value_node.value
            continue
        if key == "deploy_with":
            if not isinstance(value_node, yaml.ScalarNode) or value_node.value not in DEPLOY_TARGETS:
                _fail(path, value_node, f"deploy_with must be one of: {', '.join(DEPLOY_TARGETS)}")
            deploy_with = value_node.value
            continue
        if key == "exemptions":
            _expect(value_node, yaml.SequenceNode, "a list of exemptions", path)
            exemptions = tuple(_exemption(node, path) for node in value_node.value)
            continue
        if key == "exclude":
            _expect(value_node, yaml.SequenceNode, "a list of chart paths or shell-style patterns", path)
            exclude = tuple(_pattern(node, path) for node in value_node.value)
            continue
        if key == "workloads":
            _expect(value_node, yaml.SequenceNode, "a list of workload kinds (group, kind, template)", path)
            workloads = dict(_workload(node, path) for node in value_node.value)
            continue
        if key != "rules":
            _fail(path, key_node, f"unknown key {key!r} (expected one of: {', '.join(_TOP_LEVEL_KEYS)})")
        _expect(value_node, yaml.MappingNode, "a mapping of rule IDs", path)
        for rule_node, rule_value in value_node.value:
            rule = RULES_BY_ID.get(_key(rule_node, path))
            if rule is None:
                _fail(path, rule_node, f"unknown rule {rule_node.value!r} (see: helm-harden rules)")
            settings[rule.id] = _rule_settings(rule, rule_value, path)
    return Config(tuple(settings[rule.id] for rule in RULES), path, kube_version, exemptions, exclude, workloads,
                  deploy_with)


def _pattern(node: yaml.Node, path: str) -> str:
    value = _construct(node, path)
    if not isinstance(value, str) or not value.strip():
        _fail(path, node, "exclude entries must be non-empty strings (chart paths or shell-style patterns)")
    return value.strip()


def _rule_settings(rule: Rule, node: yaml.Node, path: str) -> RuleSettings:
    defaults = _defaults(rule)
    _expect(node, yaml.MappingNode, f"a mapping of settings for {rule.id}", path)
    values = {"enabled": defaults.enabled, "severity": defaults.severity, "fix": defaults.fix}
    options = dict(defaults.options)
    for key_node, value_node in node.value:
        key = _key(key_node, path)
        value = _construct(value_node, path)
        if key in ("enabled", "fix"):
            if type(value) is not bool:
                _fail(path, value_node, f"{rule.id}.{key} must be true or false")
            if key == "fix" and value and rule.fix is None:
                _fail(path, value_node, f"{rule.id} has no fix to enable")
            values[key] = value
        elif key == "severity":
            try:
                values[key] = Severity.parse(str(value))
            except ValueError as error:
                _fail(path, value_node, str(error))
        elif key in rule.options:
            problem = rule.options[key].validate(value)
            if problem:
                _fail(path, value_node, f"{rule.id}.{key} {problem}")
            options[key] = value
        else:
            known = ", ".join(sorted(_RULE_SETTINGS | set(rule.options)))
            _fail(path, key_node, f"unknown setting {key!r} for {rule.id} (expected one of: {known})")
    return RuleSettings(rule, values["enabled"], values["severity"], values["fix"], options)


def _exemption(node: yaml.Node, path: str) -> Exemption:
    _expect(node, yaml.MappingNode, "an exemption (a mapping with a reason)", path)
    fields: dict = {"line": node.start_mark.line + 1, "config": path}
    for key_node, value_node in node.value:
        key = _key(key_node, path)
        value = _construct(value_node, path)
        if key == "reason":
            if not isinstance(value, str) or not value.strip():
                _fail(path, value_node, "an exemption's reason must be a non-empty string")
            fields["reason"] = value.strip()
        elif key == "expires":
            fields["expires"] = _date(value, value_node, path)
        elif key in MATCH_FIELDS:
            if not isinstance(value, str) or not value:
                _fail(path, value_node, f"exemption {key} must be a non-empty string (shell-style patterns allowed)")
            if key == "rule" and not any(ch in value for ch in "*?[") and value not in RULES_BY_ID:
                _fail(path, value_node, f"unknown rule {value!r} (see: helm-harden rules)")
            fields[key] = value
        else:
            expected = ", ".join((*MATCH_FIELDS, "reason", "expires"))
            _fail(path, key_node, f"unknown exemption key {key!r} (expected one of: {expected})")
    if "reason" not in fields:
        _fail(path, node, "an exemption needs a reason")
    if not any(key in fields for key in MATCH_FIELDS):
        _fail(path, node, f"an exemption must name at least one of: {', '.join(MATCH_FIELDS)}")
    return Exemption(**fields)


def _workload(node: yaml.Node, path: str) -> tuple:
    """``{group: example.com, kind: AppSet, template: spec.template}``: a CRD whose objects hold a
    PodTemplateSpec at the dotted path ``template``."""
    _expect(node, yaml.MappingNode, "a workload kind: a mapping with group, kind and template", path)
    fields = {}
    for key_node, value_node in node.value:
        key = _key(key_node, path)
        if key not in _WORKLOAD_KEYS:
            _fail(path, key_node, f"unknown workload key {key!r} (expected one of: {', '.join(_WORKLOAD_KEYS)})")
        value = _construct(value_node, path)
        if not isinstance(value, str) or (key != "group" and not value):
            _fail(path, value_node, f"workload {key} must be a {'string' if key == 'group' else 'non-empty string'}")
        fields[key] = value
    missing = [key for key in _WORKLOAD_KEYS if key not in fields]
    if missing:
        _fail(path, node, f"a workload kind needs {', '.join(missing)}")
    template = tuple(fields["template"].split("."))
    if not all(template):
        _fail(path, node, "workload template must be a dotted path such as spec.template")
    return (fields["group"], fields["kind"]), template_at(*template)


def _date(value, node: yaml.Node, path: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        _fail(path, node, "expires must be a date such as 2027-01-31")


def _construct(node: yaml.Node, path: str):
    return node.data


def _key(node: yaml.Node, path: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        _fail(path, node, "keys must be plain names")
    return node.value


def _expect(node: yaml.Node, node_type: type, what: str, path: str) -> None:
    if not isinstance(node, node_type):
        _fail(path, node, f"expected {what}")


def _fail(path: str, node: yaml.Node, message: str):
    raise ConfigError(f"{path}: line {node.start_mark.line + 1}: {message}")

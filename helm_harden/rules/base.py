"""The one contract of hardening rules and Pod Security controls, and the types their checks use.

A rule is a module with:

- ``ID``: the stable rule ID used in output, config, exemptions and annotations (a Pod Security
  control's is its control ID; the registry prefixes ``pss/``);
- ``SUMMARY``: one line for ``helm-harden rules`` (a control's is its docstring's first line);
- ``SEVERITY``: the default `Severity` (a control's is always ``error``: admission rejects);
- ``FIX``: ``"default"`` if post-render applies its fix out of the box, ``"opt-in"`` if only when
  the config enables it; absent if it never changes anything;
- ``SCOPE``: ``"container"`` when the check judges one container at a time (the engine walks
  the containers and calls ``check(pod, container, context)``), else ``"pod"`` (the default:
  ``check(pod, context)``, for checks of pod fields or that weigh pod and containers together);
- ``OPTIONS``: option names and their defaults, or an `Option` for a type the default cannot
  say; the config overrides them, validated by `Option.validate` alone;
- ``LINUX_ONLY``: True when the settings it checks are Linux-only: the API forbids them in
  Windows pods, which the engine therefore spares the rule (default False);
- ``REVISIONS``: the Kubernetes (policy) versions at which the rule changed, the first being the
  one it applies from (default: every version);
- a docstring that is its user documentation;
- ``check``, yielding a `Violation` for each problem, with the fix that repairs it when one
  exists (a patch that only fills what is absent).

Pod Security controls also say their documented ``NAME``, their ``LEVEL`` and the baseline
controls they replace (``OVERRIDES``); see `helm_harden.profiles`. They have no ``FIX`` and no
``OPTIONS``: they judge as the admission controller does, and the hardening rules fix.

A rule's ID is its module's name in kebab-case, so that the registry knows every rule without
importing it: a module is imported when its check runs or its contract is first read.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Iterator
from types import ModuleType

from helm_harden.patch import Fix
from helm_harden.records import record
from helm_harden.workload import Container, Path, Pod

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without loading typing at start-up
if TYPE_CHECKING:
    from typing import Any

Version = tuple  # (major, minor), e.g. (1, 30)
OLDEST: Version = (1, 0)
# The newest policy version any rule knows of (their newest REVISIONS): stated here, not computed,
# so that a run need not import every rule to know it; each rule is checked against it as it loads.
LATEST: Version = (1, 37)
PSS_PREFIX = "pss/"  # a Pod Security control's rule ID is its control ID after this


class Severity(enum.IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected info, warning or error)") from None


@record(frozen=True, slots=True)
class Option:
    """A rule option: its default, its type, and for numbers the least value allowed."""

    default: Any
    type: type
    minimum: int | None = None
    why_minimum: str = ""

    @classmethod
    def of(cls, value: Any) -> Option:
        return value if isinstance(value, Option) else cls(value, type(value))

    def validate(self, value: Any) -> str | None:
        """What is wrong with ``value`` for this option, None when nothing is."""
        if value is None and self.default is None:
            return None
        if type(value) is bool and self.type is not bool or not isinstance(value, self.type):
            return f"must be of type {self.type.__name__}"
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            return "must be a list of strings"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum}{self.why_minimum}"
        return None


@record(slots=True)
class Violation:
    path: Path  # where the offending (or missing) field is, from the document root
    message: str
    container: Container | None = None  # None for a pod- or object-level problem (filled in for container scope)
    fix: Fix = ()  # patch operations that repair it; empty when it needs a human


@record(frozen=True, slots=True)
class RuleContext:
    """What a check is evaluated against: its options and the Kubernetes version.

    ``policy`` is the Pod Security policy version whose rules apply and ``cluster`` the version
    of the API server judging (they differ when a namespace pins an older policy); both are
    the target Kubernetes version, or the newest known, outside ``--pss``.
    """

    options: dict[str, Any]
    kube_version: Version | None = None  # the --kube-version target, None if not given
    policy: Version = (1, 99)
    cluster: Version = (1, 99)

    def kube_at_least(self, major: int, minor: int) -> bool:
        """True when the target is at least that version; an unknown target counts as current."""
        return self.kube_version is None or self.kube_version >= (major, minor)


# What a rule's module states, beside its ID: read when first needed.
_CONTRACT = frozenset({"summary", "severity", "fix", "scope", "options", "linux_only", "revisions", "module"})


class Rule:
    """A registered rule: its ID, and the module's contract, read and checked once.

    A rule of the registry (`Rule.named`) imports its module when something first reads more
    than its ID; a Pod Security control's severity, fix and options are known without it (error,
    none, none), so a default run never imports the controls it does not run.
    """

    def __init__(self, rule_id: str, module_name: str, contract: dict | None = None):
        self.id = rule_id
        self.module_name = module_name
        if self.is_control:
            self.__dict__.update(severity=Severity.ERROR, fix=None, options={})
        if contract is not None:
            self.__dict__.update(contract)

    @classmethod
    def of(cls, module: ModuleType) -> Rule:
        """The rule a module states, read now."""
        rule_id, contract = _contract(module)
        return cls(rule_id, module.__name__, contract)

    @classmethod
    def named(cls, module_name: str, control: bool = False) -> Rule:
        """The rule of the module ``module_name``, imported when first used."""
        rule_id = module_name.rpartition(".")[2].replace("_", "-")
        return cls(PSS_PREFIX + rule_id if control else rule_id, module_name)

    def __getattr__(self, name: str):
        # Reached only for what is not read yet: the module's contract, which loads it.
        if name not in _CONTRACT:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        module = importlib.import_module(self.module_name)
        try:
            rule_id, contract = _contract(module)
        except AttributeError as error:  # a name the contract requires is missing
            raise TypeError(f"{self.module_name} does not follow the rule contract: {error}") from None
        if rule_id != self.id:
            raise TypeError(f"{self.module_name} states the ID {rule_id!r}, not {self.id!r} as its name says")
        self.__dict__.update(contract)
        return contract[name]

    def __repr__(self) -> str:
        return f"Rule({self.id!r})"

    @property
    def doc(self) -> str:
        """The module's docstring, as help() shows it (for the reports that describe each rule)."""
        import inspect  # those reports alone need it: it costs a small check 6 ms

        return inspect.cleandoc(self.module.__doc__ or "")

    @property
    def is_control(self) -> bool:
        return self.id.startswith(PSS_PREFIX)

    @property
    def default_options(self) -> dict[str, Any]:
        return {name: option.default for name, option in self.options.items()}

    def message(self, violation: Violation) -> str:
        """A finding's message: a control's names the control as the standard does."""
        if self.is_control:
            return f"{self.module.NAME} ({self.module.LEVEL}): {violation.message}"
        return violation.message

    def check(self, pod: Pod, context: RuleContext) -> Iterator[Violation]:
        """The rule's violations in one pod; for container scope, container by container."""
        check = self.module.check
        if self.scope == "pod":
            yield from check(pod, context)
            return
        for container in pod.containers():
            for violation in check(pod, container, context):
                if violation.container is None:
                    violation.container = container
                yield violation


def _contract(module: ModuleType) -> tuple[str, dict]:
    """A rule module's ID and the rest of its contract, checked."""
    control = hasattr(module, "LEVEL")
    doc = (module.__doc__ or "").strip()
    scope = getattr(module, "SCOPE", "pod")
    fix = getattr(module, "FIX", None)
    revisions = tuple(getattr(module, "REVISIONS", (OLDEST,)))
    if (scope not in ("pod", "container") or fix not in ("default", "opt-in", None) or not doc
            or control and (fix is not None or getattr(module, "OPTIONS", None))):
        raise TypeError(f"{module.__name__} does not follow the rule contract")
    if max(revisions) > LATEST:
        raise TypeError(f"{module.__name__} has a revision newer than rules.base.LATEST {LATEST}: raise it")
    return PSS_PREFIX + module.ID if control else module.ID, dict(
        summary=doc.splitlines()[0] if control else module.SUMMARY,
        severity=Severity.ERROR if control else module.SEVERITY,
        fix=fix,
        scope=scope,
        options={name: Option.of(value) for name, value in getattr(module, "OPTIONS", {}).items()},
        linux_only=getattr(module, "LINUX_ONLY", False),
        revisions=revisions,
        module=module,
    )


def yaml_scalar(value: Any) -> str:
    """A value as YAML spells it in a message: true, false, null, 0, "0"."""
    import json  # a few messages only: most runs never load json

    return json.dumps(value) if isinstance(value, (bool, int, float, str)) or value is None else type(value).__name__


def security_context_field(container: Container, key: str) -> Path:
    """Where ``key`` of the container's own securityContext lives (or would)."""
    return container.security_context_path + (key,)

"""What every rule module provides, and the types its `check` works with.

A rule is a module with:

- ``ID``: the stable rule ID used in output, config and exemptions;
- ``SEVERITY``: the default `Severity`;
- ``FIX``: ``"default"`` if post-render applies its fix out of the box, ``"opt-in"`` if only when
  the config enables it, ``None`` if it never changes anything;
- ``SUMMARY``: one line for ``helm-harden rules``;
- ``OPTIONS``: option names and their defaults (the config may override them);
- ``LINUX_ONLY``: True when the settings it checks are Linux-only: the API forbids them in
  Windows pods (``spec.os.name: windows``), which the engine therefore spares the rule;
- a docstring that is its user documentation, with a passing and a failing example;
- ``check(pod, context)``, yielding a `Violation` for each problem, with the fix that repairs
  it when one exists.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

from helm_harden.patch import Fix
from helm_harden.workload import Container, Path


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


@dataclass(slots=True)
class Violation:
    path: Path  # where the offending (or missing) field is, from the document root
    message: str
    container: Container | None = None  # None for a pod- or object-level problem
    fix: Fix = ()  # patch operations that repair it; empty when it needs a human


@dataclass(frozen=True, slots=True)
class RuleContext:
    options: dict[str, Any]
    kube_version: tuple[int, int] | None = None  # the --kube-version target, None if not given

    def kube_at_least(self, major: int, minor: int) -> bool:
        """True when the target is at least that version; an unknown target counts as current."""
        return self.kube_version is None or self.kube_version >= (major, minor)


def yaml_scalar(value: Any) -> str:
    """A value as YAML spells it in a message: true, false, null, 0, "0"."""
    return json.dumps(value) if isinstance(value, (bool, int, float, str)) or value is None else type(value).__name__


def security_context_field(container: Container, key: str) -> Path:
    """Where ``key`` of the container's own securityContext lives (or would)."""
    return container.security_context_path + (key,)

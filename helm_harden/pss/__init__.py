"""The Kubernetes Pod Security Standards: their controls (`helm_harden.pss.controls`), which are
rules of the one registry (``pss/<control ID>``), and the admission API around them.

Public API (defined in `helm_harden.profiles` and `helm_harden.admission`, named here):

- `LEVELS`: ``("baseline", "restricted")``; ``"privileged"`` is accepted too and checks nothing.
- `CONTROLS`: every control module (see `helm_harden.pss.controls`).
- `OLDEST`, `LATEST`: the range of policy versions, ``(1, 0)`` to the newest any control knows.
- `policy_version(kube_version)`: the policy version a Kubernetes version evaluates.
- `evaluate(pod, level, version=None, cluster=None)`: the `ControlViolation`s of one pod.
- `verdict(pod, level, version=None, cluster=None)` and `verdict_line(pod, verdict)`.
- `namespace_levels(documents_data)`: the ``(level, version)`` each rendered Namespace enforces.
"""

import importlib

import helm_harden.rules  # noqa: F401  the registry first: the controls import the rule contract

_API = {
    "helm_harden.pss.controls": ("CONTROLS", "CONTROLS_BY_ID"),
    "helm_harden.profiles": (
        "LATEST", "LEVELS", "OLDEST", "PRIVILEGED", "Target", "controls_for", "label", "parse_label",
        "policy_version", "resolve",
    ),
    "helm_harden.admission": (
        "ENFORCE_LABEL", "ENFORCE_VERSION_LABEL", "ControlViolation", "NamespacePolicy", "Verdict", "evaluate",
        "namespace_levels", "verdict", "verdict_line",
    ),
}
_HOME = {name: module for module, names in _API.items() for name in names}
__all__ = sorted(_HOME)


def __getattr__(name: str):
    # Imported on first use: the registry imports this package, and these modules import the registry.
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name]), name)

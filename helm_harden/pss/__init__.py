"""The Kubernetes Pod Security Standards, evaluated the way the Pod Security admission controller does.

Public API:

- `LEVELS`: ``("baseline", "restricted")``; ``"privileged"`` is accepted too and checks nothing.
- `CONTROLS`: every control module (see `helm_harden.pss.controls` for the module contract).
- `OLDEST`, `LATEST`: the range of policy versions, ``(1, 0)`` to the newest any control knows.
- `policy_version(kube_version)`: the policy version a Kubernetes version evaluates.
- `evaluate(pod, level, version=None, cluster=None)`: the `ControlViolation`s of one pod.
- `verdict(pod, level, version=None, cluster=None)` and `verdict_line(pod, verdict)`.
- `namespace_levels(documents_data)`: the ``(level, version)`` each rendered Namespace enforces.
"""

from helm_harden.pss.controls import CONTROLS, CONTROLS_BY_ID
from helm_harden.pss.evaluate import LEVELS, PRIVILEGED, ControlViolation, controls_for, evaluate
from helm_harden.pss.namespaces import ENFORCE_LABEL, ENFORCE_VERSION_LABEL, NamespacePolicy, namespace_levels
from helm_harden.pss.target import Target
from helm_harden.pss.verdict import Verdict, verdict, verdict_line
from helm_harden.pss.versions import LATEST, OLDEST, label, parse_label, policy_version, resolve

__all__ = [
    "CONTROLS",
    "CONTROLS_BY_ID",
    "ENFORCE_LABEL",
    "ENFORCE_VERSION_LABEL",
    "LATEST",
    "LEVELS",
    "OLDEST",
    "PRIVILEGED",
    "ControlViolation",
    "NamespacePolicy",
    "Target",
    "Verdict",
    "controls_for",
    "evaluate",
    "label",
    "namespace_levels",
    "parse_label",
    "policy_version",
    "resolve",
    "verdict",
    "verdict_line",
]

"""Policy versions: which one applies, how labels spell them, and the range this package knows.

The admission controller accepts policy versions ``v1.0`` up to ``latest``. It evaluates a
version older than a control's first revision without that control, and a version newer than
the newest revision it knows (its "latest") as that newest one. This package does the same,
with the newest revision of its own controls as `LATEST`.
"""

from __future__ import annotations

import re

from helm_harden.pss.controls import CONTROLS
from helm_harden.pss.target import Target, Version

# The oldest policy version there is: an ``enforce-version`` label must be ``v1.<minor>``.
# Every version before a control's first revision evaluates the pod without that control.
# (The admission controller itself ships from Kubernetes 1.22; older clusters have none.)
OLDEST: Version = (1, 0)

# The newest policy version any control knows of; newer Kubernetes versions evaluate as this.
LATEST: Version = max(revision for control in CONTROLS for revision in control.REVISIONS)

LATEST_LABEL = "latest"
_LABEL = re.compile(r"v1\.(0|[1-9][0-9]*)")


def policy_version(kube_version: Version | None) -> Version:
    """The policy version a Kubernetes version evaluates: itself, clamped to [`OLDEST`, `LATEST`].

    None (no ``--kube-version``) and anything newer than `LATEST` give `LATEST`.
    """
    if kube_version is None or kube_version > LATEST:
        return LATEST
    return max(tuple(kube_version), OLDEST)


def resolve(version: Version | None, cluster: Version | None) -> Target:
    """The target for a requested policy version (None: ``latest``) on a cluster (None: newest).

    As the admission controller does, a pinned version newer than what the cluster knows is
    evaluated as the cluster's newest.
    """
    on_cluster = policy_version(cluster)
    requested = on_cluster if version is None else policy_version(version)
    return Target(policy=min(requested, on_cluster), cluster=on_cluster)


def parse_label(value) -> Version | None:
    """An ``enforce-version`` label value: ``v1.30`` → (1, 30); ``latest`` → None.

    Anything else (``1.30`` without the ``v``, ``v2.0``, ``v1.05``) is what the admission
    controller rejects as invalid and then treats as ``latest``; so does this function.
    """
    if isinstance(value, str):
        match = _LABEL.fullmatch(value)
        if match:
            return (1, int(match.group(1)))
    return None


def label(version: Version | None) -> str:
    """How the admission controller writes a policy version: ``v1.30``, or ``latest`` for None."""
    return LATEST_LABEL if version is None else f"v{version[0]}.{version[1]}"

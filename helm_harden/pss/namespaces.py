"""The Pod Security level and version that rendered Namespace objects enforce.

A namespace enforces what its ``pod-security.kubernetes.io/enforce`` label says, at the policy
version of ``pod-security.kubernetes.io/enforce-version`` (``latest`` when absent). Invalid
values are read the way the admission controller reads them: an unknown level enforces
``restricted`` (it fails closed), an unparsable version means ``latest``. A namespace without
the enforce label is left out: it enforces the cluster's default (``privileged`` unless the
admission configuration says otherwise), which a chart cannot see.
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple

from helm_harden.pss.evaluate import LEVELS, PRIVILEGED
from helm_harden.pss.fields import mapping, sequence
from helm_harden.pss.target import Version
from helm_harden.pss.versions import parse_label

ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version"


class NamespacePolicy(NamedTuple):
    level: str  # "privileged", "baseline" or "restricted"
    version: Version | None  # None: latest


def namespace_levels(documents_data: Iterable[Any]) -> dict[str, NamespacePolicy]:
    """``{namespace name: (level, version)}`` for every labelled Namespace among parsed documents.

    ``documents_data`` holds parsed objects (``Document.data``); ``List`` kinds are searched
    item by item. When a namespace appears twice, the later object wins, as it would on apply.
    """
    policies: dict[str, NamespacePolicy] = {}
    for obj in _objects(documents_data):
        if obj.get("kind") != "Namespace" or obj.get("apiVersion") != "v1":
            continue
        metadata = mapping(obj.get("metadata"))
        name, labels = metadata.get("name"), mapping(metadata.get("labels"))
        if isinstance(name, str) and ENFORCE_LABEL in labels:
            version = parse_label(labels.get(ENFORCE_VERSION_LABEL))
            policies[name] = NamespacePolicy(_level(labels[ENFORCE_LABEL]), version)
    return policies


def _level(value: Any) -> str:
    return value if value in LEVELS or value == PRIVILEGED else "restricted"


def _objects(documents_data: Iterable[Any]):
    for obj in documents_data:
        if not isinstance(obj, dict):
            continue
        kind = obj.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list):
            yield from (item for item in sequence(obj["items"]) if isinstance(item, dict))
        else:
            yield obj

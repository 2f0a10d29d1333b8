"""Kustomize's two plugin protocols, as transformations of text (no processes run here).

- A legacy exec transformer gets its config file's path as its only argument and the
  resources as a YAML stream on stdin, and writes the transformed stream to stdout
  (``kubectl kustomize --enable-alpha-plugins`` and standalone kustomize run it).
- A KRM exec function gets a ``ResourceList`` on stdin, with its config in ``functionConfig``,
  and writes the ``ResourceList`` back with ``results`` (standalone kustomize with
  ``--enable-alpha-plugins --enable-exec``).

Both configs are Kubernetes-style objects carrying the settings of ``.helm-harden.yaml``:

    apiVersion: helm-harden.io/v1
    kind: HardenTransformer
    metadata: {name: harden}
    rules:
      read-only-root-filesystem: {fix: true}
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from helm_harden.config import Config, parse_config
from helm_harden.engine import Engine
from helm_harden.findings import Finding
from helm_harden.errors import InputError
from helm_harden.manifest import parse_documents, round_trip_yaml

if TYPE_CHECKING:
    from ruamel.yaml import YAML

CONFIG_API_VERSION = "helm-harden.io/v1"
CONFIG_KIND = "HardenTransformer"


def run_krm_function(text: str, make_engine) -> str:
    """Harden every item of a ResourceList; ``make_engine(config)`` builds the engine."""
    round_trip = round_trip_yaml()
    try:
        resource_list = round_trip.load(text)
    except Exception:  # ruamel raises many types; the message could quote a Secret
        raise InputError("<stdin>: the ResourceList is not valid YAML") from None
    if not isinstance(resource_list, dict) or resource_list.get("kind") != "ResourceList":
        raise InputError("<stdin>: expected a ResourceList (kind: ResourceList)")
    engine: Engine = make_engine(_function_config(resource_list.get("functionConfig"), round_trip))
    items = resource_list.get("items") or []
    hardened_items = []
    for index, item in enumerate(items):
        item_text = _dump(round_trip, item)
        document = next(parse_documents(item_text, f"ResourceList item {index + 1}"), None)
        if document is None:
            continue
        hardened = engine.harden(document)
        if hardened.changed:
            items[index] = round_trip.load(hardened.text)
        hardened_items.append((hardened, item))
    engine.settle([hardened for hardened, _ in hardened_items])
    results = [_result(finding, item) for hardened, item in hardened_items for finding in hardened.remaining]
    if results:
        resource_list["results"] = results
    return _dump(round_trip, resource_list)


def _function_config(node, round_trip: YAML) -> Config:
    if node is None:
        return parse_config("", "functionConfig")
    kind = node.get("kind") if isinstance(node, dict) else None
    if kind not in (None, CONFIG_KIND):
        raise InputError(f"functionConfig: expected kind {CONFIG_KIND} (apiVersion {CONFIG_API_VERSION}), found {kind}")
    return parse_config(_dump(round_trip, node), "functionConfig", envelope=True)


def _result(finding: Finding, item) -> dict:
    metadata = item.get("metadata") or {}
    reference = {"apiVersion": item.get("apiVersion"), "kind": item.get("kind"), "name": metadata.get("name")}
    if metadata.get("namespace"):
        reference["namespace"] = metadata["namespace"]
    return {
        "message": f"{finding.rule}: {finding.container + ': ' if finding.container else ''}{finding.message}",
        "severity": str(finding.severity),  # error, warning, info: the KRM function spec's names too
        "resourceRef": reference,
        "field": {"path": finding.path},
        "tags": {"rule": finding.rule},
    }


def _dump(round_trip: YAML, data) -> str:
    output = io.StringIO()
    round_trip.dump(data, output)
    return output.getvalue()

"""Patches for what values cannot reach, in the forms GitOps tools accept.

Each object that still has findings post-render would fix gets one JSON 6902 patch: the engine's
own fill is applied to a copy of the object as helm renders it with the overlay, and the patch
holds exactly the additions (``add`` operations; fills never replace anything). Operations address
list items by index, as rendered, so nothing is reordered (a strategic-merge patch would move
patched containers first). The patches are made against the render *with* the values overlay:
use both together.

- Flux: a HelmRelease fragment, ``spec.values`` (the overlay) and ``spec.postRenderers`` with the
  patches. Helm never sends hooks to a post-renderer, so hooks get no patch there.
- Kustomize: a ``Component`` (``kustomization.yaml`` in a folder of its own) for ``kustomize build
  --enable-helm`` users: ``components: [that-folder]`` in the kustomization holding ``helmCharts``.
"""

from __future__ import annotations

import copy

import yaml

from helm_harden import loader
from helm_harden.errors import InternalError
from helm_harden.findings import json_pointer
from helm_harden.records import field, record


class _BlockDumper(yaml.SafeDumper):
    """Writes a patch (a string of several lines) as a literal block, readable in a HelmRelease."""


_BlockDumper.add_representer(
    str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, width=10**9)


@record
class ObjectPatch:
    target: dict  # kustomize's patch target: group, version, kind, name (and namespace if set)
    operations: list[dict]
    fixes: list = field(default_factory=list)  # the Checked findings it repairs
    hook: bool = False


def object_patches(items: list) -> list[ObjectPatch]:
    """One patch per object, for the fixable findings in ``items`` (`values_fix.Checked`)."""
    by_object: dict[int, list] = {}
    for item in items:
        if item.finding.fixable and item.violation.fix:
            by_object.setdefault(id(item.data), []).append(item)
    patches = []
    for group in by_object.values():
        original = group[0].data
        filled = copy.deepcopy(original)
        for item in group:
            for edit in item.violation.fix:
                edit.apply(filled)
        operations = additions(original, filled)
        if _applied(original, operations) != filled:  # the patch must do exactly what the fill did
            raise InternalError(f"{group[0].finding.source}: the patch for {group[0].finding.kind} "
                                f"{group[0].finding.name} does not reproduce the fix; refusing")
        patches.append(ObjectPatch(_target(original), operations, group, group[0].finding.hook))
    return patches


def additions(before, after, pointer: str = "") -> list[dict]:
    """The ``add`` operations that turn ``before`` into ``after``, which only adds to it."""
    operations: list[dict] = []
    if isinstance(before, dict) and isinstance(after, dict):
        for key, value in after.items():
            child = pointer + json_pointer((key,))
            if key not in before or before[key] is None:
                operations.append({"op": "add", "path": child, "value": value})
            else:
                operations += additions(before[key], value, child)
    elif isinstance(before, list) and isinstance(after, list):
        for index, value in enumerate(after):
            if index < len(before):
                operations += additions(before[index], value, f"{pointer}/{index}")
            else:
                operations.append({"op": "add", "path": f"{pointer}/-", "value": value})
    return operations


def _applied(document, operations: list[dict]):
    result = copy.deepcopy(document)
    for operation in operations:
        *parents, last = [_unescape(part) for part in operation["path"].split("/")[1:]]
        node = result
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node.append(copy.deepcopy(operation["value"]))
        else:
            node[last] = copy.deepcopy(operation["value"])
    return result


def _target(data: dict) -> dict:
    group, _, version = str(data.get("apiVersion", "")).rpartition("/")
    metadata = data.get("metadata") or {}
    target = {"group": group, "version": version, "kind": data.get("kind"), "name": metadata.get("name")}
    if not group:
        del target["group"]
    if metadata.get("namespace"):
        target["namespace"] = metadata["namespace"]
    return target


def _patch_entries(patches: list[ObjectPatch]) -> list[dict]:
    return [
        {"target": patch.target, "patch": yaml.safe_dump(patch.operations, sort_keys=False, width=10**9)}
        for patch in patches
    ]


def format_flux(overlay: dict, patches: list[ObjectPatch], chart: str) -> str:
    """A HelmRelease fragment: the values overlay and the patches as Kustomize post-renderers."""
    usable = [patch for patch in patches if not patch.hook]
    spec: dict = {"values": overlay}
    if usable:
        spec["postRenderers"] = [{"kustomize": {"patches": _patch_entries(usable)}}]
    header = (
        f"# HelmRelease fragment written by `helm-harden fix --format flux` for {chart}: merge it into your\n"
        "# HelmRelease's spec. The patches match the chart rendered with these values and the release name\n"
        "# and flags fix was given; Helm sends no hooks to post-renderers, so hooks get none.\n"
    )
    return _checked(header + _dump({"spec": spec}))


def format_kustomize(patches: list[ObjectPatch], chart: str) -> str:
    """A Kustomize Component holding the patches."""
    component = {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1",
        "kind": "Component",
        "patches": _patch_entries(patches),
    }
    header = (
        f"# Kustomize Component written by `helm-harden fix --format kustomize` for {chart}: save it as\n"
        "# kustomization.yaml in a folder of its own and list that folder under `components:` next to your\n"
        "# helmCharts (kustomize build --enable-helm). The patches match the chart rendered with the values\n"
        "# overlay fix writes (add it to the chart's additionalValuesFiles) and the release name and flags fix was given.\n"
    )
    return _checked(header + _dump(component))


def _checked(text: str) -> str:
    loader.load(text)  # what we wrote reads back
    return text


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")

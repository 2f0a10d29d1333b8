"""Find, by rendering, which values key produces which field of the rendered objects.

Nothing is inferred from a key's name. Probing asks helm:

1. the chart's values as helm computes them for the user's flags (defaults, subcharts under
   their names, globals), and the values the user's flags alone set (see `chart_copy`);
2. renders the chart with those values, changed so that every map carries a unique marker key
   (``hhk12z: ""``). A marker that comes out inside a container's ``securityContext`` proves that
   the chart passes that values map there (``toYaml``), so a key added to the map lands beside it.
   A second render also turns on ``enabled: false`` switches of maps that hold settings
   (bitnami's ``podSecurityContext.enabled``), for maps the chart renders only when switched on;
3. optionally (for hints on image tags and IDs) a render with every non-empty string and number
   replaced by a marker string (``hhm7z``), to see which leaf lands in which field.

Limits, reported rather than guessed: a field the chart writes itself is reachable by no key;
booleans, empty strings and nulls are never replaced (a marker would flip a condition), so a
field fed only by one of those is not seen; a chart that fails to render with markers (a type
check, a schema helm cannot skip) leaves that probe empty, and `Probe.notes` says so.

Each probe is one ``helm template`` with the user's own non-values flags (release name,
namespace, --kube-version, …): 2 for the values, 2 or 3 for markers, run in parallel.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

from helm_harden import loader, render
from helm_harden.chart_copy import VALUES_KIND, values_only_copy
from helm_harden.errors import InputError, ToolError
from helm_harden.helm_flags import split_values_flags
from helm_harden.records import field, record
from helm_harden.workload import CONTAINER_FIELDS

KeyPath = tuple  # keys from the values root, e.g. ("controller", "containerSecurityContext")
ObjectKey = tuple  # (source template, kind, name) of a rendered object
_MAP_MARKER = re.compile(r"^hhk(\d+)z$")
_LEAF_MARKER = re.compile(r"hhm(\d+)z")
SKIP_SCHEMA = "--skip-schema-validation"


@record(frozen=True)
class Landing:
    """A values key whose content came out at ``object_path`` of an object."""

    values_path: KeyPath
    object_path: tuple  # from the document root; a container is ("container", name), not its index
    exact: bool = True  # a leaf that is the whole field (False: part of a longer string)
    switches: tuple[KeyPath, ...] = ()  # ``enabled`` keys that had to be turned on


@record
class Probe:
    values: dict  # the values helm renders the chart with, for the user's flags
    user_values: dict  # what the user's -f/--set flags set themselves
    maps: dict = field(default_factory=dict)  # ObjectKey -> {object path: [Landing]}
    leaves: dict = field(default_factory=dict)  # ObjectKey -> {object path: [Landing]}
    renders: int = 0
    notes: list[str] = field(default_factory=list)  # what probing could not do, for the user
    failed: set = field(default_factory=set)  # the marker renders the chart refused

    @property
    def blind(self) -> bool:
        """Neither map probe rendered: that no key reaches a field is then not known."""
        return {"maps", "switched"} <= self.failed

    def maps_at(self, key: ObjectKey, object_path: tuple) -> list[Landing]:
        return self.maps.get(key, {}).get(object_path, [])

    def leaves_at(self, key: ObjectKey, object_path: tuple) -> list[Landing]:
        return self.leaves.get(key, {}).get(object_path, [])


def probe_chart(chart: str, helm_args: list[str], jobs: int = 2, leaves: bool = False) -> Probe:
    """Probe ``chart`` as the user renders it (``helm_args``: their flags, values flags included)."""
    flags = split_values_flags(helm_args)
    with tempfile.TemporaryDirectory(prefix="helm-harden-probe-") as temporary:
        temp = Path(temporary)
        full = values_only_copy(chart, temp / "full", blank_defaults=False)
        user = values_only_copy(chart, temp / "user", blank_defaults=True)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            values, user_values = pool.map(lambda copy_: _rendered_values(str(copy_), list(helm_args)), (full, user))
        probe = Probe(values, user_values, renders=2)
        variants = [("maps", _with_map_markers(values, flip=False)), ("switched", _with_map_markers(values, flip=True))]
        if leaves:
            variants.append(("leaves", _with_leaf_markers(values)))
        paths = []
        for name, (marked, _, _) in variants:
            path = temp / f"{name}.yaml"
            path.write_text(json.dumps(marked), encoding="utf-8")
            paths.append(path)
        args = list(flags.other)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            texts = list(pool.map(lambda p: _try_render(chart, args + ["--values", str(p)]), paths))
    probe.renders += len(variants)
    for (name, (_, ids, flipped)), (text, error) in zip(variants, texts):
        if error:
            probe.failed.add(name)
            probe.notes.append(f"the chart does not render with {name} markers ({error}): keys it reads that way are not known")
            continue
        target = probe.leaves if name == "leaves" else probe.maps
        _collect(text, ids, tuple(flipped), target, leaf=name == "leaves", keep_existing=name == "switched")
    return probe


def _rendered_values(chart_copy: str, helm_args: list[str]) -> dict:
    text = render.helm_template(chart_copy, helm_args).text
    for document in loader.load_all(text):
        if isinstance(document, dict) and document.get("kind") == VALUES_KIND:
            values = json.loads(base64.b64decode(document["values"]))
            return values if isinstance(values, dict) else {}
    raise InputError(f"{chart_copy}: helm did not print the chart's values")


def _try_render(chart: str, args: list[str]) -> tuple[str, str | None]:
    try:
        return render.helm_template(chart, args + [SKIP_SCHEMA]).text, None
    except ToolError as error:
        if "unknown flag" in error.stderr and SKIP_SCHEMA in error.stderr:  # a helm older than 3.16
            try:
                return render.helm_template(chart, args).text, None
            except ToolError as retry:
                error = retry
        first = error.stderr.strip().splitlines()[:1]
        return "", (first[0] if first else str(error))[:200]


def _with_map_markers(values: dict, flip: bool) -> tuple[dict, dict[str, KeyPath], list[KeyPath]]:
    """A copy of ``values`` where each map holds a marker key; with ``flip``, settings maps switched on."""
    marked = copy.deepcopy(values)
    ids: dict[str, KeyPath] = {}
    flipped: list[KeyPath] = []

    def visit(node: dict, path: KeyPath) -> None:
        for key in [k for k in node if k == "global" and path]:  # a subchart's copy of the globals
            del node[key]
        if flip and node.get("enabled") is False and len(node) > 1:
            node["enabled"] = True
            flipped.append(path + ("enabled",))
        for key, child in list(node.items()):
            if isinstance(child, dict):
                visit(child, path + (key,))
        marker = f"hhk{len(ids)}z"
        ids[marker] = path
        node[marker] = ""  # a string: helm itself decodes metadata, where maps of strings are expected

    visit(marked, ())
    return marked, ids, flipped


def _with_leaf_markers(values: dict) -> tuple[dict, dict[str, KeyPath], list[KeyPath]]:
    """A copy of ``values`` where each non-empty string and each number is a marker string."""
    marked = copy.deepcopy(values)
    ids: dict[str, KeyPath] = {}

    def visit(node: dict, path: KeyPath) -> None:
        for key in [k for k in node if k == "global" and path]:
            del node[key]
        for key, child in list(node.items()):
            if isinstance(child, dict):
                visit(child, path + (key,))
            elif (isinstance(child, str) and child) or (isinstance(child, (int, float)) and not isinstance(child, bool)):
                marker = f"hhm{len(ids)}z"
                ids[marker] = path + (key,)
                node[key] = marker

    visit(marked, ())
    return marked, ids, []


def object_keys(text: str, origin: str) -> Iterator[tuple]:
    """``(document, object, keys)`` for each object of a render: its keys identify the same
    object in another render of the chart, by name and, for names a render changes (markers,
    ``randAlphaNum``), by its kind's position in its template."""
    from helm_harden.engine import object_of
    from helm_harden.manifest import parse_documents

    ordinals: dict[tuple, int] = {}
    for document in parse_documents(text, origin):
        data = object_of(document)  # a document that is not an object is the chart's error
        if data is None:
            continue
        kind = data.get("kind")
        ordinal = ordinals[(document.source, kind)] = ordinals.get((document.source, kind), -1) + 1
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        yield document, data, ((document.source, kind, metadata.get("name")), ("#", document.source, kind, ordinal))


def _collect(text: str, ids: dict[str, KeyPath], switches: tuple, target: dict, leaf: bool, keep_existing: bool) -> None:
    """Record where the markers of one probe render came out, per object and path."""
    for _, data, keys in object_keys(text, "probe"):
        found: dict[tuple, list[Landing]] = {}
        _walk(data, (), ids, switches, leaf, found)
        for key in keys:
            landings = target.setdefault(key, {})
            for path, new in found.items():
                if keep_existing and path in landings:
                    continue  # found without switching anything on: that landing is the better one
                landings.setdefault(path, []).extend(new)


def _walk(node, path: tuple, ids: dict, switches: tuple, leaf: bool, found: dict) -> None:
    if isinstance(node, dict):
        for key, child in node.items():
            match = _MAP_MARKER.match(key) if isinstance(key, str) and not leaf else None
            if match and key in ids:
                found.setdefault(path, []).append(Landing(ids[key], path, True, _needed(switches, ids[key])))
                continue
            _walk(child, path + (key,), ids, switches, leaf, found)
    elif isinstance(node, list):
        containers = path and path[-1] in CONTAINER_FIELDS
        for index, child in enumerate(node):
            named = containers and isinstance(child, dict) and isinstance(child.get("name"), str)
            _walk(child, path + ((("container", child["name"]),) if named else (index,)), ids, switches, leaf, found)
    elif leaf and isinstance(node, str):
        for match in _LEAF_MARKER.finditer(node):
            if match.group(0) in ids:
                found.setdefault(path, []).append(Landing(ids[match.group(0)], path, match.group(0) == node))


def _needed(switches: tuple, values_path: KeyPath) -> tuple:
    """The switches turned on at the map itself or above it: the ones its landing may depend on."""
    return tuple(s for s in switches if values_path[: len(s) - 1] == s[:-1])


def named_path(data, path: tuple) -> tuple:
    """``path`` with each container index replaced by ``("container", name)``, as landings record it."""
    out = []
    node = data
    for key in path:
        if isinstance(node, list) and isinstance(key, int) and out and out[-1] in CONTAINER_FIELDS:
            child = node[key] if 0 <= key < len(node) else None
            if isinstance(child, dict) and isinstance(child.get("name"), str):
                out.append(("container", child["name"]))
                node = child
                continue
        out.append(key)
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            node = None
    return tuple(out)

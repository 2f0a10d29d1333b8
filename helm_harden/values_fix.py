"""Turn post-render's fixes into a values overlay, and prove it with helm before anyone sees it.

For every fixable finding, each edit of its fix (a field to fill in a rendered object) is traced
back through the probe (`values_probe`): the values map that comes out at the edit's parent, or
above it through plain keys, is where the same setting goes in values. A finding whose edits
all have such a key is planned for the overlay, the others are left for a patch.

The plan is then verified: helm renders the chart with the user's flags and the overlay as the
last values file, the engine checks the result, and only the groups of keys (one group per
values map) that remove findings and add none are kept. The overlay written is exactly one that
was rendered and checked. Values the user's own flags set are never overridden unless asked:
they are reported as such.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from helm_harden import render
from helm_harden.engine import AliasedNodes, Engine
from helm_harden.errors import ToolError
from helm_harden.overlay_yaml import format_overlay
from helm_harden.patch import AppendMissing, SetDefault
from helm_harden.records import field, record
from helm_harden.values_probe import KeyPath, Landing, Probe, named_path, object_keys
from helm_harden.workload import INHERITED_FIELDS


@record
class Checked:
    """A finding of one render, with the violation behind it and the object it is in."""

    finding: object
    violation: object
    data: dict
    keys: tuple  # the object's keys in a probe: by name, then by position in its template

    @property
    def identity(self) -> tuple:
        return finding_identity(self.finding)


def finding_identity(finding) -> tuple:
    """What tells one finding from another across renders of the same chart."""
    return finding.rule, finding.source, finding.kind, finding.name, finding.container, finding.path


@record
class Entry:
    """One key of the overlay and the findings it is meant to fix."""

    path: KeyPath
    value: object
    group: KeyPath  # the values map it goes into (or the switch's map): kept or dropped together
    fixes: list = field(default_factory=list)  # Checked


@record
class FixOutcome:
    overlay: dict  # nested values, {} when nothing is fixed through values
    text: str  # the overlay as written, with its comments
    before: list  # Checked of the plain render
    after: list  # Checked of the render with the overlay
    by_values: list  # Checked fixed by the overlay
    by_patch: list  # Checked fixable by post-render (a patch) but not by values
    manual: list  # Checked that neither fixes: they need a chart or values change by a human
    kept_user_values: list  # (Checked, key path) not fixed because the user set that key
    renders: int = 0
    notes: list = field(default_factory=list)
    entries: list = field(default_factory=list)  # the overlay's keys (Entry), with what each fixes
    refused: list = field(default_factory=list)  # the planned keys (Entry) whose render did not verify
    probe: Probe | None = None  # what the plan was made from


def check_render(engine: Engine, text: str, origin: str) -> list[Checked]:
    """Every finding of a rendered stream, with the violation and object it came from."""
    checked: list[Checked] = []
    for document, data, keys in object_keys(text, origin):
        aliased = AliasedNodes.of(document, data)
        for pod in engine.pods(data):
            for finding, violation in engine.findings(document, pod, aliased):
                checked.append(Checked(finding, violation, data, keys))
    return checked


def plan_entries(checked: list[Checked], probe: Probe, override_user: bool) -> tuple[list[Entry], list]:
    """The overlay keys that would repair the fixable findings; and (finding, key) the user set."""
    entries: dict[KeyPath, Entry] = {}
    conflicts: set[KeyPath] = set()
    kept_user: list = []
    for item in checked:
        if not item.finding.fixable:
            continue
        planned = [_entry_for(edit, item, probe) for edit in item.violation.fix]
        if not planned or any(p is None for p in planned):
            continue  # all or nothing: half a fix (a read-only root without its /tmp) breaks pods
        user_set = [path for entry in planned for path in _paths_of(entry) if get_path(probe.user_values, path) is not None]
        if user_set and not override_user:
            kept_user.append((item, user_set[0]))
            continue
        for entry in planned:
            for path, value in _entries_of(entry):
                existing = entries.get(path)
                if existing is None:
                    entries[path] = Entry(path, value, entry.group, [item])
                elif existing.value == value:
                    existing.fixes.append(item)
                else:
                    conflicts.add(path)
    return [entry for path, entry in sorted(entries.items()) if path not in conflicts], kept_user


@record
class _Planned:
    path: KeyPath
    value: object
    group: KeyPath
    switches: tuple


def _paths_of(planned: _Planned) -> list[KeyPath]:
    return [planned.path, *planned.switches]


def _entries_of(planned: _Planned) -> list[tuple[KeyPath, object]]:
    return [(planned.path, planned.value)] + [(switch, True) for switch in planned.switches]


def _entry_for(edit, item: Checked, probe: Probe) -> _Planned | None:
    """Where one edit goes in values: below a values map that lands at or above the field.

    A pod-level setting that containers inherit (seccompProfile, runAsNonRoot, …) may go into the
    container's own securityContext instead when values reach only that: same effect for it.
    """
    found = values_map_above(item, named_path(item.data, edit.path), probe)
    container = item.violation.container
    pod_context = container.pod_security_context_path if container is not None else None
    if (found is None and pod_context is not None and edit.path[: len(pod_context)] == pod_context
            and len(edit.path) > len(pod_context) and edit.path[len(pod_context)] in INHERITED_FIELDS):
        own = container.security_context_path + tuple(edit.path[len(pod_context):])
        found = values_map_above(item, named_path(item.data, own), probe)
    if found is None:
        return None
    landing, rest = found
    path = landing.values_path + rest
    return _Planned(path, _value_for(edit, item, probe, path), landing.values_path, landing.switches)


def values_map_above(item: Checked, target: tuple, probe: Probe) -> tuple[Landing, tuple] | None:
    """The values map that comes out nearest above ``target`` (a named path), and the keys from it
    down to the field; None when no map lands above it."""
    candidates = []
    for depth in range(len(target) - 1, 0, -1):
        rest = target[depth:]
        if not all(isinstance(key, str) for key in rest):
            continue  # a list index or a container: values cannot address it below a map
        candidates += [(landing, rest) for key in item.keys for landing in probe.maps_at(key, target[:depth])]
    return min(candidates, key=lambda candidate: _preference(*candidate)) if candidates else None


def _preference(landing: Landing, rest: tuple) -> tuple:
    """No switch to turn on beats one; the chart's own key beats a global; then the map nearest
    the field, then the most specific key."""
    return (len(landing.switches), landing.values_path[:1] == ("global",), len(rest), -len(landing.values_path),
            landing.values_path)


def _value_for(edit, item: Checked, probe: Probe, path: KeyPath):
    if isinstance(edit, SetDefault):
        return edit.value
    if isinstance(edit, AppendMissing):  # helm replaces lists: the overlay holds the whole list
        current = get_path(probe.values, path)
        if not isinstance(current, list):
            current = get_path(item.data, edit.path)
        current = list(current) if isinstance(current, list) else []
        present = (edit.item in current) if edit.match_key is None else any(
            isinstance(e, dict) and e.get(edit.match_key) == edit.item[edit.match_key] for e in current)
        return current if present else current + [edit.item]
    raise TypeError(f"unknown edit {type(edit).__name__}")


def nested(entries: list[Entry]) -> dict:
    overlay: dict = {}
    for entry in entries:
        node = overlay
        for key in entry.path[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                break
        else:
            node[entry.path[-1]] = entry.value
    return overlay


def fix_chart(chart: str, helm_args: list[str], engine: Engine, probe: Probe, before_text: str,
              override_user: bool = False, jobs: int = 2) -> FixOutcome:
    """Plan, verify and keep the overlay that fixes through values what post-render would fix."""
    before = check_render(engine, before_text, chart)
    entries, kept_user = plan_entries(before, probe, override_user)
    outcome = FixOutcome({}, "", before, before, [], [], [], kept_user, renders=0, notes=list(probe.notes), probe=probe)
    groups = sorted({entry.group for entry in entries})
    with tempfile.TemporaryDirectory(prefix="helm-harden-fix-") as temporary:
        def verify(chosen: list) -> tuple[list[Checked] | None, str]:
            chosen_entries = [entry for entry in entries if entry.group in chosen]
            text = format_overlay(nested(chosen_entries), _comments(chosen_entries), chart)
            path = Path(temporary, f"overlay-{abs(hash(tuple(chosen)))}.yaml")
            path.write_text(text, encoding="utf-8")
            try:
                rendered = render.helm_template(chart, list(helm_args) + ["--values", str(path)]).text
            except ToolError:
                return None, text
            return check_render(engine, rendered, chart), text

        def good(after: list[Checked] | None, chosen: list) -> bool:
            if after is None:
                return False
            known = {(item.identity, item.finding.message) for item in before}
            if any((item.identity, item.finding.message) not in known for item in after):
                return False  # the overlay added a finding, or changed one (false beside privileged: true)
            claimed = {i.identity for e in entries if e.group in chosen for i in e.fixes}
            return bool(claimed - {item.identity for item in after})

        kept: list = []
        result: tuple = (before, "")
        if groups:
            after, text = verify(groups)
            outcome.renders += 1
            if good(after, groups):
                gone = {item.identity for item in before} - {item.identity for item in after}
                kept = [g for g in groups if any(i.identity in gone for e in entries if e.group == g for i in e.fixes)]
                result = (after, text)
                if kept != groups:
                    after, text = verify(kept)
                    outcome.renders += 1
                    result = (after, text) if good(after, kept) else (before, "")
                    kept = kept if good(after, kept) else []
            if not kept:  # one bad group spoils the lot: try each alone, keep those that hold
                with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                    alone = list(pool.map(lambda g: verify([g]), groups))
                outcome.renders += len(groups)
                passing = [g for g, (after, _) in zip(groups, alone) if good(after, [g])]
                if passing:
                    after, text = verify(passing) if len(passing) > 1 else alone[groups.index(passing[0])]
                    outcome.renders += len(passing) > 1
                    if good(after, passing):
                        kept, result = passing, (after, text)
                    else:
                        best = max(passing, key=lambda g: sum(len(e.fixes) for e in entries if e.group == g))
                        kept, result = [best], alone[groups.index(best)]
                    if len(passing) < len(groups):
                        outcome.notes.append(f"{len(groups) - len(passing)} values maps did not verify and were left out")
    after, text = result
    outcome.after = after
    outcome.text = text or format_overlay({}, {}, chart)
    outcome.entries = [entry for entry in entries if entry.group in kept]
    outcome.refused = [entry for entry in entries if entry.group not in kept]
    outcome.overlay = nested(outcome.entries)
    remaining = {item.identity for item in after}
    for item in before:
        if item.identity not in remaining:
            outcome.by_values.append(item)
    for item in after:
        if item.finding.fixable:
            outcome.by_patch.append(item)
        else:
            outcome.manual.append(item)
    return outcome


def _comments(entries: list[Entry]) -> dict[KeyPath, str]:
    """For each key, the findings it fixes, in a stable order."""
    comments = {}
    for entry in entries:
        what = sorted({f"{i.finding.kind} {i.finding.name}" + (f" container {i.finding.container}" if i.finding.container else "")
                       for i in entry.fixes})
        rules = sorted({i.finding.rule for i in entry.fixes})
        comments[entry.path] = f"fixes {', '.join(rules)}: {'; '.join(what)}"
    return comments


def get_path(tree, path: tuple):
    node = tree
    for key in path:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return None
    return node

"""The edits a fix is made of. Each one only fills what is absent, so applying it twice is a no-op.

Paths run from the document root. Values are copied on every application: the same mapping
placed in two containers would otherwise come out of the YAML dumper as an anchor and alias.
"""

from __future__ import annotations

import copy

from helm_harden.records import record
from helm_harden.workload import Path

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without loading typing at start-up
if TYPE_CHECKING:
    from typing import Any


class PatchBlocked(Exception):
    """Something other than a mapping (or, for a list edit, a list) is where the edit must go:
    the object is malformed, and the fix cannot be applied."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.path = path


@record(frozen=True, slots=True)
class SetDefault:
    """Set ``path`` to ``value`` unless it already holds a value.

    With ``fill_empty``, an empty string counts as absent: for a required enum such as a
    profile's ``type``, ``""`` is what a chart renders from an unset value.
    """

    path: Path
    value: Any
    fill_empty: bool = False

    def apply(self, root: Any) -> bool:
        parent = _mapping_at(root, self.path[:-1])
        current = parent.get(self.path[-1])
        if current is not None and not (self.fill_empty and current == ""):
            return False
        parent[self.path[-1]] = copy.deepcopy(self.value)
        return True


@record(frozen=True, slots=True)
class AppendMissing:
    """Append ``item`` to the list at ``path`` (created if absent) unless it is already there.

    With ``match_key``, an entry with the same value for that key counts as already there:
    a volume or mount is identified by its name, not by its whole content.
    """

    path: Path
    item: Any
    match_key: str | None = None

    def apply(self, root: Any) -> bool:
        parent = _mapping_at(root, self.path[:-1])
        entries = parent.get(self.path[-1])
        if entries is None:
            entries = parent[self.path[-1]] = []
        if not isinstance(entries, list):
            raise PatchBlocked(self.path)
        if self._present(entries):
            return False
        entries.append(copy.deepcopy(self.item))
        return True

    def _present(self, entries: list) -> bool:
        if self.match_key is None:
            return self.item in entries
        wanted = self.item[self.match_key]
        return any(isinstance(e, dict) and e.get(self.match_key) == wanted for e in entries)


Fix = tuple  # SetDefault and AppendMissing edits, applied together


def _mapping_at(root: Any, path: Path) -> dict:
    """The mapping at ``path``, creating missing mappings on the way."""
    node = root
    for depth, key in enumerate(path):
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
            continue
        if not isinstance(node, dict):
            raise PatchBlocked(path[:depth])
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        node = child
    if not isinstance(node, dict):
        raise PatchBlocked(path)
    return node

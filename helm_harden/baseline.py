"""Baselines: accept the findings a chart repository has today, fail only on new ones.

``--write-baseline FILE`` records the fingerprints of the current (unsuppressed) findings;
``--baseline FILE`` then marks findings found in it as baselined (they no longer fail the
run) and reports the recorded findings that are gone as fixed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from helm_harden import __version__
from helm_harden.errors import InputError
from helm_harden.files import write_whole
from helm_harden.fingerprint import fingerprint, fingerprint_fields

BASELINE_VERSION = 1


@dataclass(frozen=True)
class BaselineComparison:
    new: int
    fixed: list[dict]  # the recorded entries no current finding matches


def write_baseline(path: str, findings) -> None:
    entries = {}
    for finding in findings:
        if not finding.suppressed:
            entries[fingerprint(finding)] = fingerprint_fields(finding)
    document = {
        "version": BASELINE_VERSION,
        "tool": f"helm-harden {__version__}",
        "findings": [{"fingerprint": key, **fields} for key, fields in sorted(entries.items())],
    }
    write_whole(path, json.dumps(document, indent=2) + "\n", "baseline")


def apply_baseline(path: str, findings) -> BaselineComparison:
    """Mark findings recorded in the baseline at ``path``; report what is new and what is fixed."""
    recorded = _read(path)
    seen = set()
    new = 0
    for finding in findings:
        key = fingerprint(finding)
        if key in recorded:
            finding.baselined = True
            seen.add(key)
        elif not finding.suppressed:
            new += 1
    fixed = [entry for key, entry in recorded.items() if key not in seen]
    return BaselineComparison(new, fixed)


def _read(path: str) -> dict[str, dict]:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise InputError(f"{path}: cannot read the baseline: {error.strerror}") from None
    except ValueError:
        raise InputError(f"{path}: the baseline is not valid JSON") from None
    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
        raise InputError(f"{path}: not a helm-harden baseline (version {BASELINE_VERSION})")
    entries = document.get("findings")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise InputError(f"{path}: the baseline's findings must be a list of entries with a fingerprint")
    return {entry["fingerprint"]: entry for entry in entries}

"""Baselines: accept the findings a chart repository has today, fail only on new ones.

``--write-baseline FILE`` records the fingerprints of the current (unsuppressed) findings;
``--baseline FILE`` then has the engine mark findings found in it as baselined when it builds
them (they no longer fail the run), and `Baseline.compare` reports the recorded findings that
are gone as fixed.
"""

from __future__ import annotations

import json

from helm_harden import __version__
from helm_harden.errors import InputError
from helm_harden.files import write_whole
from helm_harden.fingerprint import fingerprint, fingerprint_fields
from helm_harden.records import record

BASELINE_VERSION = 1


@record(frozen=True)
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


@record(frozen=True)
class Baseline:
    recorded: dict[str, dict]  # fingerprint -> the entry written for it

    @classmethod
    def read(cls, path: str) -> Baseline:
        return cls(_read(path))

    def __contains__(self, finding) -> bool:
        """Is ``finding`` (a finding, or the fields one is being built from) recorded?"""
        return fingerprint(finding) in self.recorded

    def compare(self, findings) -> BaselineComparison:
        """What is new since the baseline, and which recorded findings are gone."""
        seen = {fingerprint(finding) for finding in findings if finding.baselined}
        new = sum(1 for finding in findings if not finding.baselined and not finding.suppressed)
        return BaselineComparison(new, [entry for key, entry in self.recorded.items() if key not in seen])


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

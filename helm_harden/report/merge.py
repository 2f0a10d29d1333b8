"""One finding, one entry: the same finding under several values files of one chart is reported once.

A repository scan renders a chart once per ``ci/*-values.yaml`` file, and most findings do not
depend on the values: an ingress controller chart with a dozen ci/ files would otherwise put the
same missing ``readOnlyRootFilesystem`` on a pull request a dozen times. Findings are the same
when their chart, stable identity (`fingerprint`), namespace, severity, message and state are;
the merged entry lists the values files it was found under. Two equal findings within one render
(a duplicated object) stay two entries. Render failures with the same error in one chart are
grouped the same way.
"""

from __future__ import annotations

from collections import Counter

from helm_harden.findings import Finding, RenderFailure
from helm_harden.records import record
from helm_harden.report.labels import plain_stderr


@record(frozen=True, slots=True)
class MergedFinding:
    finding: Finding  # as found under the first of its values files
    values_files: tuple[str | None, ...]  # every render of its chart that has it, in scan order


@record(frozen=True, slots=True)
class GroupedFailure:
    failure: RenderFailure  # the first render that failed this way
    values_files: tuple[str | None, ...]


def merge_findings(findings) -> list[MergedFinding]:
    """Findings merged across the values files of their chart, in order of first appearance."""
    findings = list(findings)
    if len({finding.values_file for finding in findings}) < 2:  # one render: nothing merges
        return [MergedFinding(finding, (finding.values_file,)) for finding in findings]
    from helm_harden.fingerprint import fingerprint  # reads templates: only worth it when findings may merge

    groups: dict[tuple, list[Finding]] = {}
    occurrences: Counter = Counter()
    for finding in findings:
        identity = (
            finding.origin, fingerprint(finding), finding.namespace, finding.severity, finding.message,
            finding.note, finding.fixable, finding.suppressed, finding.baselined, finding.hook, finding.hint,
        )
        occurrences[identity, finding.values_file] += 1
        groups.setdefault((identity, occurrences[identity, finding.values_file]), []).append(finding)
    return [MergedFinding(group[0], tuple(f.values_file for f in group)) for group in groups.values()]


def group_failures(failures) -> list[GroupedFailure]:
    """Renders of one chart that failed with the same message and error, as one entry each."""
    groups: dict[tuple, list[RenderFailure]] = {}
    for failure in failures:
        key = (failure.origin, failure.message, plain_stderr(failure.stderr))
        groups.setdefault(key, []).append(failure)
    return [GroupedFailure(group[0], tuple(f.values_file for f in group)) for group in groups.values()]

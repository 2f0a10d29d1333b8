"""What `helm-harden fix` did, finding by finding: fixed by values, by a patch, or needs a human."""

from __future__ import annotations

from helm_harden.report.locations import locate

_REMEDY_LABELS = {"values": "values", "patch": "patch ", "manual": "manual"}


def format_fix_summary(chart: str, verdicts: list, renders: int, notes: list[str], written: list[str]) -> str:
    lines = [f"{chart}:"]
    for verdict in verdicts:
        finding = verdict.finding
        subject = f"{finding.kind} {finding.name}" + (f" container {finding.container}" if finding.container else "")
        detail = verdict.detail
        if verdict.remedy != "values":
            where = locate(finding)
            if where.file:
                detail += f" ({where.file}:{where.line})" if where.line else f" ({where.file})"
        lines.append(f"  {_REMEDY_LABELS[verdict.remedy]}  {finding.rule:<26} {subject}: {detail}")
    counts = {remedy: sum(1 for v in verdicts if v.remedy == remedy) for remedy in _REMEDY_LABELS}
    fixable = [v for v in verdicts if v.finding.fixable]
    by_values = sum(1 for v in fixable if v.remedy == "values")
    share = f" ({by_values} of {len(fixable)} that post-render fixes)" if fixable else ""
    lines.append(
        f"  {counts['values']} fixed by values{share}, {counts['patch']} need a patch, "
        f"{counts['manual']} need a change by hand; {renders} helm renders."
    )
    lines += [f"  note: {note}" for note in notes]
    lines += [f"  wrote {path}" for path in written]
    return "\n".join(lines) + "\n"

"""Disposable copies of a chart that render nothing but its values.

Helm is the only authority on a chart's values: its defaults, its subcharts' defaults under their
names, globals, and the user's ``-f``/``--set`` flags in helm's own precedence. Rather than
re-implement that merge, probing renders a copy of the chart whose templates are replaced by one
that prints ``.Values``. With every ``values.yaml`` of the copy emptied, the same template prints
only what the user's flags set, which is what ``fix`` must never override.
"""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

from helm_harden.errors import InputError

VALUES_TEMPLATE = "helm-harden-values.yaml"
VALUES_KIND = "HelmHardenValues"
# base64 of JSON: a value's exact text survives whatever the chart's values hold.
_TEMPLATE_TEXT = f"kind: {VALUES_KIND}\nvalues: {{{{ toJson .Values | b64enc }}}}\n"


def require_local_chart(chart: str) -> None:
    """Probing copies the chart, so it must be here: a chart directory or a packaged chart."""
    path = Path(chart)
    if not ((path / "Chart.yaml").is_file() or (path.is_file() and chart.endswith((".tgz", ".tar.gz")))):
        raise InputError(f"{chart}: fix and values hints need a chart directory or a packaged .tgz chart")


def values_only_copy(chart: str, into: Path, blank_defaults: bool) -> Path:
    """A copy of ``chart`` (a directory or packaged chart) under ``into`` that prints its values."""
    source = Path(chart)
    if source.is_file():
        unpacked = into / "unpacked"
        _extract(source, unpacked)
        roots = [p for p in unpacked.iterdir() if (p / "Chart.yaml").is_file()]
        if len(roots) != 1:
            raise InputError(f"{chart}: not a packaged chart (no single folder with a Chart.yaml inside)")
        source = roots[0]
    else:
        require_local_chart(chart)
    copy = into / source.name
    try:
        shutil.copytree(source, copy, symlinks=False, ignore=shutil.ignore_patterns(".git"))
    except (shutil.Error, OSError):
        raise InputError(f"{chart}: cannot copy the chart for probing (an unreadable file or a broken link in it)") from None
    for chart_dir in _charts_in(copy):
        shutil.rmtree(chart_dir / "templates", ignore_errors=True)
        (chart_dir / "values.schema.json").unlink(missing_ok=True)  # a probe's values need not satisfy it
        if blank_defaults:
            for name in ("values.yaml", "values.yml"):
                if (chart_dir / name).is_file():
                    (chart_dir / name).write_text("{}\n", encoding="utf-8")
    (copy / "templates").mkdir()
    (copy / "templates" / VALUES_TEMPLATE).write_text(_TEMPLATE_TEXT, encoding="utf-8")
    return copy


def _charts_in(root: Path) -> list[Path]:
    """The chart and every subchart below it, packaged subcharts unpacked in place first."""
    found = [root]
    charts = root / "charts"
    if charts.is_dir():
        for archive in sorted(charts.glob("*.tgz")):
            _extract(archive, charts)
            archive.unlink()
        for sub in sorted(p for p in charts.iterdir() if (p / "Chart.yaml").is_file()):
            found += _charts_in(sub)
    return found


def _extract(archive: Path, into: Path) -> None:
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="data")  # no links or paths that leave the folder
    except (tarfile.TarError, OSError):
        raise InputError(f"{archive}: cannot unpack the chart: not a readable .tgz archive") from None

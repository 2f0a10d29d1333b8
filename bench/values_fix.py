#!/usr/bin/env python3
"""What `helm-harden fix` costs and how much it fixes through values alone.

    python bench/values_fix.py               # charts-under-test/ and the fixture charts
    python bench/values_fix.py --repeat 5 charts-under-test/webapp

For each chart: the helm renders `fix` runs, its wall time against one plain ``helm template``
of the same chart (median of --repeat runs each), and how many of the findings post-render would
fix the verified values overlay fixes. The last line sums the shares over all charts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helm_harden import render  # noqa: E402
from helm_harden.config import default_config  # noqa: E402
from helm_harden.engine import Engine  # noqa: E402
from helm_harden.remedy import fix_one_chart, verdicts  # noqa: E402

DEFAULT_CHARTS = sorted(
    [p for p in (ROOT / "charts-under-test").iterdir() if (p / "Chart.yaml").is_file()]
    + [p for p in (ROOT / "tests" / "fixtures" / "values-charts").iterdir() if (p / "Chart.yaml").is_file()]
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("charts", nargs="*", type=Path, default=DEFAULT_CHARTS)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3)")
    options = parser.parse_args()
    engine = Engine(default_config())
    print(f"{'chart':<40} {'renders':>7} {'template':>9} {'fix':>8} {'ratio':>6}  fixed by values")
    total_fixable = total_by_values = 0
    for chart in options.charts:
        name = str(chart.relative_to(ROOT)) if chart.is_relative_to(ROOT) else str(chart)
        plain = _median(lambda: render.helm_template(name, []), options.repeat)
        outcomes = []
        fix = _median(lambda: outcomes.append(fix_one_chart(name, [], engine)), options.repeat)
        outcome = outcomes[-1]
        fixable = [v for v in verdicts(outcome) if v.finding.fixable]
        by_values = sum(1 for v in fixable if v.remedy == "values")
        total_fixable += len(fixable)
        total_by_values += by_values
        print(f"{name:<40} {outcome.renders:>7} {plain * 1000:>7.0f}ms {fix * 1000:>6.0f}ms {fix / plain:>5.1f}x  "
              f"{by_values}/{len(fixable)}")
    share = f"{100 * total_by_values / total_fixable:.0f}%" if total_fixable else "n/a"
    print(f"post-render-fixable findings fixed through values: {total_by_values}/{total_fixable} ({share})")


def _median(run, repeat: int) -> float:
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()

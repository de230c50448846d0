"""The research notes' snow question, read from a finished run: median test NSE of each
experiment in the snowy basins (``frac_snow`` above a threshold) and in the others, and in how
many basins each LSTM variant beats the plain regional LSTM.

Run from the repository root after the run of ``config/camels_us_snow_100_cpu.yaml``:

    python benchmarks/snow_question.py --run-dir /path/to/run \
        --camels-dir /data/CAMELS_US [--baseline regional] [--frac-snow 0.3]

``--run-dir`` is the folder the workflow ran in (it holds ``results/<experiment>/metrics.csv``);
``frac_snow`` is read from ``camels_attributes_v2.0/camels_clim.txt`` of the CAMELS copy. The
NSE of an experiment is its ensemble member (the mean over seeds; one seed: that seed), read with
the workflow's own metrics reader (basins with status ok and a finite NSE).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from camels_lstm.evaluation.tables import nse_by_basin, read_metrics_csv

EXPERIMENTS = (
    "conceptual_per_basin",
    "shyft_per_basin",
    "regional",
    "regional_snow",
    "hybrid",
    "hybrid_shyft",
)


def read_test_nse(run_dir: Path, experiments: tuple[str, ...]) -> pd.DataFrame:
    """Test NSE per basin (rows) and experiment (columns); experiments not run are skipped."""
    columns = {}
    for experiment in experiments:
        path = run_dir / "results" / experiment / "metrics.csv"
        if not path.exists():
            print(f"skipped {experiment}: no {path}", file=sys.stderr)
            continue
        columns[experiment] = nse_by_basin(read_metrics_csv(path))
    return pd.DataFrame(columns)


def read_frac_snow(camels_dir: Path) -> pd.Series:
    path = camels_dir / "camels_attributes_v2.0" / "camels_clim.txt"
    clim = pd.read_csv(path, sep=";", dtype={"gauge_id": str}).set_index("gauge_id")
    return clim["frac_snow"]


def snow_table(nse: pd.DataFrame, snowy: pd.Series, baseline: str) -> list[str]:
    """Markdown rows: medians over all, snowy and other basins, and the per-basin comparison."""
    groups = {"all": slice(None), "snowy": snowy.values, "others": ~snowy.values}
    rows = [
        f"| experiment | all {len(nse)} | {int(snowy.sum())} snowy | {int((~snowy).sum())} others "
        f"| better than {baseline} in (all / snowy / others) | median difference |",
        "|---|---|---|---|---|---|",
    ]
    for experiment in nse.columns:
        medians = [nse[experiment][mask].median() for mask in groups.values()]
        cells = " | ".join(f"{value:.3f}" for value in medians)
        if experiment == baseline or baseline not in nse:
            rows.append(f"| {experiment} | {cells} | | |")
            continue
        difference = nse[experiment] - nse[baseline]
        better = " / ".join(str(int((difference[m] > 0).sum())) for m in groups.values())
        shift = " / ".join(f"{difference[m].median():+.3f}" for m in groups.values())
        rows.append(f"| {experiment} | {cells} | {better} | {shift} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--camels-dir", type=Path, required=True)
    parser.add_argument("--baseline", default="regional")
    parser.add_argument("--frac-snow", type=float, default=0.3)
    args = parser.parse_args()
    nse = read_test_nse(args.run_dir, EXPERIMENTS)
    if nse.empty:
        sys.exit(f"no metrics.csv of {', '.join(EXPERIMENTS)} under {args.run_dir / 'results'}")
    frac_snow = read_frac_snow(args.camels_dir)
    missing = sorted(set(nse.index) - set(frac_snow.index))
    if missing:
        sys.exit(f"basins without frac_snow in camels_clim.txt: {', '.join(missing)}")
    snowy = frac_snow.loc[nse.index] > args.frac_snow
    print(f"snowy: frac_snow > {args.frac_snow}")
    print("\n".join(snow_table(nse, snowy, args.baseline)))


if __name__ == "__main__":
    main()

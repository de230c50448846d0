"""The table and NSE CDF of a finished config/camels_us_531_cpu_paper.yaml run: per experiment
the median, mean, 5/25/75/95 % quantiles of the test NSE and the basins with NSE < 0, each over
its own basins and over the basins all share, beside the papers' figures; with the per-basin
difference of two experiments (``--pair``).

    .venv/bin/python benchmarks/paper_run_table.py /path/to/workdir \
        --experiments regional regional_8_epochs regional_ungauged --pair regional_ungauged \
        regional_8_epochs --png benchmarks/results/paper_531_cdf.png

Reads ``results/<experiment>/metrics.csv`` (ensemble member) with the workflow's own reader and
draws the CDF with the workflow's plot function.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from camels_lstm.evaluation.tables import nse_by_basin, read_metrics_csv, shared_basins
from camels_lstm.plots.nse_cdf import nse_cdf_curves, plot_nse_cdf

# Median test NSE in the papers (one model, one seed unless said): HESS 2019 (Kratzert et al.,
# Table 2: LSTM with statics, single seed / 8-seed ensemble) and WRR 2019 (ungauged, 12 folds).
PAPER = {"regional": "0.732 (HESS 2019, 1 seed)", "regional_ungauged": "0.693 (WRR 2019)"}
QUANTILES = (0.05, 0.25, 0.75, 0.95)


def row(name: str, nse: np.ndarray) -> str:
    quantiles = "/".join(f"{np.quantile(nse, q):.3f}" for q in QUANTILES)
    return (
        f"| {name} | {nse.size} | {np.median(nse):.3f} | {nse.mean():.3f} | {quantiles} | "
        f"{int((nse < 0).sum())} ({100 * np.mean(nse < 0):.1f} %) | {PAPER.get(name, '')} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--experiments", nargs="+", required=True)
    parser.add_argument("--pair", nargs=2, metavar=("A", "B"))
    parser.add_argument("--png", type=Path)
    args = parser.parse_args()
    tables = {
        name: read_metrics_csv(args.workdir / "results" / name / "metrics.csv")
        for name in args.experiments
    }
    header = "| experiment | basins | median | mean | 5/25/75/95 % | NSE < 0 | paper |"
    rule = "|---|---|---|---|---|---|---|"
    print("Each on its own basins:", header, rule, sep="\n")
    for name, table in tables.items():
        print(row(name, nse_by_basin(table).to_numpy()))
    shared = shared_basins(tables)
    print(f"\nOn the {len(shared)} basins all share:", header, rule, sep="\n")
    for name, table in tables.items():
        print(row(name, nse_by_basin(table).loc[shared].to_numpy()))
    if args.pair:
        first, second = (nse_by_basin(tables[name]).loc[shared] for name in args.pair)
        difference = first - second
        print(
            f"\n{args.pair[0]} - {args.pair[1]} per basin: median {difference.median():+.3f}, "
            f"{int((difference > 0).sum())} of {difference.size} basins higher"
        )
    if args.png:
        curves = nse_cdf_curves(tables)
        plot_nse_cdf(curves, args.png, args.png.with_suffix(".pdf"))
        print(f"\nwrote {args.png}")


if __name__ == "__main__":
    main()

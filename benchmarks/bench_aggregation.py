"""Cost of the evaluation stage for 531 basins × 2 experiments on generated predictions.

Writes per-model prediction files as the predict rule would (one file per basin for a per-basin
experiment with one seed, one file per seed for a regional experiment with three seeds; a 10-year
daily test period), then times what the evaluate and plot rules do: aggregation, metrics, summary
and all figures. Baselines, measured in the same run on the same data:

- one-file read: reading the same predictions from a single netCDF file (the I/O floor);
- naive xarray: ``xr.open_dataset`` per file and ``xr.concat`` (the obvious implementation).

Usage: ``.venv/bin/python benchmarks/bench_aggregation.py [--basins 531] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr
from synthetic_predictions import (
    synthetic_observed,
    write_experiment,
    write_static_attributes,
)

from camels_lstm.atomic_output import write_csv, write_netcdf
from camels_lstm.evaluation.predictions import aggregate_predictions
from camels_lstm.evaluation.tables import metrics_table, read_metrics_csv, summarise
from camels_lstm.plots.hydrographs import gauge_names, plot_hydrographs, select_basins
from camels_lstm.plots.map import gauge_locations, plot_nse_difference_map
from camels_lstm.plots.nse_cdf import nse_cdf_curves, plot_nse_cdf
from camels_lstm.plots.scatter import paired_nse, plot_nse_scatter

EXPERIMENTS = {"single_basin": ("per_basin", [0], 0.0), "regional": ("regional", [0, 1, 2], 0.15)}


def timed(label: str, timings: dict[str, float], function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    timings[label] = time.perf_counter() - start
    print(f"  {label:<38s} {timings[label]:7.2f} s", flush=True)
    return result


def generate(root: Path, n_basins: int, years: int, seed: int) -> tuple[dict, Path]:
    rng = np.random.default_rng(seed)
    basins = [f"{1_000_000 + 17 * i:08d}" for i in range(n_basins)]
    dates = np.arange(np.datetime64("1989-10-01"), np.datetime64(f"{1989 + years}-10-01"))
    observed = synthetic_observed(n_basins, dates, rng)
    paths = {
        name: write_experiment(
            root, name, scope, basins, seeds, "test", dates, observed, rng, shift
        )
        for name, (scope, seeds, shift) in EXPERIMENTS.items()
    }
    attributes = root / "data" / "static_attributes.nc"
    attributes.parent.mkdir(parents=True, exist_ok=True)
    write_static_attributes(attributes, basins, rng)
    return paths, attributes


def evaluation_stage(root: Path, paths: dict, attributes: Path, timings: dict[str, float]) -> None:
    tables = {}
    for name, member_paths in paths.items():
        predictions = timed(f"aggregate {name}", timings, aggregate_predictions, member_paths)
        target = root / name / "predictions_test.nc"
        timed(f"write {name}", timings, write_netcdf, predictions, target)
        table = timed(f"metrics {name}", timings, metrics_table, predictions, 365)
        write_csv(table, root / name / "metrics.csv")
        tables[name] = read_metrics_csv(root / name / "metrics.csv")
    write_csv(summarise(tables), root / "summary.csv")
    plots = root / "plots"
    start = time.perf_counter()
    plot_nse_cdf(nse_cdf_curves(tables), plots / "nse_cdf.png", plots / "nse_cdf.pdf")
    single, regional = EXPERIMENTS
    data = paired_nse(tables[single], tables[regional])
    plot_nse_scatter(data, single, regional, plots / "nse_scatter.png", plots / "nse_scatter.pdf")
    plot_nse_difference_map(
        data,
        gauge_locations(attributes, data.basins),
        single,
        regional,
        plots / "nse_difference_map.png",
        plots / "nse_difference_map.pdf",
    )
    names = gauge_names(attributes)
    for name, table in tables.items():
        selection = select_basins(table)
        with xr.open_dataset(root / name / "predictions_test.nc") as predictions:
            subset = predictions.sel(basin=[s.basin for s in selection]).load()
        plot_hydrographs(
            subset,
            selection,
            name,
            plots / f"hydrographs_{name}.png",
            plots / f"hydrographs_{name}.pdf",
            gauge_names=names,
        )
    timings["plots"] = time.perf_counter() - start
    print(f"  {'plots (5 figures, PNG + PDF)':<38s} {timings['plots']:7.2f} s")


def naive_concat(paths: list[Path]) -> xr.Dataset:
    datasets = [xr.open_dataset(path).load() for path in paths]
    return xr.concat(datasets, dim="basin")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--basins", type=int, default=531)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--keep", type=Path, help="write everything here (kept) instead of a tmp dir"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        print(f"generating {args.basins} basins x {args.years} years in {root} ...", flush=True)
        paths, attributes = generate(root, args.basins, args.years, args.seed)
        single_files = paths["single_basin"]["seed0"]
        combined = root / "baseline_one_file.nc"
        xr.open_mfdataset(single_files, combine="nested", concat_dim="basin").to_netcdf(combined)

        print("evaluation stage (this code):")
        timings: dict[str, float] = {}
        start = time.perf_counter()
        evaluation_stage(root, paths, attributes, timings)
        total = time.perf_counter() - start

        print("baselines on the per-basin experiment's files:")
        base: dict[str, float] = {}
        timed("one-file read (xr.open_dataset)", base, lambda: xr.open_dataset(combined).load())
        timed("naive xarray open + concat", base, naive_concat, single_files)

        ours = timings["aggregate single_basin"]
        print(f"\nper-basin aggregation ({len(single_files)} files): {ours:.2f} s")
        print(
            f"  ratio to one-file read:       {ours / base['one-file read (xr.open_dataset)']:.2f}"
        )
        print(f"  ratio to naive xarray concat: {ours / base['naive xarray open + concat']:.3f}")
        print(
            f"whole evaluation stage (2 experiments): {total:.1f} s "
            f"({total / 60:.2f} of the 60 s budget)"
        )


if __name__ == "__main__":
    main()

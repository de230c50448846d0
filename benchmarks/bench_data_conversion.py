"""Benchmark: CAMELS US text files -> zarr store -> NumPy, against neuralhydrology's loaders.

Usage (from the benchmark environment, ``make bench-env``)::

    .venv-bench/bin/python benchmarks/bench_data_conversion.py /tmp/camels/camels_us \
        [--processes 2] [--chunk-basins 16 ...] [--convert all|531] [--repeat N] [--no-baseline]

On all basins of the tree (Daymet + streamflow) it measures, in one run:

- ours: conversion of every basin (``--convert 531``: of the 531 basins only) to the zarr store
  (``build_store`` with the default data checks and the data-quality table, ``--processes``
  worker processes; ``--repeat``: the best of N conversions), the load of the training period
  (1999-10-01..2008-09-30) of the basins in ``basin_list_531.txt`` into NumPy
  (``load_timeseries``: prcp, srad, tmax, tmin, vp, streamflow_mm_per_day), the read of one
  basin (all variables, whole record) and the attribute file;
- baseline: neuralhydrology 1.13 ``load_camels_us_forcings`` + ``load_camels_us_discharge`` for
  every basin (its way of getting at the same data; it has no store, so every training run parses
  the text again), then the same training-period arrays; ``load_camels_us_attributes``.

It checks that both give the same arrays and prints the ratios, the CPU seconds of the conversion
(main process and worker processes) and the 1-minute load average (the machine may be shared).
With several ``--chunk-basins`` values the store is rebuilt per value and the read times are
printed for each.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from camels_lstm.data.attributes import read_attributes, write_static_attributes
from camels_lstm.data.catalogue import EALSTM_STATIC_ATTRIBUTES
from camels_lstm.data.layout import index_basin_files, locate_layout
from camels_lstm.data.store_reader import load_timeseries
from camels_lstm.data.timeseries_store import DEFAULT_CHUNK_BASINS, build_store

TRAIN = {"start": "1999-10-01", "end": "2008-09-30"}
VALIDATION = {"start": "1980-10-01", "end": "1989-09-30"}
FORCING_INPUTS = ["prcp", "srad", "tmax", "tmin", "vp"]
VARIABLES = [*FORCING_INPUTS, "streamflow_mm_per_day"]
NH_COLUMNS = ["prcp(mm/day)", "srad(W/m2)", "tmax(C)", "tmin(C)", "vp(Pa)"]


def _timed(function, *args, **kwargs):
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - began, result


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _convert_once(root: Path, basins, processes, chunk_basins, store: Path, quality: Path):
    load_before = os.getloadavg()[0]
    main_cpu = _cpu_seconds(resource.RUSAGE_SELF)
    workers_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN)
    convert, _ = _timed(
        build_store, root, basins, "daymet", store, TRAIN, processes, chunk_basins,
        periods={"validation": VALIDATION}, quality_table=quality,
    )  # fmt: skip
    main_cpu = _cpu_seconds(resource.RUSAGE_SELF) - main_cpu
    workers_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN) - workers_cpu
    return convert, (main_cpu, workers_cpu), (load_before, os.getloadavg()[0])


def measure_ours(root: Path, basins, training_basins, processes, chunk_basins, workdir: Path,
                 repeat: int = 1):  # fmt: skip
    store = workdir / f"camels_us_c{chunk_basins}.zarr"
    quality = workdir / "data_quality.csv"
    runs = [
        _convert_once(root, basins, processes, chunk_basins, store, quality) for _ in range(repeat)
    ]
    convert, (main_cpu, workers_cpu), (load_before, load_after) = min(runs)
    findings = len(quality.read_text().splitlines()) - 1
    load, arrays = _timed(
        load_timeseries, store, training_basins, VARIABLES, TRAIN["start"], TRAIN["end"]
    )
    load_again = min(
        _timed(load_timeseries, store, training_basins, VARIABLES, TRAIN["start"], TRAIN["end"])[0]
        for _ in range(3)
    )
    rng = np.random.default_rng(0)
    one = [
        _timed(load_timeseries, store, [basin], VARIABLES, "1980-01-01", "2014-12-31")[0]
        for basin in rng.choice(basins, size=20, replace=False)
    ]
    size_mb = sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) / 1e6
    return {
        "convert": convert,
        "cpu": (main_cpu, workers_cpu),
        "loadavg": (load_before, load_after),
        "load": load,
        "load_repeat": load_again,
        "one_basin": statistics.median(one),
        "size_mb": size_mb,
        "arrays": arrays,
        "findings": findings,
        "all_converts": [run[0] for run in runs],
    }


def measure_neuralhydrology(root: Path, basins, training_basins):
    from neuralhydrology.datasetzoo import camelsus

    training = set(training_basins)
    parse_training = 0.0
    frames = {}
    began = time.perf_counter()
    for basin in basins:
        start = time.perf_counter()
        forcing, area = camelsus.load_camels_us_forcings(root, basin, "daymet")
        discharge = camelsus.load_camels_us_discharge(root, basin, area)
        if basin in training:
            frames[basin] = (forcing, discharge)
            parse_training += time.perf_counter() - start
    parse_all = time.perf_counter() - began
    began = time.perf_counter()
    window = slice(TRAIN["start"], TRAIN["end"])
    arrays = {name: [] for name in VARIABLES}
    for basin in training_basins:
        forcing, discharge = frames[basin]
        for name, column in zip(FORCING_INPUTS, NH_COLUMNS, strict=True):
            arrays[name].append(forcing.loc[window, column].to_numpy(np.float32))
        arrays["streamflow_mm_per_day"].append(discharge.loc[window].to_numpy(np.float32))
    stacked = {name: np.stack(rows) for name, rows in arrays.items()}
    to_numpy = time.perf_counter() - began
    attributes, _ = _timed(camelsus.load_camels_us_attributes, root, list(training_basins))
    return {
        "convert_and_load": parse_all + to_numpy,
        "load": parse_training + to_numpy,
        "attributes": attributes,
        "arrays": stacked,
    }


def check_same(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray]) -> str:
    worst = 0.0
    for name in VARIABLES:
        a, b = ours[name], theirs[name]
        if a.shape != b.shape:
            return f"DIFFERENT shape of {name}: {a.shape} vs {b.shape}"
        observed = np.isfinite(a)
        # neuralhydrology keeps -999 cfs as negative mm/day
        if name == "streamflow_mm_per_day" and not np.array_equal(observed, b >= 0):
            return "DIFFERENT missing-streamflow days"
        worst = max(
            worst, float(np.max(np.abs(a[observed] - b[observed]) / (1 + np.abs(b[observed]))))
        )
    return f"same arrays (max relative difference {worst:.1e})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("camels_root", type=Path)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--chunk-basins", type=int, nargs="+", default=[DEFAULT_CHUNK_BASINS])
    parser.add_argument("--no-baseline", action="store_true", help="skip neuralhydrology")
    parser.add_argument(
        "--convert",
        choices=["all", "531"],
        default="all",
        help="convert every basin of the tree, or the 531 of basin_list_531.txt",
    )
    parser.add_argument("--repeat", type=int, default=1, help="conversions per chunk size")
    args = parser.parse_args()
    # the findings of the data checks (133 on the 531 basins) go to the table, not the terminal
    logging.getLogger("camels_lstm").setLevel(logging.ERROR)
    root = args.camels_root
    layout = locate_layout(root, "daymet")
    basins = sorted(index_basin_files(layout.forcing_dir, layout.forcing_suffix))
    training = [line.strip() for line in (root / "basin_list_531.txt").read_text().split()]
    if args.convert == "531":
        basins = sorted(training)
    print(f"{len(basins)} basins, {len(training)} training basins, {args.processes} processes")
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")

    with tempfile.TemporaryDirectory(prefix="bench_conversion_") as tmp:
        workdir = Path(tmp)
        results = {}
        for chunk_basins in args.chunk_basins:
            ours = measure_ours(
                root, basins, training, args.processes, chunk_basins, workdir, args.repeat
            )
            results[chunk_basins] = ours
            print(
                f"ours  chunks of {chunk_basins:>3} basins: convert {ours['convert']:6.2f} s | "
                f"load 531 train {ours['load']:.3f} s (again {ours['load_repeat']:.3f} s) | "
                f"one basin {ours['one_basin'] * 1000:5.1f} ms | store {ours['size_mb']:.0f} MB"
            )
            print(
                f"      conversion CPU: main {ours['cpu'][0]:.2f} s, workers "
                f"{ours['cpu'][1]:.2f} s | load average {ours['loadavg'][0]:.2f} -> "
                f"{ours['loadavg'][1]:.2f} (1 min) | {ours['findings']} data-quality findings"
            )
            if args.repeat > 1:
                times = ", ".join(f"{t:.2f}" for t in ours["all_converts"])
                print(f"      all {args.repeat} conversions: {times} s (best above)")
        attributes, _ = _timed(
            write_static_attributes, root, training, EALSTM_STATIC_ATTRIBUTES, workdir / "a.nc"
        )
        read_only, _ = _timed(read_attributes, root)
        print(f"ours  attributes: write {attributes:.3f} s (reading the tables {read_only:.3f} s)")
    if args.no_baseline:
        return
    ours = results[args.chunk_basins[0]]
    theirs = measure_neuralhydrology(root, basins, training)
    print(f"load average after neuralhydrology: {os.getloadavg()[0]:.2f} (1 min)")
    print(
        f"neuralhydrology: parse {len(basins)} + arrays {theirs['convert_and_load']:.2f} s | "
        f"load 531 train (parse 531 + arrays) {theirs['load']:.2f} s | "
        f"attributes {theirs['attributes']:.3f} s"
    )
    print(f"check: {check_same(ours['arrays'].values, theirs['arrays'])}")
    ours_total = ours["convert"] + ours["load"]
    print(
        f"ratio conversion+load: {theirs['convert_and_load'] / ours_total:5.1f}x "
        f"({theirs['convert_and_load']:.2f} s / {ours_total:.2f} s; target >= 10x)"
    )
    print(
        f"ratio load:            {theirs['load'] / ours['load']:5.1f}x "
        f"({theirs['load']:.2f} s / {ours['load']:.3f} s; target >= 20x)"
    )
    print(
        f"ratio attributes:      {theirs['attributes'] / attributes:5.1f}x (ours also "
        "normalises and writes netCDF; informative only)"
    )


if __name__ == "__main__":
    main()

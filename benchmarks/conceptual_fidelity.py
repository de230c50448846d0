"""Fidelity of the conceptual models on CAMELS US: median test NSE of the per-basin and the
regional calibration of each model (HESS 2019 periods, Daymet, 531 basins by default).

Kratzert et al. (2019) report on 447 of these basins: SAC-SMA 0.603 (per basin), mHM 0.666 per
basin vs 0.527 CONUS-wide, VIC 0.551 vs 0.307. Run from the repository root:

    python benchmarks/conceptual_fidelity.py --camels-dir /tmp/camels/camels_us \
        --store /tmp/camels_531.zarr [--models gr4j_cemaneige gr6j_cemaneige] [--basins N]

Builds the store once (kept at --store), calibrates each basin in --processes workers with the
same library functions as the workflow's jobs, then the regional set (--regional-runs 0: none;
its runs score the basins in --processes workers, as the workflow's regional job does),
and prints a table and the JSON of every figure; wall times come with the load average. Shyft's
models (``--models shyft_pt_gs_k``) run in Shyft's environment: the script restarts itself there
(``.venv-shyft``, camels_lstm.conceptual.shyft_env), so the same command serves every model
(one environment per invocation: do not mix GR and Shyft models in one).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from camels_lstm.conceptual.calibration import calibrate, calibration_window
from camels_lstm.conceptual.forcing import load_basin_forcings
from camels_lstm.conceptual.jobs import simulate_record
from camels_lstm.conceptual.models import CONCEPTUAL_MODELS
from camels_lstm.config import read_basin_list
from camels_lstm.evaluation.metrics import nse

PERIODS = {
    "train": {"start": "1999-10-01", "end": "2008-09-30"},
    "test": {"start": "1989-10-01", "end": "1999-09-30"},
}
WARM_UP_DAYS = 365
_STATE: dict = {}


def _init(store: str, pet: str) -> None:
    _STATE.update(store=store, pet=pet)


def _forcings(store: str, basins: list[str], pet: str, model_name: str) -> list:
    shyft = CONCEPTUAL_MODELS[model_name].environment == "shyft"
    return load_basin_forcings(store, basins, pet, PERIODS["train"], shyft_forcing=shyft)


def _in_shyft_environment(models: list[str]) -> None:
    """Restart this script in Shyft's environment if a Shyft model is asked for here."""
    from camels_lstm.conceptual import shyft_env

    shyft = [name for name in models if CONCEPTUAL_MODELS[name].environment == "shyft"]
    if shyft and not shyft_env.inside():
        if len(shyft) != len(models):
            sys.exit("run Shyft's models and the GR models in separate invocations")
        environment = shyft_env.environment_dir()
        reason = shyft_env.problem(environment)
        if reason:
            sys.exit(reason)
        python = str(shyft_env.python_of(environment))
        os.execve(python, [python, *sys.argv], shyft_env.job_environment(environment))


def _calibrate_one(task: tuple[str, str, int]) -> dict:
    basin, model_name, runs = task
    model = CONCEPTUAL_MODELS[model_name]
    forcing = _forcings(_STATE["store"], [basin], _STATE["pet"], model_name)[0]
    window = calibration_window(forcing, PERIODS["train"], WARM_UP_DAYS)
    values, score, _ = calibrate(model, [window], "nse", "sce_ua", runs, seed=0)
    return {"basin": basin, "values": values.tolist(), "train_nse": score}


def test_nse(model, values: np.ndarray, forcing) -> float:
    simulated = simulate_record(model, values, forcing, WARM_UP_DAYS)["streamflow_mm_per_day"]
    first = forcing.index_of(PERIODS["test"]["start"])
    last = forcing.index_of(PERIODS["test"]["end"]) + 1
    return nse(forcing.observed_streamflow_mm_per_day[first:last], simulated[first:last])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--camels-dir", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--basin-file", default="config/basins_531.txt")
    parser.add_argument("--basins", type=int, default=None, help="first N basins only")
    parser.add_argument("--models", nargs="+", default=list(CONCEPTUAL_MODELS))
    parser.add_argument("--runs", type=int, default=2000, help="per-basin budget")
    parser.add_argument("--regional-runs", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--pet", default="priestley_taylor")
    arguments = parser.parse_args()
    _in_shyft_environment(arguments.models)
    basins = read_basin_list(arguments.basin_file)[: arguments.basins]
    if not Path(arguments.store).exists():
        from camels_lstm.data.timeseries_store import build_store

        started = time.perf_counter()
        build_store(
            arguments.camels_dir,
            basins,
            "daymet",
            arguments.store,
            PERIODS["train"],
            threads=arguments.processes,
        )
        print(f"store of {len(basins)} basins built in {time.perf_counter() - started:.0f} s")
    results = {}
    for model_name in arguments.models:
        model = CONCEPTUAL_MODELS[model_name]
        forcings = {
            f.basin: f for f in _forcings(arguments.store, basins, arguments.pet, model_name)
        }
        started, load = time.perf_counter(), os.getloadavg()[0]
        with Pool(arguments.processes, _init, (arguments.store, arguments.pet)) as pool:
            calibrated = pool.map(
                _calibrate_one, [(basin, model_name, arguments.runs) for basin in basins], 1
            )
        per_basin_s = time.perf_counter() - started
        per_basin = [
            test_nse(model, np.array(one["values"]), forcings[one["basin"]]) for one in calibrated
        ]
        started = time.perf_counter()
        windows = [calibration_window(forcings[b], PERIODS["train"], WARM_UP_DAYS) for b in basins]
        values, regional_train = np.full(len(model.parameters), np.nan), np.nan
        regional = [np.nan] * len(basins)
        if arguments.regional_runs:
            values, regional_train, _ = calibrate(
                model, windows, "nse", "sce_ua", arguments.regional_runs, seed=0,
                workers=arguments.processes,
            )  # fmt: skip
            regional = [test_nse(model, values, forcings[b]) for b in basins]
        regional_s = time.perf_counter() - started
        results[model_name] = {
            "basins": len(basins),
            "per_basin_median_test_nse": float(np.median(per_basin)),
            "per_basin_median_train_nse": float(np.median([c["train_nse"] for c in calibrated])),
            "regional_median_test_nse": float(np.median(regional)),
            "regional_median_train_nse": regional_train,
            "per_basin_wall_s": per_basin_s,
            "regional_wall_s": regional_s,
            "load_average_at_start": load,
            "load_average_at_end": os.getloadavg()[0],
            "regional_parameters": dict(zip(model.parameter_names, values.tolist(), strict=True)),
            "per_basin_test_nse": dict(zip(basins, map(float, per_basin), strict=True)),
            "regional_test_nse": dict(zip(basins, map(float, regional), strict=True)),
        }
        print(
            f"{model_name}: {len(basins)} basins, median test NSE per basin "
            f"{results[model_name]['per_basin_median_test_nse']:.3f}, regional "
            f"{results[model_name]['regional_median_test_nse']:.3f}; per-basin calibrations "
            f"{per_basin_s:.0f} s ({arguments.processes} processes, {arguments.runs} runs each), "
            f"regional {regional_s:.0f} s ({arguments.regional_runs} runs); load {load:.1f}",
            flush=True,
        )
    print("RESULT " + json.dumps(results))


if __name__ == "__main__":
    main()

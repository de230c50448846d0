"""Speed and memory of the conceptual models.

1. Model runs per second of GR4J over a 10-year window (warm-up year + 9 training years) of a
   real basin: hydrogr's compiled GR4J against the plain NumPy GR4J of
   ``camels_lstm.conceptual.gr4j_numpy`` (same equations, same inputs), in the same run; ratio
   printed. The snow routine (numba) is timed on its own.
2. Wall time of calibrating N basins one after the other (SCE-UA, --runs each) with the
   workflow's ``calibrate_job``, and the time the same budget would take with the NumPy model
   (from the ratio of 1); the 531-basin per-basin stage extrapolated to 2 processes.
3. Peak memory (max RSS) of one per-basin calibration job in a fresh process.

Data: the committed sample (converted once into a temporary store), or --store of a larger one
(e.g. the 531-basin store of benchmarks/conceptual_fidelity.py). Load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from camels_lstm.conceptual.calibration import calibration_window  # noqa: E402
from camels_lstm.conceptual.forcing import load_basin_forcings  # noqa: E402
from camels_lstm.conceptual.gr4j_numpy import run_gr4j  # noqa: E402
from camels_lstm.conceptual.jobs import calibrate_job  # noqa: E402
from camels_lstm.conceptual.models import CONCEPTUAL_MODELS  # noqa: E402
from camels_lstm.conceptual.snow import run_snow  # noqa: E402

TRAIN = {"start": "1999-10-01", "end": "2008-09-30"}
SETTINGS = {
    "scope": "per_basin",
    "model": "gr4j_cemaneige",
    "pet": "priestley_taylor",
    "calibration": {"algorithm": "sce_ua", "objective": "nse", "warm_up_days": 365, "seed": 0},
}
PARAMETERS = np.array([420.0, -0.8, 95.0, 2.1, 0.4, 3.5])


def sample_store(folder: Path) -> tuple[Path, list[str]]:
    from camels_lstm.data.timeseries_store import build_store

    basins = (REPO / "config/basins_sample.txt").read_text().split()
    with zipfile.ZipFile(REPO / "data/camels_us_sample.zip") as archive:
        archive.extractall(folder / "camels")
    store = folder / "camels_us.zarr"
    build_store(folder / "camels", basins, "daymet", store, TRAIN)
    return store, basins


def runs_per_second(function, seconds: float = 2.0) -> float:
    function()  # warm-up (compilation, caches)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        function()
        count += 1
    return count / (time.perf_counter() - started)


def peak_memory_mb(store: Path, basin: str, runs: int, output: Path) -> float:
    code = (
        "import json, resource, sys\n"
        f"sys.path.insert(0, {str(REPO / 'src')!r})\n"
        "from camels_lstm.conceptual.jobs import calibrate_job\n"
        f"settings = json.loads({json.dumps(json.dumps(SETTINGS))})\n"
        f"settings['calibration']['max_runs'] = {runs}\n"
        f"calibrate_job({str(store)!r}, 'bench', settings, [{basin!r}], {TRAIN!r},\n"
        f"              {str(output)!r})\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(result.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--basins", type=int, default=13, help="basins to calibrate")
    parser.add_argument("--runs", type=int, default=2000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if arguments.store:
            import zarr

            store = arguments.store
            basins = [str(b) for b in zarr.open_group(store, mode="r")["basin"][:]]
        else:
            store, basins = sample_store(Path(scratch))
        basins = basins[: arguments.basins]
        load = os.getloadavg()
        window = calibration_window(
            load_basin_forcings(store, basins[:1], "priestley_taylor", TRAIN)[0], TRAIN, 365
        )
        forcing = window.forcing
        model = CONCEPTUAL_MODELS["gr4j_cemaneige"]
        liquid, _, _ = run_snow(
            forcing.prcp_mm_per_day, forcing.tmean_degc, 0.4, 3.5, forcing.mean_annual_snowfall_mm
        )
        gr_values = tuple(PARAMETERS[:4])
        start_states = (0.3 * gr_values[0], 0.5 * gr_values[2])
        hydrogr_rate = runs_per_second(
            lambda: model.gr_run(
                list(gr_values),
                liquid,
                forcing.pet_mm_per_day,
                np.array(start_states),
                np.zeros(20),
                np.zeros(40),
            )
        )
        numpy_rate = runs_per_second(
            lambda: run_gr4j(gr_values, liquid, forcing.pet_mm_per_day, *start_states), 4.0
        )
        snow_rate = runs_per_second(
            lambda: run_snow(forcing.prcp_mm_per_day, forcing.tmean_degc, 0.4, 3.5, 300.0)
        )
        full_rate = runs_per_second(lambda: model.streamflow(PARAMETERS, forcing))
        days = forcing.prcp_mm_per_day.size
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {days} days per run")
        print(
            f"GR4J hydrogr {hydrogr_rate:,.0f} runs/s, NumPy {numpy_rate:,.1f} runs/s: "
            f"ratio {hydrogr_rate / numpy_rate:,.0f}x"
        )
        print(
            f"snow routine (numba) {snow_rate:,.0f} runs/s; GR4J + snow as calibrated "
            f"{full_rate:,.0f} runs/s"
        )
        settings = {
            **SETTINGS,
            "calibration": {**SETTINGS["calibration"], "max_runs": arguments.runs},
        }
        started = time.perf_counter()
        for basin in basins:
            calibrate_job(store, "bench", settings, [basin], TRAIN, Path(scratch) / f"{basin}.json")
        wall = time.perf_counter() - started
        per_basin = wall / len(basins)
        numpy_estimate = arguments.runs / numpy_rate
        print(
            f"calibrated {len(basins)} basins x {arguments.runs} runs in {wall:.1f} s "
            f"({per_basin:.2f} s per basin; with the NumPy GR4J about {numpy_estimate:.0f} s "
            f"per basin: {numpy_estimate / per_basin:,.0f}x slower)"
        )
        print(
            f"531 basins on 2 processes: about {531 * per_basin / 2 / 60:.1f} min of calibration "
            f"(target <= 15 min)"
        )
        peak = peak_memory_mb(store, basins[0], arguments.runs, Path(scratch) / "peak.json")
        print(f"peak memory of one per-basin calibration job: {peak:.0f} MB (target <= 500 MB)")
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Model runs per second of Shyft's stacks against hydrogr's GR4J (with the snow routine), in the
same run, on the same calibration windows (warm-up year + 9 training years of each basin), as
the calibration runs them (streamflow only, from the start states). Two parameter choices: the
mid-range point of each parameter's bounds, and points drawn uniformly (seeded) in the
calibration's unit cube (log scale where a parameter is), as SCE-UA's first population explores
it; Shyft's Kirchner response integrates with an adaptive step, so its cost depends on them.

GR4J runs in the workflow's environment, Shyft's stacks in Shyft's (``.venv-shyft``: this script
starts itself there with ``--shyft``); the order is GR4J, Shyft, GR4J again, so that a change of
the machine's load between the two shows in the two GR4J figures. Ratios are against their
mean. Data: the committed sample (converted once into a temporary store) or ``--store``.

    python benchmarks/bench_shyft.py [--store results/data/camels_us.zarr --basins 20] [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from camels_lstm.conceptual import shyft_env  # noqa: E402
from camels_lstm.conceptual.calibration import calibration_window, to_parameters  # noqa: E402
from camels_lstm.conceptual.forcing import load_basin_forcings  # noqa: E402
from camels_lstm.conceptual.models import CONCEPTUAL_MODELS  # noqa: E402

TRAIN = {"start": "1999-10-01", "end": "2008-09-30"}
SHYFT_MODELS = ("shyft_pt_gs_k", "shyft_pt_st_hbv")


PARAMETER_CHOICES = ("mid-range", "random")


def parameter_sets(model_name: str, choice: str, runs: int) -> list[np.ndarray]:
    """``runs`` parameter vectors: the mid-range point repeated, or seeded uniform draws in the
    unit cube mapped as the calibration maps them."""
    parameters = CONCEPTUAL_MODELS[model_name].parameters
    if choice == "mid-range":
        return [np.array([0.5 * (p.low + p.high) for p in parameters])] * runs
    draws = np.random.default_rng(0).uniform(size=(runs, len(parameters)))
    return [to_parameters(parameters, unit) for unit in draws]


def runs_per_second(
    model_name: str, store: str, basins: list[str], runs: int, choice: str
) -> float:
    """Streamflow runs of ``model_name`` per second over ``runs`` runs per basin, after one
    untimed run per basin (Shyft builds its cell then)."""
    model = CONCEPTUAL_MODELS[model_name]
    shyft = model.environment == "shyft"
    forcings = load_basin_forcings(store, basins, "priestley_taylor", TRAIN, shyft_forcing=shyft)
    windows = [calibration_window(forcing, TRAIN, 365) for forcing in forcings]
    value_sets = parameter_sets(model_name, choice, runs)
    for window in windows:
        model.streamflow(value_sets[0], window.forcing)
    started = time.perf_counter()
    for window in windows:
        for values in value_sets:
            model.streamflow(values, window.forcing)
    return runs * len(windows) / (time.perf_counter() - started)


def figures_of(names: tuple[str, ...], store: str, basins: list[str], runs: int) -> dict:
    return {
        f"{name} ({choice})": runs_per_second(name, store, basins, runs, choice)
        for name in names
        for choice in PARAMETER_CHOICES
    }


def shyft_figures(store: str, basins: list[str], runs: int) -> dict[str, float]:
    environment = shyft_env.environment_dir()
    reason = shyft_env.problem(environment)
    if reason:
        sys.exit(reason)
    command = [
        str(shyft_env.python_of(environment)), __file__, "--shyft", "--store", store,
        "--basin-list", ",".join(basins), "--runs", str(runs),
    ]  # fmt: skip
    result = subprocess.run(
        command, env=shyft_env.job_environment(environment), capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"the Shyft part failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store")
    parser.add_argument("--basins", type=int, default=13, help="first N basins of --store")
    parser.add_argument("--basin-list", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=200, help="runs per basin and model")
    parser.add_argument("--shyft", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.shyft:  # the part in Shyft's environment
        basins = arguments.basin_list.split(",")
        print(json.dumps(figures_of(SHYFT_MODELS, arguments.store, basins, arguments.runs)))
        return
    with tempfile.TemporaryDirectory() as folder:
        if arguments.store:
            import zarr

            group = zarr.open_group(arguments.store, mode="r")
            basins = [str(b) for b in group["basin"][:]][: arguments.basins]
            store = arguments.store
        else:
            from bench_conceptual import sample_store

            store_path, basins = sample_store(Path(folder))
            store = str(store_path)
        load_start = os.getloadavg()[0]
        gr4j_before = figures_of(("gr4j_cemaneige",), store, basins, arguments.runs)
        shyft = shyft_figures(store, basins, arguments.runs)
        gr4j_after = figures_of(("gr4j_cemaneige",), store, basins, arguments.runs)
    print(
        f"{len(basins)} basins x {arguments.runs} runs of 3,653 days each; load average "
        f"{load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )
    for choice in PARAMETER_CHOICES:
        key = f"gr4j_cemaneige ({choice})"
        before, after = gr4j_before[key], gr4j_after[key]
        gr4j = 0.5 * (before + after)
        print(f"{key}, hydrogr + snow routine: {before:.0f} runs/s, then {after:.0f}")
        for name in SHYFT_MODELS:
            rate = shyft[f"{name} ({choice})"]
            print(f"  {name} ({choice}): {rate:.0f} runs/s = {rate / gr4j:.2f} x GR4J's")
    result = {key: [gr4j_before[key], gr4j_after[key]] for key in gr4j_before}
    print("RESULT " + json.dumps({**result, **shyft}))


if __name__ == "__main__":
    main()

"""The two jobs of a conceptual experiment, as the workflow's scripts call them: calibrate
(one basin, or all basins at once) and simulate (every basin with its calibrated parameters,
over the whole record, into the simulation store, parameter table and prediction files)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from camels_lstm.atomic_output import write_csv, write_json, write_zarr
from camels_lstm.conceptual import shyft_env
from camels_lstm.conceptual.calibration import calibrate, calibration_window
from camels_lstm.conceptual.forcing import BasinForcing, ConceptualInputError, load_basin_forcings
from camels_lstm.conceptual.model_types import parameter_space
from camels_lstm.conceptual.models import CONCEPTUAL_MODELS, ConceptualModel, ShyftModel
from camels_lstm.conceptual.outputs import (
    calibration_record,
    parameter_table,
    read_calibrations,
    simulation_dataset,
)
from camels_lstm.conceptual.parallel_scoring import shares
from camels_lstm.conceptual.spec import CONCEPTUAL_OUTPUTS, MODEL_OUTPUTS
from camels_lstm.data.store_reader import load_timeseries
from camels_lstm.evaluation.prediction_file import write_prediction_file

logger = logging.getLogger(__name__)

PET_VARIABLE = CONCEPTUAL_OUTPUTS["pet"][0]


class SimulationError(RuntimeError):
    """A simulation that is not finite; names experiment, basin and variable."""


def calibrate_job(
    store_path: str | Path,
    experiment: str,
    settings: Mapping[str, Any],
    basins: Sequence[str],
    train_period: Mapping[str, str],
    output_path: str | Path,
    workers: int = 1,
) -> dict[str, Any]:
    """Calibrate ``settings["model"]`` on the training period of ``basins`` (one: per basin;
    several: one parameter set by the median score, the basins of each run scored in
    ``workers`` processes) and write calibration.json. A Shyft model's job runs in the Shyft
    environment (:mod:`camels_lstm.conceptual.shyft_env`)."""
    model = CONCEPTUAL_MODELS[settings["model"]]
    _check_parameter_space(experiment, model, settings)
    if _elsewhere(model):
        shyft_env.run_job("calibrate", _arguments(locals()))
        return json.loads(Path(output_path).read_text())
    calibration = settings["calibration"]
    forcings = load_basin_forcings(
        store_path, basins, settings["pet"], train_period, shyft_forcing=_is_shyft(model)
    )
    windows = [
        calibration_window(one, train_period, calibration["warm_up_days"]) for one in forcings
    ]
    started = time.perf_counter()
    values, score, runs = calibrate(
        model,
        windows,
        calibration["objective"],
        calibration["algorithm"],
        calibration["max_runs"],
        calibration["seed"],
        workers=workers,
    )
    scores = {
        window.basin: window.score(model, values, calibration["objective"]) for window in windows
    }
    logger.info(
        "%s: %s on %d basin(s) in %d process(es), %s %d runs in %.1f s, training %s %s %.3f; "
        "parameters %s",
        experiment,
        model.name,
        len(basins),
        len(shares(len(windows), workers)),
        calibration["algorithm"],
        runs,
        time.perf_counter() - started,
        calibration["objective"],
        "median" if len(basins) > 1 else "",
        score,
        dict(zip(model.parameter_names, np.round(values, 4).tolist(), strict=True)),
    )
    record = calibration_record(
        experiment=experiment,
        model=model.name,
        scope=settings["scope"],
        parameter_names=model.parameter_names,
        values=values,
        scores=scores,
        objective=calibration["objective"],
        runs=runs,
        settings=calibration,
        train_period=train_period,
        parameter_space=parameter_space(model.parameters),
    )
    write_json(record, output_path)
    return record


def _check_parameter_space(
    experiment: str, model: ConceptualModel | ShyftModel, settings: Mapping[str, Any]
) -> None:
    """Refuse a job planned with other bounds than the registry's now (the library changed
    while Snakemake ran): its calibration.json would stand for bounds it was not made with."""
    space = parameter_space(model.parameters)
    if "parameter_space" in settings and settings["parameter_space"] != space:
        raise ConceptualInputError(
            f"{experiment}: the calibration bounds of {model.name} changed after Snakemake "
            f"planned this job (planned {settings['parameter_space']}, now {space}); run "
            "Snakemake again, and it recalibrates with the new bounds"
        )


def _is_shyft(model: ConceptualModel | ShyftModel) -> bool:
    return model.environment == "shyft"


def _elsewhere(model: ConceptualModel | ShyftModel) -> bool:
    """Whether this job belongs in the Shyft environment and this process is not in it."""
    return _is_shyft(model) and not shyft_env.inside()


def _arguments(names: Mapping[str, Any]) -> dict[str, Any]:
    """A job's arguments as the Shyft environment's process receives them (JSON)."""
    skipped = {"model"}
    return {
        name: (str(value) if isinstance(value, Path) else value)
        for name, value in names.items()
        if name not in skipped
    }


def simulate_record(
    model: ConceptualModel | ShyftModel, values: np.ndarray, basin: BasinForcing, spin_up_days: int
) -> dict[str, np.ndarray]:
    """Outputs over the basin's whole record, from states spun up on its first
    ``spin_up_days`` (run once, then the record from its first day with those states)."""
    _, states = model.run(values, basin.forcing.days(0, spin_up_days))
    outputs, _ = model.run(values, basin.forcing, states)
    return outputs


def _check_finite(experiment: str, basin: BasinForcing, outputs: Mapping[str, np.ndarray]) -> None:
    for variable, series in outputs.items():
        bad = np.flatnonzero(~np.isfinite(series))
        if bad.size:
            raise SimulationError(
                f"experiment {experiment}, basin {basin.basin}: simulated {variable} is not "
                f"finite on {bad.size} day(s) from {basin.dates[bad[0]]}; its calibrated "
                "parameters or forcing are at fault (calibration.json, data_quality.csv)"
            )


def simulate_job(
    store_path: str | Path,
    experiment: str,
    settings: Mapping[str, Any],
    basins: Sequence[str],
    periods: Mapping[str, Mapping[str, str]],
    calibration_paths: Sequence[str | Path],
    simulation_path: str | Path,
    parameters_path: str | Path,
    prediction_paths: Mapping[str, str | Path],
) -> None:
    """Simulate every basin with its calibrated parameters; write the simulation store, the
    parameter table and one prediction file per period of ``prediction_paths``."""
    model = CONCEPTUAL_MODELS[settings["model"]]
    if _elsewhere(model):
        shyft_env.run_job("simulate", _arguments(locals()))
        return
    calibrations = read_calibrations(calibration_paths, basins)
    forcings = load_basin_forcings(
        store_path, basins, settings["pet"], periods["train"], shyft_forcing=_is_shyft(model)
    )
    dates = forcings[0].store_dates
    variables = [CONCEPTUAL_OUTPUTS[output][0] for output in MODEL_OUTPUTS[model.name]]
    arrays = {
        variable: np.full((len(basins), dates.size), np.nan, np.float32) for variable in variables
    }
    spin_up_days = settings["calibration"]["warm_up_days"]
    for row, basin in enumerate(forcings):
        record = calibrations[basin.basin]
        values = np.array([record["parameters"][name] for name in model.parameter_names])
        outputs = simulate_record(model, values, basin, spin_up_days)
        outputs.setdefault(PET_VARIABLE, basin.forcing.pet_mm_per_day)  # Shyft PT-GS-K: its own
        _check_finite(experiment, basin, outputs)
        span = slice(basin.first, basin.first + basin.forcing.prcp_mm_per_day.size)
        for variable in variables:
            arrays[variable][row, span] = outputs[variable]
    dataset = simulation_dataset(
        basins,
        dates,
        arrays,
        experiment=experiment,
        model=model.name,
        attributes={
            "pet_method": settings["pet"],
            "calibration": f"{settings['scope']}, {settings['calibration']['algorithm']}, "
            f"{settings['calibration']['objective']} on {periods['train']['start']}.."
            f"{periods['train']['end']}",
            "spin_up": f"the first {spin_up_days} days of each record, run once before it",
        },
    )
    write_zarr(dataset, simulation_path)
    write_csv(parameter_table(calibrations, model.parameter_names), parameters_path)
    streamflow = CONCEPTUAL_OUTPUTS["streamflow"][0]
    for period, path in prediction_paths.items():
        bounds = periods[period]
        observed = load_timeseries(
            store_path, basins, ["streamflow_mm_per_day"], bounds["start"], bounds["end"]
        )
        in_period = (dates >= observed.dates[0]) & (dates <= observed.dates[-1])
        write_prediction_file(
            path,
            basins,
            observed.dates,
            observed.values["streamflow_mm_per_day"],
            arrays[streamflow][:, in_period],
            experiment=experiment,
            seed=settings["calibration"]["seed"],
        )
    logger.info(
        "%s: simulated %d basins over %s..%s; wrote %s, %s and %d prediction file(s)",
        experiment,
        len(basins),
        dates[0],
        dates[-1],
        simulation_path,
        parameters_path,
        len(prediction_paths),
    )

"""The files of a conceptual experiment (layout in docs/conceptual.md):

- ``calibration.json`` per calibration job (per basin, or one for a regional calibration): the
  calibrated parameters, the training-period score(s), the number of model runs and the
  settings it was calibrated with;
- ``simulation.zarr``: per basin and day over the store's dates the outputs of
  :data:`~camels_lstm.conceptual.spec.CONCEPTUAL_OUTPUTS` (NaN outside a basin's record),
  CF attributes; hybrid LSTMs read their inputs from it;
- ``parameters.csv``: one row per basin, its parameters and training score;
- the prediction files of the validation and test periods, in the evaluation's format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from camels_lstm.conceptual.spec import CONCEPTUAL_OUTPUTS

CALIBRATION_FORMAT_VERSION = 1


def calibration_record(
    *,
    experiment: str,
    model: str,
    scope: str,
    parameter_names: Sequence[str],
    values: np.ndarray,
    scores: Mapping[str, float],
    objective: str,
    runs: int,
    settings: Mapping[str, Any],
    train_period: Mapping[str, str],
    parameter_space: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The content of one calibration.json (``parameter_space``: the bounds searched)."""
    return {
        "format_version": CALIBRATION_FORMAT_VERSION,
        "experiment": experiment,
        "model": model,
        "scope": scope,
        "parameters": {
            name: float(value) for name, value in zip(parameter_names, values, strict=True)
        },
        "objective": objective,
        "training_scores": {basin: float(score) for basin, score in scores.items()},
        "runs": int(runs),
        "calibration": dict(settings),
        "train_period": dict(train_period),
        "parameter_space": [dict(one) for one in parameter_space],
    }


def read_calibrations(
    paths: Sequence[str | Path], basins: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """{basin: calibration record} for ``basins`` from per-basin or regional calibration files;
    raises naming a file that lacks a basin or is not a calibration."""
    by_basin: dict[str, dict[str, Any]] = {}
    for path in paths:
        record = json.loads(Path(path).read_text())
        if record.get("format_version") != CALIBRATION_FORMAT_VERSION or "parameters" not in record:
            raise ValueError(
                f"{path}: not a calibration file of format {CALIBRATION_FORMAT_VERSION}"
            )
        for basin in record["training_scores"]:
            by_basin[basin] = record
    missing = [basin for basin in basins if basin not in by_basin]
    if missing:
        raise ValueError(f"no calibration of basin(s) {missing} in {', '.join(map(str, paths))}")
    return {basin: by_basin[basin] for basin in basins}


def simulation_dataset(
    basins: Sequence[str],
    dates: np.ndarray,
    outputs: Mapping[str, np.ndarray],
    *,
    experiment: str,
    model: str,
    attributes: Mapping[str, str],
) -> xr.Dataset:
    """The simulation store's dataset: ``outputs`` {store variable: (basin, date) array}."""
    attrs_by_variable = {variable: attrs for variable, attrs in CONCEPTUAL_OUTPUTS.values()}
    return xr.Dataset(
        {
            variable: (
                ("basin", "date"),
                np.asarray(values, np.float32),
                dict(attrs_by_variable[variable]),
            )
            for variable, values in outputs.items()
        },
        coords={
            "basin": np.array([str(basin) for basin in basins], dtype=object),
            "date": np.asarray(dates, dtype="datetime64[ns]"),
        },
        attrs={
            "title": f"simulations of conceptual experiment {experiment} ({model})",
            "experiment": experiment,
            "model": model,
            "Conventions": "CF-1.10",
            **attributes,
        },
    )


def parameter_table(
    calibrations: Mapping[str, Mapping[str, Any]], parameter_names: Sequence[str]
) -> pd.DataFrame:
    """One row per basin: its calibrated parameters, training score and model runs."""
    rows = []
    for basin, record in calibrations.items():
        rows.append(
            {
                "basin": basin,
                **{name: record["parameters"][name] for name in parameter_names},
                f"training_{record['objective']}": record["training_scores"][basin],
                "runs": record["runs"],
                "calibration": record["scope"],
            }
        )
    return pd.DataFrame(rows)

"""Predict any basins and period from a model package and a CAMELS US tree, without the workflow:
a CF netCDF of simulated (and, where the basin has a streamflow file, observed) streamflow in
mm/day and m³/s, with the evaluation's metrics per gauged basin (docs/packages.md)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from camels_lstm.evaluation.metrics import METRIC_NAMES
from camels_lstm.evaluation.tables import basin_metrics
from camels_lstm.packages.camels_input import (
    CamelsPeriod,
    normalised_static_attributes,
    read_camels_period,
)
from camels_lstm.packages.conceptual_inputs import (
    BasinFiles,
    check_coverage,
    conceptual_inputs,
    needed_sources,
)
from camels_lstm.packages.package import ModelPackage, read_package
from camels_lstm.training.predict import simulate_period
from camels_lstm.training.tensors import resolve_device

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86400.0
MM_PER_M = 1000.0


def mm_per_day_to_m3_per_s(mm_per_day: np.ndarray, area_m2: np.ndarray) -> np.ndarray:
    """Streamflow depth (mm/day; basins along the first axis) as discharge (m³/s)."""
    area = np.asarray(area_m2, dtype=np.float64).reshape(-1, *([1] * (mm_per_day.ndim - 1)))
    return (mm_per_day.astype(np.float64) / MM_PER_M * area / SECONDS_PER_DAY).astype(np.float32)


def simulate_members(
    package: ModelPackage,
    camels_dir: str | Path,
    basins: Sequence[str],
    start: str,
    end: str,
    device: str = "cpu",
    batch_size: int | None = None,
    prediction: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(simulated mm/day on member × basin × day, observed mm/day on basin × day, dates,
    areas m², gauged flags) of ``basins`` over ``start``..``end``; ``prediction``: windows or
    sequence (None: the package's mode)."""
    mode = prediction or package.prediction
    period = read_camels_period(camels_dir, basins, package.description, start, end)
    fill_conceptual_inputs(package, period)
    first_member = next(iter(package.members.values()))
    static_values = normalised_static_attributes(camels_dir, basins, first_member.scalers)
    target = resolve_device(device)
    simulated = []
    for member, trained in package.members.items():
        arrays = period.arrays
        # simulate_period normalises the inputs in place: each member gets its own copy.
        copy = dataclasses.replace(arrays, dynamic=arrays.dynamic.copy())
        simulated.append(
            simulate_period(trained, copy, static_values, target, batch_size, mode=mode)
        )
        logger.info("member %s: simulated %d basin(s)", member, len(basins))
    first = period.arrays.period_start_index
    return (
        np.stack(simulated),
        period.arrays.period_streamflow,
        period.arrays.dates[first:],
        period.area_m2,
        period.gauged,
    )


def fill_conceptual_inputs(package: ModelPackage, period: CamelsPeriod) -> None:
    """Put a hybrid model's conceptual inputs into ``period``'s inputs: its conceptual models
    simulated over each basin's forcing record with the package's parameters."""
    inputs = package.dynamic_inputs
    arrays = period.arrays
    if not needed_sources(inputs):
        return
    check_coverage(str(package.path), package.conceptual, inputs, arrays.basins)
    assert package.conceptual is not None
    basins = list(arrays.basins)
    files = BasinFiles(
        basins=basins,
        forcing_files={basin: str(period.forcing_files[basin]) for basin in basins},
        areas_m2=dict(zip(basins, period.area_m2.tolist(), strict=True)),
        data_checks=dict(package.description["data_checks"]),
        first_day=str(arrays.dates[0]),
        last_day=str(arrays.dates[-1]),
    )
    simulated = conceptual_inputs(package.conceptual, inputs, files)
    for name, values in simulated.items():
        arrays.dynamic[:, :, inputs.index(name)] = values
    logger.info(
        "conceptual inputs %s of %d basin(s) simulated by %s",
        ", ".join(simulated),
        len(arrays.basins),
        ", ".join(
            f"{name} ({package.conceptual['sources'][name]['model']})"
            for name in needed_sources(inputs)
        ),
    )


def predict_package(
    package: str | Path | ModelPackage,
    camels_dir: str | Path,
    basins: Sequence[str],
    start: str,
    end: str,
    device: str = "cpu",
    min_observed_days: int = 365,
    batch_size: int | None = None,
    prediction: str | None = None,
) -> xr.Dataset:
    """The CF dataset of the package's prediction (the mean over its members) for ``basins``.

    Raises
    ------
    camels_lstm.packages.package.PackageError
        A damaged package or an unknown format version.
    camels_lstm.data.layout.CamelsFileError
        A basin without forcing file, an attribute the model needs, or a period the forcing
        does not cover (each named).
    """
    if not isinstance(package, ModelPackage):
        package = read_package(package)
    basins = list(basins)
    if len(set(basins)) != len(basins):
        raise ValueError(f"basins {sorted({b for b in basins if basins.count(b) > 1})} repeat")
    members, observed, dates, area_m2, gauged = simulate_members(
        package, camels_dir, basins, start, end, device, batch_size, prediction
    )
    simulated = np.mean(members, axis=0, dtype=np.float64).astype(np.float32)
    observed = np.where(gauged[:, None], observed, np.nan).astype(np.float32)
    rows = [
        basin_metrics(observed[i], simulated[i], min_observed_days)
        if gauged[i]
        else {"status": "ungauged (no streamflow file)"}
        for i in range(len(basins))
    ]
    return cf_dataset(package, basins, dates, simulated, members, observed, area_m2, gauged, rows)


def cf_dataset(
    package: ModelPackage,
    basins: Sequence[str],
    dates: np.ndarray,
    simulated: np.ndarray,
    members: np.ndarray,
    observed: np.ndarray,
    area_m2: np.ndarray,
    gauged: np.ndarray,
    metrics: Sequence[dict[str, object]],
) -> xr.Dataset:
    """Prediction file layout (CF-1.8 timeSeries): dims basin × time (and member)."""
    description = package.description
    mm = {"units": "mm/day"}
    m3 = {"units": "m3 s-1", "standard_name": "water_volume_transport_in_river_channel"}
    series = ("basin", "time")
    variables: dict[str, tuple] = {
        "streamflow_sim_mm_per_day": (
            series,
            simulated,
            {**mm, "long_name": "simulated streamflow"},
        ),
        "streamflow_sim_m3_per_s": (
            series,
            mm_per_day_to_m3_per_s(simulated, area_m2),
            {**m3, "long_name": "simulated streamflow"},
        ),
        "streamflow_sim_members_mm_per_day": (
            ("member", *series),
            members.astype(np.float32),
            {**mm, "long_name": "simulated streamflow of each member of the package"},
        ),
    }
    if gauged.any():
        variables["streamflow_obs_mm_per_day"] = (
            series,
            observed,
            {**mm, "long_name": "observed streamflow (NaN: not observed or ungauged)"},
        )
        variables["streamflow_obs_m3_per_s"] = (
            series,
            mm_per_day_to_m3_per_s(observed, area_m2),
            {**m3, "long_name": "observed streamflow (NaN: not observed or ungauged)"},
        )
        for name in ("n_observed_days", *METRIC_NAMES):
            values = np.array([float(row.get(name, np.nan)) for row in metrics])
            variables[name] = (
                "basin",
                values,
                {"long_name": f"{name}, simulated against observed"},
            )
    variables["metrics_status"] = (
        "basin",
        np.array([str(row["status"]) for row in metrics], dtype=object),
        {"long_name": "ok, or why a basin has no metrics"},
    )
    coords = {
        "basin": ("basin", np.array(list(basins), dtype=object), {"cf_role": "timeseries_id"}),
        "time": ("time", np.asarray(dates, dtype="datetime64[ns]"), {"standard_name": "time"}),
        "member": ("member", np.array(list(package.members), dtype=object)),
        "area_m2": (
            "basin",
            np.asarray(area_m2, np.float64),
            {"units": "m2", "long_name": f"basin area ({description['streamflow_area']})"},
        ),
        "gauged": ("basin", gauged.astype(np.int8), {"long_name": "1: a streamflow file exists"}),
    }
    attrs = {
        "Conventions": "CF-1.8",
        "featureType": "timeSeries",
        "title": f"Streamflow simulated by the {description['experiment_name']} model package",
        "package": str(package.path.name),
        "package_format": description["format"],
        "package_members": ", ".join(package.members),
        "experiment": description["experiment_name"],
        "forcing": description["forcing"],
        "streamflow_area": description["streamflow_area"],
        "training_code_version": description["code_version"]["camels_lstm"],
        "comment": "simulated: the mean over the package's members; a day is NaN where its "
        "input window is incomplete",
    }
    return xr.Dataset(variables, coords=coords, attrs=attrs)

"""The jobs of a conceptual experiment on the real sample store: what they write, that the
calibration sees only the training period, and each bad input stopped with the basin named and
nothing lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import zarr
from training_data import sample_data  # noqa: F401  (session fixture)

from camels_lstm.conceptual.calibration import CalibrationError
from camels_lstm.conceptual.forcing import ConceptualInputError
from camels_lstm.conceptual.jobs import SimulationError, calibrate_job, simulate_job
from camels_lstm.data.store_reader import load_timeseries
from camels_lstm.evaluation.predictions import aggregate_predictions

PERIODS = {
    "train": {"start": "1999-10-01", "end": "2008-09-30"},
    "validation": {"start": "1980-10-01", "end": "1989-09-30"},
    "test": {"start": "1989-10-01", "end": "1999-09-30"},
}
SETTINGS = {
    "scope": "per_basin",
    "model": "gr4j_cemaneige",
    "pet": "priestley_taylor",
    "calibration": {
        "algorithm": "sce_ua",
        "objective": "nse",
        "max_runs": 150,
        "warm_up_days": 365,
        "seed": 0,
    },
}
BASINS = ["01022500", "02092500"]


def store_copy(sample_data, folder: Path) -> Path:  # noqa: F811
    return Path(shutil.copytree(sample_data.store, folder / "camels_us.zarr"))


def edit_store(store: Path, variable: str, basin: str, first: str, last: str, value) -> None:
    group = zarr.open_group(store, mode="r+")
    basins = [str(b) for b in group["basin"][:]]
    dates = load_timeseries(store, [basin], [variable], "1900-01-01", "2100-01-01").dates
    columns = np.flatnonzero((dates >= np.datetime64(first)) & (dates <= np.datetime64(last)))
    row = basins.index(basin)
    values = group[variable][row, :]
    values[columns] = value
    group[variable][row, :] = values


def test_calibration_never_sees_validation_or_test_streamflow(sample_data, tmp_path) -> None:  # noqa: F811
    clean = tmp_path / "clean.json"
    calibrate_job(sample_data.store, "c", SETTINGS, ["02092500"], PERIODS["train"], clean)
    store = store_copy(sample_data, tmp_path)
    for period in ("validation", "test"):  # replace every observation outside training
        bounds = PERIODS[period]
        edit_store(store, "streamflow_mm_per_day", "02092500", bounds["start"], bounds["end"], 99.0)
    edit_store(store, "streamflow_mm_per_day", "02092500", "2008-10-01", "2014-12-31", 99.0)
    altered = tmp_path / "altered.json"
    calibrate_job(store, "c", SETTINGS, ["02092500"], PERIODS["train"], altered)
    assert (
        json.loads(clean.read_text())["parameters"] == json.loads(altered.read_text())["parameters"]
    )
    # and the training period's streamflow does matter (the test above could not pass vacuously)
    edit_store(store, "streamflow_mm_per_day", "02092500", "2003-10-01", "2004-09-30", 99.0)
    changed = tmp_path / "changed.json"
    calibrate_job(store, "c", SETTINGS, ["02092500"], PERIODS["train"], changed)
    assert (
        json.loads(clean.read_text())["parameters"] != json.loads(changed.read_text())["parameters"]
    )


@pytest.fixture(scope="module")
def calibrated(sample_data, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("conceptual")
    paths = []
    for basin in BASINS:
        path = folder / basin / "calibration.json"
        calibrate_job(sample_data.store, "cpb", SETTINGS, [basin], PERIODS["train"], path)
        paths.append(path)
    return folder, paths


def simulate(
    store, folder: Path, calibrations, basins=BASINS, settings=SETTINGS
) -> dict[str, Path]:
    outputs = {
        "simulation": folder / "simulation.zarr",
        "parameters": folder / "parameters.csv",
        "validation": folder / "simulation" / "predictions_validation.nc",
        "test": folder / "simulation" / "predictions_test.nc",
    }
    simulate_job(
        store,
        "cpb",
        settings,
        basins,
        PERIODS,
        calibrations,
        outputs["simulation"],
        outputs["parameters"],
        {"validation": outputs["validation"], "test": outputs["test"]},
    )
    return outputs


def test_simulation_files(sample_data, calibrated, tmp_path) -> None:  # noqa: F811
    _, calibrations = calibrated
    outputs = simulate(sample_data.store, tmp_path, calibrations)
    swe = load_timeseries(
        outputs["simulation"],
        BASINS,
        ["swe_mm", "streamflow_mm_per_day"],
        "1980-01-01",
        "2014-12-31",
    )
    assert np.isfinite(swe.values["streamflow_mm_per_day"]).all()
    assert swe.values["swe_mm"][0].max() > 50  # Maine has winter snow
    table = pd.read_csv(outputs["parameters"], dtype={"basin": str})
    assert table["basin"].tolist() == BASINS
    assert {"X1", "X2", "X3", "X4", "CTG", "Kf", "training_nse", "runs"} <= set(table.columns)
    assert (table["runs"] == 150).all()
    predictions = aggregate_predictions({"seed0": [outputs["test"]]})
    assert predictions.sizes["basin"] == 2
    assert str(predictions["date"].values[0])[:10] == "1989-10-01"
    assert list(predictions["member"].values) == ["seed0", "ensemble"]


def test_forcing_gap_names_basin_and_variable(sample_data, tmp_path) -> None:  # noqa: F811
    store = store_copy(sample_data, tmp_path)
    edit_store(store, "tmax", "02092500", "2003-05-01", "2003-05-03", np.nan)
    output = tmp_path / "calibration.json"
    with pytest.raises(
        ConceptualInputError, match=r"basin 02092500: forcing variable 'tmax'.*3 day"
    ):
        calibrate_job(store, "c", SETTINGS, ["02092500"], PERIODS["train"], output)
    assert not output.exists()


def test_calibration_planned_with_other_bounds_is_refused_and_bounds_are_recorded(
    sample_data,  # noqa: F811
    tmp_path,
) -> None:
    from camels_lstm.conceptual.model_types import parameter_space
    from camels_lstm.conceptual.models import CONCEPTUAL_MODELS

    space = parameter_space(CONCEPTUAL_MODELS["gr4j_cemaneige"].parameters)
    stale = [dict(one) for one in space]
    stale[0]["high"] *= 2  # what the library said when Snakemake planned the job
    output = tmp_path / "calibration.json"
    with pytest.raises(ConceptualInputError, match=r"exp: the calibration bounds of gr4j"):
        calibrate_job(
            sample_data.store, "exp", SETTINGS | {"parameter_space": stale}, ["01022500"],
            PERIODS["train"], output,
        )  # fmt: skip
    assert not output.exists()
    record = calibrate_job(
        sample_data.store, "exp", SETTINGS | {"parameter_space": space}, ["01022500"],
        PERIODS["train"], output,
    )  # fmt: skip
    assert json.loads(output.read_text())["parameter_space"] == space == record["parameter_space"]


def test_calibration_without_a_finite_objective_names_the_basin(sample_data, tmp_path) -> None:  # noqa: F811
    store = store_copy(sample_data, tmp_path)
    # constant training streamflow: NSE is undefined for every parameter set
    edit_store(store, "streamflow_mm_per_day", "02092500", "1999-10-01", "2008-09-30", 1.0)
    output = tmp_path / "calibration.json"
    with pytest.raises(CalibrationError, match=r"basin\(s\) 02092500 found no parameter set"):
        calibrate_job(store, "c", SETTINGS, ["02092500"], PERIODS["train"], output)
    assert not output.exists()


def test_non_finite_simulation_names_the_basin_and_keeps_earlier_outputs(
    sample_data,  # noqa: F811
    calibrated,
    tmp_path,
) -> None:
    _, calibrations = calibrated
    outputs = simulate(sample_data.store, tmp_path, calibrations)
    before = outputs["parameters"].read_text()
    broken = tmp_path / "broken.json"
    record = json.loads(Path(calibrations[1]).read_text())
    record["parameters"]["X1"] = float("nan")
    broken.write_text(json.dumps(record))
    with pytest.raises(SimulationError, match=r"basin 02092500: simulated \w+ is not finite"):
        simulate(sample_data.store, tmp_path, [calibrations[0], broken])
    assert outputs["parameters"].read_text() == before  # the earlier results are intact
    assert load_timeseries(outputs["simulation"], BASINS, ["swe_mm"], "1990-01-01", "1990-01-02")


def test_missing_calibration_names_the_basin(sample_data, calibrated, tmp_path) -> None:  # noqa: F811
    _, calibrations = calibrated
    with pytest.raises(ValueError, match=r"no calibration of basin\(s\) \['02092500'\]"):
        simulate(sample_data.store, tmp_path, calibrations[:1])


def test_regional_calibration_file_serves_every_basin(sample_data, tmp_path) -> None:  # noqa: F811
    settings = {
        **SETTINGS,
        "scope": "regional",
        "calibration": {**SETTINGS["calibration"], "max_runs": 40},
    }
    path = tmp_path / "calibration.json"
    record = calibrate_job(sample_data.store, "creg", settings, BASINS, PERIODS["train"], path)
    assert sorted(record["training_scores"]) == BASINS
    assert record["runs"] == 40
    outputs = simulate(sample_data.store, tmp_path, [path], settings=settings)
    table = pd.read_csv(outputs["parameters"], dtype={"basin": str})
    assert table["X1"].nunique() == 1 and (table["calibration"] == "regional").all()
    assert record["training_scores"]["01022500"] == pytest.approx(
        table["training_nse"][0], rel=1e-5
    )

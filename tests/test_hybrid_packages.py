"""A hybrid model's package (its LSTM reads GR4J's simulated streamflow and SWE): it carries the
calibrated parameters, rebuilds the conceptual inputs from the CAMELS files as the workflow's
simulation store holds them, predicts what the workflow predicts (1e-5), falls back on the
regional set for other basins, and refuses by name what it cannot rebuild."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from shyft_runner import require_shyft
from test_packages import DATA
from training_data import PERIODS, SampleData, experiment, sample_data  # noqa: F401

from camels_lstm.conceptual.jobs import calibrate_job, simulate_job
from camels_lstm.packages.camels_input import read_camels_period
from camels_lstm.packages.conceptual_inputs import (
    BasinFiles,
    ConceptualPackageError,
    conceptual_inputs,
    conceptual_section,
)
from camels_lstm.packages.package import read_package, write_package
from camels_lstm.packages.predict import predict_package
from camels_lstm.training.input_stores import InputStores
from camels_lstm.training.predict import predict
from camels_lstm.training.run import train_experiment

BASINS = ["01022500", "02092500"]
NEW_BASIN = "03504000"  # in the sample, not calibrated here
START, END = "1995-10-01", "1996-09-30"
CALIBRATION = {"algorithm": "sce_ua", "objective": "nse", "warm_up_days": 365, "seed": 0}
PER_BASIN = {
    "scope": "per_basin",
    "model": "gr4j_cemaneige",
    "pet": "priestley_taylor",
    "calibration": {**CALIBRATION, "max_runs": 60},
}
REGIONAL = {**PER_BASIN, "scope": "regional", "calibration": {**CALIBRATION, "max_runs": 20}}
INPUTS = ["prcp", "tmax", "tmin", "gr.streamflow", "gr.swe"]


@pytest.fixture(scope="module")
def hybrid(sample_data: SampleData, tmp_path_factory: pytest.TempPathFactory) -> dict:  # noqa: F811
    """GR4J calibrated per basin (2 basins) and regionally, simulated, and a tiny hybrid LSTM."""
    root = tmp_path_factory.mktemp("hybrid")
    train = PERIODS["train"]
    calibrations = []
    for basin in BASINS:
        calibrations.append(root / "gr" / basin / "calibration.json")
        calibrate_job(sample_data.store, "gr", PER_BASIN, [basin], train, calibrations[-1])
    regional = root / "gr_regional" / "calibration.json"
    calibrate_job(sample_data.store, "gr_regional", REGIONAL, BASINS, train, regional)
    simulation = root / "gr" / "simulation.zarr"
    simulate_job(
        sample_data.store, "gr", PER_BASIN, BASINS, PERIODS, calibrations, simulation,
        root / "gr" / "parameters.csv", {},
    )  # fmt: skip
    stores = InputStores(store=sample_data.store, conceptual={"gr": simulation})
    model = root / "hybrid" / "model.pt"
    train_experiment(
        store_path=stores,
        attributes_path=None,
        experiment_name="hybrid",
        experiment=experiment(dynamic_inputs=INPUTS, hidden_size=8, seq_length=30, epochs=1),
        basins=BASINS,
        periods=PERIODS,
        seed=0,
        model_path=model,
        threads=1,
        device="cpu",
        bf16=False,
    )
    sources = {
        "gr": {
            "settings": PER_BASIN,
            "calibrations": calibrations,
            "regional": {"experiment": "gr_regional", "calibration": regional},
        }
    }
    section = conceptual_section(sources, train)
    package = write_package(root / "seed0.zip", {"seed0": model}, DATA, section)
    camels = sample_data.store.parent / "camels"
    return {
        "root": root, "stores": stores, "model": model, "package": package, "camels": camels,
        "calibrations": calibrations, "regional": regional, "simulation": simulation,
    }  # fmt: skip


def test_package_carries_the_calibrated_parameters_to_the_bit(hybrid) -> None:
    carried = read_package(hybrid["package"]).conceptual["sources"]["gr"]
    for basin, path in zip(BASINS, hybrid["calibrations"], strict=True):
        assert carried["basins"][basin] == list(json.loads(path.read_text())["parameters"].values())
    regional = json.loads(hybrid["regional"].read_text())["parameters"]
    assert carried["regional"] == {"experiment": "gr_regional", "parameters": [*regional.values()]}
    assert (carried["model"], carried["spin_up_days"]) == ("gr4j_cemaneige", 365)


def test_conceptual_inputs_from_camels_files_equal_the_simulation_store(hybrid) -> None:
    """Same forcing conversions, spin-up and record as the workflow's simulation job."""
    package = read_package(hybrid["package"])
    period = read_camels_period(hybrid["camels"], BASINS, package.description, START, END)
    arrays = period.arrays
    files = BasinFiles(
        BASINS, {basin: str(path) for basin, path in period.forcing_files.items()},
        dict(zip(BASINS, period.area_m2.tolist(), strict=True)), DATA["data_checks"],
        str(arrays.dates[0]), str(arrays.dates[-1]),
    )  # fmt: skip
    rebuilt = conceptual_inputs(package.conceptual, INPUTS, files)
    with xr.open_zarr(hybrid["simulation"]) as store:
        window = store.sel(basin=BASINS, date=slice(str(arrays.dates[0]), str(arrays.dates[-1])))
        for name, variable in (("gr.streamflow", "streamflow_mm_per_day"), ("gr.swe", "swe_mm")):
            np.testing.assert_allclose(rebuilt[name], window[variable].values, rtol=0, atol=1e-5)
    assert rebuilt["gr.streamflow"].std() > 0.1  # a real hydrograph, not a constant


def test_hybrid_package_predicts_what_the_workflow_predicts(hybrid) -> None:
    workflow = predict(hybrid["model"], hybrid["stores"], START, END, basins=BASINS)
    from_package = predict_package(hybrid["package"], hybrid["camels"], BASINS, START, END)
    simulated = from_package["streamflow_sim_mm_per_day"].values
    assert np.isfinite(simulated).all()
    np.testing.assert_allclose(
        simulated, workflow["streamflow_sim_mm_per_day"].transpose("basin", ...).values, atol=1e-5
    )


def test_other_basins_get_the_regional_set_and_without_one_are_refused(hybrid) -> None:
    package = read_package(hybrid["package"])
    new = predict_package(package, hybrid["camels"], [NEW_BASIN], START, END)
    assert np.isfinite(new["streamflow_sim_mm_per_day"].values).all()
    conceptual = json.loads(json.dumps(package.conceptual))
    conceptual["sources"]["gr"]["regional"] = None
    without = dataclasses.replace(package, conceptual=conceptual)
    with pytest.raises(ConceptualPackageError, match=rf"basin\(s\) \['{NEW_BASIN}'\] have no"):
        predict_package(without, hybrid["camels"], [NEW_BASIN, BASINS[0]], START, END)
    # a package written before packages carried conceptual models is refused by name
    older = dataclasses.replace(package, conceptual=None)
    with pytest.raises(ConceptualPackageError, match="conceptual experiment gr, which the package"):
        predict_package(older, hybrid["camels"], BASINS, START, END)


def test_a_package_without_conceptual_inputs_has_no_conceptual_file(hybrid, tmp_path) -> None:
    plain = write_package(tmp_path / "plain.zip", {"seed0": hybrid["model"]}, DATA)
    assert read_package(plain).conceptual is None
    assert Path(hybrid["package"]).stat().st_size > Path(plain).stat().st_size


def test_shyft_inputs_are_rebuilt_in_shyft_environment(sample_data, tmp_path) -> None:  # noqa: F811
    """PT-GS-K's streamflow and SWE, rebuilt through Shyft's environment from the CAMELS files,
    equal its simulation store (the workflow's job, also run there)."""
    require_shyft()
    calibration = {**CALIBRATION, "max_runs": 20}
    settings = {**PER_BASIN, "model": "shyft_pt_gs_k", "calibration": calibration}
    basin = BASINS[1]
    calibrated = tmp_path / "calibration.json"
    calibrate_job(sample_data.store, "s", settings, [basin], PERIODS["train"], calibrated)
    simulation = tmp_path / "simulation.zarr"
    simulate_job(
        sample_data.store, "s", settings, [basin], PERIODS, [calibrated], simulation,
        tmp_path / "parameters.csv", {},
    )  # fmt: skip
    sources = {"s": {"settings": settings, "calibrations": [calibrated], "regional": None}}
    section = conceptual_section(sources, PERIODS["train"])
    inputs = ["prcp", "s.streamflow", "s.swe"]
    description = {**DATA, "dynamic_inputs": inputs, "experiment": {"seq_length": 30}}
    camels = sample_data.store.parent / "camels"
    period = read_camels_period(camels, [basin], description, START, END)
    dates = period.arrays.dates
    files = BasinFiles(
        [basin], {basin: str(period.forcing_files[basin])}, {basin: float(period.area_m2[0])},
        DATA["data_checks"], str(dates[0]), str(dates[-1]),
    )  # fmt: skip
    rebuilt = conceptual_inputs(section, inputs, files)
    with xr.open_zarr(simulation) as store:
        window = store.sel(basin=[basin], date=slice(str(dates[0]), str(dates[-1])))
        for name, variable in (("s.streamflow", "streamflow_mm_per_day"), ("s.swe", "swe_mm")):
            np.testing.assert_allclose(rebuilt[name], window[variable].values, rtol=0, atol=1e-5)
    assert rebuilt["s.streamflow"].std() > 0.1

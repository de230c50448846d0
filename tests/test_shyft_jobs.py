"""Conceptual jobs of a Shyft model on the real sample store, run from the workflow's
interpreter in Shyft's environment (camels_lstm.conceptual.shyft_env), and what is refused where
that environment lacks something."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from shyft_runner import require_shyft
from test_conceptual_jobs import PERIODS, edit_store, store_copy
from training_data import sample_data  # noqa: F401  (session fixture)

from camels_lstm.conceptual import shyft_env
from camels_lstm.conceptual.jobs import calibrate_job, simulate_job
from camels_lstm.conceptual.shyft_env import ShyftJobError, ShyftUnavailable

SETTINGS = {
    "scope": "per_basin",
    "model": "shyft_pt_gs_k",
    "pet": "priestley_taylor",
    "calibration": {
        "algorithm": "sce_ua",
        "objective": "nse",
        "max_runs": 40,
        "warm_up_days": 365,
        "seed": 0,
    },
}


def test_shyft_job_reads_only_its_basins(sample_data, tmp_path) -> None:  # noqa: F811
    require_shyft()
    clean = tmp_path / "clean.json"
    calibrate_job(sample_data.store, "s", SETTINGS, ["02092500"], PERIODS["train"], clean)
    store = store_copy(sample_data, tmp_path)
    edit_store(store, "prcp", "01022500", "2001-01-01", "2001-01-31", np.nan)  # another basin
    altered = tmp_path / "altered.json"
    calibrate_job(store, "s", SETTINGS, ["02092500"], PERIODS["train"], altered)
    record = json.loads(altered.read_text())
    assert record["parameters"] == json.loads(clean.read_text())["parameters"]
    assert list(record["training_scores"]) == ["02092500"]
    assert record["model"] == "shyft_pt_gs_k"
    # the gap does stop the basin that has it, named, from inside the Shyft environment
    with pytest.raises(ShyftJobError, match=r"basin 01022500: forcing variable 'prcp' is missing"):
        calibrate_job(store, "s", SETTINGS, ["01022500"], PERIODS["train"], tmp_path / "b.json")
    assert not (tmp_path / "b.json").exists()


def test_shyft_simulation_store_has_streamflow_swe_and_states(sample_data, tmp_path) -> None:  # noqa: F811
    require_shyft()
    basins = ["01022500", "02092500"]
    settings = {**SETTINGS, "model": "shyft_pt_st_hbv"}
    calibrations = []
    for basin in basins:
        calibrations.append(tmp_path / f"{basin}.json")
        calibrate_job(sample_data.store, "h", settings, [basin], PERIODS["train"], calibrations[-1])
    simulation = tmp_path / "simulation.zarr"
    predictions = {period: tmp_path / f"{period}.nc" for period in ("validation", "test")}
    simulate_job(
        sample_data.store, "h", settings, basins, PERIODS, calibrations, simulation,
        tmp_path / "parameters.csv", predictions,
    )  # fmt: skip
    with xr.open_zarr(simulation) as dataset:
        assert set(dataset.data_vars) == {
            "streamflow_mm_per_day", "swe_mm", "snow_covered_area", "actual_et_mm_per_day",
            "soil_moisture_mm", "pet_mm_per_day",
        }  # fmt: skip
        assert dataset.attrs["model"] == "shyft_pt_st_hbv"
        record = dataset.sel(date=slice("1980-10-01", "2008-09-30"))
        streamflow = record["streamflow_mm_per_day"].values
        assert np.isfinite(streamflow).all() and (streamflow >= 0).all()
        swe = record["swe_mm"].sel(basin="01022500").values  # Maine: snow every winter
        assert swe.max() > 50.0 and swe.min() == 0.0
    assert all(path.stat().st_size > 0 for path in predictions.values())


def fake_environment(folder: Path) -> Path:
    """A copy of Shyft's environment whose library folder can be changed (its Python and
    packages are links to the real one's)."""
    real = shyft_env.environment_dir()
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").symlink_to(shyft_env.python_of(real).resolve())
    (folder / "lib").symlink_to(real / "lib")
    shutil.copy2(real / "pyvenv.cfg", folder / "pyvenv.cfg")
    return folder


def test_missing_libraries_are_named(tmp_path) -> None:
    require_shyft()
    environment = fake_environment(tmp_path / "env")
    reason = shyft_env.problem(environment)
    assert "libssl.so.1.1" in reason and "libcblas.so.3" in reason and "make venv" in reason
    with pytest.raises(ShyftUnavailable, match=r"shyft_per_basin cannot run: .*libcrypto.so.1.1"):
        shyft_env.refuse_unavailable(["shyft_per_basin"], environment)
    # every name present, but libssl truncated (a broken download): only the import finds it,
    # and says which library
    libraries = environment / shyft_env.LIBRARY_FOLDER
    real = shyft_env.environment_dir() / shyft_env.LIBRARY_FOLDER
    libraries.mkdir()
    for name in ("libcrypto.so.1.1", "libcblas.so.3"):
        (libraries / name).symlink_to((real / name).resolve())
    (libraries / "libssl.so.1.1").write_bytes((real / "libssl.so.1.1").read_bytes()[:16])
    assert shyft_env.missing_libraries(environment) == []
    reason = shyft_env.problem(environment)
    assert (
        reason.startswith(f"Shyft does not import in {environment}") and "libssl.so.1.1" in reason
    )
    assert shyft_env.problem() is None  # the real one is complete

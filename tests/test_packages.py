"""Model packages: the round trip predicts what the workflow predicts, new and ungauged basins are
predicted from a CAMELS tree, and a damaged package or bad input is refused by name."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import torch
from training_data import ATTRIBUTES, PERIODS, SampleData, experiment, sample_data  # noqa: F401

from camels_lstm.data.layout import CamelsFileError
from camels_lstm.packages.cli import main
from camels_lstm.packages.package import PackageError, read_package, write_package
from camels_lstm.packages.predict import predict_package
from camels_lstm.training.predict import predict
from camels_lstm.training.run import train_experiment

DATA = {
    "forcing": "daymet",
    "streamflow_area": "daymet_header",
    "data_checks": {
        "date_gap": "mask",
        "nan_value": "mask",
        "negative_precipitation": "error",
        "negative_streamflow": "mask",
        "vapour_pressure_not_positive": "warn",
        "tmin_above_tmax": "warn",
        "identical_series": "error",
        "period_not_covered": "error",
        "short_record": "warn",
        "area_disagreement": "warn",
    },
}
START, END = "1995-10-01", "1996-09-30"
SEEDS = (0, 1)


@pytest.fixture(scope="module")
def packaged(sample_data: SampleData, tmp_path_factory: pytest.TempPathFactory) -> dict:  # noqa: F811
    """Two seeds of a tiny regional model of 10 sample basins (3 left out), their packages."""
    root = tmp_path_factory.mktemp("packages")
    training_basins = list(sample_data.basins[:10])
    models = {}
    for seed in SEEDS:
        models[f"seed{seed}"] = root / "regional" / f"seed{seed}" / "model.pt"
        train_experiment(
            store_path=sample_data.store,
            attributes_path=sample_data.attributes,
            experiment_name="regional",
            experiment=experiment(
                static_attributes=list(ATTRIBUTES), hidden_size=8, seq_length=30, epochs=1
            ),
            basins=training_basins,
            periods=PERIODS,
            seed=seed,
            model_path=models[f"seed{seed}"],
            threads=1,
            device="cpu",
            bf16=False,
        )
    seed0 = write_package(root / "seed0.zip", {"seed0": models["seed0"]}, DATA)
    ensemble = write_package(root / "ensemble.zip", models, DATA)
    camels = sample_data.store.parent / "camels"
    return {"models": models, "seed0": seed0, "ensemble": ensemble, "camels": camels}


def _sim(dataset) -> np.ndarray:
    return dataset["streamflow_sim_mm_per_day"].transpose("basin", ...).values


def test_package_predicts_what_the_workflow_predicts(packaged, sample_data) -> None:  # noqa: F811
    basins = list(sample_data.basins)  # 10 training basins and 3 the model never saw
    workflow = predict(
        packaged["models"]["seed0"],
        sample_data.store,
        START,
        END,
        basins=basins,
        attributes_path=sample_data.attributes,
    )
    from_package = predict_package(packaged["seed0"], packaged["camels"], basins, START, END)
    assert np.isfinite(_sim(from_package)).all()
    np.testing.assert_allclose(_sim(from_package), _sim(workflow), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(
        from_package["streamflow_obs_mm_per_day"].values,
        workflow["streamflow_obs_mm_per_day"].values,
    )
    assert from_package["nse"].notnull().all()


def test_package_predicts_in_its_recorded_mode_as_the_workflow_does(
    packaged,
    sample_data,  # noqa: F811
    tmp_path,
) -> None:
    basins = list(sample_data.basins[:4])
    sequence = write_package(
        tmp_path / "sequence.zip",
        {"seed0": packaged["models"]["seed0"]},
        {**DATA, "prediction": "sequence"},
    )
    assert read_package(sequence).prediction == "sequence"
    assert read_package(packaged["seed0"]).prediction == "windows"
    workflow = predict(
        packaged["models"]["seed0"], sample_data.store, START, END, basins=basins, mode="sequence"
    )
    from_package = predict_package(sequence, packaged["camels"], basins, START, END)
    np.testing.assert_allclose(_sim(from_package), _sim(workflow), rtol=0, atol=1e-5)
    # The windows package asked for sequence gives the same; its own mode differs after day 1.
    asked = predict_package(
        packaged["seed0"], packaged["camels"], basins, START, END, prediction="sequence"
    )
    np.testing.assert_array_equal(_sim(asked), _sim(from_package))
    windows = _sim(predict_package(packaged["seed0"], packaged["camels"], basins, START, END))
    np.testing.assert_allclose(windows[:, 0], _sim(from_package)[:, 0], rtol=0, atol=1e-5)
    assert not np.allclose(windows[:, 1:], _sim(from_package)[:, 1:], atol=1e-4)


def test_package_round_trip_keeps_weights_and_scalers(packaged) -> None:
    package = read_package(packaged["ensemble"])
    assert list(package.members) == ["seed0", "seed1"]
    for member, path in packaged["models"].items():
        saved = torch.load(path, weights_only=True)
        for name, tensor in saved["state_dict"].items():
            assert torch.equal(package.members[member].model.state_dict()[name], tensor)
        scalers = package.members[member].scalers
        np.testing.assert_array_equal(scalers.input_std, saved["scalers"]["input_std"].numpy())
        np.testing.assert_array_equal(scalers.static_mean, saved["scalers"]["static_mean"].numpy())
    description = package.description
    assert description["forcing"] == "daymet"
    assert description["streamflow_area"] == "daymet_header"
    assert description["static_attributes"] == list(ATTRIBUTES)
    assert set(description["periods"]) == {"train", "validation"}
    assert description["code_version"]["training_code_sha256"]


def test_ensemble_package_is_the_mean_of_its_seeds(packaged) -> None:
    basins = ["01022500", "12040500"]
    ensemble = predict_package(packaged["ensemble"], packaged["camels"], basins, START, END)
    seeds = ensemble["streamflow_sim_members_mm_per_day"].values
    np.testing.assert_allclose(_sim(ensemble), seeds.mean(axis=0), atol=1e-6)
    assert not np.allclose(seeds[0], seeds[1])


def test_package_is_written_reproducibly(packaged, tmp_path) -> None:
    again = write_package(tmp_path / "again.zip", packaged["models"], DATA)
    assert again.read_bytes() == packaged["ensemble"].read_bytes()


def _camels_copy(packaged, tmp_path: Path) -> Path:
    copy = tmp_path / "camels"
    shutil.copytree(packaged["camels"], copy)
    return copy


def test_ungauged_basin_is_predicted(packaged, tmp_path) -> None:
    camels = _camels_copy(packaged, tmp_path)
    (flow,) = camels.rglob("12040500_streamflow_qc.txt")
    flow.unlink()
    dataset = predict_package(packaged["seed0"], camels, ["12040500", "01022500"], START, END)
    assert dataset["gauged"].values.tolist() == [0, 1]
    assert np.isfinite(_sim(dataset)).all()
    assert dataset["streamflow_obs_mm_per_day"].sel(basin="12040500").isnull().all()
    assert str(dataset["metrics_status"].sel(basin="12040500").values).startswith("ungauged")
    m3 = dataset["streamflow_sim_m3_per_s"].values
    area = dataset["area_m2"].values[:, None]
    np.testing.assert_allclose(m3, _sim(dataset) / 1000 * area / 86400, rtol=1e-5)


def _rewrite(source: Path, target: Path, change) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            new.writestr(name, change(name, old.read(name)))
    return target


def test_damaged_package_is_refused(packaged, tmp_path) -> None:
    def flip(name: str, body: bytes) -> bytes:
        return body[:-1] + bytes([body[-1] ^ 1]) if name.endswith("weights.pt") else body

    damaged = _rewrite(packaged["seed0"], tmp_path / "damaged.zip", flip)
    with pytest.raises(PackageError, match=r"checksum of members/seed0/weights.pt fails"):
        read_package(damaged)


def test_unknown_format_version_is_refused(packaged, tmp_path) -> None:
    def newer(name: str, body: bytes) -> bytes:
        if name != "manifest.json":
            return body
        return json.dumps({**json.loads(body), "format": "camels_lstm.package/99"}).encode()

    future = _rewrite(packaged["seed0"], tmp_path / "future.zip", newer)
    with pytest.raises(PackageError, match=r"unknown format version 'camels_lstm.package/99'"):
        read_package(future)


def test_missing_forcing_file_is_named(packaged, tmp_path) -> None:
    camels = _camels_copy(packaged, tmp_path)
    (forcing,) = camels.rglob("09035800_lump_cida_forcing_leap.txt")
    forcing.unlink()
    with pytest.raises(CamelsFileError, match=r"\['09035800'\]: no forcing file"):
        predict_package(packaged["seed0"], camels, ["09035800"], START, END)


def test_missing_attribute_is_named(packaged, tmp_path) -> None:
    camels = _camels_copy(packaged, tmp_path)
    (clim,) = camels.rglob("camels_clim.txt")
    lines = clim.read_text().splitlines()
    header = lines[0].split(";")
    column = header.index("aridity")
    edited = [lines[0]]
    for line in lines[1:]:
        fields = line.split(";")
        if fields[0].strip().zfill(8) == "09035800":
            fields[column] = "NA"
        edited.append(";".join(fields))
    clim.write_text("\n".join(edited) + "\n")
    with pytest.raises(CamelsFileError, match=r"09035800: aridity"):
        predict_package(packaged["seed0"], camels, ["09035800"], START, END)


def test_period_without_forcing_is_named(packaged) -> None:
    with pytest.raises(CamelsFileError, match=r"basin 01022500: the forcing file .* covers"):
        predict_package(packaged["seed0"], packaged["camels"], ["01022500"], "1960-01-01", END)


def test_console_command_writes_cf_netcdf_and_names_errors(packaged, tmp_path, capsys) -> None:
    output = tmp_path / "out" / "prediction.nc"
    status = main(
        [
            "predict",
            "--package", str(packaged["ensemble"]),
            "--camels-dir", str(packaged["camels"]),
            "--basins", "11532500", "12040500",
            "--start", START,
            "--end", END,
            "--output", str(output),
        ]
    )  # fmt: skip
    assert status == 0
    with netCDF4.Dataset(output) as dataset:
        assert dataset.Conventions == "CF-1.8"
        assert dataset["streamflow_sim_m3_per_s"].units == "m3 s-1"
        assert dataset["streamflow_sim_mm_per_day"].units == "mm/day"
        assert dataset["basin"].cf_role == "timeseries_id"
        assert dataset["streamflow_sim_mm_per_day"].shape == (2, 366)
    damaged = _rewrite(
        packaged["seed0"],
        tmp_path / "damaged.zip",
        lambda name, body: body + b" " if name == "package.json" else body,
    )
    status = main(
        [
            "predict",
            "--package", str(damaged),
            "--camels-dir", str(packaged["camels"]),
            "--basins", "11532500",
            "--start", START,
            "--end", END,
            "--output", str(tmp_path / "never.nc"),
        ]
    )  # fmt: skip
    assert status == 2
    assert "checksum of package.json fails" in capsys.readouterr().err
    assert not (tmp_path / "never.nc").exists()

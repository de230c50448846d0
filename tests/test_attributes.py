"""Merging, selecting and normalising the CAMELS US static attributes."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from camels_testdata import SAMPLE_BASINS, extract_sample

from camels_lstm.data.attributes import (
    AttributeTableError,
    read_attribute_table,
    read_attributes,
    write_static_attributes,
)
from camels_lstm.data.catalogue import EALSTM_STATIC_ATTRIBUTES


@pytest.fixture(scope="module")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return extract_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def sample_table(sample_root: Path) -> pd.DataFrame:
    return read_attributes(sample_root)


def _clim_value(sample_root: Path, basin: str, column: str) -> float:
    text = (sample_root / "camels_attributes_v2.0" / "camels_clim.txt").read_text().splitlines()
    header = text[0].split(";")
    row = next(line.split(";") for line in text if line.startswith(basin))
    return float(row[header.index(column)])


def test_sample_written_and_opened_by_xarray(sample_root: Path, tmp_path: Path) -> None:
    output = tmp_path / "data" / "static_attributes.nc"
    write_static_attributes(sample_root, SAMPLE_BASINS, EALSTM_STATIC_ATTRIBUTES, output)
    with xr.open_dataset(output) as dataset:
        assert dataset["raw"].dims == ("basin", "attribute")
        assert dataset["basin"].to_numpy().tolist() == list(SAMPLE_BASINS)
        assert dataset["attribute"].to_numpy().tolist() == list(EALSTM_STATIC_ATTRIBUTES)
        raw = dataset["raw"].sel(basin="01022500", attribute="p_mean").item()
        assert raw == pytest.approx(_clim_value(sample_root, "01022500", "p_mean"))
        normalised = dataset["normalised"].to_numpy()
        assert np.isfinite(normalised).all()
        np.testing.assert_allclose(normalised.mean(axis=0), 0.0, atol=1e-9)
        np.testing.assert_allclose(normalised.std(axis=0), 1.0, rtol=1e-9)
        scaled = (dataset["raw"] - dataset["mean"]) / dataset["std"]
        np.testing.assert_allclose(scaled.to_numpy(), normalised)
        assert dataset["huc_02"].sel(basin="12040500").item() == "17"
        assert dataset["gauge_name"].sel(basin="01022500").item().startswith("Narraguagus River")
        assert -180 < dataset["gauge_lon"].sel(basin="01022500").item() < -60
        assert 20 < dataset["gauge_lat"].sel(basin="01022500").item() < 50
    assert [p.name for p in output.parent.iterdir()] == ["static_attributes.nc"]


def test_scaler_uses_only_the_given_basins(sample_root: Path, tmp_path: Path) -> None:
    basins = ["02092500", "01022500", "11532500"]
    output = tmp_path / "static_attributes.nc"
    write_static_attributes(sample_root, basins, ["p_mean", "elev_mean"], output)
    values = [_clim_value(sample_root, b, "p_mean") for b in basins]
    with xr.open_dataset(output) as dataset:
        assert dataset["basin"].to_numpy().tolist() == basins
        assert dataset["mean"].sel(attribute="p_mean").item() == pytest.approx(np.mean(values))
        assert dataset["std"].sel(attribute="p_mean").item() == pytest.approx(np.std(values))
        assert dataset.attrs["scaler_basins"] == 3


def test_unknown_attribute_lists_valid_names_and_writes_nothing(
    sample_root: Path, tmp_path: Path
) -> None:
    output = tmp_path / "static_attributes.nc"
    with pytest.raises(AttributeTableError) as error:
        write_static_attributes(sample_root, SAMPLE_BASINS, ["p_mean", "p_median"], output)
    message = str(error.value)
    assert "unknown attribute(s) ['p_median']" in message
    assert "valid names:" in message and "aridity" in message and "soil_porosity" in message
    assert not output.exists() and list(tmp_path.iterdir()) == []


def test_missing_attribute_table_is_named(tmp_path: Path) -> None:
    """Not "unknown attribute(s) ['p_mean', ...]": the file that holds them is missing."""
    root = extract_sample(tmp_path / "camels")
    clim = root / "camels_attributes_v2.0" / "camels_clim.txt"
    clim.unlink()
    output = tmp_path / "static_attributes.nc"
    with pytest.raises(AttributeTableError) as error:
        write_static_attributes(root, SAMPLE_BASINS, EALSTM_STATIC_ATTRIBUTES, output)
    message = str(error.value)
    assert message.startswith(f"attribute table {clim} is missing (it holds ['p_mean', ")
    assert "tables found: camels_geol.txt, camels_hydro.txt" in message
    assert "unknown attribute" not in message
    assert not output.exists()


def test_missing_name_table_is_named_for_the_gauge_names(tmp_path: Path) -> None:
    root = extract_sample(tmp_path / "camels")
    (root / "camels_attributes_v2.0" / "camels_name.txt").unlink()
    with pytest.raises(AttributeTableError, match=r"camels_name\.txt is missing \(it holds"):
        write_static_attributes(root, SAMPLE_BASINS, ["p_mean"], tmp_path / "a.nc")


def test_column_missing_from_its_table_is_named(tmp_path: Path) -> None:
    root = extract_sample(tmp_path / "camels")
    clim = root / "camels_attributes_v2.0" / "camels_clim.txt"
    lines = clim.read_text().splitlines()
    clim.write_text("\n".join(line.replace("p_mean", "p_mean_renamed") for line in lines) + "\n")
    with pytest.raises(
        AttributeTableError, match=r"camels_clim\.txt has no column\(s\) \['p_mean'\]"
    ):
        write_static_attributes(root, SAMPLE_BASINS, ["p_mean"], tmp_path / "a.nc")


def test_categorical_attribute_is_refused(sample_root: Path, tmp_path: Path) -> None:
    with pytest.raises(AttributeTableError, match=r"\['dom_land_cover'\] are not numeric"):
        write_static_attributes(sample_root, SAMPLE_BASINS, ["dom_land_cover"], tmp_path / "a.nc")


def test_basin_without_attributes_is_named(sample_root: Path, tmp_path: Path) -> None:
    with pytest.raises(AttributeTableError, match=r"basin\(s\) \['01010000'\] not in"):
        write_static_attributes(
            sample_root, ["01022500", "01010000"], ["p_mean"], tmp_path / "a.nc"
        )
    assert not (tmp_path / "a.nc").exists()


def test_constant_attribute_gets_std_1_with_warning(
    sample_root: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    output = tmp_path / "one_basin.nc"
    with caplog.at_level(logging.WARNING):
        write_static_attributes(sample_root, ["01022500"], ["p_mean", "aridity"], output)
    with xr.open_dataset(output) as dataset:
        assert dataset["std"].to_numpy().tolist() == [1.0, 1.0]
        assert dataset["normalised"].to_numpy().tolist() == [[0.0, 0.0]]
    assert any("p_mean is constant" in r.getMessage() for r in caplog.records)


def _write_tables(directory: Path) -> Path:
    directory.mkdir(parents=True)
    (directory / "camels_name.txt").write_text(
        "gauge_id;huc_02;gauge_name\n1022500;1;Narraguagus River   \n01013500;01;Fish River\n"
    )
    (directory / "camels_topo.txt").write_text(
        "gauge_id;gauge_lat;gauge_lon;elev_mean \n"
        "01013500 ;47.2;-68.5;250.3 \n1022500;44.6;-67.9;NA\n"
    )
    (directory / "camels_clim.txt").write_text(
        "gauge_id;p_mean;high_prec_timing\n01013500;3.0;son\n01022500;3.5;jja\n"
    )
    return directory.parent


def test_ids_zero_padded_whitespace_stripped_and_nans_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _write_tables(tmp_path / "camels" / "camels_attributes_v2.0")
    table = read_attributes(root)
    assert sorted(table.index) == ["01013500", "01022500"]
    assert table.loc["01022500", "gauge_name"] == "Narraguagus River"
    assert table.loc["01022500", "huc_02"] == "1"
    assert table["elev_mean"].dtype == np.float64
    assert np.isnan(table.loc["01022500", "elev_mean"])
    assert table.loc["01013500", "elev_mean"] == 250.3
    output = tmp_path / "a.nc"
    with caplog.at_level(logging.WARNING):
        write_static_attributes(root, ["01013500", "01022500"], ["elev_mean", "p_mean"], output)
    assert any(
        "elev_mean is NaN for 1 basin(s): 01022500" in r.getMessage() for r in caplog.records
    )
    with xr.open_dataset(output) as dataset:
        assert dataset["huc_02"].to_numpy().tolist() == ["01", "01"]
        assert dataset["mean"].sel(attribute="elev_mean").item() == 250.3
        assert np.isnan(dataset["normalised"].sel(basin="01022500", attribute="elev_mean"))


def test_bad_gauge_id_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "camels_clim.txt"
    path.write_text("gauge_id;p_mean\n01013500;3.0\nabc;3.5\n")
    with pytest.raises(AttributeTableError, match=rf"{path}, line 3: gauge_id 'abc'"):
        read_attribute_table(path)

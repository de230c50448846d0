"""Loading periods of the zarr store into NumPy arrays (camels_lstm.data.store_reader)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from camels_testdata import write_basin

from camels_lstm.data.store_reader import load_timeseries
from camels_lstm.data.timeseries_store import build_store

BASINS = tuple(f"0101{i:04d}" for i in range(10))
PERIOD = {"start": "2000-01-01", "end": "2000-01-05"}
VARIABLES = ["prcp", "tmax", "streamflow_mm_per_day"]


@pytest.fixture(scope="module", params=[2, 16], ids=["chunks_of_2", "one_chunk"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("camels")
    for basin in BASINS:
        write_basin(root, basin)
    path = tmp_path_factory.mktemp("results") / "camels_us.zarr"
    return build_store(root, BASINS, "daymet", path, PERIOD, chunk_basins=request.param)


def _expected(store: Path, basins, start: str, end: str) -> xr.Dataset:
    with xr.open_zarr(store, chunks=None) as dataset:
        return dataset[VARIABLES].sel(basin=list(basins), date=slice(start, end)).load()


@pytest.mark.parametrize(
    "basins",
    [
        BASINS,
        ("01010004",),
        ("01010004", "01010001"),  # a narrow span: read as a slice
        ("01010009", "01010000"),  # a wide, thin span: read by orthogonal selection
        ("01010005", "01010000", "01010007", "01010002"),
    ],
)
def test_values_and_order_match_xarray_selection(store: Path, basins) -> None:
    loaded = load_timeseries(store, basins, VARIABLES, "2000-01-02", "2000-01-04")
    expected = _expected(store, basins, "2000-01-02", "2000-01-04")
    assert loaded.basins == tuple(basins)
    assert loaded.dates.dtype == np.dtype("datetime64[D]")
    assert loaded.dates.tolist() == expected["date"].to_numpy().astype("datetime64[D]").tolist()
    for name in VARIABLES:
        assert loaded.values[name].dtype == np.float32
        assert loaded.values[name].shape == (len(basins), 3)
        assert loaded.values[name].flags.c_contiguous
        np.testing.assert_array_equal(loaded.values[name], expected[name].to_numpy())
    # generated prcp is the day index: 2000-01-02 -> 1
    assert loaded.values["prcp"][0].tolist() == [1.0, 2.0, 3.0]


def test_period_beyond_the_store_is_clipped(store: Path) -> None:
    loaded = load_timeseries(store, ["01010003"], ["prcp"], "1999-01-01", "2000-01-02")
    assert [str(d) for d in loaded.dates] == ["2000-01-01", "2000-01-02"]
    assert loaded.values["prcp"].shape == (1, 2)


def test_unknown_basin_or_variable_is_named(store: Path) -> None:
    with pytest.raises(KeyError, match=r"basin\(s\) \['09999999'\]"):
        load_timeseries(store, ["01010003", "09999999"], ["prcp"], "2000-01-01", "2000-01-05")
    with pytest.raises(KeyError, match=r"variable\(s\) \['rain'\]"):
        load_timeseries(store, ["01010003"], ["prcp", "rain"], "2000-01-01", "2000-01-05")

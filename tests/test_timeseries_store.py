"""Building the zarr v3 time-series store from CAMELS files."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import zarr
from camels_testdata import (
    SAMPLE_BASINS,
    TRAIN_PERIOD,
    extract_sample,
    forcing_text,
    streamflow_text,
    write_basin,
)
from zarr.codecs import BloscCodec

from camels_lstm.data import timeseries_store
from camels_lstm.data.camels_files import FORCING_VARIABLES
from camels_lstm.data.layout import CamelsFileError
from camels_lstm.data.timeseries_chunks import forcing_date_span, streamflow_date_span
from camels_lstm.data.timeseries_store import build_store

SHORT_PERIOD = {"start": "2000-01-01", "end": "2000-01-05"}


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = extract_sample(tmp_path_factory.mktemp("sample"))
    store = tmp_path_factory.mktemp("results") / "camels_us.zarr"
    # listed in reverse: the store sorts basins ascending
    build_store(root, SAMPLE_BASINS[::-1], "daymet", store, TRAIN_PERIOD, threads=2)
    return store


@pytest.fixture(scope="module")
def sample(sample_store: Path) -> xr.Dataset:
    with xr.open_zarr(sample_store) as dataset:
        yield dataset.load()


def test_layout_dims_types_and_units(sample: xr.Dataset, sample_store: Path) -> None:
    assert dict(sample.sizes) == {"basin": 13, "date": 12784}
    assert sample["basin"].to_numpy().tolist() == sorted(SAMPLE_BASINS)
    assert all(isinstance(b, str) and len(b) == 8 for b in sample["basin"].to_numpy().tolist())
    for name in (*FORCING_VARIABLES, "streamflow_cfs", "streamflow_mm_per_day"):
        assert sample[name].dtype == np.float32, name
        assert sample[name].dims == ("basin", "date")
        assert sample[name].attrs["units"] and sample[name].attrs["long_name"], name
    assert sample["tmax"].attrs["units"] == "degC"
    assert sample["streamflow_mm_per_day"].attrs["units"] == "mm/day"
    flag = sample["streamflow_qc_flag"]
    assert flag.dtype == np.int8
    assert list(flag.attrs["flag_values"]) == [0, 1, 2]
    assert flag.attrs["flag_meanings"].split() == ["missing", "approved", "approved_estimated"]
    for coordinate in ("area_m2", "gauge_lat", "gauge_elevation_m", "huc_02"):
        assert sample[coordinate].dims == ("basin",)
    assert sample["huc_02"].sel(basin="12040500").item() == "17"
    group = zarr.open_group(sample_store, mode="r")
    assert group.metadata.zarr_format == 3
    assert group["prcp"].compressors, "data variables must be compressed"


def test_complete_daily_index(sample: xr.Dataset) -> None:
    dates = sample["date"].to_numpy().astype("datetime64[D]")
    assert str(dates[0]) == "1980-01-01" and str(dates[-1]) == "2014-12-31"
    assert (np.diff(dates) == np.timedelta64(1, "D")).all()


def test_known_values_flags_and_gaps_of_01022500(sample: xr.Dataset) -> None:
    basin = sample.sel(basin="01022500")
    estimated = basin.sel(date="1985-12-11")
    assert estimated["streamflow_cfs"].item() == 265.0
    assert estimated["streamflow_qc_flag"].item() == 2
    missing = basin.sel(date="2014-10-01")
    assert np.isnan(missing["streamflow_cfs"].item())
    assert np.isnan(missing["streamflow_mm_per_day"].item())
    assert missing["streamflow_qc_flag"].item() == 0
    assert basin.sel(date="1980-01-01")["streamflow_qc_flag"].item() == 1
    assert basin["prcp"].sel(date="1980-01-01").item() == pytest.approx(0.0)
    assert basin["dayl"].sel(date="1980-01-01").item() == pytest.approx(31185.97)


def test_streamflow_mm_per_day_uses_forcing_header_area(sample: xr.Dataset) -> None:
    basin = sample.sel(basin="01022500", date="1985-12-11")
    assert basin["area_m2"].item() == 587_675_987.0
    expected = 265.0 * 0.028316846592 * 86400 / 587_675_987.0 * 1000  # = 1.1032... mm/day
    assert basin["streamflow_mm_per_day"].item() == pytest.approx(expected, rel=1e-6)
    assert "third header line" in sample.attrs["streamflow_area_source"]
    assert "0.028316846592" in sample.attrs["streamflow_conversion"]


def test_absent_days_are_nan_with_flag_0(sample: xr.Dataset) -> None:
    # 09035800's streamflow file ends 2011-09-30, 09447800's starts 1981-08-01
    late = sample.sel(basin="09035800", date=slice("2011-10-01", None))
    assert late.sizes["date"] > 1000
    assert np.isnan(late["streamflow_cfs"]).all() and (late["streamflow_qc_flag"] == 0).all()
    assert np.isfinite(late["prcp"]).all()
    early = sample.sel(basin="09447800", date=slice(None, "1981-07-31"))
    assert np.isnan(early["streamflow_mm_per_day"]).all()
    assert np.isfinite(sample.sel(basin="09447800", date="1981-08-01")["streamflow_cfs"]).item()


def _tree(root: Path) -> Path:
    for basin in ("01013500", "01022500"):
        write_basin(root, basin)
    return root


def _assert_fails_without_output(root: Path, basins, period, pattern: str, tmp_path: Path):
    store = tmp_path / "out" / "camels_us.zarr"
    with pytest.raises(CamelsFileError, match=pattern):
        build_store(root, basins, "daymet", store, period, threads=1)
    assert not store.exists()
    assert not (store.parent.exists() and any(store.parent.iterdir())), "temporary left behind"


def test_generated_tree_builds(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    write_basin(root, "01030500", streamflow=streamflow_text("01030500", start="1999-12-30"))
    store = build_store(root, ["01022500", "01013500", "01030500"], "daymet",
                        tmp_path / "s.zarr", SHORT_PERIOD, threads=2)  # fmt: skip
    with xr.open_zarr(store, chunks=None) as dataset:
        assert dataset.sizes["date"] == 7  # 1999-12-30 .. 2000-01-05
        assert np.isnan(dataset["prcp"].sel(basin="01030500", date="1999-12-30")).item()
        assert dataset["prcp"].sel(basin="01013500", date="2000-01-03").item() == 2.0
        assert dataset["streamflow_mm_per_day"].sel(basin="01013500").to_numpy()[
            -1
        ] == pytest.approx(2.4465755, rel=1e-6)


def test_missing_basin_file_leaves_no_store(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    _assert_fails_without_output(
        root,
        ["01013500", "01022500", "01030500"],
        SHORT_PERIOD,
        "basin 01030500: no forcing",
        tmp_path,
    )


def test_malformed_row_leaves_no_store(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    bad = forcing_text().replace("2000 01 04 12\t40003.00", "2000 01 04 12\t4O003.00")
    forcing_path, _ = write_basin(root, "01030500", forcing=bad)
    _assert_fails_without_output(
        root,
        ["01013500", "01030500"],
        SHORT_PERIOD,
        rf"{forcing_path}, line 8: .*'4O003.00'",
        tmp_path,
    )


def test_basin_without_training_streamflow_leaves_no_store(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    write_basin(root, "01030500", streamflow=streamflow_text("01030500", cfs=-999, flag="M"))
    _assert_fails_without_output(
        root,
        ["01013500", "01030500"],
        SHORT_PERIOD,
        r"\['01030500'\]: no observed streamflow in the training period 2000-01-01..2000-01-05",
        tmp_path,
    )


def test_basin_twice_leaves_no_store(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    write_basin(root, "01022500", huc="02")
    _assert_fails_without_output(
        root, ["01013500", "01022500"], SHORT_PERIOD, "01022500 appears twice", tmp_path
    )
    _assert_fails_without_output(
        root, ["01013500", "01013500"], SHORT_PERIOD, "listed more than once", tmp_path
    )


def test_failed_rebuild_keeps_the_previous_store(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    store = build_store(root, ["01013500"], "daymet", tmp_path / "s.zarr", SHORT_PERIOD)
    with pytest.raises(CamelsFileError):
        build_store(root, ["01013500", "09999999"], "daymet", store, SHORT_PERIOD)
    with xr.open_zarr(store) as dataset:
        assert dataset["basin"].to_numpy().tolist() == ["01013500"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["camels", "s.zarr"]


def test_rebuild_replaces_the_previous_store(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    store = build_store(root, ["01013500"], "daymet", tmp_path / "s.zarr", SHORT_PERIOD)
    build_store(root, ["01013500", "01022500"], "daymet", store, SHORT_PERIOD)
    with xr.open_zarr(store, chunks=None) as dataset:
        assert dataset["basin"].to_numpy().tolist() == ["01013500", "01022500"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["camels", "s.zarr"]


def test_store_is_written_as_xarray_writes_it(sample_store: Path, tmp_path: Path) -> None:
    # The store is written with zarr directly; xarray writing the same dataset with the same
    # chunks and codecs must give the same metadata for every node.
    with xr.open_zarr(sample_store, chunks=None) as dataset:
        dataset = dataset.load()
    compressor = BloscCodec(cname="zstd", clevel=1, shuffle="shuffle")
    encoding: dict[str, dict] = {
        name: {"chunks": (13, dataset.sizes["date"]), "compressors": (compressor,)}
        for name in dataset.data_vars
    }
    encoding["date"] = {"units": "days since 1970-01-01", "dtype": "int32"}
    rewritten = tmp_path / "by_xarray.zarr"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        dataset.to_zarr(rewritten, zarr_format=3, consolidated=True, encoding=encoding)
    ours = {p.relative_to(sample_store): p for p in sample_store.rglob("zarr.json")}
    theirs = {p.relative_to(rewritten): p for p in rewritten.rglob("zarr.json")}
    assert sorted(ours) == sorted(theirs)
    for node, path in ours.items():
        assert json.loads(path.read_text()) == json.loads(theirs[node].read_text()), node


def test_opens_without_warnings(sample_store: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with xr.open_zarr(sample_store) as dataset:
            assert dataset["prcp"].dtype == np.float32


def test_many_chunks_in_workers_equal_one_chunk_in_process(
    sample: xr.Dataset, tmp_path: Path
) -> None:
    root = extract_sample(tmp_path / "sample")
    store = build_store(
        root, SAMPLE_BASINS, "daymet", tmp_path / "c4.zarr", TRAIN_PERIOD, threads=2, chunk_basins=4
    )
    assert zarr.open_group(store, mode="r")["prcp"].chunks == (4, 12784)
    with xr.open_zarr(store, chunks=None) as dataset:
        assert dataset.load().identical(sample)


def test_spawned_workers_write_the_same_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(timeseries_store, "_START_METHOD", "spawn")
    root = _tree(tmp_path / "camels")
    stores = [
        build_store(
            root,
            ["01013500", "01022500"],
            "daymet",
            tmp_path / f"{threads}.zarr",
            SHORT_PERIOD,
            threads=threads,
            chunk_basins=1,
        )
        for threads in (1, 2)
    ]
    with xr.open_zarr(stores[0], chunks=None) as serial, xr.open_zarr(stores[1]) as spawned:
        assert spawned.load().identical(serial.load())


def test_worker_error_names_file_and_line_and_leaves_no_store(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    lines = streamflow_text("01030500").splitlines(keepends=True)
    bad = "".join([*lines[:2], lines[2].replace("100.00", "1OO.00"), *lines[3:]])
    _, streamflow_path = write_basin(root, "01030500", streamflow=bad)
    store = tmp_path / "out" / "camels_us.zarr"
    with pytest.raises(CamelsFileError, match=rf"{streamflow_path}, line 3: .*'1OO.00'"):
        build_store(
            root,
            ["01013500", "01022500", "01030500"],
            "daymet",
            store,
            SHORT_PERIOD,
            threads=2,
            chunk_basins=1,
        )
    assert not store.exists()
    assert not (store.parent.exists() and any(store.parent.iterdir())), "temporary left behind"


def test_file_date_span_reads_first_and_last_data_line(tmp_path: Path) -> None:
    forcing = tmp_path / "forcing.txt"
    forcing.write_text(forcing_text(start="1999-12-30", days=400).replace("\n", "\r\n") + "\n\n")
    assert forcing_date_span(forcing) == (np.datetime64("1999-12-30"), np.datetime64("2001-02-01"))
    assert forcing.stat().st_size > 8192  # first and last line read from different blocks
    streamflow = tmp_path / "streamflow.txt"
    streamflow.write_text(streamflow_text("01013500", start="2000-02-28", days=3))
    assert streamflow_date_span(streamflow) == (
        np.datetime64("2000-02-28"),
        np.datetime64("2000-03-01"),
    )
    for text in (
        "",
        forcing_text(rows=[]),
        forcing_text() + "# the end\n",
        forcing_text().replace("2000 01 01 12", "2000 13 01 12"),
    ):
        forcing.write_text(text)
        assert forcing_date_span(forcing) is None, text


def test_files_the_scan_cannot_read_are_parsed_in_full(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    # a comment as last line: not a date for the scan, skipped by the full parser
    write_basin(root, "01030500", forcing=forcing_text(start="1999-12-28", days=9) + "# end\n")
    store = build_store(root, ["01013500", "01030500"], "daymet", tmp_path / "s.zarr", SHORT_PERIOD)
    with xr.open_zarr(store, chunks=None) as dataset:
        dates = dataset["date"].to_numpy().astype("datetime64[D]")
        assert (str(dates[0]), str(dates[-1])) == ("1999-12-28", "2000-01-05")
        assert dataset["prcp"].sel(basin="01030500", date="1999-12-28").item() == 0.0
        assert np.isnan(dataset["prcp"].sel(basin="01013500", date="1999-12-28")).item()


def test_wrong_scanned_span_is_detected_and_rebuilt(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _tree(tmp_path / "camels")
    reference = build_store(
        root, ["01013500", "01022500"], "daymet", tmp_path / "ref.zarr", SHORT_PERIOD
    )

    def one_day_short(path: Path) -> tuple[np.datetime64, np.datetime64] | None:
        span = forcing_date_span(path)
        return None if span is None else (span[0], span[1] - np.timedelta64(1, "D"))

    monkeypatch.setattr(timeseries_store, "forcing_date_span", one_day_short)
    store = build_store(root, ["01013500", "01022500"], "daymet", tmp_path / "s.zarr", SHORT_PERIOD)
    assert "reading every file in full" in caplog.text
    with xr.open_zarr(store, chunks=None) as ours, xr.open_zarr(reference, chunks=None) as ref:
        assert ours.load().identical(ref.load())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["camels", "ref.zarr", "s.zarr"]


def test_days_missing_inside_a_file_are_nan_with_flag_0(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    lines = streamflow_text("01030500", days=5).splitlines(keepends=True)
    write_basin(root, "01030500", streamflow="".join(lines[:2] + lines[3:]))  # no 2000-01-03
    store = build_store(root, ["01013500", "01030500"], "daymet", tmp_path / "s.zarr", SHORT_PERIOD)
    with xr.open_zarr(store, chunks=None) as dataset:
        basin = dataset.sel(basin="01030500")
        assert basin["streamflow_qc_flag"].to_numpy().tolist() == [1, 1, 0, 1, 1]
        assert np.isnan(basin["streamflow_cfs"].to_numpy()).tolist() == [0, 0, 1, 0, 0]
        assert basin["streamflow_cfs"].sel(date="2000-01-04").item() == 100.0

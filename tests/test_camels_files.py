"""Locating CAMELS US folders and files (data.layout) and parsing them (data.camels_files)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from camels_testdata import (
    MAURER_HEADER,
    SAMPLE_BASINS,
    extract_sample,
    forcing_text,
    streamflow_text,
    write_basin,
)

from camels_lstm.data.attributes import read_attributes
from camels_lstm.data.camels_files import (
    FORCING_VARIABLES,
    QC_FLAGS,
    _forcing_table_fast,
    _forcing_table_slow,
    _streamflow_fast,
    _streamflow_slow,
    cfs_to_mm_per_day,
    read_forcing,
    read_streamflow,
)
from camels_lstm.data.layout import (
    CamelsFileError,
    find_basin_files,
    find_folder,
    index_basin_files,
    locate_layout,
)
from camels_lstm.data.text_columns import split_fields


@pytest.fixture(scope="module")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return extract_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def sample_files(sample_root: Path) -> dict[str, tuple[Path, Path]]:
    return find_basin_files(locate_layout(sample_root, "daymet"), list(SAMPLE_BASINS))


def _on(dates: np.ndarray, values: np.ndarray, day: str):
    return values[np.flatnonzero(dates == np.datetime64(day))[0]]


def test_layout_found_one_level_down_in_the_sample(sample_root: Path) -> None:
    layout = locate_layout(sample_root, "daymet")
    assert layout.forcing_dir.parts[-3:] == (
        "basin_dataset_public_v1p2",
        "basin_mean_forcing",
        "daymet",
    )
    assert layout.streamflow_dir.name == "usgs_streamflow"
    assert layout.attributes_dir == sample_root / "camels_attributes_v2.0"
    assert layout.forcing_suffix == "_lump_cida_forcing_leap.txt"


def test_missing_product_folder_is_named(sample_root: Path) -> None:
    with pytest.raises(CamelsFileError, match="basin_mean_forcing/maurer"):
        locate_layout(sample_root, "maurer")
    with pytest.raises(CamelsFileError, match="unknown forcing product 'cida'"):
        locate_layout(sample_root, "cida")


def test_missing_folders_are_all_named_with_where_they_were_looked_for(tmp_path: Path) -> None:
    (tmp_path / "usgs_streamflow").mkdir()
    with pytest.raises(CamelsFileError) as error:
        locate_layout(tmp_path, "daymet")
    message = str(error.value)
    assert (
        f"no folder basin_mean_forcing/daymet/ (looked for {tmp_path}/basin_mean_forcing/daymet "
        f"and {tmp_path}/*/basin_mean_forcing/daymet)"
    ) in message
    assert "no folder camels_attributes_v2.0/" in message
    assert "no folder usgs_streamflow/" not in message


@pytest.mark.parametrize("first", ["", "copy_a"])
def test_folder_found_twice_is_an_error_naming_every_candidate(tmp_path: Path, first: str) -> None:
    write_basin(tmp_path / first if first else tmp_path, "01022500")
    write_basin(tmp_path / "copy_b", "01022500")
    with pytest.raises(CamelsFileError) as error:
        locate_layout(tmp_path, "daymet")
    message = str(error.value)
    for name in ("basin_mean_forcing/daymet", "usgs_streamflow", "camels_attributes_v2.0"):
        first_path = tmp_path / first / name if first else tmp_path / name
        assert f"folder {name}/ found 2 times, expected once: {first_path}, " in message
        assert str(tmp_path / "copy_b" / name) in message


def test_attribute_reader_uses_the_same_finder(tmp_path: Path) -> None:
    for copy in ("a", "b"):
        (tmp_path / copy / "camels_attributes_v2.0").mkdir(parents=True)
    with pytest.raises(CamelsFileError, match=r"folder camels_attributes_v2\.0/ found 2 times"):
        read_attributes(tmp_path)
    with pytest.raises(CamelsFileError, match=r"no folder camels_attributes_v2\.0/ \(looked for"):
        read_attributes(tmp_path / "a" / "camels_attributes_v2.0")


def test_finder_skips_hidden_and_macosx_folders(tmp_path: Path) -> None:
    for folder in ("data", "__MACOSX", ".old"):
        (tmp_path / folder / "usgs_streamflow").mkdir(parents=True)
    assert find_folder(tmp_path, "usgs_streamflow") == tmp_path / "data" / "usgs_streamflow"


def test_missing_root_is_named(tmp_path: Path) -> None:
    with pytest.raises(CamelsFileError, match=rf"CAMELS root {tmp_path}/absent does not exist"):
        find_folder(tmp_path / "absent", "usgs_streamflow")


def test_index_finds_every_sample_basin_in_huc_folders(sample_root: Path) -> None:
    layout = locate_layout(sample_root)
    index = index_basin_files(layout.streamflow_dir, "_streamflow_qc.txt")
    assert sorted(index) == sorted(SAMPLE_BASINS)
    assert index["01022500"].parent.name == "01"


def test_flat_layout_without_huc_folders(tmp_path: Path) -> None:
    write_basin(tmp_path, "01022500", huc=None)
    files = find_basin_files(locate_layout(tmp_path), ["01022500"])
    assert files["01022500"][0].parent.name == "daymet"


def test_basin_in_two_huc_folders_is_an_error(tmp_path: Path) -> None:
    write_basin(tmp_path, "01022500", huc="01")
    write_basin(tmp_path, "01022500", huc="02")
    with pytest.raises(
        CamelsFileError,
        match=r"01022500 appears twice.*/01/.*/02/|01022500 appears twice.*/02/.*/01/",
    ):
        find_basin_files(locate_layout(tmp_path), ["01022500"])


def test_basin_listed_twice_is_an_error(tmp_path: Path) -> None:
    write_basin(tmp_path, "01022500")
    with pytest.raises(CamelsFileError, match=r"\['01022500'\] listed more than once"):
        find_basin_files(locate_layout(tmp_path), ["01022500", "01022500"])


def test_missing_basin_file_names_basin_and_file(tmp_path: Path) -> None:
    _, streamflow = write_basin(tmp_path, "01022500")
    write_basin(tmp_path, "01013500")
    streamflow.unlink()
    with pytest.raises(CamelsFileError) as error:
        find_basin_files(locate_layout(tmp_path), ["01013500", "01022500", "01030500"])
    message = str(error.value)
    assert "basin 01022500: no streamflow file 01022500_streamflow_qc.txt" in message
    assert "basin 01030500: no forcing file 01030500_lump_cida_forcing_leap.txt" in message
    assert "01013500" not in message


def test_streamflow_flags_and_gaps_on_known_dates(sample_files) -> None:
    series = read_streamflow(sample_files["01022500"][1], "01022500")
    assert series.dates[0] == np.datetime64("1980-01-01")
    assert series.dates[-1] == np.datetime64("2014-12-31")
    assert _on(series.dates, series.streamflow_cfs, "1980-01-01") == 395.0
    assert _on(series.dates, series.qc_flag, "1980-01-01") == QC_FLAGS["A"] == 1
    assert _on(series.dates, series.streamflow_cfs, "1985-12-11") == 265.0
    assert _on(series.dates, series.qc_flag, "1985-12-11") == QC_FLAGS["A:e"] == 2
    assert np.isnan(_on(series.dates, series.streamflow_cfs, "2014-10-01"))
    assert _on(series.dates, series.qc_flag, "2014-10-01") == QC_FLAGS["M"] == 0
    assert series.qc_flag.dtype == np.int8
    # every -999 became NaN, and only those
    assert np.array_equal(np.isnan(series.streamflow_cfs), series.qc_flag == 0)


def test_forcing_header_and_first_row(sample_files) -> None:
    series = read_forcing(sample_files["01022500"][0])
    assert series.gauge_lat == pytest.approx(44.82)
    assert series.gauge_elevation_m == pytest.approx(133.0)
    assert series.area_m2 == 587_675_987.0
    assert series.dates.size == 12784
    assert str(series.dates[0]) == "1980-01-01" and str(series.dates[-1]) == "2014-12-31"
    assert set(series.values) == set(FORCING_VARIABLES)
    assert series.values["dayl"][0] == pytest.approx(31_185.97)
    assert series.values["vp"][0] == pytest.approx(271.45)


def test_cfs_to_mm_per_day_by_hand() -> None:
    # 100 ft3/s = 2.8316846592 m3/s = 244_657.55455488 m3/day; over 1e8 m2: 2.4465755455488 mm/day
    assert cfs_to_mm_per_day(np.array([100.0]), 1.0e8)[0] == pytest.approx(2.4465755455488)


def test_maurer_capitalised_column_names(tmp_path: Path) -> None:
    path = tmp_path / "01022500_lump_maurer_forcing_leap.txt"
    path.write_text(forcing_text(header=MAURER_HEADER))
    series = read_forcing(path)
    assert series.values["prcp"].tolist() == [0, 1, 2, 3, 4]
    assert series.values["tmax"].tolist() == [10, 11, 12, 13, 14]
    assert series.values["vp"][0] == 500


def test_columns_are_taken_by_name_not_order(tmp_path: Path) -> None:
    header = "Year Mnth Day Hr Dayl(s) SRAD(W/m2) PRCP(mm/day) SWE(mm) Tmax(C) Tmin(C) Vp(Pa)"
    path = tmp_path / "x_forcing.txt"
    path.write_text(forcing_text(header=header))
    series = read_forcing(path)
    assert series.values["srad"].tolist() == [0, 1, 2, 3, 4]
    assert series.values["prcp"].tolist() == [100, 101, 102, 103, 104]


def test_maurer_short_header_parsed_by_position_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "01022500_lump_maurer_forcing_leap.txt"
    path.write_text(forcing_text(header=MAURER_HEADER.removeprefix("Year Mnth Day Hr ")))
    with caplog.at_level(logging.WARNING):
        series = read_forcing(path)
    assert str(series.dates[0]) == "2000-01-01"
    assert series.values["prcp"].tolist() == [0, 1, 2, 3, 4]
    assert series.values["tmin"].tolist() == [-1, -2, -3, -4, -5]
    assert any(
        str(path) in r.getMessage() and "by position" in r.getMessage() for r in caplog.records
    )


def _forcing_with_row(tmp_path: Path, row_index: int, row: str) -> Path:
    text = forcing_text(days=6).splitlines()
    text[4 + row_index] = row
    path = tmp_path / "01022500_lump_cida_forcing_leap.txt"
    path.write_text("\n".join(text) + "\n")
    return path


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("2000 01 03 12\t1\t2\tx3\t4\t5\t6\t7", "'x3' is not a number"),
        ("2000 01 03 12\t1\t2\t3\t4\t5\t6", "expected 11 fields, got 10"),
        ("2000 01 03 12\t1\t2\t3\t4\t5\t6\t7\t8", "expected 11 fields, got 12"),
        ("2000 02 30 12\t1\t2\t3\t4\t5\t6\t7", "invalid date 2000-2-30"),
        ("2000 01 01 12\t1\t2\t3\t4\t5\t6\t7", "repeats or goes back"),
    ],
)
def test_malformed_forcing_row_names_file_and_line(tmp_path: Path, row: str, problem: str) -> None:
    path = _forcing_with_row(tmp_path, 2, row)  # third data row = line 7
    with pytest.raises(CamelsFileError) as error:
        read_forcing(path)
    assert f"{path}, line 7" in str(error.value)
    assert problem in str(error.value)


def test_forcing_header_without_area_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text(forcing_text().replace(" 100000000\n", " area\n"))
    with pytest.raises(CamelsFileError, match=rf"{path}, line 3: expected the basin area"):
        read_forcing(path)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("01022500 2000 01 03   abc A", "'abc' is not a number"),
        ("01022500 2000 01 03   12.00", "expected 6 fields, got 5"),
        ("01022500 2000 01 03   12.00 X", "unknown qc flag 'X'"),
        ("01013500 2000 01 03   12.00 A", "gauge id 01013500 is not basin 01022500"),
        ("01022500 2000 01 03   12.00 A extra", "expected 6 fields, got 7"),
    ],
)
def test_malformed_streamflow_row_names_file_and_line(
    tmp_path: Path, row: str, problem: str
) -> None:
    lines = streamflow_text("01022500").splitlines()
    lines[2] = row
    path = tmp_path / "01022500_streamflow_qc.txt"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CamelsFileError) as error:
        read_streamflow(path, "01022500")
    assert f"{path}, line 3" in str(error.value)
    assert problem in str(error.value)


def test_every_sample_basin_parses(sample_files) -> None:
    for basin, (forcing_path, streamflow_path) in sample_files.items():
        forcing = read_forcing(forcing_path)
        streamflow = read_streamflow(streamflow_path, basin)
        assert forcing.area_m2 > 0
        assert not any(np.isnan(v).any() for v in forcing.values.values())
        assert np.isfinite(streamflow.streamflow_cfs).mean() > 0.9


def test_streamflow_with_tabs_and_trailing_whitespace(tmp_path: Path) -> None:
    lines = streamflow_text("01022500").splitlines()
    lines[1] = lines[1].replace(" ", "\t") + "  "
    path = tmp_path / "01022500_streamflow_qc.txt"
    path.write_text("\n".join(lines) + "\n")
    series = read_streamflow(path, "01022500")
    assert series.streamflow_cfs.tolist() == [100.0] * 5
    assert series.qc_flag.tolist() == [1] * 5


def test_fast_parser_equals_the_c_readers_on_the_sample(sample_files) -> None:
    for basin, (forcing_path, streamflow_path) in sample_files.items():
        fast = _forcing_table_fast(forcing_path.read_bytes().split(b"\n", 4)[4], 11)
        assert fast is not None, f"{basin}: fast path refused a real forcing file"
        assert np.array_equal(fast, _forcing_table_slow(forcing_path, 11)), basin
        columns = _streamflow_fast(split_fields(streamflow_path.read_bytes(), 6))
        assert columns is not None, f"{basin}: fast path refused a real streamflow file"
        for ours, theirs in zip(columns, _streamflow_slow(streamflow_path), strict=True):
            assert np.array_equal(ours, theirs), basin


def test_irregular_number_formats_fall_back_to_the_c_readers(tmp_path: Path) -> None:
    rows = [
        "2000 01 01 12\t40000\t0.5\t100.25\t0\t1e1\t-1.0\t500.00",
        "2000 1 2 12.0\t40001.0\t1.75\t101\t0.0\t11.0\t-2.5\t501",
    ]
    path = tmp_path / "01022500_lump_cida_forcing_leap.txt"
    path.write_text(forcing_text(rows=rows))
    series = read_forcing(path)
    assert str(series.dates[1]) == "2000-01-02"
    assert series.values["prcp"].tolist() == [0.5, 1.75]
    assert series.values["tmax"].tolist() == [10.0, 11.0]
    lines = streamflow_text("01022500", days=3).splitlines()
    lines[1] = "01022500 2000 01 02 100 A:e"
    lines[2] = "01022500 2000 01 03 -999 M"
    path = tmp_path / "01022500_streamflow_qc.txt"
    path.write_text("\n".join(lines) + "\n")
    streamflow = read_streamflow(path, "01022500")
    assert streamflow.streamflow_cfs[:2].tolist() == [100.0, 100.0]
    assert np.isnan(streamflow.streamflow_cfs[2])
    assert streamflow.qc_flag.tolist() == [1, 2, 0]

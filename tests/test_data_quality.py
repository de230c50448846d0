"""Data checks of the store build (issue 12): every finding reported with basin, variable, file
and dates in results/data/data_quality.csv, a policy per check, and nothing silent."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from camels_testdata import MAURER_HEADER, forcing_text, streamflow_text, write_basin
from conftest import REPO_ROOT, SCHEMA_PATH

from camels_lstm.config import load_schema, read_basin_list, validate_config
from camels_lstm.data.layout import CamelsFileError
from camels_lstm.data.quality import CHECKS, DEFAULT_POLICIES, TABLE_COLUMNS
from camels_lstm.data.timeseries_store import build_store
from camels_lstm.workflow import paths
from camels_lstm.workflow.plan import WorkflowPlan

PERIOD = {"start": "2000-01-01", "end": "2000-01-05"}
BASINS = ["01013500", "01022500", "01030500"]


def _tree(root: Path, **files: dict[str, str]) -> Path:
    """Three basins of 2000-01-01..05; ``files``: basin -> {"forcing": text, "streamflow": text}."""
    for basin in BASINS:
        write_basin(root, basin, **files.get(f"b{basin}", {}))
    return root


def _build(root: Path, tmp_path: Path, period=PERIOD, **kwargs) -> tuple[Path, list[dict]]:
    store, table = tmp_path / "out" / "camels_us.zarr", tmp_path / "out" / "data_quality.csv"
    build_store(root, BASINS, "daymet", store, period, quality_table=table, **kwargs)
    with table.open() as handle:
        return store, list(csv.DictReader(handle))


def _fails(root: Path, tmp_path: Path, pattern: str, period=PERIOD, **kwargs) -> str:
    out = tmp_path / "failed"
    with pytest.raises(CamelsFileError, match=pattern) as error:
        build_store(root, BASINS, "daymet", out / "s.zarr", period, quality_table=out / "q.csv",
                    **kwargs)  # fmt: skip
    assert not (out.exists() and any(out.iterdir())), "nothing may be written"
    return str(error.value)


def _forcing_rows(days: int = 5, start: str = "2000-01-01") -> list[str]:
    return forcing_text(start=start, days=days).splitlines()[4:]


def _with_row(index: int, column: int, value: str, days: int = 5) -> str:
    """A forcing file whose data row ``index`` has ``value`` in field ``column`` (0: Year)."""
    rows = _forcing_rows(days)
    fields = rows[index].split()
    fields[column] = value
    rows[index] = " ".join(fields)
    return forcing_text(rows=rows)


# ---- wrong results 3: a forcing file that ends early ----------------------------------------
def test_forcing_cut_short_in_the_training_period_stops_naming_basin_file_and_dates(
    tmp_path: Path,
) -> None:
    cut = forcing_text(rows=_forcing_rows(3))  # ends at a line boundary on 2000-01-03
    root = _tree(tmp_path / "camels", b01030500={"forcing": cut})
    message = _fails(root, tmp_path, "period_not_covered")
    path = root / "basin_mean_forcing/daymet/01/01030500_lump_cida_forcing_leap.txt"
    assert f"basin 01030500, forcing, {path}, 2000-01-04..2000-01-05" in message
    assert (
        "record 2000-01-01..2000-01-03 does not cover the train period 2000-01-01..2000-01-05"
        in (message)
    )
    assert "'data_checks.period_not_covered'" in message


def test_forcing_cut_short_in_the_validation_period_stops(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels", b01030500={"forcing": forcing_text(rows=_forcing_rows(4))})
    train = {"start": "2000-01-01", "end": "2000-01-02"}
    validation = {"start": "2000-01-03", "end": "2000-01-05"}
    message = _fails(root, tmp_path, "validation period", train, periods={"validation": validation})
    assert "basin 01030500" in message and "2000-01-05..2000-01-05" in message
    # allowed explicitly: reported, not an error
    _, rows = _build(root, tmp_path, train, periods={"validation": validation},
                     data_checks={"period_not_covered": "warn"})  # fmt: skip
    assert {(r["check"], r["basin"]) for r in rows} >= {("period_not_covered", "01030500")}


def test_forcing_cut_short_after_the_periods_is_reported(tmp_path: Path) -> None:
    full = {b: {"forcing": forcing_text(days=8)} for b in ("b01013500", "b01022500")}
    root = _tree(tmp_path / "camels", **full)  # 01030500: 5 days, the others 8
    _, rows = _build(root, tmp_path)
    [row] = [r for r in rows if r["check"] == "short_record"]
    assert (row["basin"], row["policy"], row["first_date"], row["last_date"], row["days"]) == (
        "01030500", "warn", "2000-01-06", "2000-01-08", "3",
    )  # fmt: skip
    assert row["file"].endswith("01030500_lump_cida_forcing_leap.txt")
    assert "ends 2000-01-05" in row["message"]


# ---- wrong results 4: negative discharge with flag A ----------------------------------------
def test_negative_discharge_with_flag_a_is_masked_and_reported(tmp_path: Path) -> None:
    lines = streamflow_text("01030500").splitlines()
    lines[1] = "01030500 2000 01 02    -0.55 A"
    root = _tree(tmp_path / "camels", b01030500={"streamflow": "\n".join(lines) + "\n"})
    store, rows = _build(root, tmp_path)
    with xr.open_zarr(store, chunks=None) as dataset:
        day = dataset.sel(basin="01030500", date="2000-01-02")
        assert np.isnan(day["streamflow_mm_per_day"].item())
        assert np.isnan(day["streamflow_cfs"].item())
        assert day["streamflow_qc_flag"].item() == 0  # not an approved observation
        assert dataset["streamflow_cfs"].sel(basin="01030500", date="2000-01-03").item() == 100
    [row] = rows
    assert row["check"] == "negative_streamflow" and row["policy"] == "mask"
    assert (row["basin"], row["variable"], row["first_date"], row["days"]) == (
        "01030500", "streamflow_cfs", "2000-01-02", "1",
    )  # fmt: skip
    assert row["file"].endswith("01030500_streamflow_qc.txt") and "-0.55" in row["message"]


def test_negative_discharge_stops_under_policy_error(tmp_path: Path) -> None:
    lines = streamflow_text("01030500").splitlines()
    lines[3] = "01030500 2000 01 04    -2.00 A:e"
    root = _tree(tmp_path / "camels", b01030500={"streamflow": "\n".join(lines) + "\n"})
    message = _fails(root, tmp_path, "negative_streamflow \\(error\\): basin 01030500",
                     data_checks={"negative_streamflow": "error"})  # fmt: skip
    assert "2000-01-04..2000-01-04" in message


# ---- date gaps, literal nan, physical ranges, identical series --------------------------------
def test_days_missing_inside_a_record_are_reported_per_gap(tmp_path: Path) -> None:
    rows = _forcing_rows(8)
    gapped = forcing_text(rows=rows[:2] + rows[4:])  # no 2000-01-03, 2000-01-04
    full = {b: {"forcing": forcing_text(days=8)} for b in ("b01013500", "b01022500")}
    root = _tree(tmp_path / "camels", b01030500={"forcing": gapped}, **full)
    period = {"start": "2000-01-01", "end": "2000-01-08"}
    store, rows = _build(root, tmp_path, period)
    [row] = rows
    assert (row["check"], row["basin"], row["variable"]) == ("date_gap", "01030500", "forcing")
    assert (row["first_date"], row["last_date"], row["days"]) == ("2000-01-03", "2000-01-04", "2")
    with xr.open_zarr(store, chunks=None) as dataset:
        assert np.isnan(dataset["prcp"].sel(basin="01030500", date="2000-01-04")).item()
    _fails(root, tmp_path, "date_gap \\(error\\)", period, data_checks={"date_gap": "error"})


def test_literal_nan_is_reported_in_forcing_and_streamflow(tmp_path: Path) -> None:
    lines = streamflow_text("01022500").splitlines()
    lines[2] = "01022500 2000 01 03 nan A"
    root = _tree(
        tmp_path / "camels",
        b01030500={"forcing": _with_row(1, 5, "nan")},  # prcp of 2000-01-02
        b01022500={"streamflow": "\n".join(lines) + "\n"},
    )
    store, rows = _build(root, tmp_path)
    found = {(r["check"], r["basin"], r["variable"], r["first_date"]) for r in rows}
    assert found == {
        ("nan_value", "01030500", "prcp", "2000-01-02"),
        ("nan_value", "01022500", "streamflow_cfs", "2000-01-03"),
    }
    with xr.open_zarr(store, chunks=None) as dataset:
        assert dataset["streamflow_qc_flag"].sel(basin="01022500", date="2000-01-03").item() == 0
    _fails(root, tmp_path, "nan_value \\(error\\)", data_checks={"nan_value": "error"})


def test_negative_precipitation_stops_by_default(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels", b01013500={"forcing": _with_row(3, 5, "-1.50")})
    message = _fails(root, tmp_path, "negative_precipitation \\(error\\): basin 01013500, prcp")
    assert "2000-01-04" in message and "01013500_lump_cida_forcing_leap.txt" in message
    store, rows = _build(root, tmp_path, data_checks={"negative_precipitation": "mask"})
    assert [r["check"] for r in rows] == ["negative_precipitation"]
    with xr.open_zarr(store, chunks=None) as dataset:
        assert np.isnan(dataset["prcp"].sel(basin="01013500", date="2000-01-04")).item()


def test_vapour_pressure_and_tmin_above_tmax_are_kept_with_a_warning(tmp_path: Path) -> None:
    forcing = _with_row(0, 10, "0.00")  # vp of 2000-01-01
    day3 = "2000 01 03 12\t40002.00\t2.00\t102.00\t0.00\t"
    forcing = forcing.replace(day3 + "12.00\t-3.00", day3 + "1.00\t3.00")  # tmax 1, tmin 3
    root = _tree(tmp_path / "camels", b01022500={"forcing": forcing})
    store, rows = _build(root, tmp_path)
    found = {(r["check"], r["policy"], r["variable"], r["first_date"]) for r in rows}
    assert found == {
        ("vapour_pressure_not_positive", "warn", "vp", "2000-01-01"),
        ("tmin_above_tmax", "warn", "tmin,tmax", "2000-01-03"),
    }
    with xr.open_zarr(store, chunks=None) as dataset:
        basin = dataset.sel(basin="01022500")
        assert basin["vp"].sel(date="2000-01-01").item() == 0.0
        assert basin["tmin"].sel(date="2000-01-03").item() == 3.0
    store, _ = _build(root, tmp_path, data_checks={"tmin_above_tmax": "mask"})
    with xr.open_zarr(store, chunks=None) as dataset:
        day = dataset.sel(basin="01022500", date="2000-01-03")
        assert np.isnan(day["tmin"]).item() and np.isnan(day["tmax"]).item()
        assert day["prcp"].item() == 2.0


def test_tmax_equal_to_tmin_on_every_day_stops(tmp_path: Path) -> None:
    """The CAMELS Maurer (and NLDAS) files: Tmax = Tmin in all 671 basins."""
    rows = []
    for row in _forcing_rows():
        fields = row.split()
        fields[9] = fields[8]  # Tmin := Tmax
        rows.append(" ".join(fields))
    root = _tree(tmp_path / "camels")
    maurer = root / "basin_mean_forcing" / "maurer" / "01"
    maurer.mkdir(parents=True)
    for basin in BASINS:
        text = forcing_text(rows=rows, header=MAURER_HEADER)
        (maurer / f"{basin}_lump_maurer_forcing_leap.txt").write_text(text)
    out = tmp_path / "out"
    with pytest.raises(CamelsFileError, match="identical_series \\(error\\)") as error:
        build_store(root, BASINS, "maurer", out / "s.zarr", PERIOD)
    assert "basin 01013500, tmax,tmin" in str(error.value)
    assert "tmin equals tmax on every day of the record" in str(error.value)
    build_store(root, BASINS, "maurer", out / "s.zarr", PERIOD, quality_table=out / "q.csv",
                data_checks={"identical_series": "warn"})  # fmt: skip
    with (out / "q.csv").open() as handle:
        assert {r["check"] for r in csv.DictReader(handle)} == {"identical_series"}


def test_every_finding_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = _tree(tmp_path / "camels", b01022500={"forcing": _with_row(0, 10, "-1.00")})
    _build(root, tmp_path)
    assert re.search(r"vapour_pressure_not_positive \(kept\): basin 01022500, vp, .*2000-01-01",
                     caplog.text)  # fmt: skip


def test_clean_data_give_a_table_with_its_header_only(tmp_path: Path) -> None:
    _, rows = _build(_tree(tmp_path / "camels"), tmp_path)
    assert rows == []
    header = (tmp_path / "out" / "data_quality.csv").read_text().splitlines()[0]
    assert header.split(",") == list(TABLE_COLUMNS)


def test_unknown_check_or_policy_is_named(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    _fails(root, tmp_path, "unknown data check 'gaps'", data_checks={"gaps": "error"})
    _fails(root, tmp_path, "'short_record': policy 'mask'", data_checks={"short_record": "mask"})


# ---- config schema, rule output, report ------------------------------------------------------
def test_schema_lists_every_check_with_its_policies_and_default() -> None:
    properties = load_schema(SCHEMA_PATH)["properties"]["data_checks"]["properties"]
    assert sorted(properties) == sorted(CHECKS)
    for name, check in CHECKS.items():
        assert properties[name]["enum"] == list(check.policies), name
        assert properties[name]["default"] == check.default, name
        assert properties[name]["description"], name
    assert DEFAULT_POLICIES["period_not_covered"] == "error"


def test_config_fills_the_data_check_defaults() -> None:
    config = yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text())
    validate_config(config, SCHEMA_PATH, workdir=REPO_ROOT)
    assert config["data_checks"] == DEFAULT_POLICIES
    assert config["camels"]["streamflow_area"] == "daymet_header"


def test_table_is_a_reported_output_of_the_store_rule_and_a_target() -> None:
    rules = (REPO_ROOT / "rules" / "preprocess.smk").read_text()
    store_rule = rules.split("rule build_timeseries_store:")[1].split("\nrule ")[0]
    assert re.search(r"quality=report\(\s*paths\.DATA_QUALITY,", store_rule)
    caption = re.search(r'caption="\.\./(workflow/report/[a-z_]+\.rst)"', store_rule)
    assert caption and (REPO_ROOT / caption.group(1)).is_file()
    assert paths.DATA_QUALITY == "results/data/data_quality.csv"
    config = yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text())
    validate_config(config, SCHEMA_PATH, workdir=REPO_ROOT)
    plan = WorkflowPlan(config, read_basin_list(REPO_ROOT / config["basins"]))
    assert paths.DATA_QUALITY in plan.all_targets()

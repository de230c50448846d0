"""Streamflow in mm/day does not depend on the forcing product (issue 12): the basin area comes
from ``camels.streamflow_area`` (default: the Daymet header), and basins whose area sources
differ by more than 5 % are listed in the data-quality table."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from camels_testdata import MAURER_HEADER, forcing_text, write_basin
from test_archive import camels_members, relative_files, write_zip

from camels_lstm.data.archive import ArchiveError, extract_camels
from camels_lstm.data.areas import area_forcing_products
from camels_lstm.data.layout import CamelsFileError
from camels_lstm.data.timeseries_store import build_store

PERIOD = {"start": "2000-01-01", "end": "2000-01-05"}
BASINS = ["01013500", "01022500"]
DAYMET_AREA, MAURER_AREA = 1.0e8, 2.04e8  # the Maurer header's area x2.04 (05120500: x0.49)
GAGES2_KM2 = {"01013500": 100.0, "01022500": 120.0}  # 01022500: 20 % off the Daymet header


def _tree(root: Path, topo: bool = True) -> Path:
    """Two basins with Daymet and Maurer forcing (headers disagreeing) and camels_topo.txt."""
    maurer = root / "basin_mean_forcing" / "maurer" / "01"
    maurer.mkdir(parents=True)
    for basin in BASINS:
        write_basin(root, basin, forcing=forcing_text(area_m2=DAYMET_AREA))
        text = forcing_text(area_m2=MAURER_AREA, header=MAURER_HEADER)
        (maurer / f"{basin}_lump_maurer_forcing_leap.txt").write_text(text)
    if topo:
        rows = [f"{int(b)};{km2};50.0" for b, km2 in GAGES2_KM2.items()]
        (root / "camels_attributes_v2.0" / "camels_topo.txt").write_text(
            "gauge_id;area_gages2;area_geospa_fabric\n" + "\n".join(rows) + "\n"
        )
    return root


def _store(root: Path, tmp_path: Path, forcing: str, **kwargs) -> tuple[xr.Dataset, list[dict]]:
    name = f"{forcing}_{kwargs.get('streamflow_area', 'default')}"
    table = tmp_path / f"{name}.csv"
    store = build_store(root, BASINS, forcing, tmp_path / f"{name}.zarr", PERIOD,
                        quality_table=table, **kwargs)  # fmt: skip
    with table.open() as handle:
        rows = list(csv.DictReader(handle))
    with xr.open_zarr(store, chunks=None) as dataset:
        return dataset.load(), rows


def test_default_targets_are_the_same_for_every_product(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    daymet, _ = _store(root, tmp_path, "daymet")
    maurer, _ = _store(root, tmp_path, "maurer")
    assert maurer["area_m2"].to_numpy().tolist() == [DAYMET_AREA] * 2
    np.testing.assert_array_equal(
        maurer["streamflow_mm_per_day"].to_numpy(), daymet["streamflow_mm_per_day"].to_numpy()
    )
    assert maurer.attrs["streamflow_area_source"].startswith("area_m2 (daymet_header): ")
    assert "Daymet" in maurer.attrs["streamflow_area_source"]


def test_forcing_header_reproduces_the_product_dependent_targets(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    daymet, _ = _store(root, tmp_path, "daymet")
    maurer, _ = _store(root, tmp_path, "maurer", streamflow_area="forcing_header")
    assert maurer["area_m2"].to_numpy().tolist() == [MAURER_AREA] * 2
    ratio = maurer["streamflow_mm_per_day"] / daymet["streamflow_mm_per_day"]
    np.testing.assert_allclose(ratio.to_numpy(), DAYMET_AREA / MAURER_AREA, rtol=1e-6)


def test_area_gages2(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    dataset, _ = _store(root, tmp_path, "daymet", streamflow_area="area_gages2")
    assert dataset["area_m2"].to_numpy().tolist() == [1.0e8, 1.2e8]
    day = dataset.sel(basin="01022500", date="2000-01-01")
    expected = 100.0 * 0.028316846592 * 86400 / 1.2e8 * 1000
    assert day["streamflow_mm_per_day"].item() == pytest.approx(expected, rel=1e-6)


def test_basins_whose_areas_disagree_by_more_than_5_percent_are_listed(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels")
    _, rows = _store(root, tmp_path, "daymet")
    [row] = rows  # 01013500: Daymet header = area_gages2
    assert (row["check"], row["policy"], row["basin"], row["variable"]) == (
        "area_disagreement", "warn", "01022500", "area",
    )  # fmt: skip
    assert row["file"].endswith("daymet/01/01022500_lump_cida_forcing_leap.txt")
    assert "differ by 20.0%" in row["message"]
    assert "daymet_header 100.00 km2" in row["message"]
    assert "area_gages2 120.00 km2" in row["message"] and "camels_topo.txt" in row["message"]
    _, rows = _store(root, tmp_path, "maurer")  # the Maurer header off by x2.04 in both
    assert sorted(r["basin"] for r in rows if r["check"] == "area_disagreement") == BASINS
    assert "forcing_header 204.00 km2" in rows[0]["message"]


def test_a_missing_area_source_is_named(tmp_path: Path) -> None:
    root = _tree(tmp_path / "camels", topo=False)
    with pytest.raises(CamelsFileError, match=r"'area_gages2': no .*camels_topo\.txt"):
        build_store(root, BASINS, "daymet", tmp_path / "s.zarr", PERIOD,
                    streamflow_area="area_gages2")  # fmt: skip
    next((root / "basin_mean_forcing" / "daymet").rglob("01022500_*")).unlink()
    with pytest.raises(CamelsFileError, match=r"no Daymet forcing file of basin\(s\) \['01022500'"):
        build_store(root, BASINS, "maurer", tmp_path / "s.zarr", PERIOD)
    assert not (tmp_path / "s.zarr").exists()


def test_extraction_takes_the_daymet_files_whose_headers_give_the_areas(tmp_path: Path) -> None:
    assert area_forcing_products("maurer", "daymet_header") == ("maurer", "daymet")
    assert area_forcing_products("maurer", "forcing_header") == ("maurer",)
    assert area_forcing_products("daymet", "daymet_header") == ("daymet",)
    archive = write_zip(tmp_path / "a.zip", camels_members("top/", ("daymet", "maurer", "nldas")))
    target = tmp_path / "camels_us"
    extract_camels([archive], target, forcing="maurer", extra_forcings=["daymet"])
    assert sorted(p.name for p in (target / "basin_mean_forcing").iterdir()) == ["daymet", "maurer"]
    assert len(relative_files(target)) == 10
    only_maurer = write_zip(tmp_path / "b.zip", camels_members("top/", ("maurer",)))
    with pytest.raises(ArchiveError, match=r"daymet/ .*whose headers give the basin areas"):
        extract_camels(
            [only_maurer], tmp_path / "other", forcing="maurer", extra_forcings=["daymet"]
        )

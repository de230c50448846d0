"""Data behind each figure (shared basins, counts, selections) and that the figures are written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from camels_lstm.evaluation.predictions import OBS, SIM
from camels_lstm.evaluation.tables import METRICS_COLUMNS
from camels_lstm.plots.hydrographs import (
    gauge_names,
    plot_hydrographs,
    select_basins,
    water_year_window,
)
from camels_lstm.plots.map import gauge_locations, plot_nse_difference_map
from camels_lstm.plots.nse_cdf import nse_cdf_curves, plot_nse_cdf
from camels_lstm.plots.scatter import paired_nse, plot_nse_scatter

PNG_MAGIC = b"\x89PNG"


def _table(nse: dict[str, float], status: dict[str, str] | None = None) -> pd.DataFrame:
    status = status or {}
    rows = [
        {"basin": b, "member": "ensemble", "status": status.get(b, "ok"), "nse": v}
        for b, v in nse.items()
    ]
    return pd.DataFrame(rows).reindex(columns=list(METRICS_COLUMNS))


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    single = _table({"01000001": 0.2, "01000002": -0.5, "01000003": 0.6, "01000004": 0.9})
    regional = _table(
        {"01000002": 0.7, "01000003": 0.5, "01000004": 0.95, "01000005": 0.1, "01000001": 0.3},
        status={"01000001": "too few observed days (12 < 365)"},
    )
    return {"single_basin": single, "regional": regional}


def _assert_written(png: Path, pdf: Path) -> None:
    assert png.read_bytes()[:4] == PNG_MAGIC
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_cdf_uses_only_basins_all_experiments_share(tables, tmp_path: Path) -> None:
    curves = nse_cdf_curves(tables)
    shared = ("01000002", "01000003", "01000004")  # 01000001 not ok in regional, 05 only there
    for curve in curves.values():
        assert set(curve.basins) == set(shared)
        assert curve.share.tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    single = curves["single_basin"]
    assert single.nse.tolist() == [-0.5, 0.6, 0.9]
    assert single.median == pytest.approx(0.6)
    assert single.share_below_zero == pytest.approx(1 / 3)
    assert curves["regional"].nse.tolist() == [0.5, 0.7, 0.95]
    plot_nse_cdf(curves, tmp_path / "cdf.png", tmp_path / "cdf.pdf")
    _assert_written(tmp_path / "cdf.png", tmp_path / "cdf.pdf")


def test_scatter_counts_points_above_and_below(tables, tmp_path: Path) -> None:
    data = paired_nse(tables["single_basin"], tables["regional"])
    assert data.basins == ("01000002", "01000003", "01000004")
    assert (data.n_above, data.n_below, data.n_equal) == (2, 1, 0)
    plot_nse_scatter(data, "single_basin", "regional", tmp_path / "s.png", tmp_path / "s.pdf")
    _assert_written(tmp_path / "s.png", tmp_path / "s.pdf")


def _attributes(path: Path, basins: list[str]) -> Path:
    xr.Dataset(
        coords={
            "basin": basins,
            "gauge_lat": ("basin", np.linspace(30, 45, len(basins))),
            "gauge_lon": ("basin", np.linspace(-120, -70, len(basins))),
            "gauge_name": ("basin", [f"Creek {b}" for b in basins]),
        }
    ).to_netcdf(path)
    return path


def test_map_reads_gauge_locations_and_names_missing_basins(tables, tmp_path: Path) -> None:
    attributes = _attributes(tmp_path / "static.nc", ["01000002", "01000003", "01000004"])
    locations = gauge_locations(attributes, ["01000004", "01000002"])
    assert locations.index.tolist() == ["01000004", "01000002"]
    assert locations.loc["01000002", "gauge_lat"] == pytest.approx(30.0)
    with pytest.raises(KeyError, match="01000009"):
        gauge_locations(attributes, ["01000002", "01000009"])
    data = paired_nse(tables["single_basin"], tables["regional"])
    plot_nse_difference_map(
        data,
        gauge_locations(attributes, data.basins),
        "single_basin",
        "regional",
        tmp_path / "m.png",
        tmp_path / "m.pdf",
    )
    _assert_written(tmp_path / "m.png", tmp_path / "m.pdf")
    assert gauge_names(attributes)["01000003"] == "Creek 01000003"


def test_select_basins_best_median_worst(tables) -> None:
    chosen = select_basins(tables["single_basin"])
    assert [(c.rank, c.basin) for c in chosen] == [
        ("best", "01000004"),
        ("median", "01000001"),  # lower middle of four: −0.5, 0.2, 0.6, 0.9
        ("worst", "01000002"),
    ]
    assert select_basins(_table({"01000001": np.nan})) == []


def test_water_year_window_holds_the_largest_flow() -> None:
    dates = np.arange(np.datetime64("1989-10-01"), np.datetime64("1992-10-01"))
    obs = np.ones(dates.size)
    obs[dates == np.datetime64("1991-11-15")] = 50.0
    assert water_year_window(dates, obs) == (
        np.datetime64("1991-10-01"),
        np.datetime64("1992-09-30"),
    )


def test_hydrographs_are_written(tmp_path: Path) -> None:
    dates = np.arange(np.datetime64("1989-10-01"), np.datetime64("1991-10-01"))
    basins = ["01000002", "01000003", "01000004"]
    obs = np.abs(np.sin(np.arange(dates.size) / 15.0))[None, :] * np.array([[1.0], [2.0], [3.0]])
    sim = np.stack([obs * 0.9, obs * 1.1])
    predictions = xr.Dataset(
        {
            SIM: (("member", "basin", "date"), sim),
            OBS: (("basin", "date"), obs),
        },
        coords={"member": ["seed0", "ensemble"], "basin": basins, "date": dates},
    )
    selection = select_basins(_table({"01000002": 0.3, "01000003": 0.5, "01000004": 0.8}))
    plot_hydrographs(
        predictions,
        selection,
        "regional",
        tmp_path / "h.png",
        tmp_path / "h.pdf",
        gauge_names={"01000004": "Creek"},
    )
    _assert_written(tmp_path / "h.png", tmp_path / "h.pdf")


def _predictions(basins: list[str]) -> xr.Dataset:
    dates = np.arange(np.datetime64("1989-10-01"), np.datetime64("1991-10-01"))
    scale = np.arange(1, len(basins) + 1, dtype=float)[:, None]
    obs = np.abs(np.sin(np.arange(dates.size) / 15.0))[None, :] * scale
    return xr.Dataset(
        {
            SIM: (("member", "basin", "date"), np.stack([obs * 0.9, obs])),
            OBS: (("basin", "date"), obs),
        },
        coords={"member": ["seed0", "ensemble"], "basin": basins, "date": dates},
    )


@pytest.mark.parametrize(
    ("nse", "expected"),
    [
        ({"01000002": 0.3}, [("best, median and worst", "01000002")]),
        (
            {"01000002": 0.3, "01000003": 0.5},
            [("best", "01000003"), ("median and worst", "01000002")],
        ),
    ],
)
def test_one_or_two_basins_give_one_panel_per_basin(
    tmp_path: Path, nse: dict[str, float], expected: list[tuple[str, str]]
) -> None:
    """Best, median and worst coincide: each basin once (issue 12, item 6: this crashed)."""
    selection = select_basins(_table(nse))
    assert [(c.rank, c.basin) for c in selection] == expected
    # As workflow/scripts/plot_hydrographs.py does: the selected basins' predictions only.
    predictions = _predictions(sorted(nse)).sel(basin=[c.basin for c in selection])
    assert predictions.sizes["basin"] == len(nse)
    plot_hydrographs(predictions, selection, "regional", tmp_path / "h.png", tmp_path / "h.pdf")
    _assert_written(tmp_path / "h.png", tmp_path / "h.pdf")


def test_hydrographs_take_one_series_of_a_basin_listed_twice(tmp_path: Path) -> None:
    predictions = _predictions(["01000002"]).sel(basin=["01000002", "01000002"])
    selection = select_basins(_table({"01000002": 0.3}))
    plot_hydrographs(predictions, selection, "regional", tmp_path / "h.png", tmp_path / "h.pdf")
    _assert_written(tmp_path / "h.png", tmp_path / "h.pdf")

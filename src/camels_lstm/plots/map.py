"""Gauge locations coloured by the NSE difference of two experiments (no map data needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.colors import TwoSlopeNorm
from matplotlib.ticker import FuncFormatter

from camels_lstm.plots import DOUBLE_COLUMN_INCHES, experiment_label, journal_style, save_figure
from camels_lstm.plots.scatter import PairedNse

CONUS_EXTENT = (-125.0, -66.0, 24.0, 50.0)  # west, east, south, north (degrees)


def gauge_locations(attributes_path: str | Path, basins: Sequence[str]) -> pd.DataFrame:
    """``gauge_lat``/``gauge_lon`` (degrees) of ``basins`` from static_attributes.nc.

    Raises
    ------
    KeyError
        Naming the file and the basins or coordinates it lacks.
    """
    with xr.open_dataset(attributes_path) as attributes:
        for name in ("gauge_lat", "gauge_lon"):
            if name not in attributes.variables:
                raise KeyError(f"{attributes_path}: coordinate {name!r} missing")
        table = pd.DataFrame(
            {
                "gauge_lat": attributes["gauge_lat"].values.astype(float),
                "gauge_lon": attributes["gauge_lon"].values.astype(float),
            },
            index=[str(b) for b in attributes["basin"].values],
        )
    missing = sorted(set(basins) - set(table.index))
    if missing:
        raise KeyError(f"{attributes_path}: no gauge location for basin(s) {missing}")
    return table.loc[list(basins)]


def _degrees(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):g}°{positive if value >= 0 else negative}"


def _symmetric_limit(difference: np.ndarray) -> float:
    """Colour limit: the 95th percentile of |ΔNSE| rounded up to 0.05 (at least 0.05)."""
    if difference.size == 0:
        return 0.05
    return max(0.05, float(np.ceil(np.percentile(np.abs(difference), 95) / 0.05) * 0.05))


def plot_nse_difference_map(
    data: PairedNse,
    locations: pd.DataFrame,
    experiment_x: str,
    experiment_y: str,
    png_path: str | Path,
    pdf_path: str | Path,
) -> None:
    """Scatter gauges at lon/lat coloured by NSE(y) − NSE(x); diverging colours centred at 0."""
    difference = data.y - data.x
    lat = locations.loc[list(data.basins), "gauge_lat"].to_numpy()
    lon = locations.loc[list(data.basins), "gauge_lon"].to_numpy()
    limit = _symmetric_limit(difference)
    with journal_style():
        figure, axes = plt.subplots(figsize=(DOUBLE_COLUMN_INCHES, 3.4))
        points = axes.scatter(
            lon,
            lat,
            c=np.clip(difference, -limit, limit),
            cmap="RdBu",
            norm=TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit),
            s=14,
            edgecolors="0.3",
            linewidths=0.3,
        )
        west, east, south, north = CONUS_EXTENT
        if lat.size:
            west, east = min(west, lon.min() - 1), max(east, lon.max() + 1)
            south, north = min(south, lat.min() - 1), max(north, lat.max() + 1)
        axes.margins(0)
        axes.update_datalim([(west, south), (east, north)])
        axes.autoscale_view()
        axes.set_aspect(1.0 / np.cos(np.deg2rad((south + north) / 2)), adjustable="datalim")
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _degrees(v, "E", "W")))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _degrees(v, "N", "S")))
        axes.set_xlabel("Gauge longitude")
        axes.set_ylabel("Gauge latitude")
        axes.grid(True, linewidth=0.3, color="0.85")
        for side in ("top", "right"):
            axes.spines[side].set_visible(True)
        label_x, label_y = experiment_label(experiment_x), experiment_label(experiment_y)
        colorbar = figure.colorbar(points, ax=axes, extend="both", fraction=0.03, pad=0.02)
        colorbar.set_label(f"ΔNSE (–): {label_y} − {label_x}")
        axes.set_title(
            f"{len(data.basins)} basins; blue: {label_y} better ({data.n_above}), "
            f"red: {label_x} better ({data.n_below})",
            loc="left",
        )
        save_figure(figure, png_path, pdf_path)

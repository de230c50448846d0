"""Observed and simulated hydrographs of the best, median and worst basin of an experiment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

from camels_lstm.evaluation.predictions import ENSEMBLE, OBS, SIM
from camels_lstm.evaluation.tables import nse_by_basin
from camels_lstm.plots import DOUBLE_COLUMN_INCHES, experiment_label, journal_style, save_figure


@dataclass(frozen=True)
class SelectedBasin:
    rank: str  # "best", "median", "worst", or those that coincide: "median and worst", ...
    basin: str
    nse: float


def _join_ranks(ranks: list[str]) -> str:
    return ranks[0] if len(ranks) == 1 else f"{', '.join(ranks[:-1])} and {ranks[-1]}"


def select_basins(table: pd.DataFrame, member: str = ENSEMBLE) -> list[SelectedBasin]:
    """Best, median (lower middle for an even count) and worst basin by ``member`` NSE, one
    entry per basin: where ranks coincide (one basin: all three; two: median and worst) the
    basin is listed once, with the ranks joined ("median and worst")."""
    nse = nse_by_basin(table, member).sort_values(kind="stable")
    if nse.empty:
        return []
    positions = {"best": nse.size - 1, "median": (nse.size - 1) // 2, "worst": 0}
    ranks_at: dict[int, list[str]] = {}
    for rank, position in positions.items():
        ranks_at.setdefault(position, []).append(rank)
    return [
        SelectedBasin(_join_ranks(ranks), str(nse.index[i]), float(nse.iloc[i]))
        for i, ranks in ranks_at.items()
    ]


def gauge_names(attributes_path: str | Path) -> dict[str, str]:
    """Gauge names by basin from static_attributes.nc (empty when it has none)."""
    with xr.open_dataset(attributes_path) as attributes:
        if "gauge_name" not in attributes.variables:
            return {}
        basins = [str(b) for b in attributes["basin"].values]
        return dict(zip(basins, map(str, attributes["gauge_name"].values), strict=True))


def water_year_window(dates: np.ndarray, obs: np.ndarray) -> tuple[np.datetime64, np.datetime64]:
    """The water year (1 Oct – 30 Sep) holding the largest observed flow, clipped to ``dates``."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    finite = np.isfinite(obs)
    peak = dates[np.flatnonzero(finite)[np.argmax(obs[finite])]] if finite.any() else dates[0]
    year = pd.Timestamp(peak).year + (1 if pd.Timestamp(peak).month >= 10 else 0)
    start = max(np.datetime64(f"{year - 1}-10-01"), dates[0])
    end = min(np.datetime64(f"{year}-09-30"), dates[-1])
    return start, end


def plot_hydrographs(
    predictions: xr.Dataset,
    selection: list[SelectedBasin],
    experiment: str,
    png_path: str | Path,
    pdf_path: str | Path,
    gauge_names: Mapping[str, str] | None = None,
    member: str = ENSEMBLE,
) -> None:
    """One panel per selected basin over the water year of its largest observed flow."""
    gauge_names = gauge_names or {}
    n_panels = max(1, len(selection))
    with journal_style():
        figure, panels = plt.subplots(
            n_panels, 1, figsize=(DOUBLE_COLUMN_INCHES, 1.9 * n_panels), squeeze=False
        )
        for axes, chosen in zip(panels[:, 0], selection, strict=False):
            # By position: a basin listed twice in ``predictions`` must still give one series.
            basins = [str(basin) for basin in predictions["basin"].values]
            basin_data = predictions.isel(basin=basins.index(chosen.basin))
            dates = basin_data["date"].values.astype("datetime64[D]")
            obs = basin_data[OBS].values
            sim = basin_data[SIM].sel(member=member).values
            start, end = water_year_window(dates, obs)
            shown = (dates >= start) & (dates <= end)
            axes.plot(
                dates[shown], obs[shown], color="black", linewidth=0.9, label="observed", zorder=3
            )
            axes.plot(
                dates[shown], sim[shown], color="C1", linewidth=0.8, label=f"simulated ({member})"
            )
            gauge = " ".join(filter(None, [chosen.basin, gauge_names.get(chosen.basin, "")]))
            nse_text = f"{chosen.nse:.2f}".replace("-", "−")
            axes.set_title(
                f"{chosen.rank[0].upper()}{chosen.rank[1:]}: {gauge} (NSE {nse_text}, "
                f"test period; water year {pd.Timestamp(end).year} shown)",
                loc="left",
            )
            axes.set_ylabel("Streamflow (mm d$^{-1}$)")
            axes.set_ylim(bottom=0)
            axes.set_xlim(start, end)
            locator = mdates.MonthLocator()
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
        if not selection:
            panels[0, 0].text(0.5, 0.5, "no basin with a valid NSE", ha="center", va="center")
        handles, labels = panels[0, 0].get_legend_handles_labels()
        if handles:
            figure.legend(handles, labels, loc="upper right", ncols=2, bbox_to_anchor=(1.0, 1.0))
        n_seeds = predictions.sizes.get("member", 1) - 1
        seeds = f"{n_seeds} seed" + ("s" if n_seeds != 1 else "")
        figure.suptitle(
            f"Experiment: {experiment_label(experiment)} ({member} of {seeds})",
            x=0.01,
            y=0.995,
            ha="left",
            fontsize=9,
        )
        figure.tight_layout(rect=(0, 0, 1, 0.97))
        save_figure(figure, png_path, pdf_path)

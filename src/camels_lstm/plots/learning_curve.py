"""Learning-curve figure: median test NSE against the number of training basins."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullLocator

from camels_lstm.learning_curves.fit import SaturatingFit
from camels_lstm.learning_curves.table import PER_BASIN, REGIONAL
from camels_lstm.plots import DOUBLE_COLUMN_INCHES, journal_style, save_figure

MAX_EXTRAPOLATION = 4.0


def plot_learning_curve(
    table: pd.DataFrame,
    fits: Mapping[int, SaturatingFit | None],
    png_path: str | Path,
    pdf_path: str | Path,
    title: str,
    sentence: str = "",
) -> None:
    """One colour per training length: draws as points, their mean as a line with the min-max
    band, the fitted curve dashed with its 95 %-of-gain size marked, the per-basin reference as
    a dotted horizontal line; ``sentence`` (the answer) under the axes."""
    regional = table[table["model"] == REGIONAL]
    reference = table[table["model"] == PER_BASIN]
    lengths = sorted(int(y) for y in regional["train_years"].unique())
    colours = plt.get_cmap("viridis")(np.linspace(0.1, 0.85, max(len(lengths), 1)))
    with journal_style():
        figure, axes = plt.subplots(figsize=(DOUBLE_COLUMN_INCHES * 0.6, 3.2))
        for colour, years in zip(colours, lengths, strict=True):
            rows = regional[regional["train_years"] == years]
            stats = rows.groupby("n_basins")["median_nse"].agg(["mean", "min", "max"])
            sizes = stats.index.to_numpy(dtype=float)
            axes.scatter(rows["n_basins"], rows["median_nse"], s=8, color=colour, alpha=0.6)
            axes.plot(
                sizes,
                stats["mean"],
                color=colour,
                marker="o",
                ms=3,
                label=f"{years} training years",
            )
            axes.fill_between(sizes, stats["min"], stats["max"], color=colour, alpha=0.15, lw=0)
            fit = fits.get(years)
            if fit is not None:
                # drawn up to the 95 %-of-gain size, but at most 4x beyond the largest size
                right = min(max(sizes.max(), fit.n95) * 1.2, sizes.max() * MAX_EXTRAPOLATION)
                grid = np.geomspace(max(sizes.min() * 0.8, 1), right)
                axes.plot(grid, fit(grid), color=colour, ls="--", lw=0.8)
                if fit.n95 <= right:
                    axes.plot([fit.n95], [fit(fit.n95)], marker="v", color=colour, ms=5)
            one = reference[reference["train_years"] == years]["median_nse"]
            if len(one) and np.isfinite(one.iloc[0]):
                axes.axhline(float(one.iloc[0]), color=colour, ls=":", lw=0.8)
        axes.set_xscale("log")
        tick_sizes = sorted(int(n) for n in regional["n_basins"].unique())
        axes.xaxis.set_major_locator(FixedLocator(tick_sizes))
        axes.xaxis.set_minor_locator(NullLocator())
        axes.set_xticklabels([str(n) for n in tick_sizes])
        axes.set_xlabel("number of training basins (log scale)")
        axes.set_ylabel("median test NSE of the evaluation basins")
        axes.set_title(title)
        styles = [
            Line2D([], [], color="grey", ls="--", lw=0.8, label="fit a − b·n^(−c)"),
            Line2D([], [], color="grey", ls="", marker="v", ms=5, label="95 % of the gain"),
            Line2D([], [], color="grey", ls=":", lw=0.8, label="per-basin LSTMs"),
        ]
        handles, _ = axes.get_legend_handles_labels()
        axes.legend(handles=handles + styles, loc="best", fontsize=6)
        if sentence:
            figure.text(0.0, -0.02, "\n".join(textwrap.wrap(sentence, 95)), va="top", fontsize=6)
        save_figure(figure, png_path, pdf_path)

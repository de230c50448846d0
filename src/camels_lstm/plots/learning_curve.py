"""Learning-curve figure: median test NSE against the number of training basins."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from camels_lstm.learning_curves.fit import SaturatingFit
from camels_lstm.learning_curves.table import PER_BASIN, REGIONAL
from camels_lstm.plots import DOUBLE_COLUMN_INCHES, journal_style, save_figure


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
                grid = np.geomspace(max(sizes.min() * 0.8, 1), max(sizes.max(), fit.n95) * 1.2)
                axes.plot(grid, fit(grid), color=colour, ls="--", lw=0.8)
                axes.plot([fit.n95], [fit(fit.n95)], marker="v", color=colour, ms=5)
            one = reference[reference["train_years"] == years]["median_nse"]
            if len(one) and np.isfinite(one.iloc[0]):
                axes.axhline(float(one.iloc[0]), color=colour, ls=":", lw=0.8)
        axes.set_xscale("log")
        axes.set_xlabel("number of training basins")
        axes.set_ylabel("median test NSE of the evaluation basins")
        axes.set_title(f"{title}: dashed fit a − b·n^(−c), ▼ 95 % of gain, dotted per-basin")
        axes.legend(loc="lower right")
        if sentence:
            figure.text(0.0, -0.02, "\n".join(textwrap.wrap(sentence, 95)), va="top", fontsize=6)
        save_figure(figure, png_path, pdf_path)

"""Per-basin NSE of one experiment against another (single-basin vs regional), 1:1 line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MultipleLocator

from camels_lstm.evaluation.predictions import ENSEMBLE
from camels_lstm.evaluation.tables import nse_by_basin
from camels_lstm.plots import SINGLE_COLUMN_INCHES, experiment_label, journal_style, save_figure


@dataclass(frozen=True)
class PairedNse:
    """NSE of two experiments on the basins both evaluate; y > x counts as ``n_above``."""

    basins: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    n_above: int
    n_below: int
    n_equal: int


def paired_nse(table_x: pd.DataFrame, table_y: pd.DataFrame, member: str = ENSEMBLE) -> PairedNse:
    nse_x, nse_y = nse_by_basin(table_x, member), nse_by_basin(table_y, member)
    basins = sorted(set(nse_x.index) & set(nse_y.index))
    x = nse_x.loc[basins].to_numpy(dtype=float)
    y = nse_y.loc[basins].to_numpy(dtype=float)
    return PairedNse(
        basins=tuple(basins),
        x=x,
        y=y,
        n_above=int(np.sum(y > x)),
        n_below=int(np.sum(y < x)),
        n_equal=int(np.sum(y == x)),
    )


def plot_nse_scatter(
    data: PairedNse,
    experiment_x: str,
    experiment_y: str,
    png_path: str | Path,
    pdf_path: str | Path,
    lower_limit: float | None = None,
) -> None:
    """Scatter with 1:1 line on [lower_limit, 1]; NSE below the limit drawn on the edge, open.

    ``lower_limit`` defaults to the lowest NSE rounded down to 0.5, but not below −1 or above 0.
    """
    if lower_limit is None:
        lowest = min(data.x.min(initial=0.0), data.y.min(initial=0.0))
        lower_limit = float(max(-1.0, np.floor(lowest / 0.5) * 0.5))
    label_x, label_y = experiment_label(experiment_x), experiment_label(experiment_y)
    with journal_style():
        figure, axes = plt.subplots(figsize=(SINGLE_COLUMN_INCHES, SINGLE_COLUMN_INCHES))
        axes.plot([lower_limit, 1], [lower_limit, 1], color="0.4", linewidth=0.8, label="1:1")
        clipped = (data.x < lower_limit) | (data.y < lower_limit)
        x = np.maximum(data.x, lower_limit)
        y = np.maximum(data.y, lower_limit)
        style = {"s": 9, "linewidths": 0.6, "color": "C0"}
        axes.scatter(x[~clipped], y[~clipped], alpha=0.7, **style, label="basin")
        if clipped.any():
            axes.scatter(
                x[clipped],
                y[clipped],
                facecolors="none",
                edgecolors="C3",
                s=12,
                linewidths=0.6,
                label=f"NSE < {lower_limit:g}, drawn at {lower_limit:g}".replace("-", "−"),
            )
        axes.set_xlim(lower_limit - 0.03, 1.0)
        axes.set_ylim(lower_limit - 0.03, 1.0)
        axes.set_aspect("equal")
        axes.xaxis.set_major_locator(MultipleLocator(0.5))
        axes.yaxis.set_major_locator(MultipleLocator(0.5))
        axes.set_xlabel(f"NSE (–), {label_x}")
        axes.set_ylabel(f"NSE (–), {label_y}")
        axes.legend(loc="upper left", bbox_to_anchor=(-0.02, -0.14), ncols=2)
        axes.set_title(
            f"{len(data.basins)} basins, test period\n"
            f"{label_y} better (above 1:1): {data.n_above}\n"
            f"{label_x} better (below 1:1): {data.n_below}",
            loc="left",
        )
        axes.grid(True, linewidth=0.3, color="0.9")
        save_figure(figure, png_path, pdf_path)

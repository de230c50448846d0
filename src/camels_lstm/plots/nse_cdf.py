"""Empirical CDF of NSE over basins, one curve per experiment, on the basins all share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from camels_lstm.evaluation.predictions import ENSEMBLE
from camels_lstm.evaluation.tables import nse_by_basin, shared_basins
from camels_lstm.plots import SINGLE_COLUMN_INCHES, experiment_label, journal_style, save_figure


@dataclass(frozen=True)
class CdfCurve:
    """ECDF of one experiment: ``nse`` sorted ascending, ``share[i]`` = (i + 1) / n."""

    basins: tuple[str, ...]
    nse: np.ndarray
    share: np.ndarray
    median: float
    share_below_zero: float


def nse_cdf_curves(
    tables: Mapping[str, pd.DataFrame], member: str = ENSEMBLE
) -> dict[str, CdfCurve]:
    """One curve per experiment, each over exactly the basins with a valid NSE in all of them."""
    shared = shared_basins(tables, member)
    curves = {}
    for experiment, table in tables.items():
        nse = nse_by_basin(table, member).loc[shared].sort_values()
        values = nse.to_numpy(dtype=float)
        n = values.size
        curves[experiment] = CdfCurve(
            basins=tuple(nse.index),
            nse=values,
            share=np.arange(1, n + 1) / n if n else values,
            median=float(np.median(values)) if n else np.nan,
            share_below_zero=float(np.mean(values < 0)) if n else np.nan,
        )
    return curves


def plot_nse_cdf(
    curves: Mapping[str, CdfCurve], png_path: str | Path, pdf_path: str | Path
) -> None:
    """Draw the ECDFs on NSE 0..1, median marked, share of basins below 0 in the legend."""
    n_basins = len(next(iter(curves.values())).basins) if curves else 0
    with journal_style():
        figure, axes = plt.subplots(figsize=(SINGLE_COLUMN_INCHES, 3.2))
        axes.axhline(0.5, color="0.8", linewidth=0.6, zorder=0)
        for index, (experiment, curve) in enumerate(curves.items()):
            color = f"C{index}"
            label = (
                f"{experiment_label(experiment)}: median {curve.median:.2f}, "
                f"NSE < 0 in {100 * curve.share_below_zero:.0f} % of basins"
            )
            x = np.concatenate([[-np.inf], curve.nse])
            y = np.concatenate([[0.0], curve.share])
            axes.step(x, y, where="post", color=color, label=label)
            axes.plot([curve.median] * 2, [0, 0.5], color=color, linestyle=":", linewidth=0.8)
            axes.plot(curve.median, 0.5, marker="o", markersize=3.5, color=color)
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1)
        axes.set_xlabel("NSE (–), test period")
        axes.set_ylabel("Cumulative share of basins (–)")
        axes.legend(
            loc="upper left",
            bbox_to_anchor=(-0.02, -0.16),
            title=f"{n_basins} basins shared by all experiments (• median)",
            alignment="left",
        )
        axes.grid(True, linewidth=0.3, color="0.9")
        save_figure(figure, png_path, pdf_path)

"""Spread of validation NSE across the tuning candidates of each basin."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from camels_lstm.plots import DOUBLE_COLUMN_INCHES, experiment_label, journal_style, save_figure

NSE_FLOOR = -1.0  # candidates below are drawn at the floor


def basin_order(table: pd.DataFrame) -> list[str]:
    """Basins sorted by the validation NSE of their chosen candidate (NaN last), then by id."""
    chosen = table[table["chosen"].astype(bool)].set_index("basin")["validation_nse"]
    keys = [
        (-chosen.get(b, np.nan) if np.isfinite(chosen.get(b, np.nan)) else np.inf, b)
        for b in table["basin"].unique()
    ]
    return [basin for _, basin in sorted(keys)]


def plot_tuning_validation_nse(
    table: pd.DataFrame, experiment: str, png_path: str | Path, pdf_path: str | Path
) -> None:
    basins = basin_order(table)
    position = {basin: index for index, basin in enumerate(basins)}
    x = table["basin"].map(position).to_numpy(dtype=float)
    nse = np.maximum(table["validation_nse"].to_numpy(dtype=float), NSE_FLOOR)
    chosen = table["chosen"].astype(bool).to_numpy()
    width = min(DOUBLE_COLUMN_INCHES, 1.5 + 0.25 * len(basins))
    with journal_style():
        figure, axes = plt.subplots(figsize=(width, 2.8))
        axes.scatter(x[~chosen], nse[~chosen], s=10, color="0.6", label="candidates")
        axes.scatter(x[chosen], nse[chosen], s=18, color="C0", marker="D", label="chosen")
        axes.set_xticks(range(len(basins)), basins, rotation=90)
        axes.set_ylim(NSE_FLOOR - 0.05, 1)
        axes.set_xlabel("Basin")
        axes.set_ylabel("NSE (–), validation period")
        n_candidates = table.groupby("basin")["candidate"].nunique().max() if len(table) else 0
        axes.set_title(f"{experiment_label(experiment)}: {n_candidates} candidates")
        axes.legend(loc="lower left")
        axes.grid(True, axis="y", linewidth=0.3, color="0.9")
        save_figure(figure, png_path, pdf_path)

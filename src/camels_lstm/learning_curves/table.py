"""The table of a learning-curve study (``results/<study>/<study>.csv``) and its one-sentence
answer to "when do we converge?"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from camels_lstm.learning_curves.fit import N95_CAP, SaturatingFit, fit_saturating_curve

COLUMNS = [
    "model",
    "n_basins",
    "train_years",
    "draw",
    "median_nse",
    "mean_nse",
    "n_evaluation_basins",
]
REGIONAL = "regional"
PER_BASIN = "per_basin"
# Below this many evaluation basins a cell's median is the NSE of one or two basins, and which
# ones the seeded draw picked decides it more than the number of training basins does.
MIN_EVALUATION_BASINS = 10


def cell_row(
    n_basins: int,
    train_years: int,
    draw: int,
    nse_by_basin: Mapping[str, float],
    model: str = REGIONAL,
) -> dict[str, object]:
    """One row: median and mean NSE over the evaluation basins with a finite NSE."""
    values = np.array([v for v in nse_by_basin.values() if np.isfinite(v)], dtype=float)
    return {
        "model": model,
        "n_basins": int(n_basins),
        "train_years": int(train_years),
        "draw": int(draw),
        "median_nse": float(np.median(values)) if len(values) else np.nan,
        "mean_nse": float(np.mean(values)) if len(values) else np.nan,
        "n_evaluation_basins": len(values),
    }


def learning_curve_table(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    table = pd.DataFrame(list(rows), columns=COLUMNS)
    return table.sort_values(["model", "train_years", "n_basins", "draw"]).reset_index(drop=True)


def fits_by_train_years(table: pd.DataFrame) -> dict[int, SaturatingFit | None]:
    """The saturating fit of the regional rows of each training length."""
    regional = table[table["model"] == REGIONAL]
    return {
        int(years): fit_saturating_curve(rows["n_basins"], rows["median_nse"], rows["draw"])
        for years, rows in regional.groupby("train_years")
    }


def _mean_by_size(table: pd.DataFrame, years: int) -> pd.Series:
    rows = table[(table["model"] == REGIONAL) & (table["train_years"] == years)]
    return rows.groupby("n_basins")["median_nse"].mean()


def _size(n_basins: float) -> str:
    return f"more than {N95_CAP:.0e}" if n_basins >= N95_CAP else f"{n_basins:,.0f}"


def convergence_sentence(table: pd.DataFrame, fits: Mapping[int, SaturatingFit | None]) -> str:
    """One sentence from the numbers, led by the longest training length."""
    lengths = sorted(int(y) for y in table.loc[table["model"] == REGIONAL, "train_years"].unique())
    if not lengths:
        return "No regional cell has a result yet."
    longest = lengths[-1]
    by_size = _mean_by_size(table, longest)
    smallest, largest = int(by_size.index.min()), int(by_size.index.max())
    text = (
        f"With {longest} training years the median test NSE goes from "
        f"{by_size.loc[smallest]:.2f} ({smallest} basins) to {by_size.loc[largest]:.2f} "
        f"({largest} basins)"
    )
    fit = fits.get(longest)
    if fit is None:
        text += (
            f"; the points do not yet show saturation (fewer than 3 sizes, or no fit), so "
            f"convergence cannot be told from {smallest}-{largest} basins"
        )
    elif fit.n95 >= N95_CAP:
        text += (
            f" and shows no saturation: the fitted curve keeps rising (exponent c = {fit.c:.3f}) "
            f"and would reach 95 % of its gain only beyond {N95_CAP:.0e} basins, so more basins "
            f"should still help"
        )
    elif fit.n95 > largest:
        text += (
            f" and has not converged: the fitted curve levels off near {fit.a:.2f} and reaches "
            f"95 % of its gain only at about {_size(fit.n95)} basins "
            f"(5-95 % range {_size(fit.n95_low)} to {_size(fit.n95_high)}), beyond the "
            f"{largest} tried"
        )
    else:
        text += (
            f" and levels off near {fit.a:.2f}, 95 % of the gain reached at about "
            f"{_size(fit.n95)} basins (5-95 % range {_size(fit.n95_low)} to "
            f"{_size(fit.n95_high)})"
        )
    shorter = [
        f"{_mean_by_size(table, y).loc[largest]:.2f} with {y} years"
        for y in lengths[:-1]
        if largest in _mean_by_size(table, y).index
    ]
    if shorter:
        text += f"; at {largest} basins shorter training gives " + ", ".join(shorter)
    reference = table[(table["model"] == PER_BASIN) & (table["train_years"] == longest)]
    if len(reference) and np.isfinite(reference["median_nse"].iloc[0]):
        text += f"; per-basin LSTMs reach {reference['median_nse'].iloc[0]:.2f}"
    evaluated = int(table["n_evaluation_basins"].max())
    if evaluated < MIN_EVALUATION_BASINS:
        text += (
            f"; but {evaluated} evaluation basin(s) are too few to show how skill grows: their "
            f"median is one basin's NSE, set by how hard the drawn basin is more than by the "
            f"training data (a study needs tens of them, as the 50 of config/camels_us_531.yaml)"
        )
    return text + "."

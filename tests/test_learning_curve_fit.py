"""Learning-curve results: the saturating fit, the study table, its one-sentence answer and the
figure (issue 14)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from camels_lstm.learning_curves.fit import N95_CAP, fit_saturating_curve
from camels_lstm.learning_curves.table import (
    COLUMNS,
    MIN_EVALUATION_BASINS,
    PER_BASIN,
    REGIONAL,
    cell_row,
    convergence_sentence,
    fits_by_train_years,
    learning_curve_table,
)
from camels_lstm.plots.learning_curve import plot_learning_curve

SIZES = np.array([5, 10, 20, 50, 100, 200, 531], dtype=float)


def _curve(n: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return a - b * np.power(n, -c)


def test_fit_recovers_the_parameters_of_a_synthetic_curve() -> None:
    fit = fit_saturating_curve(SIZES, _curve(SIZES, 0.74, 0.9, 0.6))
    assert fit is not None
    assert fit.a == pytest.approx(0.74, abs=1e-4)
    assert fit.b == pytest.approx(0.9, abs=1e-3)
    assert fit.c == pytest.approx(0.6, abs=1e-3)
    assert fit.n95 == pytest.approx(20 ** (1 / 0.6), rel=1e-3)
    assert fit.n_points == len(SIZES)
    assert fit.n95_low <= fit.n95 <= fit.n95_high


def test_fit_with_noise_stays_close_and_brackets_its_size() -> None:
    rng = np.random.default_rng(3)
    sizes = np.repeat(SIZES, 3)
    draws = np.tile([0, 1, 2], len(SIZES))
    nse = _curve(sizes, 0.70, 0.8, 0.5) + rng.normal(0, 0.005, len(sizes))
    fit = fit_saturating_curve(sizes, nse, draws)
    assert fit is not None
    assert fit.a == pytest.approx(0.70, abs=0.03)
    assert fit.c == pytest.approx(0.5, abs=0.15)
    # the spread comes from one fit per draw: three different sizes, so a real interval
    assert fit.n95_low < fit.n95_high


def test_fit_needs_three_distinct_sizes_and_ignores_missing_points() -> None:
    assert fit_saturating_curve([4, 13], [0.4, 0.6]) is None
    assert fit_saturating_curve([4, 4, 13, 13], [0.4, 0.41, 0.6, 0.62], [0, 1, 0, 1]) is None
    # a NaN point leaves only two sizes
    assert fit_saturating_curve([4, 8, 13], [0.4, math.nan, 0.6]) is None
    fit = fit_saturating_curve([5, 10, 20, 50, 100], [math.nan, *_curve(SIZES[1:5], 0.7, 1, 1)])
    assert fit is not None and fit.n_points == 4


def test_flat_points_give_an_immediate_saturation_not_an_error() -> None:
    fit = fit_saturating_curve(SIZES, np.full(len(SIZES), 0.6))
    assert fit is not None
    assert fit.a == pytest.approx(0.6, abs=1e-3)
    assert fit(531.0) == pytest.approx(0.6, abs=1e-3)
    assert fit.b == pytest.approx(0.0, abs=1e-9)
    assert fit.n95 < 2  # saturated from the first basin, not "never"


def _table() -> pd.DataFrame:
    rows = []
    for years in (3, 9):
        for size in (10, 30, 100):
            for draw in (0, 1):
                median = float(_curve(size, 0.6 + 0.01 * years, 0.8, 0.7)) + 0.01 * draw
                rows.append(
                    cell_row(size, years, draw, {"a": median, "b": median - 0.1, "c": median + 1})
                )
        rows.append(cell_row(1, years, 0, {"a": 0.5, "b": 0.55}, model=PER_BASIN))
    return learning_curve_table(rows)


def test_cell_row_skips_non_finite_nse_and_counts_the_basins() -> None:
    row = cell_row(13, 3, 0, {"a": 0.2, "b": 0.6, "c": math.nan, "d": -math.inf})
    assert row["median_nse"] == pytest.approx(0.4)
    assert row["mean_nse"] == pytest.approx(0.4)
    assert row["n_evaluation_basins"] == 2
    empty = cell_row(13, 3, 0, {"a": math.nan})
    assert math.isnan(empty["median_nse"]) and empty["n_evaluation_basins"] == 0


def test_table_has_the_issue_columns_and_the_per_basin_reference_rows() -> None:
    table = _table()
    assert list(table.columns) == COLUMNS
    for column in ("n_basins", "train_years", "draw", "median_nse", "mean_nse"):
        assert column in table.columns
    assert (table["model"] == REGIONAL).sum() == 12
    reference = table[table["model"] == PER_BASIN]
    assert sorted(reference["train_years"]) == [3, 9]
    assert reference["median_nse"].tolist() == pytest.approx([0.525, 0.525])
    assert table["n_evaluation_basins"].max() == 3


def test_sentence_reports_the_numbers_of_the_longest_training() -> None:
    table = _table()
    fits = fits_by_train_years(table)
    assert set(fits) == {3, 9}
    assert all(fit is not None for fit in fits.values())
    sentence = convergence_sentence(table, fits)
    means = table[(table["model"] == REGIONAL) & (table["train_years"] == 9)]
    at_10 = means[means["n_basins"] == 10]["median_nse"].mean()
    at_100 = means[means["n_basins"] == 100]["median_nse"].mean()
    assert sentence.startswith("With 9 training years")
    assert f"{at_10:.2f} (10 basins)" in sentence
    assert f"{at_100:.2f} (100 basins)" in sentence
    assert f"{fits[9].n95:.0f} basins" in sentence
    assert "with 3 years" in sentence
    assert "per-basin LSTMs reach 0.53" in sentence
    assert "3 evaluation basin(s) are too few" in sentence  # the _table study scores 3 basins


def test_sentence_without_a_fit_says_so() -> None:
    rows = [cell_row(n, 3, 0, {"a": nse}) for n, nse in ((4, 0.3), (13, 0.5))]
    table = learning_curve_table(rows)
    fits = fits_by_train_years(table)
    assert fits == {3: None}
    sentence = convergence_sentence(table, fits)
    assert "0.30 (4 basins) to 0.50 (13 basins)" in sentence
    assert "cannot be told" in sentence
    assert "1 evaluation basin(s) are too few" in sentence
    wide = {f"{b:08d}": 0.5 for b in range(MIN_EVALUATION_BASINS)}
    enough = learning_curve_table([cell_row(n, 3, 0, wide) for n in (20, 40)])
    assert "too few" not in convergence_sentence(enough, fits_by_train_years(enough))
    assert convergence_sentence(learning_curve_table([]), {}).startswith("No regional cell")


def test_plot_writes_png_and_pdf(tmp_path) -> None:
    table = _table()
    fits = fits_by_train_years(table)
    png, pdf = tmp_path / "curve.png", tmp_path / "curve.pdf"
    plot_learning_curve(table, fits, png, pdf, title="study", sentence="An answer.")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert pdf.read_bytes().startswith(b"%PDF")
    # a study with no fit (two sizes) still draws
    two = learning_curve_table([cell_row(n, 3, 0, {"a": 0.4}) for n in (4, 13)])
    plot_learning_curve(two, {3: None}, tmp_path / "two.png", tmp_path / "two.pdf", title="two")
    assert (tmp_path / "two.png").stat().st_size > 0


def test_a_curve_that_does_not_level_off_gives_a_capped_size_and_says_so() -> None:
    # linear in log(n): the fit drives c towards 0, where 20^(1/c) overflows a float
    sizes = np.array([10, 30, 100, 10, 30, 100], dtype=float)
    draws = [0, 0, 0, 1, 1, 1]
    nse = 0.2 + 0.1 * np.log10(sizes) + np.array([0, 0.002, 0, 0.001, 0, 0.002])
    fit = fit_saturating_curve(sizes, nse, draws)
    assert fit is not None and fit.c < 0.05
    assert fit.n95 == fit.n95_low == fit.n95_high == N95_CAP
    table = learning_curve_table(
        cell_row(n, 8, d, {"a": y}) for n, y, d in zip(sizes, nse, draws, strict=True)
    )
    sentence = convergence_sentence(table, {8: fit})
    assert "shows no saturation" in sentence and "1e+09 basins" in sentence
    assert "inf" not in sentence

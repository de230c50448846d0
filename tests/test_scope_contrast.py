"""The NSE CDF caption's sentence: per model family, per-basin against regional medians."""

from __future__ import annotations

import numpy as np
import yaml
from conftest import REPO_ROOT, SCHEMA_PATH

from camels_lstm.config import validate_config
from camels_lstm.evaluation.contrast import (
    experiment_role,
    scope_contrast_sentence,
    scope_pairs,
)
from camels_lstm.plots.nse_cdf import CdfCurve


def _curve(median: float, n: int = 5) -> CdfCurve:
    nse = np.linspace(median - 0.1, median + 0.1, n)
    return CdfCurve(tuple(f"{i:08d}" for i in range(n)), nse, np.arange(1, n + 1) / n, median, 0.0)


def _sample_roles() -> dict:
    # Validated, as the workflow plan sees it (defaults filled in, e.g. search_space: None).
    config = validate_config(
        yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text()),
        SCHEMA_PATH,
        workdir=REPO_ROOT,
    )
    return {name: experiment_role(settings) for name, settings in config["experiments"].items()}


def test_sample_pairs_conceptual_and_lstm_scopes_and_leaves_out_tuned_and_hybrid() -> None:
    roles = _sample_roles()
    assert scope_pairs(roles) == [
        ("conceptual model gr4j_cemaneige", "conceptual_per_basin", "conceptual_regional"),
        ("conceptual model shyft_pt_gs_k", "shyft_per_basin", "shyft_regional"),
        ("LSTM", "single_basin", "regional"),
    ]
    assert roles["hybrid"].variant == "with inputs from conceptual_per_basin"
    assert roles["regional_snow"].variant == "with inputs from shyft_per_basin"
    assert roles["single_basin_tuned"].variant == "tuned" and roles["single_basin"].plain
    assert roles["hybrid"].family == "LSTM" and roles["hybrid"].scope == "regional"


def test_sentence_says_which_family_gains_and_which_loses() -> None:
    roles = _sample_roles()
    medians = {
        "single_basin": 0.55,
        "single_basin_tuned": 0.57,
        "regional": 0.68,
        "conceptual_per_basin": 0.62,
        "conceptual_regional": 0.41,
        "hybrid": 0.71,
    }
    sentence = scope_contrast_sentence({k: _curve(v) for k, v in medians.items()}, roles)
    assert sentence.startswith("Over the 5 basins shared by all experiments, ")
    assert (
        "the conceptual model gr4j_cemaneige loses 0.21 going from one model per basin "
        "(conceptual_per_basin, median test NSE 0.62) to one model for all basins "
        "(conceptual_regional, 0.41)" in sentence
    )
    assert "the LSTM gains 0.13" in sentence
    assert (
        "hybrid (the regional LSTM with inputs from conceptual_per_basin) reaches 0.71 against "
        "0.68 of regional" in sentence
    )
    # The conceptual family comes first, as in the poster's argument.
    assert sentence.index("conceptual model") < sentence.index("the LSTM")


def test_without_both_scopes_the_sentence_lists_the_medians() -> None:
    roles = {name: role for name, role in _sample_roles().items() if name == "single_basin"}
    sentence = scope_contrast_sentence({"single_basin": _curve(0.5)}, roles)
    assert sentence == "Median test NSE over the 5 shared basins: single_basin 0.50."
    assert scope_contrast_sentence({}, roles) == "No experiment has a basin with a valid test NSE."


def test_hybrid_is_compared_with_the_plain_regional_lstm_without_a_per_basin_lstm() -> None:
    roles = {k: v for k, v in _sample_roles().items() if k in ("regional", "hybrid")}
    sentence = scope_contrast_sentence({"regional": _curve(0.72), "hybrid": _curve(0.75)}, roles)
    assert sentence == (
        "Over the 5 basins shared by all experiments, hybrid (the regional LSTM with inputs from "
        "conceptual_per_basin) reaches 0.75 against 0.72 of regional."
    )


def test_a_small_run_whose_regional_lstm_loses_says_why() -> None:
    roles = {k: v for k, v in _sample_roles().items() if k in ("single_basin", "regional")}
    losing = {"single_basin": _curve(0.70, n=13), "regional": _curve(0.61, n=13)}
    sentence = scope_contrast_sentence(losing, roles)
    assert "the LSTM loses 0.09" in sentence
    assert "with only 13 basins the regional LSTM has little more to learn from" in sentence
    assert "too small to show the gain of one model for all basins" in sentence
    # Not said where the regional LSTM wins, nor on a run of many basins.
    winning = {"single_basin": _curve(0.61, n=13), "regional": _curve(0.70, n=13)}
    assert "too small" not in scope_contrast_sentence(winning, roles)
    large = {"single_basin": _curve(0.70, n=150), "regional": _curve(0.61, n=150)}
    assert "too small" not in scope_contrast_sentence(large, roles)

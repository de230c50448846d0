"""The summary's caveat column: where a run is too small to show what an experiment is for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from camels_lstm.evaluation.caveats import (
    experiment_caveat,
    read_snowy_basins,
    training_passes,
)
from camels_lstm.evaluation.tables import SUMMARY_COLUMNS, summarise

LSTM = {"model": "lstm", "epochs": 30, "predict_last_n": 1, "window_stride": None}
UNGAUGED = LSTM | {"scope": "ungauged", "folds": 3}


@pytest.mark.parametrize(
    ("n_basins", "caveated"), [(13, True), (14, True), (15, False), (531, False)]
)
def test_an_ungauged_experiment_with_fewer_basins_than_folds_times_5_has_a_caveat(
    n_basins: int, caveated: bool
) -> None:
    caveat = experiment_caveat(UNGAUGED, n_basins)
    assert ("folds" in caveat) is caveated
    if caveated:
        assert f"{n_basins} basins in 3 folds" in caveat


def test_small_regional_runs_few_passes_and_few_snowy_basins_are_named() -> None:
    regional = LSTM | {"scope": "regional"}
    assert "only 13 basins" in experiment_caveat(regional, 13)
    assert experiment_caveat(regional, 531) == ""
    assert experiment_caveat(LSTM | {"scope": "per_basin"}, 13) == ""
    # conceptual models are calibrated: no epochs, no regional-LSTM caveat
    assert experiment_caveat({"scope": "regional", "model": "gr4j_cemaneige"}, 13) == ""
    finetuned = LSTM | {"scope": "finetune", "base": "regional", "epochs": 1}
    assert experiment_caveat(finetuned, 13).startswith("finetuned from regional, one LSTM for")
    assert experiment_caveat(finetuned, 531) == ""  # one epoch on its base is the design
    short = regional | {"epochs": 8}
    assert "8 pass(es)" in experiment_caveat(short, 531)
    # sequence-to-sequence with overlapping windows: each day seen N / stride times per epoch
    assert training_passes(LSTM | {"epochs": 30, "predict_last_n": 365, "window_stride": 30}) == (
        30 * 365 / 30
    )
    snow = regional | {"dynamic_inputs": ["prcp", "conceptual_per_basin.swe"]}
    assert "2 snowy basin(s)" in experiment_caveat(snow, 531, ["01022500", "06280300"])
    assert "snowy" not in experiment_caveat(snow, 531, ["a", "b", "c"])
    assert "snowy" not in experiment_caveat(snow, 531, None)  # frac_snow not in the run


def test_summary_rows_carry_basins_and_caveat() -> None:
    table = pd.DataFrame(
        {
            "basin": ["01022500", "02092500"],
            "member": ["ensemble", "ensemble"],
            "n_observed_days": [3650, 3650],
            "status": ["ok", "ok"],
            "nse": [0.7, -0.2],
        }
    )
    summary = summarise({"regional_ungauged": table}, {"regional_ungauged": "too few"})
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    row = summary.iloc[0]
    assert row["basins_compared"] == 2 and row["caveat"] == "too few"
    assert summarise({"x": table})["caveat"].tolist() == [""]


def test_snowy_basins_are_read_from_the_raw_frac_snow(tmp_path) -> None:
    path = tmp_path / "static_attributes.nc"
    raw = np.array([[0.05, 1.0], [0.45, 2.0]])
    xr.Dataset(
        {"raw": (("basin", "attribute"), raw), "normalised": (("basin", "attribute"), raw)},
        coords={"basin": ["01022500", "06280300"], "attribute": ["frac_snow", "p_mean"]},
    ).to_netcdf(path)
    assert read_snowy_basins(str(path), ["01022500", "06280300"]) == ["06280300"]
    xr.Dataset(
        {"raw": (("basin", "attribute"), raw[:, 1:])},
        coords={"basin": ["01022500", "06280300"], "attribute": ["p_mean"]},
    ).to_netcdf(tmp_path / "no_snow.nc")
    assert read_snowy_basins(str(tmp_path / "no_snow.nc"), ["01022500"]) is None

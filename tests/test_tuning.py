"""Hyperparameter tuning: candidate enumeration, selection, the tuning table, the plot, and proof
that candidate training and scoring never read the test period."""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr
from training_data import experiment, write_synthetic_store

from camels_lstm.atomic_output import write_json
from camels_lstm.plots.tuning import basin_order, plot_tuning_validation_nse
from camels_lstm.training.job_settings import training_periods
from camels_lstm.tuning.candidates import (
    Candidate,
    candidate_experiment,
    enumerate_candidates,
)
from camels_lstm.tuning.jobs import (
    score_candidate,
    train_candidate,
    write_regional_score,
    write_score,
)
from camels_lstm.tuning.selection import (
    best_record,
    regional_best_record,
    select_best,
    take_chosen_candidate,
    tuned_experiment,
)
from camels_lstm.tuning.tables import regional_tuning_table, tuning_table

# camels_lstm.training exports functions named like its submodules: import the modules by name.
predict_module = importlib.import_module("camels_lstm.training.predict")
run_module = importlib.import_module("camels_lstm.training.run")

PARAMETERS = {"hidden_size": [8, 16], "learning_rate": [0.01, 0.005], "dropout": [0.0, 0.2]}


def test_grid_takes_every_combination_in_a_fixed_order() -> None:
    candidates = enumerate_candidates({"method": "grid", "parameters": PARAMETERS})
    assert [c.id for c in candidates] == [f"c{i:02d}" for i in range(8)]
    assert candidates[0].settings == {"dropout": 0.0, "hidden_size": 8, "learning_rate": 0.01}
    assert candidates[-1].settings == {"dropout": 0.2, "hidden_size": 16, "learning_rate": 0.005}
    settings = [tuple(sorted(c.settings.items())) for c in candidates]
    assert len(set(settings)) == 8
    reordered = dict(reversed(list(PARAMETERS.items())))
    assert enumerate_candidates({"method": "grid", "parameters": reordered}) == candidates


def test_random_draws_are_distinct_grid_points_fixed_by_the_seed() -> None:
    space = {"method": "random", "n_draws": 3, "seed": 7, "parameters": PARAMETERS}
    drawn = enumerate_candidates(space)
    assert [c.id for c in drawn] == ["c00", "c01", "c02"]
    assert drawn == enumerate_candidates(space)
    grid = [c.settings for c in enumerate_candidates({"method": "grid", "parameters": PARAMETERS})]
    assert all(c.settings in grid for c in drawn)
    assert len({tuple(sorted(c.settings.items())) for c in drawn}) == 3
    others = [enumerate_candidates({**space, "seed": seed}) for seed in range(10)]
    assert any(o != drawn for o in others)
    assert len(enumerate_candidates({**space, "n_draws": 50})) == 8


def test_empty_values_and_unknown_method_are_rejected() -> None:
    with pytest.raises(ValueError, match="hidden_size"):
        enumerate_candidates({"parameters": {"hidden_size": []}})
    with pytest.raises(ValueError, match="method"):
        enumerate_candidates({"method": "bayes", "parameters": {"hidden_size": [1]}})


def test_candidate_experiment_applies_settings_and_learning_rate_replaces_schedule() -> None:
    base = experiment(learning_rate={0: 0.1, 5: 0.01}, search_space={"parameters": {}})
    applied = candidate_experiment(base, {"hidden_size": 32, "learning_rate": 0.003})
    assert applied["hidden_size"] == 32
    assert applied["learning_rate"] == {0: 0.003}
    assert "search_space" not in applied
    assert base["learning_rate"] == {0: 0.1, 5: 0.01} and "search_space" in base


@pytest.mark.parametrize(
    ("scores", "best"),
    [
        ({"c00": 0.2, "c01": 0.7, "c02": 0.5}, "c01"),
        ({"c02": 0.7, "c01": 0.7, "c00": 0.1}, "c01"),
        ({"c00": math.nan, "c01": 0.3}, "c01"),
        ({"c01": math.nan, "c00": math.nan}, "c00"),
        ({"c00": -5.0, "c01": -math.inf}, "c00"),
    ],
)
def test_select_best_by_validation_nse_ties_to_lowest_id(scores, best) -> None:
    assert select_best(scores) == best


def test_tuning_periods_drop_the_test_period() -> None:
    periods = {name: {"start": "2000-01-01", "end": "2000-12-31"} for name in ("train", "test")}
    periods["validation"] = {"start": "1990-01-01", "end": "1990-12-31"}
    assert set(training_periods(periods)) == {"train", "validation"}


def _write_scores(root: Path, basin: str, nse_values: dict[str, float]) -> list[Path]:
    paths = []
    for index, (cid, nse) in enumerate(nse_values.items()):
        path = root / basin / cid / "validation_score.json"
        write_score(path, basin, Candidate(cid, {"hidden_size": 8 * (index + 1)}), nse)
        paths.append(path)
    return paths


def test_tuning_table_is_complete_for_every_basin(tmp_path: Path) -> None:
    scores = {
        "01022500": {"c00": 0.4, "c01": 0.6, "c02": 0.6},
        "01123000": {"c00": math.nan, "c01": math.nan, "c02": math.nan},
        "02092500": {"c00": 0.9, "c01": -0.2, "c02": 0.1},
    }
    best_files = {}
    for basin, values in scores.items():
        best_files[basin] = tmp_path / basin / "best.json"
        write_json(best_record(basin, _write_scores(tmp_path, basin, values)), best_files[basin])
    chosen = {b: json.loads(p.read_text())["candidate"] for b, p in best_files.items()}
    assert chosen == {"01022500": "c01", "01123000": "c00", "02092500": "c00"}
    assert json.loads(best_files["01022500"].read_text())["settings"] == {"hidden_size": 16}

    table = tuning_table(best_files)
    assert list(table.columns) == ["basin", "candidate", "hidden_size", "validation_nse", "chosen"]
    assert len(table) == 9
    assert table.groupby("basin")["candidate"].apply(sorted).to_dict() == {
        basin: ["c00", "c01", "c02"] for basin in scores
    }
    assert table.groupby("basin")["chosen"].sum().to_dict() == dict.fromkeys(scores, 1)
    assert basin_order(table) == ["02092500", "01022500", "01123000"]

    png, pdf = tmp_path / "spread.png", tmp_path / "spread.pdf"
    plot_tuning_validation_nse(table, "single_basin_tuned", png, pdf)
    assert png.stat().st_size > 0 and pdf.stat().st_size > 0

    candidate_models = {cid: tmp_path / "models" / cid / "model.pt" for cid in ("c00", "c01")}
    candidate_models["c01"].parent.mkdir(parents=True)
    candidate_models["c01"].write_bytes(b"weights of c01")
    final_model = tmp_path / "final" / "seed0" / "model.pt"
    assert take_chosen_candidate(best_files["01022500"], candidate_models, final_model) == "c01"
    assert final_model.read_bytes() == b"weights of c01"
    with pytest.raises(FileNotFoundError, match="c00"):
        take_chosen_candidate(best_files["02092500"], candidate_models, final_model)
    only_c00 = {"c00": candidate_models["c00"]}
    with pytest.raises(ValueError, match=r"chosen candidate c01 is not among \['c00'\]"):
        take_chosen_candidate(best_files["01022500"], only_c00, final_model)

    tuned = tuned_experiment(experiment(search_space={"parameters": {}}), best_files["01022500"])
    assert tuned["hidden_size"] == 16 and "search_space" not in tuned


def test_a_score_of_another_basin_is_rejected(tmp_path: Path) -> None:
    paths = _write_scores(tmp_path, "01022500", {"c00": 0.5})
    with pytest.raises(ValueError, match=r"01022500.*expected 01123000"):
        best_record("01123000", paths)


def test_a_score_left_from_an_earlier_search_space_is_rejected(tmp_path: Path) -> None:
    # _write_scores gives c00 hidden_size 8; the configured space now has 32 under c00.
    paths = _write_scores(tmp_path, "01022500", {"c00": 0.5})
    current = {"c00": Candidate("c00", {"hidden_size": 8})}
    assert best_record("01022500", paths, current)["candidate"] == "c00"
    changed = {"c00": Candidate("c00", {"hidden_size": 32})}
    with pytest.raises(ValueError, match=r"c00/validation_score\.json.*earlier search"):
        best_record("01022500", paths, changed)
    regional = _write_regional_scores(tmp_path / "regional", {"c00": {"01022500": 0.5}})
    with pytest.raises(ValueError, match="earlier search"):
        regional_best_record(regional, ["01022500"], changed)


def _write_regional_scores(root: Path, scores: dict[str, dict[str, float]]) -> list[Path]:
    paths = []
    for index, (cid, basin_nse) in enumerate(scores.items()):
        path = root / cid / "validation_score.json"
        write_regional_score(path, Candidate(cid, {"hidden_size": 8 * (index + 1)}), basin_nse)
        paths.append(path)
    return paths


def test_regional_search_chooses_by_median_over_basins(tmp_path: Path) -> None:
    basins = ["01022500", "01123000", "02092500"]
    # c00 has the best single basin, c01 the best median; a basin without a score (NaN) is
    # left out of the median.
    scores = {
        "c00": {"01022500": 0.95, "01123000": 0.1, "02092500": 0.2},
        "c01": {"01022500": 0.6, "01123000": 0.5, "02092500": math.nan},
    }
    paths = _write_regional_scores(tmp_path, scores)
    assert json.loads(paths[1].read_text())["nse"] == pytest.approx(0.55)
    record = regional_best_record(paths, basins)
    assert record["candidate"] == "c01" and record["settings"] == {"hidden_size": 16}
    write_json(record, tmp_path / "best.json")

    table = regional_tuning_table(tmp_path / "best.json", basins)
    assert len(table) == 6
    assert set(table.loc[table["chosen"], "candidate"]) == {"c01"}
    row = table[(table["basin"] == "01022500") & (table["candidate"] == "c00")]
    assert row["validation_nse"].item() == 0.95


def test_regional_score_missing_a_basin_is_rejected_with_its_file(tmp_path: Path) -> None:
    paths = _write_regional_scores(tmp_path, {"c00": {"01022500": 0.5}})
    with pytest.raises(ValueError, match=r"c00/validation_score\.json.*01123000"):
        regional_best_record(paths, ["01022500", "01123000"])
    per_basin = _write_scores(tmp_path / "per_basin", "01022500", {"c00": 0.5})
    with pytest.raises(ValueError, match="not the score of a regional candidate"):
        regional_best_record(per_basin, ["01022500"])


# Synthetic store: train and validation periods, then a test period whose values are poisoned.
BASIN = "01022500"
PERIODS = {
    "train": {"start": "2000-03-01", "end": "2000-08-31"},
    "validation": {"start": "2000-09-01", "end": "2000-11-30"},
    "test": {"start": "2000-12-01", "end": "2001-02-03"},
}


def _store(path: Path, poison_test: bool) -> Path:
    write_synthetic_store(path, basins=(BASIN,), days=400)
    if poison_test:
        store = xr.open_zarr(path).load()
        test_days = slice(PERIODS["test"]["start"], PERIODS["test"]["end"])
        for name in store.data_vars:
            store[name].loc[{"date": test_days}] = 1e6
        store.to_zarr(path, mode="w")
        poisoned = xr.open_zarr(path)["streamflow_mm_per_day"].sel(date=test_days)
        assert float(poisoned.min()) == 1e6
    return path


def _tune(tmp_path: Path, poison_test: bool, monkeypatch) -> tuple[dict[str, float], list, dict]:
    loaded: list[dict[str, str]] = []

    def recording(original):
        def load_period(store, basins, inputs, period, seq_length):
            loaded.append(dict(period))
            return original(store, basins, inputs, period, seq_length)

        return load_period

    monkeypatch.setattr(run_module, "load_period", recording(run_module.load_period))
    monkeypatch.setattr(predict_module, "load_period", recording(predict_module.load_period))
    store = _store(tmp_path / "store.zarr", poison_test)
    model = tmp_path / "tuning" / BASIN / "c00" / "model.pt"
    settings = experiment(scope="per_basin", loss="mse", validate_every=1, seq_length=20)
    train_candidate(
        store_path=store,
        attributes_path=None,
        experiment_name="tuned",
        experiment=settings,
        candidate=Candidate("c00", {"hidden_size": 4, "learning_rate": 0.01}),
        basins=[BASIN],
        periods=PERIODS,  # the full config periods: the test period must be dropped
        seed=0,
        model_path=model,
        threads=1,
        device="cpu",
        bf16=False,
    )
    scores = score_candidate(model, store, PERIODS, "cpu")
    weights = torch.load(model, weights_only=False)
    return scores, loaded, weights


def test_candidate_training_and_scoring_never_read_the_test_period(tmp_path, monkeypatch) -> None:
    clean_scores, clean_loaded, clean_model = _tune(tmp_path / "clean", False, monkeypatch)
    poisoned_scores, _, _ = _tune(tmp_path / "poisoned", True, monkeypatch)
    assert clean_loaded and all(p != PERIODS["test"] for p in clean_loaded)
    assert {p["start"] for p in clean_loaded} <= {
        PERIODS["train"]["start"],
        PERIODS["validation"]["start"],
    }
    last_read = max(pd.Timestamp(p["end"]) for p in clean_loaded)
    assert last_read < pd.Timestamp(PERIODS["test"]["start"])
    assert np.isfinite(clean_scores[BASIN])
    assert poisoned_scores == clean_scores
    assert "test" not in json.dumps(clean_model.get("periods", {}), default=str)

"""Ungauged-basin cross-validation and model packages in the plan (no Snakemake): folds are
seeded, disjoint and covering, no fold model trains on a basin it predicts, and the config keys
are checked."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from conftest import SCHEMA_PATH
from test_workflow_plan import _sample_plan

from camels_lstm.config import ConfigError, validate_config
from camels_lstm.training.folds import assign_folds, check_fold_settings
from camels_lstm.workflow import paths

BASINS = [f"0{i:07d}" for i in range(1, 26)]


def test_folds_are_seeded_disjoint_covering_and_balanced() -> None:
    folds = assign_folds(BASINS, 4, seed=7)
    assert list(folds) == BASINS
    sizes = sorted(list(folds.values()).count(fold) for fold in range(4))
    assert sizes == [6, 6, 6, 7]
    assert assign_folds(BASINS, 4, seed=7) == folds
    assert assign_folds(BASINS, 4, seed=8) != folds
    with pytest.raises(ValueError, match="between 2 and 25"):
        assign_folds(BASINS, 26, seed=0)


def test_no_fold_model_trains_on_a_basin_it_predicts() -> None:
    plan = _sample_plan()
    name = "regional_ungauged"
    basins = plan.basins
    predicted: list[str] = []
    for fold in plan.folds.folds(name):
        wildcards = SimpleNamespace(experiment=name, fold=str(fold), seed="0")
        trained_on = plan.basins_of(name, wildcards)
        mine = plan.predicted_basins(name, wildcards)
        assert mine and not set(trained_on) & set(mine)
        assert sorted(trained_on + mine) == sorted(basins)
        predicted += mine
    assert sorted(predicted) == sorted(basins)  # every basin predicted once
    table = plan.folds.table(name)
    assert list(table.columns) == ["basin", "fold"] and list(table["basin"]) == basins
    assert plan.models_of(name) == [
        f"results/{name}/fold{fold}/seed0/model.pt" for fold in range(3)
    ]
    assert plan.prediction_inputs(name, "test") == {
        "seed0": [f"results/{name}/fold{fold}/seed0/predictions_test.nc" for fold in range(3)]
    }
    assert paths.FOLDS.format(experiment=name) in plan.all_targets()
    # regional models predict their own basins: no basin list
    assert plan.predicted_basins("regional", SimpleNamespace(seed="0")) is None


def test_regional_experiments_are_packaged_hybrids_with_their_calibrations() -> None:
    plan = _sample_plan()
    # not the ungauged folds, not per basin; hybrids with their conceptual models
    assert plan.packaged_experiments() == ["regional", "hybrid", "regional_snow", "hybrid_shyft"]
    assert plan.package_targets()[:3] == [
        "results/packages/regional/seed0.zip",
        "results/packages/regional/seed1.zip",
        "results/packages/regional/ensemble.zip",
    ]
    assert plan.package_conceptual("regional") == {}
    assert plan.package_conceptual_files("regional") == []
    files = plan.package_conceptual_files("hybrid")
    assert files[:-1] == [
        f"results/conceptual_per_basin/{basin}/calibration.json" for basin in plan.basins
    ]
    assert files[-1] == "results/conceptual_regional/calibration.json"  # other basins' set
    source = plan.package_conceptual("hybrid_shyft")["shyft_per_basin"]
    assert source["regional"]["experiment"] == "shyft_regional"
    assert source["settings"]["model"] == "shyft_pt_gs_k"
    assert plan.package_models("regional", "ensemble") == [
        "results/regional/seed0/model.pt",
        "results/regional/seed1/model.pt",
    ]
    assert plan.package_models("regional", "seed1") == ["results/regional/seed1/model.pt"]
    assert set(plan.package_data("regional")) == {
        "forcing",
        "streamflow_area",
        "data_checks",
        "prediction",
    }


def test_fold_keys_are_checked() -> None:
    experiments = {
        "a": {"scope": "ungauged", "folds": 30},
        "b": {"scope": "ungauged"},
        "c": {"scope": "regional", "folds": 3},
        "d": {"scope": "ungauged", "folds": 2, "search_space": {"parameters": {}}},
    }
    problems = "\n".join(check_fold_settings(experiments, n_basins=13))
    assert "'experiments.a.folds': 30 folds of 13 basins leave a fold empty" in problems
    assert "'experiments.b': scope ungauged needs 'folds'" in problems
    assert "'experiments.c': ['folds'] apply to scope ungauged only" in problems
    assert "'experiments.d.search_space': ungauged experiments are not tuned" in problems
    assert experiments["b"]["fold_seed"] == 0


def test_config_refuses_an_ungauged_experiment_without_folds(tmp_path) -> None:
    import yaml
    from conftest import REPO_ROOT

    config = yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text())
    del config["experiments"]["regional_ungauged"]["folds"]
    with pytest.raises(ConfigError, match="regional_ungauged': scope ungauged needs 'folds'"):
        validate_config(config, SCHEMA_PATH, workdir=REPO_ROOT)

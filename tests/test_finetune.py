"""Finetuning: settings come from the base experiment, a finetuned model starts from the base's
weights and scalers and trains only its trainable parameters, and the plan declares the base
model as an input."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from training_data import ATTRIBUTES, PERIODS, SampleData, experiment, sample_data  # noqa: F401

from camels_lstm.training.finetune import check_finetune_seeds, inherit_base_settings
from camels_lstm.training.model_file import load_model_file
from camels_lstm.training.run import train_experiment

BASIN = "01022500"


def test_finetune_settings_come_from_the_base() -> None:
    experiments = {
        "regional": {"scope": "regional", "model": "lstm", "dynamic_inputs": ["prcp"],
                     "hidden_size": 32, "seeds": [0, 1]},
        "tuned": {"scope": "finetune", "base": "regional", "epochs": 2, "seeds": [1]},
        "wrong": {"scope": "finetune", "base": "regional", "hidden_size": 64},
        "no_base": {"scope": "finetune", "base": "missing"},
        "stray": {"scope": "per_basin", "trainable": ["head"]},
    }  # fmt: skip
    problems = "\n".join(inherit_base_settings(experiments))
    assert experiments["tuned"]["hidden_size"] == 32
    assert (
        experiments["tuned"]["dynamic_inputs"] == ["prcp"] and experiments["tuned"]["epochs"] == 2
    )
    assert "'experiments.wrong.hidden_size': differs from the base's" in problems
    assert "'experiments.no_base.base': 'missing' is not an untuned regional LSTM" in problems
    assert "'experiments.stray': ['trainable'] apply to scope finetune only" in problems
    experiments["tuned"]["seeds"] = [1, 2]
    assert "[2] not among the seeds of its base" in " ".join(
        check_finetune_seeds({"regional": experiments["regional"], "tuned": experiments["tuned"]})
    )


def _train(sample: SampleData, path, settings, basins, base_model=None) -> None:
    train_experiment(
        store_path=sample.store,
        attributes_path=sample.attributes,
        experiment_name=path.parent.parent.name,
        experiment=settings,
        basins=basins,
        periods=PERIODS,
        seed=0,
        model_path=path,
        threads=1,
        device="cpu",
        bf16=False,
        base_model=base_model,
    )


@pytest.mark.parametrize("trainable", [["head"], None])
def test_finetuned_model_starts_from_the_base_weights(sample_data, tmp_path, trainable) -> None:  # noqa: F811
    shape = {"static_attributes": list(ATTRIBUTES), "hidden_size": 8, "seq_length": 30}
    base_path = tmp_path / "regional" / "seed0" / "model.pt"
    _train(sample_data, base_path, experiment(**shape, epochs=1), list(sample_data.basins))
    finetuned_path = tmp_path / "finetuned" / BASIN / "model.pt"
    settings = experiment(
        **shape, scope="finetune", base="regional", epochs=1, learning_rate={0: 0.01},
        **({"trainable": trainable} if trainable else {}),
    )  # fmt: skip
    _train(sample_data, finetuned_path, settings, [BASIN], base_model=base_path)
    base, finetuned = load_model_file(base_path), load_model_file(finetuned_path)
    before, after = base.model.state_dict(), finetuned.model.state_dict()
    changed = {name for name in before if not torch.equal(before[name], after[name])}
    if trainable:
        assert changed == {"head.weight", "head.bias"}  # the LSTM kept the base's weights
    else:
        assert {"head.weight", "lstm.weight_hh_l0"} <= changed
    # the base's normalisation, the basin's own row of its static attributes
    assert (finetuned.scalers.input_mean == base.scalers.input_mean).all()
    row = base.scalers.basins.index(BASIN)
    assert (finetuned.scalers.static_values[0] == base.scalers.static_values[row]).all()
    # a small step away from the base, not a new network: the head moved less than its size
    difference = (after["head.weight"] - before["head.weight"]).norm()
    assert 0 < difference < before["head.weight"].norm()


def test_plan_declares_the_base_model_of_the_same_seed() -> None:
    from test_workflow_plan import _sample_plan

    plan = _sample_plan()
    name = "regional_finetuned"
    inputs = plan.training_inputs(SimpleNamespace(experiment=name, basin=BASIN, seed="0"))
    assert inputs["base_model"] == "results/regional/seed0/model.pt"
    assert plan.basins_of(name, SimpleNamespace(basin=BASIN)) == [BASIN]
    assert plan.models_of(name)[0] == f"results/{name}/{plan.basins[0]}/seed0/model.pt"
    assert plan.experiments[name]["hidden_size"] == plan.experiments["regional"]["hidden_size"]

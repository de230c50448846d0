import pytest
import torch

from camels_lstm.models import MODELS, EntityAwareLSTM, RainfallRunoffLSTM, build_model


def _inputs(batch=4, seq=10, n_dynamic=3, n_static=2, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return (
        torch.randn(batch, seq, n_dynamic, generator=generator),
        torch.randn(batch, n_static, generator=generator),
    )


def _settings(model, **overrides):
    settings = {
        "model": model,
        "hidden_size": 6,
        "num_layers": 1,
        "dropout": 0.0,
        "initial_forget_bias": 3.0,
    }
    settings.update(overrides)
    return settings


def test_registry_holds_both_models():
    assert {"lstm": RainfallRunoffLSTM, "ealstm": EntityAwareLSTM} == MODELS


@pytest.mark.parametrize("name", ["lstm", "ealstm"])
def test_one_prediction_per_sample(name):
    dynamic, static = _inputs()
    model = build_model(_settings(name), n_dynamic=3, n_static=2)
    assert model(dynamic, static).shape == (4,)


def test_lstm_forget_gate_bias_is_initialised():
    model = build_model(_settings("lstm", num_layers=2), n_dynamic=3, n_static=0)
    for layer in range(2):
        bias = getattr(model.lstm, f"bias_ih_l{layer}") + getattr(model.lstm, f"bias_hh_l{layer}")
        assert torch.allclose(bias[6:12], torch.full((6,), 3.0))


def test_lstm_uses_static_attributes_at_every_step():
    dynamic, static = _inputs()
    model = build_model(_settings("lstm"), n_dynamic=3, n_static=2).eval()
    assert model.lstm.input_size == 5
    assert not torch.allclose(model(dynamic, static), model(dynamic, static + 1.0))
    with pytest.raises(ValueError, match="static"):
        model(dynamic, None)


def test_ealstm_input_gate_depends_on_static_attributes_only():
    model = EntityAwareLSTM(n_dynamic=3, n_static=2, hidden_size=6)
    assert model.input_gate.in_features == 2
    assert model.dynamic_gates.out_features == 3 * 6  # forget, cell, output
    dynamic, static = _inputs()
    assert not torch.allclose(model(dynamic, static), model(dynamic, static + 1.0))
    assert torch.allclose(model.dynamic_gates.bias[:6], torch.full((6,), 3.0))


def test_ealstm_rejects_missing_statics_and_stacked_layers():
    with pytest.raises(ValueError, match="static"):
        EntityAwareLSTM(n_dynamic=3, n_static=0, hidden_size=4)
    with pytest.raises(ValueError, match="num_layers"):
        EntityAwareLSTM(n_dynamic=3, n_static=2, hidden_size=4, num_layers=2)


def test_dropout_acts_on_last_hidden_state_in_training_only():
    dynamic, static = _inputs(batch=64)
    model = build_model(_settings("lstm", dropout=0.5), n_dynamic=3, n_static=2)
    model.eval()
    assert torch.equal(model(dynamic, static), model(dynamic, static))
    model.train()
    assert not torch.equal(model(dynamic, static), model(dynamic, static))


def test_unknown_model_names_the_key():
    with pytest.raises(KeyError, match="gru"):
        build_model(_settings("gru"), n_dynamic=3, n_static=0)

import io
import subprocess
import sys

import pytest
import torch
from torch import nn

from camels_lstm.training.optimizers import OPTIMIZERS, Adam, RMSprop


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))


def _train(model: nn.Module, optimizer, steps: int, first_step: int = 0) -> None:
    generator = torch.Generator().manual_seed(1)
    for step in range(first_step + steps):
        inputs = torch.randn(8, 3, generator=generator)
        target = torch.randn(8, 1, generator=generator)
        if step < first_step:
            continue
        optimizer.zero_grad()
        ((model(inputs) - target) ** 2).mean().backward()
        optimizer.step()


@pytest.mark.parametrize(
    ("ours", "reference", "lr"),
    [(Adam, torch.optim.Adam, 1e-2), (RMSprop, torch.optim.RMSprop, 1e-3)],
)
def test_updates_equal_torch_optim(ours, reference, lr):
    model_ours, model_torch = _model(), _model()
    _train(model_ours, ours(model_ours.parameters(), lr=lr), steps=20)
    _train(model_torch, reference(model_torch.parameters(), lr=lr), steps=20)
    for mine, theirs in zip(model_ours.parameters(), model_torch.parameters(), strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-6, atol=1e-7)
    assert not torch.equal(model_ours[0].weight, _model()[0].weight)  # it did train


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_dict_resumes_bit_for_bit_and_loads_weights_only(name):
    straight = _model()
    _train(straight, OPTIMIZERS[name](straight.parameters(), lr=1e-2), steps=10)

    resumed = _model()
    optimizer = OPTIMIZERS[name](resumed.parameters(), lr=1e-2)
    _train(resumed, optimizer, steps=4)
    buffer = io.BytesIO()
    torch.save({"model": resumed.state_dict(), "optimizer": optimizer.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)
    resumed = _model()
    resumed.load_state_dict(saved["model"])
    optimizer = OPTIMIZERS[name](resumed.parameters(), lr=1.0)
    optimizer.load_state_dict(saved["optimizer"])
    assert optimizer.lr == 1e-2
    _train(resumed, optimizer, steps=6, first_step=4)
    for mine, theirs in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(mine, theirs)


def test_state_of_another_optimizer_is_refused():
    model = _model()
    adam = Adam(model.parameters(), lr=1e-3)
    _train(model, adam, steps=1)
    with pytest.raises(ValueError, match="rmsprop"):
        RMSprop(model.parameters(), lr=1e-2).load_state_dict(adam.state_dict())


def test_training_step_does_not_import_torch_dynamo():
    # torch.optim imports torch._dynamo (and sympy) on first use: ~70 MB per training process.
    code = (
        "import sys, torch\n"
        "from camels_lstm.training.optimizers import Adam\n"
        "model = torch.nn.LSTM(3, 4)\n"
        "optimizer = Adam(model.parameters(), lr=1e-3)\n"
        "model(torch.randn(5, 2, 3))[0].sum().backward()\n"
        "optimizer.step(); optimizer.zero_grad(); optimizer.state_dict()\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"

import math

import pytest
import torch

from camels_lstm.training.losses import mse, nse_star


def test_nse_star_equals_hand_computed_value():
    prediction = torch.tensor([1.0, 2.0, 0.5])
    target = torch.tensor([0.0, 2.5, 1.5])
    basin_std = torch.tensor([0.9, 1.9, 0.4])
    # (1/(0.9+0.1)^2 * 1^2 + 1/(1.9+0.1)^2 * 0.5^2 + 1/(0.4+0.1)^2 * 1^2) / 3
    expected = (1.0 + 0.25 / 4.0 + 4.0) / 3.0
    assert nse_star(prediction, target, basin_std).item() == pytest.approx(expected, rel=1e-6)


def test_missing_targets_do_not_contribute():
    prediction = torch.tensor([1.0, 100.0, 3.0])
    target = torch.tensor([0.0, float("nan"), 3.5])
    basin_std = torch.tensor([0.9, 0.9, 0.4])
    expected = (1.0 + 0.25 * 4.0) / 2.0
    loss = nse_star(prediction, target, basin_std)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert mse(prediction, target).item() == pytest.approx((1.0 + 0.25) / 2.0)


def test_gradient_is_finite_and_zero_for_missing_targets():
    prediction = torch.tensor([1.0, 5.0], requires_grad=True)
    nse_star(prediction, torch.tensor([0.0, float("nan")]), torch.tensor([1.0, 1.0])).backward()
    assert torch.isfinite(prediction.grad).all()
    assert prediction.grad[1].item() == 0.0


def test_all_targets_missing_gives_zero_not_nan():
    loss = mse(torch.ones(3), torch.full((3,), float("nan")))
    assert loss.item() == 0.0 and not math.isnan(loss.item())

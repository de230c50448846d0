"""Training losses on normalised streamflow, masked where the target is missing (NaN)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from camels_lstm.training.scalers import NSE_STAR_EPSILON


def nse_star(
    prediction: torch.Tensor,
    target: torch.Tensor,
    basin_std: torch.Tensor,
    epsilon: float = NSE_STAR_EPSILON,
) -> torch.Tensor:
    """NSE* of Kratzert et al. (2019): mean over observed samples of
    (prediction - target)^2 / (std_basin + epsilon)^2, with ``basin_std`` the standard deviation
    of the sample's basin's raw training-period streamflow (mm/day)."""
    observed = ~torch.isnan(target)
    error = torch.where(observed, prediction - target, torch.zeros_like(prediction))
    weight = 1.0 / (basin_std.to(prediction.dtype) + epsilon) ** 2
    return (weight * error**2).sum() / observed.sum().clamp(min=1)


def mse(
    prediction: torch.Tensor, target: torch.Tensor, basin_std: torch.Tensor | None = None
) -> torch.Tensor:
    """Mean squared error over observed samples (``basin_std`` is ignored)."""
    observed = ~torch.isnan(target)
    error = torch.where(observed, prediction - target, torch.zeros_like(prediction))
    return (error**2).sum() / observed.sum().clamp(min=1)


LOSSES: dict[str, Callable[..., torch.Tensor]] = {"nse_star": nse_star, "mse": mse}

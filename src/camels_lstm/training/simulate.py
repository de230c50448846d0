"""Run a trained model over all samples of a period (no gradients) and score it by basin."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from camels_lstm.evaluation.metrics import nse
from camels_lstm.training.data import WindowGatherer


def simulate_samples(
    model: nn.Module,
    gatherer: WindowGatherer,
    batch_size: int = 2048,
    bf16: bool = False,
) -> np.ndarray:
    """Normalised prediction for every sample of ``gatherer``, in its order (float32)."""
    was_training = model.training
    model.eval()
    outputs = []
    device = gatherer.device
    autocast = bf16 and device.type == "cuda"
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
        for start in range(0, len(gatherer), batch_size):
            ids = torch.arange(start, min(start + batch_size, len(gatherer)), device=device)
            batch = gatherer.batch(ids)
            outputs.append(model(batch.dynamic, batch.static).float().cpu())
    model.train(was_training)
    if not outputs:
        return np.zeros(0, dtype=np.float32)
    return torch.cat(outputs).numpy()


def nse_per_basin(
    simulated: np.ndarray, observed: np.ndarray, basin_index: np.ndarray, n_basins: int
) -> np.ndarray:
    """NSE of each basin from per-sample arrays (samples of one basin are scored together).

    :func:`camels_lstm.evaluation.metrics.nse` over the samples on which both are finite, the
    NSE the evaluation reports; NaN for a basin without samples or with constant observations.
    """
    scores = np.full(n_basins, np.nan)
    for basin in range(n_basins):
        mine = basin_index == basin
        if mine.any():
            scores[basin] = nse(observed[mine], simulated[mine])
    return scores

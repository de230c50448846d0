"""Model registry: experiment ``model`` key -> module class.

Every model maps normalised dynamic inputs (batch, seq_length, n_dynamic) and normalised static
attributes (batch, n_static) to one normalised streamflow value per sample: the prediction for the
last day of the window (sequence-to-one). Each also has ``forward_sequence(dynamic, static,
state)``: the output on every day and the state after the last one, for simulating a whole
record in one pass (``prediction: sequence``, :mod:`camels_lstm.training.simulate`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from camels_lstm.models.ealstm import EntityAwareLSTM
from camels_lstm.models.lstm import RainfallRunoffLSTM

MODELS: dict[str, type[nn.Module]] = {"lstm": RainfallRunoffLSTM, "ealstm": EntityAwareLSTM}


def build_model(experiment: Mapping[str, Any], n_dynamic: int, n_static: int) -> nn.Module:
    """Build the experiment's model with its sizes, layers and dropout."""
    name = experiment["model"]
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; known: {sorted(MODELS)}")
    return MODELS[name](
        n_dynamic=n_dynamic,
        n_static=n_static,
        hidden_size=int(experiment["hidden_size"]),
        num_layers=int(experiment["num_layers"]),
        dropout=float(experiment["dropout"]),
        initial_forget_bias=float(experiment["initial_forget_bias"]),
    )


__all__ = ["MODELS", "EntityAwareLSTM", "RainfallRunoffLSTM", "build_model"]

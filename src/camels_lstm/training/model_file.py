"""The trained model file: state dict, resolved experiment config, scalers, basins and periods.

Loadable with ``torch.load(path, weights_only=True)``: plain tensors, dicts, lists, strings and
numbers only, no pickled code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from camels_lstm.models import build_model
from camels_lstm.training.checkpoint import atomic_torch_save, clone_state
from camels_lstm.training.scalers import Scalers

MODEL_FORMAT = "camels_lstm.model/1"


@dataclass(frozen=True)
class TrainedModel:
    model: nn.Module  # in eval mode
    scalers: Scalers
    experiment_name: str
    experiment: dict[str, Any]
    periods: dict[str, Any]
    seed: int
    history: list[dict[str, Any]]


def save_model_file(
    path: str | Path,
    *,
    state_dict: Mapping[str, torch.Tensor],
    scalers: Scalers,
    experiment_name: str,
    experiment: Mapping[str, Any],
    periods: Mapping[str, Any],
    seed: int,
    history: list[dict[str, Any]],
    fingerprint: str = "",
) -> None:
    """``fingerprint``: the training fingerprint the weights were trained under
    (:mod:`camels_lstm.training.finished_model` reuses them for the same one)."""
    atomic_torch_save(
        {
            "format": MODEL_FORMAT,
            "experiment_name": experiment_name,
            "experiment": _plain(experiment),
            "periods": _plain(periods),
            "seed": int(seed),
            "basins": list(scalers.basins),
            "scalers": scalers.to_dict(),
            "state_dict": clone_state(dict(state_dict)),
            "history": _plain(history),
            "fingerprint": fingerprint,
        },
        path,
    )


def _plain(value: Any) -> Any:
    """Deep copy as builtin containers (configs may hold ruamel/OrderedDict types)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def load_model_file(path: str | Path, device: str | torch.device = "cpu") -> TrainedModel:
    path = Path(path)
    contents = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(contents, dict) or contents.get("format") != MODEL_FORMAT:
        raise ValueError(f"{path}: not a camels_lstm model file (format {MODEL_FORMAT})")
    scalers = Scalers.from_dict(contents["scalers"])
    model = build_model(
        contents["experiment"],
        n_dynamic=len(scalers.dynamic_inputs),
        n_static=len(scalers.static_attributes),
    )
    model.load_state_dict(contents["state_dict"])
    model.to(device).eval()
    return TrainedModel(
        model=model,
        scalers=scalers,
        experiment_name=contents["experiment_name"],
        experiment=contents["experiment"],
        periods=contents["periods"],
        seed=int(contents["seed"]),
        history=contents["history"],
    )

"""Normalisation statistics of one experiment, computed on its training basins and training period
only, and saved with the model (no leakage from validation or test data)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

# Kratzert et al. (2019): NSE* weights squared errors by 1 / (std_basin + 0.1)^2.
NSE_STAR_EPSILON = 0.1


@dataclass(frozen=True)
class Scalers:
    """``input_mean``/``input_std`` per dynamic input; streamflow mean/std over all training
    basins (target normalisation); ``streamflow_std_per_basin`` (mm/day, raw, for NSE*);
    ``static_values`` the normalised attributes of the model's basins (rows in ``basins`` order)
    with the attribute file's ``static_mean``/``static_std``."""

    dynamic_inputs: tuple[str, ...]
    input_mean: np.ndarray
    input_std: np.ndarray
    streamflow_mean: float
    streamflow_std: float
    basins: tuple[str, ...]
    streamflow_std_per_basin: np.ndarray
    static_attributes: tuple[str, ...]
    static_values: np.ndarray  # (n_basins, n_static), float32
    static_mean: np.ndarray
    static_std: np.ndarray

    def normalise_inputs(self, dynamic: np.ndarray, in_place: bool = False) -> np.ndarray:
        """(..., n_inputs) raw -> normalised float32 (NaN stays NaN): a new array, or
        ``dynamic`` itself (float32) overwritten when ``in_place``."""
        if in_place and dynamic.dtype != np.float32:
            raise TypeError(f"in-place normalisation needs float32 inputs, got {dynamic.dtype}")
        normalised = np.subtract(
            dynamic,
            self.input_mean.astype(np.float32),
            out=dynamic if in_place else None,
            dtype=np.float32,
        )
        normalised /= self.input_std.astype(np.float32)
        return normalised

    def normalise_streamflow(self, streamflow: np.ndarray) -> np.ndarray:
        normalised = np.subtract(streamflow, np.float32(self.streamflow_mean), dtype=np.float32)
        normalised /= np.float32(self.streamflow_std)
        return normalised

    def streamflow_mm_per_day(self, normalised: np.ndarray) -> np.ndarray:
        return (normalised * self.streamflow_std + self.streamflow_mean).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        """Plain tensors, lists and numbers only (loadable with ``weights_only=True``)."""
        return {
            "dynamic_inputs": list(self.dynamic_inputs),
            "input_mean": torch.from_numpy(self.input_mean.astype(np.float64)),
            "input_std": torch.from_numpy(self.input_std.astype(np.float64)),
            "streamflow_mean": float(self.streamflow_mean),
            "streamflow_std": float(self.streamflow_std),
            "basins": list(self.basins),
            "streamflow_std_per_basin": torch.from_numpy(
                self.streamflow_std_per_basin.astype(np.float64)
            ),
            "static_attributes": list(self.static_attributes),
            "static_values": torch.from_numpy(self.static_values.astype(np.float32)),
            "static_mean": torch.from_numpy(self.static_mean.astype(np.float64)),
            "static_std": torch.from_numpy(self.static_std.astype(np.float64)),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scalers:
        """From :meth:`to_dict` (tensors)."""
        return cls.from_fields(data, lambda key: np.asarray(data[key].numpy()))

    @classmethod
    def from_fields(cls, data: Mapping[str, Any], array: Callable[[str], np.ndarray]) -> Scalers:
        """From a mapping of the plain fields (names, numbers) and ``array(key)``, which reads
        an array field however its format stores it (tensors, JSON lists)."""
        return cls(
            dynamic_inputs=tuple(data["dynamic_inputs"]),
            input_mean=array("input_mean"),
            input_std=array("input_std"),
            streamflow_mean=float(data["streamflow_mean"]),
            streamflow_std=float(data["streamflow_std"]),
            basins=tuple(data["basins"]),
            streamflow_std_per_basin=array("streamflow_std_per_basin"),
            static_attributes=tuple(data["static_attributes"]),
            static_values=array("static_values"),
            static_mean=array("static_mean"),
            static_std=array("static_std"),
        )


def _positive(std: np.ndarray, names: Sequence[str], what: str) -> np.ndarray:
    bad = [name for name, value in zip(names, std, strict=True) if not np.isfinite(value)]
    if bad:
        raise ValueError(f"{what}: no finite training-period values for {bad}")
    return np.where(std > 0, std, 1.0)


def _mean_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and (population) standard deviation of the finite values, in float64."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("nan"), float("nan")
    return float(finite.mean(dtype=np.float64)), float(finite.std(dtype=np.float64))


def compute_scalers(
    basins: Sequence[str],
    dynamic_inputs: Sequence[str],
    train_dynamic: np.ndarray,
    train_streamflow_mm_per_day: np.ndarray,
    static_attributes: Sequence[str] = (),
    static_values: np.ndarray | None = None,
    static_mean: np.ndarray | None = None,
    static_std: np.ndarray | None = None,
) -> Scalers:
    """Statistics from training-period arrays only.

    ``train_dynamic`` (n_basins, n_days, n_inputs) and ``train_streamflow_mm_per_day``
    (n_basins, n_days) must cover exactly the training period of the training basins (no warm-up
    days before it). Missing values (NaN) are ignored.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        moments = [_mean_std(train_dynamic[..., i]) for i in range(train_dynamic.shape[-1])]
        input_mean = np.array([mean for mean, _ in moments])
        input_std = _positive(np.array([std for _, std in moments]), dynamic_inputs, "inputs")
        if not np.isfinite(train_streamflow_mm_per_day).any():
            raise ValueError(f"basins {list(basins)}: no observed streamflow in training period")
        streamflow_mean, streamflow_std = _mean_std(train_streamflow_mm_per_day)
        per_basin_std = np.array([_mean_std(row)[1] for row in train_streamflow_mm_per_day])
    n_static = len(static_attributes)
    return Scalers(
        dynamic_inputs=tuple(dynamic_inputs),
        input_mean=input_mean,
        input_std=input_std,
        streamflow_mean=streamflow_mean,
        streamflow_std=streamflow_std or 1.0,
        basins=tuple(basins),
        streamflow_std_per_basin=per_basin_std,
        static_attributes=tuple(static_attributes),
        static_values=(
            np.zeros((len(basins), 0), np.float32)
            if static_values is None
            else np.asarray(static_values, np.float32).reshape(len(basins), n_static)
        ),
        static_mean=np.zeros(n_static) if static_mean is None else np.asarray(static_mean),
        static_std=np.ones(n_static) if static_std is None else np.asarray(static_std),
    )

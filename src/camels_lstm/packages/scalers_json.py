"""A package member's scalers as JSON (``members/seed<k>/scalers.json``): floats round-trip
exactly (shortest repr), arrays as shape and flat values."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from camels_lstm.training.scalers import Scalers

# Scaler fields stored as arrays (the rest are names or numbers).
_ARRAY_FIELDS = (
    "input_mean",
    "input_std",
    "streamflow_std_per_basin",
    "static_values",
    "static_mean",
    "static_std",
)


def scalers_to_json(scalers: Scalers) -> dict[str, Any]:
    """The scalers as JSON values; floats round-trip exactly (shortest repr)."""
    plain: dict[str, Any] = {
        "dynamic_inputs": list(scalers.dynamic_inputs),
        "streamflow_mean": float(scalers.streamflow_mean),
        "streamflow_std": float(scalers.streamflow_std),
        "basins": list(scalers.basins),
        "static_attributes": list(scalers.static_attributes),
    }
    for name in _ARRAY_FIELDS:
        array = np.asarray(getattr(scalers, name), dtype=np.float64)
        plain[name] = {"shape": list(array.shape), "values": array.ravel().tolist()}
    return plain


def scalers_from_json(plain: Mapping[str, Any]) -> Scalers:
    def array(name: str) -> np.ndarray:
        values = np.asarray(plain[name]["values"], dtype=np.float64)
        return values.reshape(plain[name]["shape"])

    scalers = Scalers.from_fields(plain, array)
    return dataclasses.replace(scalers, static_values=scalers.static_values.astype(np.float32))

"""Inputs for the model and training tests: the committed 13-basin sample converted to a store and
an attribute file (once per session), small synthetic stores, and small experiment settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from camels_testdata import SAMPLE_BASINS, TRAIN_PERIOD, extract_sample

from camels_lstm.data.attributes import write_static_attributes
from camels_lstm.data.timeseries_store import build_store

ATTRIBUTES = ("p_mean", "aridity", "frac_snow", "elev_mean", "area_gages2")
INPUTS = ("prcp", "srad", "tmax", "tmin", "vp")
PERIODS = {
    "train": {"start": "2001-10-01", "end": "2005-09-30"},
    "validation": {"start": "1986-10-01", "end": "1989-09-30"},
    "test": {"start": "1989-10-01", "end": "1999-09-30"},
}


@dataclass(frozen=True)
class SampleData:
    store: Path
    attributes: Path
    basins: tuple[str, ...]


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory: pytest.TempPathFactory) -> SampleData:
    root = tmp_path_factory.mktemp("training_sample")
    camels = extract_sample(root / "camels")
    store = build_store(camels, SAMPLE_BASINS, "daymet", root / "camels_us.zarr", TRAIN_PERIOD)
    attributes = write_static_attributes(
        camels, SAMPLE_BASINS, ATTRIBUTES, root / "static_attributes.nc"
    )
    return SampleData(Path(store), Path(attributes), SAMPLE_BASINS)


def experiment(**overrides: Any) -> dict[str, Any]:
    """A small, fast experiment with every key the schema defaults would fill."""
    settings: dict[str, Any] = {
        "description": "",
        "scope": "regional",
        "model": "lstm",
        "dynamic_inputs": list(INPUTS),
        "static_attributes": [],
        "hidden_size": 8,
        "num_layers": 1,
        "dropout": 0.0,
        "initial_forget_bias": 3.0,
        "seq_length": 30,
        "predict_last_n": 1,
        "window_stride": None,
        "batch_size": 128,
        "epochs": 2,
        "learning_rate": {0: 0.01},
        "clip_grad_norm": 1.0,
        "loss": "nse_star",
        "optimizer": "adam",
        "seeds": [0],
        "validate_every": 0,
        "early_stopping_patience": None,
    }
    settings.update(overrides)
    return settings


def write_synthetic_store(
    path: Path,
    basins: tuple[str, ...] = ("01022500", "01123000"),
    start: str = "2000-01-01",
    days: int = 400,
    seed: int = 0,
) -> Path:
    """A store with the contract's dims and the variables training reads (random, positive)."""
    rng = np.random.default_rng(seed)
    shape = (len(basins), days)
    data = {
        name: (("basin", "date"), rng.gamma(2.0, 2.0, shape).astype(np.float32))
        for name in (*INPUTS, "streamflow_mm_per_day")
    }
    dataset = xr.Dataset(
        data, coords={"basin": list(basins), "date": pd.date_range(start, periods=days)}
    )
    dataset.to_zarr(path, mode="w")
    return path

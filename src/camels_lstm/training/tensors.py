"""The compute device and a period's arrays as normalised tensors on it, ready for gathering."""

from __future__ import annotations

import numpy as np
import torch

from camels_lstm.training.data import (
    PeriodArrays,
    WindowGatherer,
    select_samples,
    select_windows,
)
from camels_lstm.training.scalers import Scalers


def _auto_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _cuda_device() -> torch.device:
    if not torch.cuda.is_available():
        raise RuntimeError("config key 'training.device' is 'cuda' but no CUDA device is visible")
    return torch.device("cuda")


# Values of config key training.device: ``auto`` (CUDA when visible, else CPU), ``cpu``, or
# ``cuda`` (which must be visible).
DEVICES = {"auto": _auto_device, "cpu": lambda: torch.device("cpu"), "cuda": _cuda_device}


def resolve_device(device: str) -> torch.device:
    """The torch device of a ``training.device`` value (one of :data:`DEVICES`)."""
    if device not in DEVICES:
        raise ValueError(f"config key 'training.device': {device!r} is not one of {list(DEVICES)}")
    return DEVICES[device]()


class PeriodTensors:
    """A period's normalised inputs and samples on the device, ready for gathering.

    The raw inputs of ``arrays.dynamic`` are normalised in place (on the CPU the gathered tensor
    shares their memory): do not use them afterwards. The raw streamflow is kept for scoring.

    ``predict_last_n`` > 1 or ``window_stride`` > 1 (training only): the samples are the windows
    of sequence-to-sequence training (:func:`camels_lstm.training.data.select_windows`).
    """

    def __init__(
        self,
        arrays: PeriodArrays,
        scalers: Scalers,
        seq_length: int,
        device: torch.device,
        require_observed: bool = True,
        predict_last_n: int = 1,
        window_stride: int = 1,
    ) -> None:
        self.dates = arrays.dates
        self.period_start_index = arrays.period_start_index
        self.streamflow_mm_per_day = arrays.streamflow_mm_per_day
        if predict_last_n == 1 and window_stride == 1:
            self.basin_index, self.day_index = select_samples(
                arrays.dynamic,
                arrays.streamflow_mm_per_day,
                seq_length,
                arrays.period_start_index,
                require_observed=require_observed,
            )
        else:
            if not require_observed:
                raise ValueError("training windows always need an observed target")
            self.basin_index, self.day_index = select_windows(
                arrays.dynamic,
                arrays.streamflow_mm_per_day,
                seq_length,
                arrays.period_start_index,
                predict_last_n,
                window_stride,
            )
        normalised = scalers.normalise_inputs(arrays.dynamic, in_place=True)
        dynamic = torch.from_numpy(normalised).to(device)
        target = torch.from_numpy(scalers.normalise_streamflow(arrays.streamflow_mm_per_day))
        static = torch.from_numpy(scalers.static_values).to(device)
        self.dynamic, self.static = dynamic, static
        self.gatherer = WindowGatherer(
            dynamic,
            static,
            target.to(device),
            self.basin_index,
            self.day_index,
            seq_length,
            target_days=predict_last_n,
        )

    def observed(self) -> np.ndarray:
        return self.streamflow_mm_per_day[self.basin_index, self.day_index]

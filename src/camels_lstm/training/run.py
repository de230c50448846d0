"""Train one model of an experiment (one basin or all basins, one seed) from the zarr store and
the static attribute file, and write the model file."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from camels_lstm.finished_checkpoints import CHECKPOINT_NAME
from camels_lstm.models import build_model
from camels_lstm.training.data import PeriodArrays, WindowGatherer, load_period, select_samples
from camels_lstm.training.loop import LoopSettings, train_loop
from camels_lstm.training.model_file import save_model_file
from camels_lstm.training.scalers import Scalers, compute_scalers
from camels_lstm.training.simulate import nse_per_basin, simulate_samples

logger = logging.getLogger(__name__)


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config key 'training.device' is 'cuda' but no CUDA device is visible")
    return torch.device(device)


@dataclass(frozen=True)
class StaticAttributes:
    names: tuple[str, ...]
    normalised: np.ndarray  # (n_basins, n_attributes)
    mean: np.ndarray
    std: np.ndarray


def read_static_attributes(
    path: str | Path | None, basins: Sequence[str], names: Sequence[str]
) -> StaticAttributes:
    """``normalised`` values (and scaler) of ``names`` for ``basins`` from the attribute file.

    Read with netCDF4 directly: a training job needs four small variables, not xarray.
    """
    if not names:
        empty = np.zeros(0)
        return StaticAttributes((), np.zeros((len(basins), 0), np.float32), empty, empty)
    if path is None:
        raise ValueError(f"static attributes {list(names)} requested but no attribute file given")
    import netCDF4  # only jobs with static attributes need it

    def values(variable: netCDF4.Variable) -> np.ndarray:  # fill values (missing) -> NaN
        return np.ma.filled(np.ma.asarray(variable[:], dtype=np.float64), np.nan)

    with netCDF4.Dataset(path) as attributes:
        file_basins = [str(basin) for basin in attributes["basin"][:].tolist()]
        file_names = [str(name) for name in attributes["attribute"][:].tolist()]
        row_of = {basin: row for row, basin in enumerate(file_basins)}
        column_of = {name: column for column, name in enumerate(file_names)}
        missing_basins = sorted(set(basins) - set(row_of))
        missing_names = sorted(set(names) - set(column_of))
        if missing_basins or missing_names:
            raise KeyError(
                f"{path}: missing basin(s) {missing_basins} / attribute(s) {missing_names}"
            )
        rows = [row_of[basin] for basin in basins]
        columns = [column_of[name] for name in names]
        dimensions = attributes["normalised"].dimensions
        table = values(attributes["normalised"])
        mean = values(attributes["mean"])[columns]
        std = values(attributes["std"])[columns]
    if dimensions == ("attribute", "basin"):
        table = table.T
    normalised = table[np.ix_(rows, columns)].astype(np.float32)
    bad = ~np.isfinite(normalised)
    if bad.any():
        bad_rows, bad_columns = np.nonzero(bad)
        pairs = [f"{basins[r]}:{names[c]}" for r, c in zip(bad_rows, bad_columns, strict=True)]
        raise ValueError(f"{path}: non-finite normalised attribute values for {pairs[:10]}")
    return StaticAttributes(tuple(names), normalised, mean, std)


def fingerprint(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def training_code_digest() -> str:
    """SHA-256 of the training and model code: a checkpoint written by other code (a fixed bug,
    a changed loop) is not resumed."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*package.glob("training/*.py"), *package.glob("models/*.py")]):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class PeriodTensors:
    """A period's normalised inputs and samples on the device, ready for gathering.

    The raw inputs of ``arrays.dynamic`` are normalised in place (on the CPU the gathered tensor
    shares their memory): do not use them afterwards. The raw streamflow is kept for scoring.
    """

    def __init__(
        self,
        arrays: PeriodArrays,
        scalers: Scalers,
        seq_length: int,
        device: torch.device,
        require_observed: bool = True,
    ) -> None:
        self.dates = arrays.dates
        self.period_start_index = arrays.period_start_index
        self.streamflow_mm_per_day = arrays.streamflow_mm_per_day
        self.basin_index, self.day_index = select_samples(
            arrays.dynamic,
            arrays.streamflow_mm_per_day,
            seq_length,
            arrays.period_start_index,
            require_observed=require_observed,
        )
        normalised = scalers.normalise_inputs(arrays.dynamic, in_place=True)
        dynamic = torch.from_numpy(normalised).to(device)
        target = torch.from_numpy(scalers.normalise_streamflow(arrays.streamflow_mm_per_day))
        static = torch.from_numpy(scalers.static_values).to(device)
        self.gatherer = WindowGatherer(
            dynamic, static, target.to(device), self.basin_index, self.day_index, seq_length
        )

    def observed(self) -> np.ndarray:
        return self.streamflow_mm_per_day[self.basin_index, self.day_index]


def train_experiment(
    *,
    store_path: str | Path,
    attributes_path: str | Path | None,
    experiment_name: str,
    experiment: Mapping[str, Any],
    basins: Sequence[str],
    periods: Mapping[str, Mapping[str, str]],
    seed: int,
    model_path: str | Path,
    threads: int = 1,
    device: str = "auto",
    bf16: bool = False,
) -> None:
    """Train and write ``model_path``, resuming from the checkpoint beside it.

    The checkpoint is kept after the model file is written, until
    :func:`camels_lstm.finished_checkpoints.remove_finished_checkpoints` (why: see there).
    """
    torch.set_num_threads(threads)
    target_device = resolve_device(device)
    seq_length = int(experiment["seq_length"])
    inputs = list(experiment["dynamic_inputs"])
    model_path = Path(model_path)
    train = load_period(store_path, basins, inputs, periods["train"], seq_length)
    statics = read_static_attributes(attributes_path, basins, experiment["static_attributes"])
    scalers = compute_scalers(
        basins,
        inputs,
        train.period_dynamic,
        train.period_streamflow,
        statics.names,
        statics.normalised,
        statics.mean,
        statics.std,
    )
    train_tensors = PeriodTensors(train, scalers, seq_length, target_device)
    del train  # the tensors hold what training reads
    if len(train_tensors.gatherer) == 0:
        raise ValueError(
            f"basin(s) {list(basins)}: no training samples (observed streamflow with a complete "
            f"{seq_length}-day input window) in {periods['train']}"
        )
    logger.info(
        "%s seed %d: %d basin(s), %d training samples",
        experiment_name,
        seed,
        len(basins),
        len(train_tensors.gatherer),
    )
    settings = LoopSettings.from_experiment(experiment, seed, bf16)
    validate = None
    if settings.validate_every > 0:
        validation = PeriodTensors(
            load_period(store_path, basins, inputs, periods["validation"], seq_length),
            scalers,
            seq_length,
            target_device,
        )

        def validate(model: torch.nn.Module) -> float:
            simulated = scalers.streamflow_mm_per_day(
                simulate_samples(model, validation.gatherer, bf16=bf16)
            )
            scores = nse_per_basin(
                simulated, validation.observed(), validation.basin_index, len(basins)
            )
            return float(np.nanmedian(scores)) if np.isfinite(scores).any() else float("nan")

    torch.manual_seed(seed)
    model = build_model(experiment, n_dynamic=len(inputs), n_static=len(statics.names))
    model.to(target_device)
    basin_std = torch.as_tensor(
        np.nan_to_num(scalers.streamflow_std_per_basin, nan=1.0), dtype=torch.float32
    ).to(target_device)
    checkpoint_path = model_path.with_name(CHECKPOINT_NAME)
    result = train_loop(
        model,
        train_tensors.gatherer,
        basin_std,
        settings,
        checkpoint_path,
        # A checkpoint is resumed only for the same settings, data and code (a rebuilt store
        # with other values changes the scalers or the number of samples).
        fingerprint(
            training_code_digest(),
            experiment,
            list(basins),
            periods,
            seed,
            len(train_tensors.gatherer),
            scalers.input_mean.tolist(),
            scalers.input_std.tolist(),
            scalers.streamflow_std_per_basin.tolist(),
        ),
        validate,
    )
    save_model_file(
        model_path,
        state_dict=result.state_dict,
        scalers=scalers,
        experiment_name=experiment_name,
        experiment=experiment,
        periods=periods,
        seed=seed,
        history=result.history,
    )
    logger.info(
        "wrote %s (kept %s until the predictions are aggregated)", model_path, checkpoint_path.name
    )

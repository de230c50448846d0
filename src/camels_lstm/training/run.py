"""Train one model of an experiment (one basin or all basins, one seed) from the zarr store and
the static attribute file, and write the model file."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from camels_lstm.models import build_model
from camels_lstm.training.checkpoint import training_fingerprint
from camels_lstm.training.data import load_period
from camels_lstm.training.finetune import base_scalers, freeze_all_but
from camels_lstm.training.finished_checkpoints import CHECKPOINT_NAME
from camels_lstm.training.finished_model import (
    finished_model_path,
    keep_finished_model,
    reuse_finished_model,
)
from camels_lstm.training.job_settings import training_experiment, training_periods
from camels_lstm.training.loop import LoopSettings, train_loop
from camels_lstm.training.model_file import load_model_file, save_model_file
from camels_lstm.training.scalers import compute_scalers
from camels_lstm.training.sequence_training import window_stride
from camels_lstm.training.simulate import nse_per_basin, simulate_samples
from camels_lstm.training.static_attributes import read_static_attributes
from camels_lstm.training.tensors import PeriodTensors, resolve_device

logger = logging.getLogger(__name__)


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
    threads: int,
    device: str,
    bf16: bool,
    base_model: str | Path | None = None,
) -> None:
    """Train and write ``model_path``, resuming from the checkpoint beside it.

    ``base_model`` (finetuning, :mod:`camels_lstm.training.finetune`): start from its weights,
    normalise with its scalers and train only the experiment's ``trainable`` parameters.

    Only the training and validation periods of ``periods`` are read; the checkpoint is resumed
    when nothing that changes the weights changed
    (:func:`camels_lstm.training.checkpoint.training_fingerprint`).

    The checkpoint is kept after the model file is written, until
    :func:`camels_lstm.training.finished_checkpoints.remove_finished_checkpoints` (why: see there).
    """
    torch.set_num_threads(threads)
    target_device = resolve_device(device)
    seq_length = int(experiment["seq_length"])
    inputs = list(experiment["dynamic_inputs"])
    model_path = Path(model_path)
    train = load_period(store_path, basins, inputs, periods["train"], seq_length)
    base = None if base_model is None else load_model_file(base_model)
    if base is not None:
        scalers = base_scalers(base.scalers, basins)
    else:
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
    predict_last_n = int(experiment["predict_last_n"])
    train_tensors = PeriodTensors(
        train,
        scalers,
        seq_length,
        target_device,
        predict_last_n=predict_last_n,
        window_stride=window_stride(experiment),
    )
    del train  # the tensors hold what training reads
    gatherer = train_tensors.gatherer
    if len(gatherer) == 0:
        raise ValueError(
            f"basin(s) {list(basins)}: no training samples (observed streamflow with a complete "
            f"{gatherer.window_days}-day input window) in {periods['train']}"
        )
    logger.info(
        "%s seed %d: %d basin(s), %d training samples%s",
        experiment_name,
        seed,
        len(basins),
        gatherer.n_target_days,
        ""
        if predict_last_n == 1
        else f" (observed target days: the last {predict_last_n} of {len(gatherer)} windows of "
        f"{gatherer.window_days} days, every {window_stride(experiment)} days)",
    )
    checkpoint_path = model_path.with_name(CHECKPOINT_NAME)
    # A checkpoint (or the kept weights) is reused only for the same weights-changing settings,
    # data and code (a rebuilt store with other values changes the scalers or the number of
    # samples); a new test period, threads or allocator reuse it.
    trained_under = training_fingerprint(
        experiment=experiment,
        basins=basins,
        periods=periods,
        seed=seed,
        training={"device": device, "bf16": bf16},
        data=[
            len(gatherer),
            scalers.input_mean.tolist(),
            scalers.input_std.tolist(),
            scalers.streamflow_std_per_basin.tolist(),
            "" if base_model is None else hashlib.sha256(Path(base_model).read_bytes()).hexdigest(),
        ],
    )
    if reuse_finished_model(model_path, trained_under):
        logger.info(
            "%s seed %d: the weights trained earlier under the same settings and data are "
            "reused (%s); not training again",
            experiment_name,
            seed,
            finished_model_path(model_path).name,
        )
        return
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
    model = build_model(experiment, n_dynamic=len(inputs), n_static=len(scalers.static_attributes))
    if base is not None:
        model.load_state_dict(base.model.state_dict())
        trained = freeze_all_but(model, experiment.get("trainable"))
        logger.info("finetuning %s from %s: training %s", experiment_name, base_model, trained)
    model.to(target_device)
    basin_std = torch.as_tensor(
        np.nan_to_num(scalers.streamflow_std_per_basin, nan=1.0), dtype=torch.float32
    ).to(target_device)
    result = train_loop(
        model,
        gatherer,
        basin_std,
        settings,
        checkpoint_path,
        trained_under,
        validate,
    )
    save_model_file(
        model_path,
        state_dict=result.state_dict,
        scalers=scalers,
        experiment_name=experiment_name,
        experiment=training_experiment(experiment),
        periods=training_periods(periods),  # the test period is the prediction jobs' concern
        seed=seed,
        history=result.history,
        fingerprint=trained_under,
    )
    keep_finished_model(model_path)
    logger.info(
        "wrote %s (kept %s until the predictions are aggregated)", model_path, checkpoint_path.name
    )

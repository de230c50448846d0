"""The training loop: shuffled vectorised batches, Adam/RMSprop with an {epoch: lr} schedule,
gradient clipping, periodic validation with optional early stopping, and a checkpoint after every
epoch so that a killed job resumes and ends with the same weights as an uninterrupted one.

Sequence-to-one (``predict_last_n`` 1): the loss is taken on the last day of each window.
Sequence-to-sequence (``predict_last_n`` N > 1): on the last N days of each window, from the model's
``forward_sequence`` (the state carried through the window), every observed day weighted alike
(NSE*: by its basin's weight); an epoch's sample count and speed count observed target days.

Subnormal floats are flushed to zero in every training thread
(:mod:`camels_lstm.training.subnormals`, set when this module is imported): the gradients carried
back through a long window decay into the subnormal range, where x86 CPUs compute 10-20 times
slower (an LSTM of hidden 256 over 270 days: 0.8 instead of 13 s per batch of 256 here;
benchmarks/README.md, "Sequence-to-sequence training"). The values flushed are below 1e-38, far
below anything a weight update can resolve. Where a thread escaped it (the process ran parallel
torch work before importing this module), the log says so.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from camels_lstm.script_logging import process_age_s
from camels_lstm.training.checkpoint import (
    TrainingState,
    clone_state,
    load_checkpoint,
    save_checkpoint,
)
from camels_lstm.training.data import Batch, WindowGatherer
from camels_lstm.training.losses import LOSSES
from camels_lstm.training.optimizers import OPTIMIZERS
from camels_lstm.training.subnormals import flush_subnormals, subnormals_flushed_in_every_thread

logger = logging.getLogger(__name__)
# Within an epoch longer than this, the log says every this many seconds how far it is.
PROGRESS_SECONDS = 120.0


@dataclass(frozen=True)
class LoopSettings:
    """The training settings of one model; build them from a validated experiment (whose
    schema defaults are filled) with :meth:`from_experiment`: no defaults are restated here."""

    epochs: int
    batch_size: int
    learning_rate: dict[int, float]
    loss: str
    optimizer: str
    clip_grad_norm: float | None
    validate_every: int
    early_stopping_patience: int | None
    seed: int
    bf16: bool
    predict_last_n: int = 1

    @classmethod
    def from_experiment(cls, experiment: Mapping[str, Any], seed: int, bf16: bool) -> LoopSettings:
        return cls(
            epochs=int(experiment["epochs"]),
            batch_size=int(experiment["batch_size"]),
            learning_rate={int(k): float(v) for k, v in experiment["learning_rate"].items()},
            loss=experiment["loss"],
            optimizer=experiment["optimizer"],
            clip_grad_norm=experiment["clip_grad_norm"],
            validate_every=int(experiment["validate_every"]),
            early_stopping_patience=experiment["early_stopping_patience"],
            seed=seed,
            bf16=bf16,
            predict_last_n=int(experiment["predict_last_n"]),
        )


def learning_rate_at(schedule: Mapping[int, float], epoch: int) -> float:
    """Rate of the largest schedule key <= ``epoch`` (1-based); the smallest key before that."""
    keys = sorted(schedule)
    applicable = [key for key in keys if key <= epoch]
    return schedule[applicable[-1] if applicable else keys[0]]


@dataclass(frozen=True)
class LoopResult:
    state_dict: dict[str, torch.Tensor]  # best validated weights with early stopping, else last
    history: list[dict[str, Any]]


def _format_seconds(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _validation_due(settings: LoopSettings, epoch: int) -> bool:
    every = settings.validate_every
    return every > 0 and (epoch % every == 0 or epoch == settings.epochs)


def _update_early_stopping(
    state: TrainingState, model: nn.Module, score: float, epoch: int
) -> None:
    if math.isnan(score):
        return
    if state.best_score is None or score > state.best_score:
        state.best_score, state.best_epoch = score, epoch
        state.best_state = clone_state(model.state_dict())
        state.validations_without_improvement = 0
    else:
        state.validations_without_improvement += 1


def predict_targets(model: nn.Module, batch: Batch, predict_last_n: int) -> torch.Tensor:
    """The model's normalised streamflow on the target days of ``batch``'s windows: (batch,) on
    the last day (``predict_last_n`` 1) or (batch, N) on the last N days."""
    if predict_last_n == 1:
        return model(batch.dynamic, batch.static)
    simulated, _ = model.forward_sequence(batch.dynamic, batch.static)
    return simulated[:, -predict_last_n:]


def batch_loss(
    loss_function: Callable[..., torch.Tensor],
    prediction: torch.Tensor,
    batch: Batch,
    basin_std: torch.Tensor,
) -> torch.Tensor:
    """The loss of a batch: the mean over its observed target days (each day with its basin's
    standard deviation for NSE*)."""
    std = basin_std[batch.basin_index]
    if batch.target.dim() == 2:
        std = std[:, None].expand_as(batch.target)
    return loss_function(prediction.float(), batch.target, std)


def train_loop(
    model: nn.Module,
    gatherer: WindowGatherer,
    basin_std: torch.Tensor,
    settings: LoopSettings,
    checkpoint_path: str | Path,
    fingerprint: str,
    validate: Callable[[nn.Module], float] | None = None,
    after_batch: Callable[[int, int], None] | None = None,
) -> LoopResult:
    """Train ``model`` in place; ``validate(model)`` returns the median validation NSE.

    Call with the global torch seed set and the model freshly built from it; resumes from
    ``checkpoint_path`` when it holds a checkpoint with the same ``fingerprint``.
    ``after_batch(epoch, windows done in the epoch)`` is called after every optimiser step (the
    benchmarks score the model along an epoch with it).
    """
    if len(gatherer) == 0:
        raise ValueError("no training samples")
    if gatherer.target_days != settings.predict_last_n:
        raise ValueError(
            f"the gatherer's windows have {gatherer.target_days} target days, the settings "
            f"predict_last_n {settings.predict_last_n}"
        )
    if flush_subnormals() and not subnormals_flushed_in_every_thread():
        logger.warning(
            "subnormal floats are not flushed to zero in all of torch's %d threads (parallel "
            "torch work ran before camels_lstm.training.loop was imported): training on CPU "
            "may run 10 times slower once gradients get small",
            torch.get_num_threads(),
        )
    device = gatherer.device
    loss_function = LOSSES[settings.loss]
    optimizer = OPTIMIZERS[settings.optimizer](
        model.parameters(), lr=learning_rate_at(settings.learning_rate, 1)
    )
    shuffle = torch.Generator().manual_seed(settings.seed)
    state = load_checkpoint(checkpoint_path, fingerprint, model, optimizer, shuffle)
    if state is None:
        state = TrainingState()
    else:
        logger.info("resuming from %s after epoch %d", checkpoint_path, state.epoch)
    autocast = settings.bf16 and device.type == "cuda"
    n_samples = len(gatherer)  # windows
    n_target_days = gatherer.n_target_days
    age = process_age_s()
    logger.info(
        "training on %d samples, %s, device %s%s",
        n_target_days,
        "one per window"
        if settings.predict_last_n == 1
        else f"observed days among the last {settings.predict_last_n} of {n_samples} windows of "
        f"{gatherer.window_days} days",
        device,
        "" if age is None else f"; first step {age:.2f} s after the process started",
    )
    epoch_seconds: list[float] = []
    while state.epoch < settings.epochs and not state.stopped_early:
        epoch = state.epoch + 1
        rate = learning_rate_at(settings.learning_rate, epoch)
        optimizer.lr = rate
        model.train()
        started = time.perf_counter()
        order = torch.randperm(n_samples, generator=shuffle).to(device)
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        reported = started
        for first in range(0, n_samples, settings.batch_size):
            now = time.perf_counter()
            if first and now - reported >= PROGRESS_SECONDS:  # a long epoch says how far it is
                reported = now
                done = first / n_samples
                speed = done * n_target_days / (now - started)
                logger.info(
                    "epoch %d/%d: %d of %d samples (%.0f %%; %d of %d windows), %.0f samples/s, "
                    "epoch ETA %s",
                    epoch,
                    settings.epochs,
                    round(done * n_target_days),
                    n_target_days,
                    100 * done,
                    first,
                    n_samples,
                    speed,
                    _format_seconds((1 - done) * n_target_days / speed),
                )
            batch = gatherer.batch(order[first : first + settings.batch_size])
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
                prediction = predict_targets(model, batch, settings.predict_last_n)
            loss = batch_loss(loss_function, prediction, batch, basin_std)
            optimizer.zero_grad()
            loss.backward()
            if settings.clip_grad_norm:
                nn.utils.clip_grad_norm_(model.parameters(), settings.clip_grad_norm)
            optimizer.step()
            loss_sum += loss.detach() * (~torch.isnan(batch.target)).sum()
            if after_batch is not None:
                after_batch(epoch, min(first + settings.batch_size, n_samples))
        train_seconds = time.perf_counter() - started
        record: dict[str, Any] = {
            "epoch": epoch,
            "learning_rate": rate,
            "loss": float(loss_sum) / n_target_days,
            # Observed target days per second (one per window in sequence-to-one training).
            "samples_per_second": n_target_days / train_seconds,
            "windows_per_second": n_samples / train_seconds,
            "validation_median_nse": None,
        }
        if validate is not None and _validation_due(settings, epoch):
            score = float(validate(model))
            record["validation_median_nse"] = score
            _update_early_stopping(state, model, score, epoch)
            patience = settings.early_stopping_patience
            if patience and state.validations_without_improvement >= patience:
                state.stopped_early = True
        epoch_seconds.append(time.perf_counter() - started)
        state.epoch = epoch
        state.history.append(record)
        eta = (settings.epochs - epoch) * sum(epoch_seconds) / len(epoch_seconds)
        validation = record["validation_median_nse"]
        logger.info(
            "epoch %d/%d  lr %.2g  loss %.4f  %.0f samples/s%s  ETA %s",
            epoch,
            settings.epochs,
            rate,
            record["loss"],
            record["samples_per_second"],
            "" if validation is None else f"  validation median NSE {validation:.3f}",
            _format_seconds(0 if state.stopped_early else eta),
        )
        save_checkpoint(checkpoint_path, fingerprint, state, model, optimizer, shuffle)
        if state.stopped_early:
            logger.info(
                "early stopping after epoch %d: best median NSE %.3f at epoch %d",
                epoch,
                state.best_score,
                state.best_epoch,
            )
    use_best = settings.early_stopping_patience and state.best_state is not None
    if use_best:
        logger.info("keeping the weights of epoch %d (best validation)", state.best_epoch)
    final = state.best_state if use_best else clone_state(model.state_dict())
    return LoopResult(state_dict=final, history=state.history)

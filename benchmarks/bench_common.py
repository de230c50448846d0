"""Shared parts of the benchmarks: the bare ``nn.LSTM`` training step that is the baseline of the
training benchmarks (forward + backward + Adam on random tensors, the limit of a model of that
shape on the device), and running one measurement in a fresh process under an allocator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

NH_DYNAMIC = ["prcp(mm/day)", "srad(W/m2)", "tmax(C)", "tmin(C)", "vp(Pa)"]


def run_worker(arguments: Sequence[str], allocator: str, label: str) -> dict:
    """Run ``python <arguments>`` in a fresh process under ``allocator``
    (camels_lstm.training.allocator) and return the JSON after its last ``RESULT `` line."""
    from camels_lstm.training.allocator import MARKER, allocator_environment

    environment = {key: value for key, value in os.environ.items() if key != MARKER}
    environment.update(allocator_environment(allocator, environment))
    command = [sys.executable, *arguments]
    output = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    lines = [line for line in output.stdout.splitlines() if line.startswith("RESULT ")]
    if output.returncode or not lines:
        raise RuntimeError(f"{label} failed:\n{output.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def bare_lstm_samples_per_s(
    n_inputs: int,
    hidden: int,
    seq_length: int,
    batch_size: int,
    steps: int,
    num_layers: int = 1,
    device: str = "cpu",
) -> float:
    """Samples/s of ``steps`` timed steps after 3 warm-up steps (seq-to-one head, MSE)."""
    import torch

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(n_inputs, hidden, num_layers=num_layers, batch_first=True).to(device)
    head = torch.nn.Linear(hidden, 1).to(device)
    optimizer = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=1e-3)
    inputs = torch.randn(batch_size, seq_length, n_inputs, device=device)
    target = torch.randn(batch_size, device=device)

    def step() -> None:
        output, _ = lstm(inputs)
        loss = ((head(output[:, -1]).squeeze(-1) - target) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return steps * batch_size / (time.perf_counter() - started)


def neuralhydrology_config(
    camels: Path,
    basins: Sequence[str],
    folder: Path,
    hidden: int,
    seq_length: int,
    batch_size: int,
    static_attributes: Sequence[str],
    **overrides: Any,
):
    """A neuralhydrology 1.13 ``Config`` of the paper's regional ``cudalstm`` on ``basins`` of the
    CAMELS US tree ``camels`` (Daymet, HESS 2019 periods), its files under ``folder``."""
    from neuralhydrology.utils.config import Config

    basin_file = folder / "basins.txt"
    basin_file.write_text("\n".join(basins) + "\n")
    settings = {
        "experiment_name": "bench",
        "run_dir": str(folder / "runs"),
        "train_basin_file": str(basin_file),
        "validation_basin_file": str(basin_file),
        "test_basin_file": str(basin_file),
        "train_start_date": "01/10/1999",
        "train_end_date": "30/09/2008",
        "validation_start_date": "01/10/1980",
        "validation_end_date": "30/09/1989",
        "test_start_date": "01/10/1989",
        "test_end_date": "30/09/1999",
        "device": "cpu",
        "validate_every": 1000,
        "model": "cudalstm",
        "head": "regression",
        "output_activation": "linear",
        "hidden_size": hidden,
        "initial_forget_bias": 3,
        "output_dropout": 0.4,
        "optimizer": "Adam",
        "loss": "NSE",
        "learning_rate": {0: 1e-3},
        "batch_size": batch_size,
        "epochs": 1,
        "clip_gradient_norm": 1,
        "predict_last_n": 1,
        "seq_length": seq_length,
        "num_workers": 0,
        "log_interval": 1000,
        "log_tensorboard": False,
        "save_weights_every": 1000,
        "dataset": "camels_us",
        "data_dir": str(camels),
        "forcings": ["daymet"],
        "dynamic_inputs": NH_DYNAMIC,
        "target_variables": ["QObs(mm/d)"],
        "static_attributes": list(static_attributes),
        "seed": 0,
        **overrides,
    }
    return Config(settings)

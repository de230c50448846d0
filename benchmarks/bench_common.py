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

"""The baseline of the training benchmarks: a bare ``nn.LSTM`` forward + backward + Adam step on
random tensors, the limit of a model of that shape on the device."""

from __future__ import annotations

import time


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

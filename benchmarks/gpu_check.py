"""GPU check of the paper's models at their own size, on inputs of the paper's shapes.

    python benchmarks/gpu_check.py [--device cuda] [--max-seconds 100] [--predict-last-n 365]

Trains, with the workflow's training loop (:func:`camels_lstm.training.loop.train_loop`):
(1) the HESS 2019 regional LSTM (hidden 256, seq 270, dropout 0.4, NSE*, the 27 static
attributes) on 531 basins' worth of training samples (9 water years each, 2 % of the days
unobserved) for one epoch, or ``--max-seconds`` of it, with sequence-to-one training (N = 1,
batch 256) and with ``predict_last_n`` N (batch ``--batch-last-n`` windows); (2) one per-basin LSTM
of the HESS 2018 network (2 layers of 20, seq 365, batch 512) on one basin. Prints, per model,
samples/s (windows), target days/s, peak GPU memory, and the wall time of a full run (30 epochs;
per basin 50, and all 531 basins one after the other) extrapolated from the measured speed.

The inputs are random numbers of the real shapes (speed and memory do not depend on the values):
the device machine cannot reach the CAMELS data. Needs only PyTorch and NumPy besides the
library's training modules (no zarr or netCDF). ``benchmarks/gpu_check.sh`` runs it on the GPU.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

TRAIN_DAYS = 3288  # 1999-10-01..2008-09-30
N_DYNAMIC, N_STATIC = 5, 27


class Stop(Exception):
    """The measured part of the epoch is over."""


def _inputs(n_basins: int, days: int, device):
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    dynamic = rng.normal(size=(n_basins, days, N_DYNAMIC)).astype(np.float32)
    streamflow = rng.gamma(2.0, size=(n_basins, days)).astype(np.float32)
    streamflow[rng.random(streamflow.shape) < 0.02] = np.nan
    static = torch.from_numpy(rng.normal(size=(n_basins, N_STATIC)).astype(np.float32))
    return dynamic, streamflow, static.to(device)


def measure(
    label: str,
    settings: dict,
    n_basins: int,
    epochs: int,
    device_name: str,
    max_seconds: float,
    runs: int = 1,
) -> dict:
    """Train one epoch (or ``max_seconds`` of it) and print its speed and extrapolations."""
    import torch

    from camels_lstm.models import build_model
    from camels_lstm.training.data import WindowGatherer, select_windows
    from camels_lstm.training.loop import LoopSettings, train_loop

    device = torch.device(device_name)
    last_n, seq_length = settings["predict_last_n"], settings["seq_length"]
    warm_up = seq_length - 1
    dynamic, streamflow, static = _inputs(n_basins, warm_up + TRAIN_DAYS, device)
    basin, day = select_windows(dynamic, streamflow, seq_length, warm_up, last_n, last_n)
    gatherer = WindowGatherer(
        torch.from_numpy(dynamic).to(device), static if settings["n_static"] else static[:, :0],
        torch.from_numpy(streamflow).to(device), basin, day, seq_length, last_n,
    )  # fmt: skip
    experiment = {
        "model": "lstm", "hidden_size": settings["hidden_size"],
        "num_layers": settings["num_layers"], "dropout": settings["dropout"],
        "initial_forget_bias": 3.0, "epochs": 1, "batch_size": settings["batch_size"],
        "learning_rate": {0: 1e-3}, "loss": "nse_star", "optimizer": "adam",
        "clip_grad_norm": 1.0, "validate_every": 0, "early_stopping_patience": None,
        "predict_last_n": last_n,
    }  # fmt: skip
    torch.manual_seed(0)
    model = build_model(experiment, N_DYNAMIC, settings["n_static"]).to(device)
    loop = LoopSettings.from_experiment(experiment, seed=0, bf16=False)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    clock: dict[str, float] = {"warm": 0.0, "windows": 0}
    warm_up_batches = 3

    def after_batch(epoch: int, windows: int) -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()
        batches = -(-windows // settings["batch_size"])
        if batches == warm_up_batches:  # start the clock after the first batches
            clock["started"], clock["warm"] = time.perf_counter(), windows
        elif batches > warm_up_batches:
            clock["windows"] = windows - clock["warm"]
            if time.perf_counter() - clock["started"] >= max_seconds:
                raise Stop

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, contextlib.suppress(Stop):
        train_loop(
            model, gatherer, torch.ones(n_basins, device=device), loop,
            Path(folder) / "checkpoint.pt", "gpu-check", after_batch=after_batch,
        )  # fmt: skip
    wall = time.perf_counter() - started
    seconds = time.perf_counter() - clock.get("started", started)
    windows_per_s = clock["windows"] / seconds if clock["windows"] else float("nan")
    per_window = gatherer.n_target_days / len(gatherer)
    target_days_per_s = windows_per_s * per_window
    epoch_s = gatherer.n_target_days / target_days_per_s
    peak_mb = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else float("nan")
    full_run_h = epoch_s * epochs * runs / 3600
    print(
        f"{label}: {len(gatherer):,} windows ({gatherer.n_target_days:,} target days) per epoch; "
        f"{windows_per_s:,.0f} samples/s, {target_days_per_s:,.0f} target days/s; peak GPU memory "
        f"{peak_mb:,.0f} MB; one epoch {epoch_s:,.0f} s; {epochs} epochs"
        + (f" x {runs} basins" if runs > 1 else "")
        + f" extrapolated {duration_text(full_run_h * 3600)}"
        + f" (measured {seconds:.0f} s of {wall:.0f} s)",
        flush=True,
    )
    return {"target_days_per_s": target_days_per_s, "full_run_h": full_run_h}


def duration_text(seconds: float) -> str:
    """A duration with its precision kept: hours from 0.1 h, then minutes, then seconds
    (a short CPU check extrapolates to seconds, which "0.00 h" would hide)."""
    if seconds >= 360:
        return f"{seconds / 3600:.2f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.2g} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--basins", type=int, default=531)
    parser.add_argument("--max-seconds", type=float, default=100.0, help="per model")
    parser.add_argument("--predict-last-n", type=int, default=365)
    parser.add_argument("--batch-last-n", type=int, default=16)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    print(f"device {args.device} ({name}), torch {torch.__version__}", flush=True)
    if args.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True
    paper = {"hidden_size": 256, "num_layers": 1, "dropout": 0.4, "seq_length": 270}
    paper["n_static"] = N_STATIC
    windowed = measure(
        "regional, N = 1 (batch 256)", {**paper, "predict_last_n": 1, "batch_size": 256},
        args.basins, 30, args.device, args.max_seconds,
    )  # fmt: skip
    last_n = measure(
        f"regional, N = {args.predict_last_n} (batch {args.batch_last_n})",
        {**paper, "predict_last_n": args.predict_last_n, "batch_size": args.batch_last_n},
        args.basins, 30, args.device, args.max_seconds,
    )  # fmt: skip
    ratio = last_n["target_days_per_s"] / windowed["target_days_per_s"]
    print(f"N = {args.predict_last_n} trains {ratio:.1f}x the target days/s of N = 1", flush=True)
    per_basin = {"hidden_size": 20, "num_layers": 2, "dropout": 0.1, "seq_length": 365}
    measure(
        "per-basin (HESS 2018 network, N = 1, batch 512)",
        {**per_basin, "n_static": 0, "predict_last_n": 1, "batch_size": 512},
        1, 50, args.device, args.max_seconds / 4, runs=args.basins,
    )  # fmt: skip


if __name__ == "__main__":
    main()

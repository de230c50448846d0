"""Training speed, setup time and memory against a pure nn.LSTM step and neuralhydrology.

Run with the benchmark environment (``make bench-env``), on a CAMELS US tree and a zarr store plus
attribute file built from it (``build_store`` / ``write_static_attributes``, 531 basins):

    .venv-bench/bin/python benchmarks/bench_training.py /tmp/camels/camels_us \\
        --store store531.zarr --attributes static_attributes.nc [--threads 2]

Every measurement runs in a fresh process, once with the system allocator and once with the tuned
one of the training jobs (camels_lstm.training.allocator), so each ratio compares like with like:
(a) our training samples/s against a bare nn.LSTM forward+backward+Adam step on random tensors of
the same shape; (b) against neuralhydrology's cudalstm on the same basins and settings;
(c) setup of a regional model on all 531 basins, from the store (ours) or the text files
(neuralhydrology) to the first batch; (d) the peak resident memory of that run (setup plus a few
training steps).
"""

from __future__ import annotations

import argparse
import atexit
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DYNAMIC = ["prcp", "srad", "tmax", "tmin", "vp"]
TRAIN = {"start": "1999-10-01", "end": "2008-09-30"}


def _static_attributes() -> list[str]:
    config = yaml.safe_load((REPO / "config" / "camels_us_531.yaml").read_text())
    return config["static_attributes"]


def _experiment(hidden: int, seq_length: int, batch_size: int) -> dict:
    return {
        "scope": "regional",
        "model": "lstm",
        "dynamic_inputs": DYNAMIC,
        "static_attributes": _static_attributes(),
        "hidden_size": hidden,
        "num_layers": 1,
        "dropout": 0.4,
        "initial_forget_bias": 3.0,
        "seq_length": seq_length,
        "batch_size": batch_size,
        "epochs": 1,
        "learning_rate": {0: 1e-3},
        "clip_grad_norm": 1.0,
        "loss": "nse_star",
        "optimizer": "adam",
        "validate_every": 0,
        "early_stopping_patience": None,
    }


# --- workers (one measurement per process) ------------------------------------------------


def _ours(args: argparse.Namespace, basins: list[str]) -> dict:
    import torch

    from camels_lstm.models import build_model
    from camels_lstm.training.data import load_period
    from camels_lstm.training.loop import LoopSettings, train_loop
    from camels_lstm.training.scalers import compute_scalers
    from camels_lstm.training.static_attributes import read_static_attributes
    from camels_lstm.training.tensors import PeriodTensors

    torch.set_num_threads(args.threads)
    experiment = _experiment(args.hidden, args.seq_length, args.batch_size)
    started = time.perf_counter()
    train = load_period(args.store, basins, DYNAMIC, TRAIN, args.seq_length)
    statics = read_static_attributes(args.attributes, basins, experiment["static_attributes"])
    scalers = compute_scalers(
        basins, DYNAMIC, train.period_dynamic, train.period_streamflow, statics.names,
        statics.normalised, statics.mean, statics.std,
    )  # fmt: skip
    tensors = PeriodTensors(train, scalers, args.seq_length, torch.device("cpu"))
    first = tensors.gatherer.batch(torch.randperm(len(tensors.gatherer))[: args.batch_size])
    setup = time.perf_counter() - started
    assert first.dynamic.shape == (args.batch_size, args.seq_length, len(DYNAMIC))
    torch.manual_seed(0)
    model = build_model(experiment, len(DYNAMIC), len(statics.names))
    basin_std = torch.as_tensor(scalers.streamflow_std_per_basin, dtype=torch.float32)
    # Time exactly ``steps`` batches.
    gatherer = tensors.gatherer.subset(
        torch.randperm(len(tensors.gatherer)).numpy()[: args.steps * args.batch_size]
    )
    settings = LoopSettings.from_experiment({**experiment, "epochs": 2}, 0, False)
    with tempfile.TemporaryDirectory() as folder:  # epoch 1 warms up, epoch 2 is timed
        result = train_loop(
            model, gatherer, basin_std, settings, Path(folder) / "checkpoint.pt", "bench"
        )
    return {
        "setup_s": setup,
        "samples_per_s": result.history[-1]["samples_per_second"],
        "samples": len(tensors.gatherer),
    }


def _pure(args: argparse.Namespace) -> dict:
    import torch
    from bench_common import bare_lstm_samples_per_s

    torch.set_num_threads(args.threads)
    n_inputs = len(DYNAMIC) + len(_static_attributes())
    speed = bare_lstm_samples_per_s(
        n_inputs, args.hidden, args.seq_length, args.batch_size, args.steps
    )
    return {"samples_per_s": speed}


def _neuralhydrology(args: argparse.Namespace, basins: list[str]) -> dict:
    import torch
    from bench_common import neuralhydrology_config
    from neuralhydrology.training.basetrainer import BaseTrainer

    torch.set_num_threads(args.threads)
    folder = Path(tempfile.mkdtemp(prefix="bench_nh_"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    config = neuralhydrology_config(
        args.camels,
        basins,
        folder,
        args.hidden,
        args.seq_length,
        args.batch_size,
        _static_attributes(),
        max_updates_per_epoch=args.steps,
    )
    started = time.perf_counter()
    trainer = BaseTrainer(config)
    trainer.initialize_training()
    next(iter(trainer.loader))
    setup = time.perf_counter() - started
    trainer._disable_pbar = True
    trainer._train_epoch(epoch=1)  # warm-up, as for the other two
    started = time.perf_counter()
    trainer._train_epoch(epoch=2)
    elapsed = time.perf_counter() - started
    return {"setup_s": setup, "samples_per_s": args.steps * args.batch_size / elapsed}


def _worker(args: argparse.Namespace) -> None:
    if args.worker == "pure":
        result = _pure(args)
    else:
        basins = [b for b in Path(args.basin_file).read_text().split() if b][: args.basins]
        run = _ours if args.worker == "ours" else _neuralhydrology
        result = run(args, basins)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(result), flush=True)


# --- driver ---------------------------------------------------------------------------------


def _run(args: argparse.Namespace, worker: str, allocator: str, basins: int, steps: int) -> dict:
    from bench_common import run_worker

    arguments = [
        __file__, str(args.camels), "--store", str(args.store),
        "--attributes", str(args.attributes), "--worker", worker, "--basins", str(basins),
        "--steps", str(steps), "--threads", str(args.threads), "--hidden", str(args.hidden),
        "--seq-length", str(args.seq_length), "--batch-size", str(args.batch_size),
    ]  # fmt: skip
    return run_worker(arguments, allocator, f"{worker} ({allocator})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("camels", type=Path, help="CAMELS US tree (for neuralhydrology)")
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--attributes", type=Path, required=True)
    parser.add_argument("--basin-file", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seq-length", type=int, default=270)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--basins", type=int, default=10, help="basins of the speed runs")
    parser.add_argument("--steps", type=int, default=40, help="timed training steps")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved speed repeats")
    parser.add_argument("--tuned", default="auto", help="allocator compared with 'system'")
    parser.add_argument("--skip-setup", action="store_true", help="only (a) and (b)")
    parser.add_argument("--worker", choices=["ours", "pure", "neuralhydrology"])
    args = parser.parse_args()
    args.basin_file = args.basin_file or args.camels / "basin_list_531.txt"
    if args.worker:
        _worker(args)
        return
    print(
        f"hidden {args.hidden}, seq {args.seq_length}, batch {args.batch_size}, "
        f"{args.threads} threads, {args.basins} basins, {args.steps} timed steps after "
        f"{args.steps} warm-up steps, best of {args.repeats}"
    )
    for allocator in ("system", args.tuned):
        # Interleaved repeats, best of each: other load on the machine only ever slows a run.
        runs: dict[str, list[dict]] = {"pure": [], "ours": [], "neuralhydrology": []}
        for _ in range(args.repeats):
            for worker, results in runs.items():
                results.append(_run(args, worker, allocator, args.basins, args.steps))
        pure, ours, nh = (
            max(results, key=lambda result: result["samples_per_s"]) for results in runs.values()
        )
        print(
            f"[{allocator}] samples/s: ours {ours['samples_per_s']:.0f}, pure nn.LSTM step "
            f"{pure['samples_per_s']:.0f}, neuralhydrology {nh['samples_per_s']:.0f} -> "
            f"(a) {ours['samples_per_s'] / pure['samples_per_s']:.2f}x pure, "
            f"(b) {ours['samples_per_s'] / nh['samples_per_s']:.2f}x neuralhydrology",
            flush=True,
        )
        if args.skip_setup:
            continue
        ours = _run(args, "ours", allocator, 531, 3)
        nh = _run(args, "neuralhydrology", allocator, 531, 3)
        print(
            f"[{allocator}] 531 basins: setup ours {ours['setup_s']:.2f} s, neuralhydrology "
            f"{nh['setup_s']:.1f} s -> (c) {nh['setup_s'] / ours['setup_s']:.0f}x faster; "
            f"peak RSS ours {ours['peak_rss_mb']:.0f} MB, neuralhydrology "
            f"{nh['peak_rss_mb']:.0f} MB -> (d) {ours['peak_rss_mb'] / nh['peak_rss_mb']:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()

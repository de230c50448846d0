"""Prediction speed and memory: the workflow's test-period prediction against a bare forward-only
``nn.LSTM`` of the same shape, and its peak memory against training the same model.

    .venv/bin/python benchmarks/bench_prediction.py --store results/data/camels_us.zarr \\
        --attributes results/data/static_attributes.nc [--basins 531] [--hidden 256]

A regional model (random weights: speed does not depend on them) is written as a model file with
the scalers of the store's training period. Each measurement runs in a fresh process under the
training jobs' allocator: (a) ``camels_lstm.training.predict.predict`` of the test period of
``--basins`` basins (store read, windows, forward passes, netCDF-ready dataset: the work of a
prediction job) against a bare ``nn.LSTM`` forward pass under ``torch.inference_mode`` over
windows of the same shape (random tensors, the same batch: the training batch); (b) the peak
resident memory of that prediction against a process that trains the same model for a few
steps on the same basins; (c) with ``--camels-dir``, ``camels-lstm predict``'s work from a model
package of the same model (package read and verified, CAMELS text files parsed, static
attributes normalised, windows, forward passes, CF dataset) against the same bare LSTM, and the
package's size and load time.
The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
DYNAMIC = ["prcp", "srad", "tmax", "tmin", "vp"]
PERIODS = {
    "train": {"start": "1999-10-01", "end": "2008-09-30"},
    "test": {"start": "1989-10-01", "end": "1999-09-30"},
}
BATCH = 256  # the model's training batch, which prediction uses


def _experiment(args: argparse.Namespace, statics: list[str]) -> dict:
    return {
        "scope": "regional",
        "model": "lstm",
        "dynamic_inputs": DYNAMIC,
        "static_attributes": statics,
        "hidden_size": args.hidden,
        "num_layers": 1,
        "dropout": 0.0,
        "initial_forget_bias": 3.0,
        "seq_length": args.seq_length,
        "batch_size": 256,
        "epochs": 1,
        "learning_rate": {0: 1e-3},
        "clip_grad_norm": 1.0,
        "loss": "nse_star",
        "optimizer": "adam",
        "validate_every": 0,
        "early_stopping_patience": None,
    }


def _basins(args: argparse.Namespace) -> list[str]:
    import xarray as xr

    with xr.open_dataset(args.attributes) as attributes:
        return [str(b) for b in attributes["basin"].values][: args.basins]


def _write_model(args: argparse.Namespace, path: Path) -> None:
    import torch
    import yaml

    from camels_lstm.models import build_model
    from camels_lstm.training.data import load_period
    from camels_lstm.training.model_file import save_model_file
    from camels_lstm.training.scalers import compute_scalers
    from camels_lstm.training.static_attributes import read_static_attributes

    basins = _basins(args)
    paper = yaml.safe_load((REPO / "config" / "camels_us_531.yaml").read_text())
    with_statics = read_static_attributes(args.attributes, basins, paper["static_attributes"])
    statics = list(with_statics.names)
    train = load_period(args.store, basins, DYNAMIC, PERIODS["train"], args.seq_length)
    scalers = compute_scalers(
        basins, DYNAMIC, train.period_dynamic, train.period_streamflow, statics,
        with_statics.normalised, with_statics.mean, with_statics.std,
    )  # fmt: skip
    experiment = _experiment(args, statics)
    torch.manual_seed(0)
    model = build_model(experiment, len(DYNAMIC), len(statics))
    save_model_file(
        path, state_dict=model.state_dict(), scalers=scalers, experiment_name="bench",
        experiment=experiment, periods=PERIODS, seed=0, history=[],
    )  # fmt: skip


def _ours(args: argparse.Namespace) -> dict:
    import torch

    from camels_lstm.training.predict import predict

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    predictions = predict(args.model, args.store, PERIODS["test"]["start"], PERIODS["test"]["end"])
    elapsed = time.perf_counter() - started
    windows = int(predictions["streamflow_sim_mm_per_day"].notnull().sum())
    return {"seconds": elapsed, "windows": windows, "windows_per_s": windows / elapsed}


def _bare(args: argparse.Namespace) -> dict:
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n_inputs = len(DYNAMIC) + args.n_statics
    lstm = torch.nn.LSTM(n_inputs, args.hidden, batch_first=True)
    head = torch.nn.Linear(args.hidden, 1)
    inputs = torch.randn(BATCH, args.seq_length, n_inputs)
    with torch.inference_mode():
        head(lstm(inputs)[0][:, -1])  # warm-up
        started = time.perf_counter()
        for _ in range(args.steps):
            head(lstm(inputs)[0][:, -1])
        elapsed = time.perf_counter() - started
    return {"windows_per_s": args.steps * BATCH / elapsed}


def _train(args: argparse.Namespace) -> dict:
    import torch

    from camels_lstm.training.data import load_period
    from camels_lstm.training.loop import LoopSettings, train_loop
    from camels_lstm.training.model_file import load_model_file
    from camels_lstm.training.tensors import PeriodTensors

    torch.set_num_threads(args.threads)
    trained = load_model_file(args.model)
    basins = list(trained.scalers.basins)
    train = load_period(args.store, basins, DYNAMIC, PERIODS["train"], args.seq_length)
    tensors = PeriodTensors(train, trained.scalers, args.seq_length, torch.device("cpu"))
    chosen = torch.randperm(len(tensors.gatherer)).numpy()[: 3 * 256]
    settings = LoopSettings.from_experiment({**trained.experiment, "epochs": 1}, 0, False)
    basin_std = torch.as_tensor(trained.scalers.streamflow_std_per_basin, dtype=torch.float32)
    model = trained.model.train()
    with tempfile.TemporaryDirectory() as folder:
        train_loop(
            model, tensors.gatherer.subset(chosen), basin_std, settings,
            Path(folder) / "checkpoint.pt", "bench",
        )  # fmt: skip
    return {}


def _package(args: argparse.Namespace) -> dict:
    import torch

    from camels_lstm.data.quality import resolve_policies
    from camels_lstm.packages.package import read_package, write_package
    from camels_lstm.packages.predict import predict_package

    torch.set_num_threads(args.threads)
    package_path = args.model.with_name("package.zip")
    data = {
        "forcing": "daymet",
        "streamflow_area": "daymet_header",
        "data_checks": resolve_policies(None),
    }
    write_package(package_path, {"seed0": args.model}, data)
    started = time.perf_counter()
    package = read_package(package_path)
    loaded = time.perf_counter()
    test = PERIODS["test"]
    basins = list(package.members["seed0"].scalers.basins)
    predictions = predict_package(package, args.camels_dir, basins, test["start"], test["end"])
    elapsed = time.perf_counter() - loaded
    windows = int(predictions["streamflow_sim_mm_per_day"].notnull().sum())
    return {
        "seconds": elapsed,
        "windows": windows,
        "windows_per_s": windows / elapsed,
        "load_s": loaded - started,
        "package_bytes": package_path.stat().st_size,
    }


WORKERS = {"ours": _ours, "bare": _bare, "train": _train, "package": _package}


def _run(args: argparse.Namespace, worker: str) -> dict:
    from bench_common import run_worker

    arguments = [
        __file__, "--store", str(args.store), "--attributes",
        str(args.attributes), "--worker", worker, "--model", str(args.model), "--basins",
        str(args.basins), "--hidden", str(args.hidden), "--seq-length", str(args.seq_length),
        "--threads", str(args.threads), "--steps", str(args.steps), "--n-statics",
        str(args.n_statics), *(["--camels-dir", str(args.camels_dir)] if args.camels_dir else []),
    ]  # fmt: skip
    return run_worker(arguments, "auto", worker)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--attributes", type=Path, required=True)
    parser.add_argument("--basins", type=int, default=531)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--seq-length", type=int, default=270)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="timed batches of the bare LSTM")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--worker", choices=sorted(WORKERS))
    parser.add_argument("--model", type=Path)
    parser.add_argument("--n-statics", type=int, default=0)
    parser.add_argument("--camels-dir", type=Path, help="CAMELS US tree: also time (c)")
    parser.add_argument("--skip-memory", action="store_true", help="leave out (b)")
    args = parser.parse_args()
    if args.worker:
        result = WORKERS[args.worker](args)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("RESULT " + json.dumps(result), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="bench_prediction_") as folder:
        args.model = Path(folder) / "model.pt"
        _write_model(args, args.model)
        import torch

        args.n_statics = len(
            torch.load(args.model, weights_only=True)["scalers"]["static_attributes"]
        )
        test = PERIODS["test"]
        print(
            f"{args.basins} basins, test period {test['start']}..{test['end']}, hidden "
            f"{args.hidden}, seq {args.seq_length}, {args.n_statics} statics, batch {BATCH}, "
            f"{args.threads} threads; load average "
            + " ".join(f"{x:.2f}" for x in os.getloadavg()),
            flush=True,
        )
        ours = [_run(args, "ours") for _ in range(args.repeats)]
        bare = [_run(args, "bare") for _ in range(args.repeats)]
        best = min(ours, key=lambda r: r["seconds"])
        bare_speed = max(r["windows_per_s"] for r in bare)
        print(
            f"(a) prediction: {best['seconds']:.1f} s for {best['windows']:,} windows = "
            f"{best['windows_per_s']:,.0f} windows/s; bare forward-only nn.LSTM "
            f"{bare_speed:,.0f} windows/s -> {best['windows_per_s'] / bare_speed:.2f}x",
            flush=True,
        )
        if not args.skip_memory:
            training = _run(args, "train")
            ratio = best["peak_rss_mb"] / training["peak_rss_mb"]
            print(
                f"(b) peak RSS: prediction {best['peak_rss_mb']:.0f} MB, training the same "
                f"model {training['peak_rss_mb']:.0f} MB -> {ratio:.2f}",
                flush=True,
            )
        if args.camels_dir:
            package = min(
                (_run(args, "package") for _ in range(args.repeats)), key=lambda r: r["seconds"]
            )
            print(
                f"(c) camels-lstm predict from a package: {package['seconds']:.1f} s for "
                f"{package['windows']:,} windows = {package['windows_per_s']:,.0f} windows/s "
                f"-> {package['windows_per_s'] / bare_speed:.2f}x the bare LSTM; package "
                f"{package['package_bytes'] / 1e6:.2f} MB, read and verified in "
                f"{package['load_s']:.2f} s",
                flush=True,
            )
        print("load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()

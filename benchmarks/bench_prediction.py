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
Each ``--prediction`` mode (windows, sequence: camels_lstm.training.simulate) is timed for (a),
against the bare LSTM of that mode (windows: batches of windows; sequence: one pass over every
basin's record). ``--neuralhydrology CAMELS_DIR`` (run with ``.venv-bench/bin/python``) adds (d):
neuralhydrology 1.13's evaluation of the test period (``RegressionTester.evaluate``, its reading
of the text files included) of the same basins with a ``cudalstm`` of the same shape, in the same
run under the same allocator. ``--trained-model`` predicts with a trained regional model file
(its basins, shape and weights) instead of random weights and adds (e): the median test NSE of
each mode and how far the modes' NSEs lie apart per basin.
The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import shutil
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

    if args.trained_model:
        import torch

        saved = torch.load(args.trained_model, map_location="cpu", weights_only=True)
        return list(saved["basins"])[: args.basins]
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

    from camels_lstm.evaluation.metrics import nse
    from camels_lstm.training.predict import predict

    torch.set_num_threads(args.threads)
    test = PERIODS["test"]
    started = time.perf_counter()
    predictions = predict(
        args.model, args.store, test["start"], test["end"], basins=_basins(args), mode=args.mode
    )
    elapsed = time.perf_counter() - started
    simulated = predictions["streamflow_sim_mm_per_day"].transpose("basin", "date").values
    observed = predictions["streamflow_obs_mm_per_day"].transpose("basin", "date").values
    days = int(predictions["streamflow_sim_mm_per_day"].notnull().sum())
    scores = [float(nse(observed[row], simulated[row])) for row in range(len(observed))]
    return {"seconds": elapsed, "windows": days, "windows_per_s": days / elapsed, "nse": scores}


def _bare(args: argparse.Namespace) -> dict:
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n_inputs = len(DYNAMIC) + args.n_statics
    lstm = torch.nn.LSTM(n_inputs, args.hidden, batch_first=True)
    head = torch.nn.Linear(args.hidden, 1)
    if args.mode == "sequence":  # one pass over every basin's test period and warm-up
        days = 3652  # 1989-10-01..1999-09-30
        inputs = torch.randn(args.basins, days + args.seq_length - 1, n_inputs)
        with torch.inference_mode():
            started = time.perf_counter()
            head(lstm(inputs)[0][:, args.seq_length - 1 :])
            elapsed = time.perf_counter() - started
        return {"windows_per_s": args.basins * days / elapsed}
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


def _neuralhydrology(args: argparse.Namespace) -> dict:
    """neuralhydrology's evaluation of the test period of the same basins: a cudalstm of the same
    shape (random weights; its scalers from its own training-period data), timed from the tester's
    creation to the end of ``evaluate`` (per basin: text files read, windows, forward passes)."""
    import torch
    from bench_common import neuralhydrology_config
    from neuralhydrology.evaluation import get_tester
    from neuralhydrology.training.basetrainer import BaseTrainer

    torch.set_num_threads(args.threads)
    folder = Path(tempfile.mkdtemp(prefix="bench_nh_"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    saved = torch.load(args.model, map_location="cpu", weights_only=True)
    config = neuralhydrology_config(
        args.neuralhydrology, _basins(args), folder, saved["experiment"]["hidden_size"],
        args.seq_length, BATCH, saved["scalers"]["static_attributes"], verbose=0,
    )  # fmt: skip
    trainer = BaseTrainer(config)
    trainer.initialize_training()  # its scalers, from the training period
    torch.save(trainer.model.state_dict(), config.run_dir / "model_epoch001.pt")
    started = time.perf_counter()
    tester = get_tester(cfg=config, run_dir=config.run_dir, period="test", init_model=True)
    results = tester.evaluate(epoch=1, save_results=False, metrics=["NSE"])
    elapsed = time.perf_counter() - started
    days = sum(
        int(result["1D"]["xr"]["QObs(mm/d)_sim"].notnull().sum()) for result in results.values()
    )
    return {"seconds": elapsed, "windows": days, "windows_per_s": days / elapsed}


WORKERS = {
    "ours": _ours,
    "bare": _bare,
    "train": _train,
    "package": _package,
    "neuralhydrology": _neuralhydrology,
}


def _run(args: argparse.Namespace, worker: str, mode: str = "windows") -> dict:
    from bench_common import run_worker

    arguments = [
        __file__, "--store", str(args.store), "--attributes",
        str(args.attributes), "--worker", worker, "--model", str(args.model), "--basins",
        str(args.basins), "--hidden", str(args.hidden), "--seq-length", str(args.seq_length),
        "--threads", str(args.threads), "--steps", str(args.steps), "--n-statics",
        str(args.n_statics), "--mode", mode,
        *(["--camels-dir", str(args.camels_dir)] if args.camels_dir else []),
        *(["--neuralhydrology", str(args.neuralhydrology)] if args.neuralhydrology else []),
        *(["--trained-model", str(args.trained_model)] if args.trained_model else []),
    ]  # fmt: skip
    return run_worker(arguments, "auto", worker)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _nse_comparison(by_mode: dict[str, dict]) -> None:
    import numpy as np

    windows = np.asarray(by_mode["windows"]["nse"])
    sequence = np.asarray(by_mode["sequence"]["nse"])
    both = np.isfinite(windows) & np.isfinite(sequence)
    difference = sequence[both] - windows[both]
    quantiles = np.percentile(difference, [5, 50, 95])
    print(
        f"(e) median test NSE over {both.sum()} basins: windows {np.median(windows[both]):.3f}, "
        f"sequence {np.median(sequence[both]):.3f}; per basin sequence - windows: 5/50/95 % "
        f"{quantiles[0]:+.3f}/{quantiles[1]:+.3f}/{quantiles[2]:+.3f}, |difference| > 0.05 in "
        f"{(np.abs(difference) > 0.05).sum()} basins",
        flush=True,
    )


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
    parser.add_argument(
        "--prediction", nargs="+", default=["windows", "sequence"], choices=["windows", "sequence"]
    )
    parser.add_argument("--worker", choices=sorted(WORKERS))
    parser.add_argument("--mode", default="windows", help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--n-statics", type=int, default=0)
    parser.add_argument("--camels-dir", type=Path, help="CAMELS US tree: also time (c)")
    parser.add_argument(
        "--neuralhydrology", type=Path, help="CAMELS US tree: also time neuralhydrology (d)"
    )
    parser.add_argument("--trained-model", type=Path, help="a trained regional model file")
    parser.add_argument("--skip-memory", action="store_true", help="leave out (b)")
    args = parser.parse_args()
    if args.worker:
        result = WORKERS[args.worker](args)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("RESULT " + json.dumps(result), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="bench_prediction_") as folder:
        import torch

        if args.trained_model:
            args.model = args.trained_model
            saved = torch.load(args.model, weights_only=True)
            args.hidden = int(saved["experiment"]["hidden_size"])
            args.seq_length = int(saved["experiment"]["seq_length"])
            args.basins = len(_basins(args))
        else:
            args.model = Path(folder) / "model.pt"
            _write_model(args, args.model)
        args.n_statics = len(
            torch.load(args.model, weights_only=True)["scalers"]["static_attributes"]
        )
        test = PERIODS["test"]
        print(
            f"{args.basins} basins, test period {test['start']}..{test['end']}, hidden "
            f"{args.hidden}, seq {args.seq_length}, {args.n_statics} statics, batch {BATCH}, "
            f"{args.threads} threads, {'trained' if args.trained_model else 'random'} weights; "
            f"load average {_load()}",
            flush=True,
        )
        by_mode = {}
        for mode in args.prediction:
            ours = [_run(args, "ours", mode) for _ in range(args.repeats)]
            bare = [_run(args, "bare", mode) for _ in range(args.repeats)]
            best = by_mode[mode] = min(ours, key=lambda r: r["seconds"])
            bare_speed = max(r["windows_per_s"] for r in bare)
            print(
                f"(a) {mode}: prediction {best['seconds']:.1f} s for {best['windows']:,} "
                f"simulated days = {best['windows_per_s']:,.0f} days/s; bare forward-only "
                f"nn.LSTM {bare_speed:,.0f} days/s -> {best['windows_per_s'] / bare_speed:.2f}x; "
                f"peak RSS {best['peak_rss_mb']:.0f} MB; load average {_load()}",
                flush=True,
            )
        if not args.skip_memory:
            training = _run(args, "train")
            for mode, best in by_mode.items():
                ratio = best["peak_rss_mb"] / training["peak_rss_mb"]
                print(
                    f"(b) peak RSS: prediction ({mode}) {best['peak_rss_mb']:.0f} MB, training the "
                    f"same model {training['peak_rss_mb']:.0f} MB -> {ratio:.2f}",
                    flush=True,
                )
        if args.camels_dir:
            package = min(
                (_run(args, "package") for _ in range(args.repeats)), key=lambda r: r["seconds"]
            )
            print(
                f"(c) camels-lstm predict from a package: {package['seconds']:.1f} s for "
                f"{package['windows']:,} windows = {package['windows_per_s']:,.0f} windows/s; "
                f"package {package['package_bytes'] / 1e6:.2f} MB, read and verified in "
                f"{package['load_s']:.2f} s",
                flush=True,
            )
        if args.neuralhydrology:
            nh = _run(args, "neuralhydrology")
            print(
                f"(d) neuralhydrology evaluation of the test period: {nh['seconds']:.1f} s for "
                f"{nh['windows']:,} simulated days, peak RSS {nh['peak_rss_mb']:.0f} MB; "
                + "; ".join(
                    f"ours ({mode}) {nh['seconds'] / best['seconds']:.1f}x faster"
                    for mode, best in by_mode.items()
                )
                + f"; load average {_load()}",
                flush=True,
            )
        if args.trained_model and {"windows", "sequence"} <= set(by_mode):
            _nse_comparison(by_mode)
        print(f"load average {_load()}")


if __name__ == "__main__":
    main()

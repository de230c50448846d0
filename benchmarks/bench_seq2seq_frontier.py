"""Sequence-to-one against sequence-to-sequence training under the same wall-time budget: the
frontier of median test NSE against training time of the HESS 2019 regional LSTM on a seeded draw
of basins.

    .venv/bin/python benchmarks/bench_seq2seq_frontier.py --store results/data/camels_us.zarr \\
        --attributes results/data/static_attributes.nc --basin-file config/basins_531.txt \\
        --n-basins 100 --budget-s 300 --output benchmarks/results/frontier.json

Each setting ``N:stride:batch`` of ``--settings`` (``predict_last_n``, ``window_stride``,
``batch_size`` in windows) trains the paper's network (hidden 256, seq 270, dropout 0.4, NSE*,
Adam at 1e-3, gradient-norm clipping 1, the 27 static attributes of config/camels_us_531.yaml,
Daymet, HESS 2019 periods) with the workflow's training loop
(:func:`camels_lstm.training.loop.train_loop`) in a fresh process under the training jobs'
allocator, for ``--budget-s`` seconds of training. Every ``--score-every-s`` seconds of training
the model is scored on the test period (1989-10-01..1999-09-30) of the same basins with
``prediction: sequence`` (the clock stops while scoring): median and mean NSE, target days seen.
The baseline is N = 1 (sequence-to-one, the papers' training), measured in the same run; each
line prints its median NSE at the end of the budget and the ratio of its target days/s to the
baseline's. The load average is printed before and after each setting.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

DYNAMIC = ["prcp", "srad", "tmax", "tmin", "vp"]
PERIODS = {
    "train": {"start": "1999-10-01", "end": "2008-09-30"},
    "validation": {"start": "1980-10-01", "end": "1989-09-30"},
    "test": {"start": "1989-10-01", "end": "1999-09-30"},
}
SEQ_LENGTH = 270


class BudgetSpent(Exception):
    """Raised by the batch hook once the training budget is spent."""


def _experiment(last_n: int, stride: int, batch: int, statics: list[str]) -> dict:
    return {
        "scope": "regional", "model": "lstm", "dynamic_inputs": DYNAMIC,
        "static_attributes": statics, "hidden_size": 256, "num_layers": 1, "dropout": 0.4,
        "initial_forget_bias": 3.0, "seq_length": SEQ_LENGTH, "predict_last_n": last_n,
        "window_stride": stride, "batch_size": batch, "epochs": 100_000,
        "learning_rate": {0: 1e-3}, "clip_grad_norm": 1.0, "loss": "nse_star",
        "optimizer": "adam", "validate_every": 0, "early_stopping_patience": None,
    }  # fmt: skip


def draw_basins(basin_file: Path, n_basins: int, seed: int) -> list[str]:
    """``n_basins`` of the list in ``basin_file``, drawn with ``seed``, in the list's order."""
    import numpy as np

    from camels_lstm.config import read_basin_list

    basins = read_basin_list(basin_file)
    picked = set(np.random.default_rng(seed).choice(len(basins), n_basins, replace=False))
    return [basin for index, basin in enumerate(basins) if index in picked]


def _worker(args: argparse.Namespace) -> dict:
    import numpy as np
    import torch
    import yaml

    from camels_lstm.models import build_model
    from camels_lstm.training.data import load_period
    from camels_lstm.training.loop import LoopSettings, train_loop
    from camels_lstm.training.scalers import compute_scalers
    from camels_lstm.training.simulate import PREDICTION_MODES, nse_per_basin
    from camels_lstm.training.static_attributes import read_static_attributes
    from camels_lstm.training.tensors import PeriodTensors

    torch.set_num_threads(args.threads)
    last_n, stride, batch = (int(part) for part in args.setting.split(":"))
    basins = draw_basins(args.basin_file, args.n_basins, args.draw_seed)
    paper = yaml.safe_load((REPO / "config" / "camels_us_531.yaml").read_text())
    statics = read_static_attributes(args.attributes, basins, paper["static_attributes"])
    train = load_period(args.store, basins, DYNAMIC, PERIODS["train"], SEQ_LENGTH)
    scalers = compute_scalers(
        basins, DYNAMIC, train.period_dynamic, train.period_streamflow, statics.names,
        statics.normalised, statics.mean, statics.std,
    )  # fmt: skip
    device = torch.device("cpu")
    tensors = PeriodTensors(
        train, scalers, SEQ_LENGTH, device, predict_last_n=last_n, window_stride=stride
    )
    test = PeriodTensors(
        load_period(args.store, basins, DYNAMIC, PERIODS["test"], SEQ_LENGTH),
        scalers, SEQ_LENGTH, device,
    )  # fmt: skip
    experiment = _experiment(last_n, stride, batch, list(statics.names))
    settings = LoopSettings.from_experiment(experiment, seed=0, bf16=False)
    torch.manual_seed(0)
    model = build_model(experiment, len(DYNAMIC), len(statics.names))
    basin_std = torch.as_tensor(
        np.nan_to_num(scalers.streamflow_std_per_basin, nan=1.0), dtype=torch.float32
    )
    gatherer = tensors.gatherer
    per_window = gatherer.n_target_days / len(gatherer)
    points: list[dict] = []
    clock = {"trained": 0.0, "since": time.perf_counter()}

    def score(epoch: int, windows_in_epoch: int) -> None:
        windows = len(gatherer) * (epoch - 1) + windows_in_epoch  # epochs are whole passes
        simulated = PREDICTION_MODES["sequence"](model, test, 2048)
        scores = nse_per_basin(
            scalers.streamflow_mm_per_day(simulated), test.observed(), test.basin_index,
            len(basins),
        )  # fmt: skip
        points.append({
            "train_seconds": round(clock["trained"], 1), "epoch": epoch,
            "windows": windows, "target_days": round(windows * per_window),
            "median_nse": float(np.nanmedian(scores)), "mean_nse": float(np.nanmean(scores)),
        })  # fmt: skip
        print(f"  {points[-1]}", file=sys.stderr, flush=True)

    def after_batch(epoch: int, windows_in_epoch: int) -> None:
        now = time.perf_counter()
        clock["trained"] += now - clock["since"]
        due = len(points) * args.score_every_s
        if clock["trained"] >= due or clock["trained"] >= args.budget_s:
            score(epoch, windows_in_epoch)
        if clock["trained"] >= args.budget_s:
            raise BudgetSpent
        clock["since"] = time.perf_counter()

    with tempfile.TemporaryDirectory() as folder, contextlib.suppress(BudgetSpent):
        train_loop(
            model, gatherer, basin_std, settings, Path(folder) / "checkpoint.pt", "bench",
            after_batch=after_batch,
        )  # fmt: skip
    final = points[-1]
    return {
        "setting": args.setting, "predict_last_n": last_n, "window_stride": stride,
        "batch_size": batch, "basins": len(basins), "windows_per_epoch": len(gatherer),
        "target_days_per_epoch": gatherer.n_target_days,
        "target_days_per_s": final["target_days"] / final["train_seconds"],
        "windows_per_s": final["windows"] / final["train_seconds"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "points": points,
    }  # fmt: skip


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.5))
    for result in results:
        points = result["points"]
        axis.plot(
            [p["train_seconds"] / 60 for p in points], [p["median_nse"] for p in points],
            marker="o", markersize=3,
            label=f"N={result['predict_last_n']}, stride {result['window_stride']}, "
            f"batch {result['batch_size']}",
        )  # fmt: skip
    axis.set_xlabel("training wall time on 2 CPU cores (min)")
    axis.set_ylabel(f"median test NSE ({results[0]['basins']} basins)")
    axis.set_ylim(bottom=max(-0.5, axis.get_ylim()[0]))
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    axis.set_title("HESS 2019 regional LSTM: sequence-to-one (N=1) vs last-N training")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--attributes", type=Path, required=True)
    parser.add_argument("--basin-file", type=Path, default=REPO / "config" / "basins_531.txt")
    parser.add_argument("--n-basins", type=int, default=100)
    parser.add_argument("--draw-seed", type=int, default=0)
    parser.add_argument("--budget-s", type=float, default=600.0)
    parser.add_argument("--score-every-s", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--settings",
        default="1:1:256,30:30:32,90:90:32,365:365:16",
        help="comma-separated predict_last_n:window_stride:batch_size; the first is the baseline",
    )
    parser.add_argument("--output", type=Path, help="JSON of every setting's curve (+ .png)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--setting", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print("RESULT " + json.dumps(_worker(args)), flush=True)
        return
    from bench_common import run_worker

    results = []
    for setting in args.settings.split(","):
        print(f"{setting}: load average before {_load()}", flush=True)
        arguments = [
            __file__, "--worker", "--setting", setting, "--store", str(args.store),
            "--attributes", str(args.attributes), "--basin-file", str(args.basin_file),
            "--n-basins", str(args.n_basins), "--draw-seed", str(args.draw_seed),
            "--budget-s", str(args.budget_s), "--score-every-s", str(args.score_every_s),
            "--threads", str(args.threads),
        ]  # fmt: skip
        result = run_worker(arguments, "auto", setting)
        result["load_after"] = _load()
        results.append(result)
        final, base = result["points"][-1], results[0]
        print(
            f"{setting}: median test NSE {final['median_nse']:.3f} (mean {final['mean_nse']:.3f}) "
            f"after {final['train_seconds']:.0f} s, {final['target_days']:,} target days "
            f"({final['target_days'] / result['target_days_per_epoch']:.2f} epochs), "
            f"{result['target_days_per_s']:,.0f} target days/s = "
            f"{result['target_days_per_s'] / base['target_days_per_s']:.1f}x the baseline; "
            f"peak RSS {result['peak_rss_mb']:.0f} MB; load average after {result['load_after']}",
            flush=True,
        )
        if args.output:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(json.dumps(results, indent=1))
            _plot(results, args.output.with_suffix(".png"))


if __name__ == "__main__":
    main()

"""Device-hours of a learning-curve study, from the measured cost of its training steps.

    .venv/bin/python benchmarks/bench_learning_curve_cost.py --store results/data/camels_us.zarr \\
        --attributes results/data/static_attributes.nc [--config config/camels_us_531.yaml] \\
        [--study learning_curve] [--device cpu|cuda] [--threads 2]

The study's cells and per-basin reference models are counted in training samples (basin-days ×
epochs, ``camels_lstm.learning_curves.cost``). For each of the two model shapes (the cells' regional
LSTM and the reference per-basin LSTM) the training loop of the workflow runs ``--steps`` batches
on real basins of the store, under the tuned allocator of the training jobs, and a bare
``nn.LSTM`` forward + backward + Adam step of the same shape runs on random tensors as the
baseline of the same run (ratio printed). Samples/s × samples gives the hours, printed per kind
with the cost of one regional epoch of the largest cell. Without a GPU, ``--device cpu`` gives
CPU-hours on this machine; run it with ``--device cuda`` on the cluster's GPU for GPU-hours.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

from camels_lstm.training.allocator import use_tuned_allocator  # noqa: E402

ALLOCATOR = use_tuned_allocator("auto")  # re-executes this script once, before torch loads

import numpy as np  # noqa: E402
import torch  # noqa: E402
import xarray as xr  # noqa: E402
from bench_common import bare_lstm_samples_per_s  # noqa: E402

from camels_lstm.config import read_basin_list, validate_config  # noqa: E402
from camels_lstm.learning_curves import design  # noqa: E402
from camels_lstm.learning_curves.cost import study_cost  # noqa: E402
from camels_lstm.models import build_model  # noqa: E402
from camels_lstm.training.data import load_period  # noqa: E402
from camels_lstm.training.loop import LoopSettings, train_loop  # noqa: E402
from camels_lstm.training.scalers import compute_scalers  # noqa: E402
from camels_lstm.training.static_attributes import read_static_attributes  # noqa: E402
from camels_lstm.training.tensors import PeriodTensors  # noqa: E402

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def _ours(experiment: dict, basins: list[str], args: argparse.Namespace) -> float:
    """Samples/s of the workflow's training loop (second of two epochs of ``steps`` batches)."""
    device = torch.device(args.device)
    dynamic = list(experiment["dynamic_inputs"])
    statics_names = list(experiment.get("static_attributes") or [])
    seq_length, batch = int(experiment["seq_length"]), int(experiment["batch_size"])
    train = load_period(args.store, basins, dynamic, args.period, seq_length)
    statics = read_static_attributes(args.attributes, basins, statics_names)
    scalers = compute_scalers(
        basins, dynamic, train.period_dynamic, train.period_streamflow, statics.names,
        statics.normalised, statics.mean, statics.std,
    )  # fmt: skip
    tensors = PeriodTensors(train, scalers, seq_length, device)
    torch.manual_seed(0)
    model = build_model(experiment, len(dynamic), len(statics.names)).to(device)
    basin_std = torch.as_tensor(scalers.streamflow_std_per_basin, dtype=torch.float32).to(device)
    chosen = torch.randperm(len(tensors.gatherer)).numpy()[: args.steps * batch]
    gatherer = tensors.gatherer.subset(chosen)
    settings = LoopSettings.from_experiment(
        {**experiment, "epochs": 2, "validate_every": 0}, 0, False
    )
    with tempfile.TemporaryDirectory() as folder:  # epoch 1 warms up, epoch 2 is timed
        result = train_loop(
            model, gatherer, basin_std, settings, Path(folder) / "checkpoint.pt", "bench"
        )
    return float(result.history[-1]["samples_per_second"])


def _pure(experiment: dict, args: argparse.Namespace) -> float:
    n_inputs = len(experiment["dynamic_inputs"]) + len(experiment.get("static_attributes") or [])
    return bare_lstm_samples_per_s(
        n_inputs,
        int(experiment["hidden_size"]),
        int(experiment["seq_length"]),
        int(experiment["batch_size"]),
        args.steps,
        num_layers=int(experiment.get("num_layers", 1)),
        device=args.device,
    )


def _shape(experiment: dict) -> str:
    return (
        f"hidden {experiment['hidden_size']} x {experiment.get('num_layers', 1)} layer(s), "
        f"seq {experiment['seq_length']}, batch {experiment['batch_size']}, "
        f"{len(experiment.get('static_attributes') or [])} statics"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--attributes", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=REPO / "config" / "camels_us_531.yaml")
    parser.add_argument("--study", default="learning_curve")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--basins", type=int, default=10, help="basins of the timed runs")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import yaml

    config = validate_config(yaml.safe_load(args.config.read_text()), SCHEMA, workdir=REPO)
    study = config["learning_curves"][args.study]
    experiments = config["experiments"]
    with xr.open_dataset(args.attributes) as attributes:
        available = [str(b) for b in attributes["basin"].values]
    run_basins = set(read_basin_list(REPO / config["basins"]))
    basins = [b for b in available if b in run_basins][: args.basins] or available[: args.basins]
    args.period = dict(config["periods"]["train"])
    cost = study_cost(study, experiments, config["periods"])
    print(
        f"study {args.study} of {args.config.name}: {cost.cells} cells, "
        f"{cost.cell_sample_epochs / 1e6:.1f} M sample-epochs; {cost.references} per-basin "
        f"reference models, {cost.reference_sample_epochs / 1e6:.1f} M sample-epochs. "
        f"Device {args.device}, {args.threads} threads, allocator {ALLOCATOR}, "
        f"{len(basins)} basins timed, {args.steps} steps; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        flush=True,
    )
    kinds = [
        ("cells (regional)", design.cell_experiment(study, experiments), cost.cell_sample_epochs)
    ]
    reference = design.reference_experiment(study, experiments)
    if reference is not None:
        kinds.append(
            ("per-basin references", dict(experiments[reference]), cost.reference_sample_epochs)
        )
    total_hours = 0.0
    for kind, experiment, sample_epochs in kinds:
        one_basin = basins[:1] if experiment["scope"] == "per_basin" else basins
        ours = _ours(experiment, one_basin, args)
        pure = _pure(experiment, args)
        hours = sample_epochs / ours / 3600
        total_hours += hours
        print(
            f"{kind} ({_shape(experiment)}): {ours:.0f} samples/s, bare nn.LSTM step "
            f"{pure:.0f} -> {ours / pure:.2f}x; {hours:.1f} {args.device}-hours",
            flush=True,
        )
        if kind.startswith("cells"):
            epoch_s = cost.largest_epoch_samples / ours
            print(
                f"  one epoch of the largest cell ({cost.largest_epoch_samples:,} samples): "
                f"{epoch_s / 60:.1f} min",
                flush=True,
            )
    print(
        f"whole study: {total_hours:.1f} {args.device}-hours of training (predictions and start-up "
        f"not included); load average now " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    assert np.isfinite(total_hours)


if __name__ == "__main__":
    main()

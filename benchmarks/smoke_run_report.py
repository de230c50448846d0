"""Where the time of a finished run went: per rule the jobs, their summed and median wall time and
peak memory (Snakemake's benchmark tables), and for per-basin training jobs the share of the job
that was not training (start-up, data, prediction, writing).

    .venv/bin/python benchmarks/smoke_run_report.py /path/to/workdir [--compare-modes 53]

Run it in the working directory of a finished run, e.g. of config/camels_us_531_cpu_smoke.yaml.
Training seconds per model come from its model file's history (samples / samples per second per
epoch); the rest of the job's wall time is not training. The baseline of the ratio is the
training time measured in the same job. ``--compare-modes N`` predicts the test period of N
per-basin models (evenly spread over the run's basins) in the mode the run did not use
(``prediction``: windows or sequence) and prints how far the two modes' test NSEs lie apart.
"""

from __future__ import annotations

import argparse
import csv
import statistics
from collections import defaultdict
from pathlib import Path


def _benchmarks(workdir: Path) -> dict[str, list[tuple[Path, dict[str, float]]]]:
    by_rule: dict[str, list[tuple[Path, dict[str, float]]]] = defaultdict(list)
    for path in sorted((workdir / "logs" / "benchmarks").rglob("*.tsv")):
        with path.open() as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        if rows:
            kind = path.relative_to(workdir / "logs" / "benchmarks").parts[0]
            values = {key: float(value) for key, value in rows[-1].items() if key != "h:m:s"}
            by_rule[kind].append((path, values))
    return by_rule


def _per_basin_shares(workdir: Path, experiment: str) -> list[tuple[float, float]]:
    """(job wall s, training s) of every per-basin training job of ``experiment``."""
    import re

    import torch

    pairs = []
    for tsv in sorted((workdir / "logs/benchmarks/train" / experiment).glob("*/seed*.tsv")):
        basin, seed = tsv.parent.name, tsv.stem
        log = (workdir / "logs/train" / experiment / basin / f"{seed}.log").read_text()
        found = re.search(r"training on (\d+) samples", log)
        model = workdir / "results" / experiment / basin / seed / "model.pt"
        if not found or not model.is_file():
            continue
        history = torch.load(model, map_location="cpu", weights_only=True)["history"]
        training = sum(int(found.group(1)) / epoch["samples_per_second"] for epoch in history)
        with tsv.open() as handle:
            wall = float(next(csv.DictReader(handle, delimiter="\t"))["s"])
        pairs.append((wall, training))
    return pairs


def _first_steps(workdir: Path, experiment: str) -> list[float]:
    """Seconds from process start to the first training step, from the per-basin job logs."""
    import re

    found = []
    for log in sorted((workdir / "logs/train" / experiment).glob("*/seed*.log")):
        match = re.search(r"first step (\d+\.\d+) s after the process started", log.read_text())
        if match:
            found.append(float(match.group(1)))
    return found


def _compare_modes(workdir: Path, experiment: str, count: int) -> None:
    """Test NSE of ``count`` per-basin models in the run's prediction mode (its files) against
    the other mode (predicted here from the model files and the store)."""
    import numpy as np
    import xarray as xr

    from camels_lstm.evaluation.metrics import nse
    from camels_lstm.training.predict import predict

    models = sorted((workdir / "results" / experiment).glob("*/seed0/model.pt"))
    chosen = models[:: max(1, len(models) // count)][:count]
    store = workdir / "results" / "data" / "camels_us.zarr"
    scores: dict[str, list[float]] = {"run": [], "other": []}
    modes = set()
    for model in chosen:
        with xr.open_dataset(model.with_name("predictions_test.nc")) as written:
            observed = written["streamflow_obs_mm_per_day"].values.ravel()
            simulated = written["streamflow_sim_mm_per_day"].values.ravel()
            dates = written["date"].values
        log = workdir / "logs/train" / experiment / model.parent.parent.name / "seed0.log"
        run_mode = "sequence" if "(sequence)" in log.read_text() else "windows"
        other = {"windows": "sequence", "sequence": "windows"}[run_mode]
        modes.add((run_mode, other))
        again = predict(model, store, str(dates[0])[:10], str(dates[-1])[:10], mode=other)
        scores["run"].append(float(nse(observed, simulated)))
        scores["other"].append(
            float(nse(observed, again["streamflow_sim_mm_per_day"].values.ravel()))
        )
    run, other = np.asarray(scores["run"]), np.asarray(scores["other"])
    difference = run - other
    print(
        f"\n{experiment}: test NSE of {len(chosen)} models, modes (run, other) {sorted(modes)}: "
        f"median {np.median(run):.3f} (run) vs {np.median(other):.3f} (other); per basin run - "
        f"other 5/50/95 %: "
        + "/".join(f"{q:+.3f}" for q in np.percentile(difference, [5, 50, 95]))
        + f"; |difference| > 0.05 in {(np.abs(difference) > 0.05).sum()} of {len(chosen)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--experiment", default="single_basin")
    parser.add_argument("--compare-modes", type=int, default=0, metavar="N")
    args = parser.parse_args()
    print("| stage (logs/benchmarks/<stage>) | jobs | summed wall s | median s | max peak RSS MB |")
    print("|---|---|---|---|---|")
    for kind, rows in sorted(_benchmarks(args.workdir).items()):
        walls = [values["s"] for _, values in rows]
        rss = max(values.get("max_rss", 0.0) for _, values in rows)
        print(
            f"| {kind} | {len(rows)} | {sum(walls):.0f} | {statistics.median(walls):.1f} | "
            f"{rss:.0f} |"
        )
    pairs = _per_basin_shares(args.workdir, args.experiment)
    if pairs:
        walls = [wall for wall, _ in pairs]
        training = [seconds for _, seconds in pairs]
        shares = [(wall - seconds) / wall for wall, seconds in pairs]
        print(
            f"\n{args.experiment}: {len(pairs)} jobs, median wall "
            f"{statistics.median(walls):.2f} s, "
            f"median training {statistics.median(training):.2f} s, median not-training "
            f"{statistics.median([w - t for w, t in pairs]):.2f} s = "
            f"{100 * statistics.median(shares):.0f} % of the job (summed: "
            f"{100 * (sum(walls) - sum(training)) / sum(walls):.0f} %)"
        )

    startups = _first_steps(args.workdir, args.experiment)
    if startups:
        print(
            f"{args.experiment}: first training step a median {statistics.median(startups):.2f} s "
            f"(max {max(startups):.2f} s) after its process started ({len(startups)} jobs)"
        )
    if args.compare_modes:
        _compare_modes(args.workdir, args.experiment, args.compare_modes)


if __name__ == "__main__":
    main()

"""Where the time of a finished run went: per rule the jobs, their summed and median wall time and
peak memory (Snakemake's benchmark tables), and for per-basin training jobs the share of the job
that was not training (start-up, data, prediction, writing).

    .venv/bin/python benchmarks/smoke_run_report.py /path/to/workdir

Run it in the working directory of a finished run, e.g. of config/camels_us_531_cpu_smoke.yaml.
Training seconds per model come from its model file's history (samples / samples per second per
epoch); the rest of the job's wall time is not training. The baseline of the ratio is the
training time measured in the same job.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--experiment", default="single_basin")
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


if __name__ == "__main__":
    main()

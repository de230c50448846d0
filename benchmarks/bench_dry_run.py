"""How long planning takes: ``snakemake -n`` of the sample and of the 531-basin paper config, with
and without its tuning experiment, against Snakemake's own start-up on a one-rule workflow.

    .venv/bin/python benchmarks/bench_dry_run.py [--camels-dir /data/camels_us] [--repeats 3]

With ``--camels-dir`` the paper config reads that CAMELS US copy (its files become declared
inputs, as on a cluster with the data at hand); without it the dry run plans the downloads.
Each case runs ``--repeats`` times in a fresh process; the best wall time is printed with the
number of jobs, and the ratio to the one-rule baseline of the same run (Snakemake's import,
parsing and DAG set-up, which no workflow can go below). The load average is printed with it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
BASELINE_SNAKEFILE = """rule all:
    input: "a.txt"

rule a:
    output: "a.txt"
    shell: "touch {output}"
"""


def _dry_run(workdir: Path, *arguments: str) -> tuple[float, int]:
    command = [sys.executable, "-m", "snakemake", "-n", "--cores", "2", *arguments]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    totals = re.findall(r"^total\s+(\d+)$", result.stdout, re.MULTILINE)
    return elapsed, int(totals[0]) if totals else 0


def _best(repeats: int, workdir: Path, *arguments: str) -> tuple[float, int]:
    runs = [_dry_run(workdir, *arguments) for _ in range(repeats)]
    return min(seconds for seconds, _ in runs), runs[0][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--camels-dir", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    paper = yaml.safe_load((REPO / "config" / "camels_us_531.yaml").read_text())
    if args.camels_dir:
        paper["camels"]["dir"] = str(args.camels_dir)
    untuned = {**paper, "experiments": dict(paper["experiments"])}
    untuned["experiments"] = {
        name: settings
        for name, settings in paper["experiments"].items()
        if not settings.get("search_space")
    }
    with tempfile.TemporaryDirectory(prefix="bench_dry_run_") as folder:
        baseline_dir = Path(folder) / "baseline"
        baseline_dir.mkdir()
        (baseline_dir / "Snakefile").write_text(BASELINE_SNAKEFILE)
        configs = {}
        for name, config in (("paper", paper), ("paper_untuned", untuned)):
            configs[name] = Path(folder) / f"{name}.yaml"
            configs[name].write_text(yaml.safe_dump(config, sort_keys=False))
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        baseline, _ = _best(args.repeats, baseline_dir)
        print(f"one-rule workflow (Snakemake start-up): {baseline:.2f} s")
        cases = [
            ("sample (config/config.yaml)", ()),
            ("531 basins, no tuning", ("--configfile", str(configs["paper_untuned"]))),
            ("531 basins, paper config with tuning", ("--configfile", str(configs["paper"]))),
        ]
        for label, arguments in cases:
            seconds, jobs = _best(args.repeats, REPO, *arguments)
            print(
                f"{label}: {seconds:.2f} s for {jobs} jobs -> {seconds / baseline:.1f}x the "
                f"one-rule start-up, {1000 * (seconds - baseline) / max(jobs, 1):.2f} ms per job",
                flush=True,
            )
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

"""Training step of the paper's LSTM on a CPU with and without subnormal floats flushed to zero.

    .venv/bin/python benchmarks/bench_denormal.py [--hidden 256] [--seq-length 270] [--batch 256]

The gradients carried back through a long window decay into the subnormal range, where x86
CPUs compute many times slower; :func:`camels_lstm.training.loop.train_loop` therefore calls
``torch.set_flush_denormal(True)``. Each variant runs in a fresh process under the training jobs'
allocator: 3 warm-up steps, then ``--steps`` timed steps (forward, backward and Adam of an
``nn.LSTM`` with a linear head on the last day, random inputs). The baseline is the step without
flushing, measured in the same run; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _worker(args: argparse.Namespace) -> dict:
    import torch
    from bench_common import bare_lstm_samples_per_s

    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(args.flush)
    samples_per_s = bare_lstm_samples_per_s(
        32, args.hidden, args.seq_length, args.batch, args.steps
    )
    return {"seconds_per_step": args.batch / samples_per_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--seq-length", type=int, default=270)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--flush", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print("RESULT " + json.dumps(_worker(args)), flush=True)
        return
    from bench_common import run_worker

    print(f"load average before {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    shape = [
        "--hidden", str(args.hidden), "--seq-length", str(args.seq_length), "--batch",
        str(args.batch), "--steps", str(args.steps), "--threads", str(args.threads),
    ]  # fmt: skip
    seconds = {}
    for flush in (False, True):
        arguments = [__file__, "--worker", *shape, *(["--flush"] if flush else [])]
        seconds[flush] = run_worker(arguments, "auto", f"flush={flush}")["seconds_per_step"]
        print(
            f"flush_denormal={flush}: {seconds[flush]:.3f} s per step of {args.batch} windows of "
            f"{args.seq_length} days at hidden {args.hidden} "
            f"({args.batch / seconds[flush]:,.0f} samples/s)",
            flush=True,
        )
    print(f"flushing is {seconds[False] / seconds[True]:.1f}x faster", flush=True)
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()

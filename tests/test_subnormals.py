"""Subnormal floats are flushed in every intra-op thread of a training process, not only in the
thread that called torch.set_flush_denormal (the flags are per thread, copied when torch starts
its worker threads). Each case runs in a fresh interpreter with two torch threads."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = "from camels_lstm.training.subnormals import subnormals_flushed_in_every_thread as check"
PARALLEL_WORK = "(torch.ones(1_000_000) * 2).sum()"  # starts torch's worker threads


def flushed_everywhere(*statements: str) -> bool:
    code = "; ".join(["import torch", "torch.set_num_threads(2)", *statements, CHECK])
    code += "; print(check())"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout.strip() == "True"


def test_importing_the_training_loop_flushes_subnormals_in_threads_started_later() -> None:
    assert flushed_everywhere("import camels_lstm.training.loop", PARALLEL_WORK)


def test_the_check_sees_a_worker_thread_started_before_the_flags_were_set() -> None:
    if not flushed_everywhere("import camels_lstm.training.subnormals"):
        pytest.skip("this CPU cannot flush subnormals")
    # torch.set_flush_denormal after the first parallel operation: the worker keeps its flags
    assert not flushed_everywhere(PARALLEL_WORK, "torch.set_flush_denormal(True)", PARALLEL_WORK)

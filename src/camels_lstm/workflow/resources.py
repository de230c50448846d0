"""Memory estimates of the training and prediction jobs: the one source the rules, both SLURM
profiles and the workstation's memory budget rely on (profiles set no mem_mb of their own for
these jobs; a retried job gets ``attempt`` times the estimate).

Measured on the sample (2 CPU cores, jemalloc): a per-basin job peaks at about 450 MB, a
regional job over 13 basins at about 850 MB; the estimate stays above both (tests compare).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from camels_lstm.training.sequence_training import window_days

# Python with torch, numpy, xarray and zarr imported.
INTERPRETER_MB = 768
# Series and samples of one basin over the three periods (15 years of 5 daily inputs, float32,
# with index arrays and the scaler copies), rounded up.
PER_BASIN_MB = 2
# Bytes per (sample, time step, hidden unit, layer) of an LSTM step's saved activations: four
# gates, cell and hidden state in float32 for the forward pass and their gradients.
ACTIVATION_BYTES = 48


def model_mem_mb(settings: Mapping[str, Any], n_basins: int) -> int:
    """Memory (MB) to train or predict one model with an experiment's ``settings`` on
    ``n_basins`` basins (a training window is ``seq_length - 1 + predict_last_n`` days)."""
    activations = (
        settings["batch_size"]
        * window_days(settings)
        * settings["hidden_size"]
        * settings["num_layers"]
        * ACTIVATION_BYTES
    )
    return INTERPRETER_MB + PER_BASIN_MB * n_basins + activations // 2**20


def largest_mem_mb(settings: Iterable[Mapping[str, Any]], n_basins: int) -> int:
    """:func:`model_mem_mb` of the most demanding of several settings (the candidates of a tuned
    experiment: its final settings are known only once tuning is done)."""
    return max(model_mem_mb(one, n_basins) for one in settings)


# Conceptual models: Python with numpy, pandas, zarr, numba and spotpy imported; per basin its
# whole record (35 years) of the forcing read, PET and the simulated outputs in float64/32.
CONCEPTUAL_INTERPRETER_MB = 400
CONCEPTUAL_PER_BASIN_MB = 3
# A forked scoring worker of a regional calibration: its own pages of the interpreter, its
# models' state (Shyft cells) and its share of the windows.
CONCEPTUAL_WORKER_MB = 150
# Processes of a regional calibration, each scoring a share of the basins of every run
# (Snakemake lowers it to --cores on a workstation; a cluster job asks for that many CPUs).
CONCEPTUAL_REGIONAL_THREADS = 8


def conceptual_mem_mb(n_basins: int, workers: int = 1) -> int:
    """Memory (MB) of a calibration or simulation job of a conceptual model on ``n_basins``,
    with ``workers`` scoring processes."""
    extra_workers = max(workers, 1) - 1
    return (
        CONCEPTUAL_INTERPRETER_MB
        + CONCEPTUAL_WORKER_MB * extra_workers
        + CONCEPTUAL_PER_BASIN_MB * n_basins
    )


# Fraction of the machine's memory that the jobs of a local run may hold at once.
WORKSTATION_MEMORY_FRACTION = 2 / 3
# Names under which a user may already have given a memory budget (--resources mem_mb=N).
MEMORY_RESOURCE_NAMES = frozenset({"mem_mb", "mem_mib", "mem_gb", "mem"})


def workstation_memory_budget_mb(total_memory_bytes: int | None = None) -> int:
    """Memory budget (MB) shared by the concurrent jobs of a local run: 2/3 of the machine's
    physical memory (``total_memory_bytes``, read from the system when None). Snakemake starts
    no job that would take the sum of running jobs' ``mem_mb`` over it."""
    if total_memory_bytes is None:
        total_memory_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return max(1024, int(total_memory_bytes * WORKSTATION_MEMORY_FRACTION) // 10**6)


def needs_memory_budget(local_execution: bool, given_resources: Iterable[str]) -> bool:
    """A local run gets :func:`workstation_memory_budget_mb` unless the user gave a memory
    budget; a cluster run gets none (each job asks the scheduler for its own memory). The
    Snakefile passes ``workflow.nodes is None``: while it is read, Snakemake has not chosen its
    executor yet (``workflow.local_exec`` is still True), but a cluster run has remote nodes."""
    return local_execution and not MEMORY_RESOURCE_NAMES & set(given_resources)

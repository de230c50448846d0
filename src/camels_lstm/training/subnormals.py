"""Subnormal floats flushed to zero in every thread that trains.

The gradients carried back through a long window decay into the subnormal range (below about
1e-38 in float32), where x86 CPUs compute 10-20 times slower. :func:`torch.set_flush_denormal`
sets the flush-to-zero flags of the calling thread only; torch's intra-op worker threads copy
them from the thread that starts them, at the first parallel operation, and keep them for their
lifetime. So the flags must be set before the process's first parallel torch operation: this
module sets them when it is imported (``camels_lstm.training.loop`` imports it, and the training
scripts import that before touching a tensor). Measured on the 531-basin ungauged experiment
(2026-12-06): with the flags set in the main thread only, after the data had been normalised
with torch, epochs 1-4 ran at 31-41 k target days/s and epochs 5-8 at 2-5 k (the worker thread's
half of each step ran on subnormals).
"""

from __future__ import annotations

import torch

# torch splits an element-wise operation over its threads only above this many elements
# (at::internal::GRAIN_SIZE); the check uses several such chunks per thread.
_PARALLEL_GRAIN = 32_768


def subnormals_flushed_in_every_thread() -> bool:
    """Whether a product that falls into the subnormal range comes out as zero in each of
    torch's intra-op threads (one element-wise product split over all of them)."""
    elements = 4 * _PARALLEL_GRAIN * max(1, torch.get_num_threads())
    tiny = torch.full((elements,), 1e-20, dtype=torch.float32)
    product = tiny * torch.full((elements,), 1e-19, dtype=torch.float32)  # 1e-39: subnormal
    return not bool(product.count_nonzero())


def flush_subnormals() -> bool:
    """Set the flush-to-zero flags in the calling thread; True where the CPU supports them."""
    return bool(torch.set_flush_denormal(True))


flush_subnormals()

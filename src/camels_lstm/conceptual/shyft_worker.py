"""The entry point of a conceptual job in the Shyft environment
(``python -m camels_lstm.conceptual.shyft_worker <spec.json>``, started by
:func:`camels_lstm.conceptual.shyft_env.run_job`): runs the job of the spec ({"job":
"calibrate" | "simulate" | "package_inputs", "arguments": {...}}) with log lines on stdout,
which the workflow's process copies into the job's log. Dies with that process (a killed
Snakemake job leaves no calibration running)."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from camels_lstm.data.chunk_pool import die_with_parent

LINE_FORMAT = "%(levelname)-7s %(name)s: %(message)s"


def _jobs() -> dict[str, Callable[..., Any]]:
    from camels_lstm.conceptual.jobs import calibrate_job, simulate_job
    from camels_lstm.packages.conceptual_inputs import simulate_source_job

    return {
        "calibrate": calibrate_job,
        "simulate": simulate_job,
        "package_inputs": simulate_source_job,  # a hybrid package's Shyft inputs
    }


def main(argv: Sequence[str]) -> int:
    die_with_parent(os.getppid())
    # the workflow's process stamps each line with its time as it logs it
    logging.basicConfig(level=logging.INFO, format=LINE_FORMAT, stream=sys.stdout)
    spec = json.loads(Path(argv[0]).read_text())
    logger = logging.getLogger("camels_lstm.conceptual.shyft_worker")
    import importlib.metadata

    import numpy

    logger.info(
        "Shyft %s, NumPy %s, Python %s",
        importlib.metadata.version("shyft"),
        numpy.__version__,
        sys.version.split()[0],
    )
    try:
        _jobs()[spec["job"]](**spec["arguments"])
    except Exception:
        logger.exception("the %s job failed", spec["job"])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

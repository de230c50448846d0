"""A resumed job's log keeps the lines of the attempt that was killed (issue 12)."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path

from camels_lstm import script_logging

_MODULE_LOADED = time.monotonic()

ATTEMPT = script_logging.ATTEMPT_MARKER.split("(")[0]
START = script_logging.START_MARKER.split("(")[0]


def _attempt(log: Path, history: Path | None, message: str, *, die: bool) -> int:
    """One job attempt in its own interpreter; ``die`` ends it by SIGKILL mid-job."""
    code = (
        "import logging, os, signal\n"
        "from camels_lstm import script_logging\n"
        f"logger = script_logging.setup({str(log)!r}, 'job', "
        f"{str(history) if history else None!r})\n"
        f"logger.info({message!r})\n" + ("os.kill(os.getpid(), signal.SIGKILL)\n" if die else "")
    )
    return subprocess.run([sys.executable, "-c", code], check=False).returncode


def test_a_killed_attempt_is_kept_in_the_log_of_the_next(tmp_path: Path) -> None:
    log, history = tmp_path / "train.log", tmp_path / "checkpoint" / "train.history.log"
    assert _attempt(log, history, "epoch 3 of 8", die=True) != 0
    log.unlink()  # Snakemake removes a job's log before it reruns the job
    assert _attempt(log, history, "resumed after epoch 3", die=False) == 0
    text = log.read_text()
    assert text.index(START) < text.index("epoch 3 of 8") < text.index(ATTEMPT)
    assert text.index(ATTEMPT) < text.index("resumed after epoch 3")
    assert text.count(START) == 1 and text.count(ATTEMPT) == 1


def test_a_first_attempt_starts_with_the_start_marker_only(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    assert _attempt(log, tmp_path / "history.log", "hello", die=False) == 0
    text = log.read_text()
    assert START in text and ATTEMPT not in text and "hello" in text


def test_a_log_left_in_place_is_appended_to(tmp_path: Path, monkeypatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    log = tmp_path / "job.log"
    log.write_text("line of a run outside Snakemake\n")
    script_logging.setup(log, "job")
    logging.getLogger("job").info("second run")
    for handler in logging.getLogger().handlers:
        handler.flush()
        handler.close()
    logging.captureWarnings(False)
    text = log.read_text()
    assert text.startswith("line of a run outside Snakemake\n")
    assert ATTEMPT in text and "second run" in text


def test_process_age_counts_from_the_process_start() -> None:
    """The start-up figure in every job log: never less than the time this test module has
    existed in the process (one clock tick of slack), never more than the machine's uptime."""
    age = script_logging.process_age_s()
    assert age is not None
    assert age >= time.monotonic() - _MODULE_LOADED - 0.02
    assert age <= float(Path("/proc/uptime").read_text().split()[0])


def _calibration_attempt(output: Path, log: Path, *, die: bool) -> int:
    """workflow/scripts/calibrate_conceptual.py as Snakemake runs it, its calibration replaced
    by one that logs a line and then is killed (``die``) or writes its output."""
    script = Path(__file__).parents[1] / "workflow" / "scripts" / "calibrate_conceptual.py"
    code = (
        "import logging, os, runpy, signal\n"
        "from pathlib import Path\n"
        "from types import SimpleNamespace as S\n"
        "import camels_lstm.conceptual.jobs as jobs\n"
        "def calibrate(**job):\n"
        "    logging.getLogger('camels_lstm.conceptual')"
        f".info({'run 700 of 2000' if die else 'done'!r})\n"
        + ("    os.kill(os.getpid(), signal.SIGKILL)\n" if die else "")
        + "    Path(job['output_path']).write_text('{}')\n"
        "jobs.calibrate_job = calibrate\n"
        f"snakemake = S(output=S(calibration={str(output)!r}), log=[{str(log)!r}], "
        "input=S(store='store.zarr'), wildcards=S(experiment='conceptual_per_basin'), "
        "params=S(settings={}, basins=['01022500'], train_period={}), threads=1)\n"
        f"runpy.run_path({str(script)!r}, init_globals={{'snakemake': snakemake}})\n"
    )
    return subprocess.run([sys.executable, "-c", code], check=False).returncode


def test_a_killed_calibrations_lines_open_the_log_of_its_rerun(tmp_path: Path) -> None:
    output = tmp_path / "results" / "01022500" / "calibration.json"
    output.parent.mkdir(parents=True)
    log = tmp_path / "logs" / "01022500.log"
    assert _calibration_attempt(output, log, die=True) != 0
    log.unlink()  # Snakemake removes a job's log before it reruns the job
    assert _calibration_attempt(output, log, die=False) == 0
    text = log.read_text()
    assert text.index("run 700 of 2000") < text.index(ATTEMPT) < text.index("done")
    # succeeded: the history is gone, so a later, new calibration starts a fresh log
    assert output.exists() and not script_logging.attempts_path(output).exists()

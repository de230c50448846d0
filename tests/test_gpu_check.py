"""benchmarks/gpu_check.sh, the GPU check of the paper's models, runs on a CPU (--device cpu)
with small inputs and prints every figure it promises for each of its three models."""

import math
import re
import subprocess
import sys
from pathlib import Path

from conftest import tail, timeout_s

REPO = Path(__file__).resolve().parents[1]


def test_gpu_check_prints_speed_memory_and_extrapolated_runs_on_a_cpu():
    command = [
        "bash", "benchmarks/gpu_check.sh", "--device", "cpu", "--basins", "3",
        "--max-seconds", "1", "--batch-last-n", "2", "--threads", "1",
    ]  # fmt: skip
    limit = timeout_s(300)
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=limit,
        env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, tail(result.stderr)
    lines = {
        label: line
        for line in result.stdout.splitlines()
        for label in ("regional, N = 1 ", "regional, N = 365 ", "per-basin ")
        if line.startswith(label)
    }
    assert len(lines) == 3, result.stdout
    for label, line in lines.items():
        speed = float(re.search(r"([\d,.]+) samples/s", line).group(1).replace(",", ""))
        days = float(re.search(r"([\d,.]+) target days/s", line).group(1).replace(",", ""))
        value, unit = re.search(r"extrapolated ([\d.e+-]+) (h|min|s) ", line).groups()
        hours = float(value) / {"h": 1, "min": 60, "s": 3600}[unit]
        assert speed > 0 and math.isfinite(hours) and hours > 0, line
        if "N = 365" in label:
            assert days > 100 * speed  # up to 365 target days per window
        else:
            assert days == speed
    assert "30 epochs" in lines["regional, N = 1 "]
    assert "50 epochs x 3 basins" in lines["per-basin "]
    assert re.search(r"N = 365 trains [\d.]+x the target days/s of N = 1", result.stdout)


def test_duration_text_keeps_precision_of_short_and_long_extrapolations():
    sys.path.insert(0, str(REPO / "benchmarks"))
    from gpu_check import duration_text

    assert duration_text(18.0) == "18 s"
    assert duration_text(0.004) == "0.004 s"
    assert duration_text(90) == "1.5 min"
    assert duration_text(2.5 * 3600) == "2.50 h"

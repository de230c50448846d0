"""benchmarks/snow_question.py splits a run's test NSE into snowy and other basins and counts,
per group, the basins where a variant beats the plain regional LSTM."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
from conftest import tail, timeout_s

from camels_lstm.evaluation.tables import METRICS_COLUMNS, STATUS_OK

REPO = Path(__file__).resolve().parents[1]


def write_metrics(run_dir: Path, experiment: str, nse_by_basin: dict[str, float]) -> None:
    rows = [
        {**dict.fromkeys(METRICS_COLUMNS, 0.0), "basin": basin, "member": member,
         "status": STATUS_OK, "nse": nse}
        for basin, nse in nse_by_basin.items()
        for member in ("seed0", "ensemble")
    ]  # fmt: skip
    (run_dir / "results" / experiment).mkdir(parents=True)
    pd.DataFrame(rows).to_csv(run_dir / "results" / experiment / "metrics.csv", index=False)


def test_snow_question_counts_wins_per_snow_group(tmp_path):
    clim = tmp_path / "camels" / "camels_attributes_v2.0"
    clim.mkdir(parents=True)
    frac_snow = {"01000001": 0.5, "01000002": 0.6, "01000003": 0.1, "01000004": 0.0}
    pd.DataFrame({"gauge_id": list(frac_snow), "frac_snow": list(frac_snow.values())}).to_csv(
        clim / "camels_clim.txt", sep=";", index=False
    )
    run = tmp_path / "run"
    write_metrics(run, "regional", dict(zip(frac_snow, (0.7, 0.8, 0.5, 0.4), strict=True)))
    # better in both snowy basins, worse in both others
    write_metrics(run, "regional_snow", dict(zip(frac_snow, (0.75, 0.9, 0.4, 0.3), strict=True)))
    result = subprocess.run(
        [sys.executable, "benchmarks/snow_question.py", "--run-dir", str(run),
         "--camels-dir", str(tmp_path / "camels")],
        cwd=REPO, capture_output=True, text=True, timeout=timeout_s(120),
    )  # fmt: skip
    assert result.returncode == 0, tail(result.stderr)
    row = next(line for line in result.stdout.splitlines() if line.startswith("| regional_snow"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1:4] == ["0.575", "0.825", "0.350"]  # medians: all, snowy, others
    assert cells[4] == "2 / 2 / 0"
    assert cells[5] == "-0.025 / +0.075 / -0.100"
    assert "skipped hybrid" in result.stderr  # experiments not run are named, not invented


def test_snow_question_names_basins_without_attributes(tmp_path):
    clim = tmp_path / "camels" / "camels_attributes_v2.0"
    clim.mkdir(parents=True)
    pd.DataFrame({"gauge_id": ["01000001"], "frac_snow": [0.5]}).to_csv(
        clim / "camels_clim.txt", sep=";", index=False
    )
    write_metrics(tmp_path / "run", "regional", {"01000001": 0.7, "09999999": 0.1})
    result = subprocess.run(
        [sys.executable, "benchmarks/snow_question.py", "--run-dir", str(tmp_path / "run"),
         "--camels-dir", str(tmp_path / "camels")],
        cwd=REPO, capture_output=True, text=True, timeout=timeout_s(120),
    )  # fmt: skip
    assert result.returncode != 0
    assert "09999999" in result.stderr

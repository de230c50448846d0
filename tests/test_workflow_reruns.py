"""An edited CAMELS file reruns what reads it, and nothing else (issue 12, item 1).

With ``camels.dir`` the preprocess rules declare the files of the run's basins as inputs
(``WorkflowPlan.camels_inputs``). Each test builds the store and the attributes of a two-basin
run from a copy of the sample, changes one file and asks Snakemake (dry run) what it would redo.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from conftest import run_snakemake as snakemake
from conftest import sample_subset_workflow, tail

pytestmark = pytest.mark.workflow

RUN_BASINS = ("01022500", "01123000")
OTHER_BASIN = "02092500"  # in the sample, not in the run
TARGETS = ("results/data/camels_us.zarr", "results/data/static_attributes.nc")


def _jobs(output: str) -> dict[str, int]:
    """{rule: count} of a dry run's 'Job stats' table ({} when there is nothing to do)."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Job stats:")]
    counts: dict[str, int] = {}
    for line in lines[starts[0] + 3 :] if starts else []:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    counts.pop("total", None)
    return counts


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    """(workdir, CAMELS copy) after the store and attributes of the run were built."""
    workdir, config_path, config = sample_subset_workflow(tmp_path, RUN_BASINS)
    camels = Path(config["camels"]["dir"])
    config["learning_curves"] = {}  # the sample study needs all 13 basins
    config_path.write_text(yaml.safe_dump(config))
    result = snakemake(workdir, *TARGETS)
    assert result.returncode == 0, tail(result.stderr)
    assert _jobs(_dry_run(workdir)) == {}, "a fresh build is not up to date"
    return workdir, camels


def _dry_run(workdir: Path) -> str:
    result = snakemake(workdir, "-n", *TARGETS)
    assert result.returncode == 0, tail(result.stderr)
    return result.stdout


def _file(camels: Path, pattern: str) -> Path:
    (found,) = camels.rglob(pattern)
    return found


def _edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` by ``new`` (same length: a changed value, as a user edits)."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _rerun_reasons(output: str) -> dict[str, str]:
    """{rule: reason} of the jobs of a dry run."""
    return dict(re.findall(r"^rule (\w+):\n(?:    .*\n)*?    reason: (.*)$", output, re.M))


@pytest.mark.parametrize(
    "pattern", [f"{RUN_BASINS[0]}_lump_cida_forcing_leap.txt", f"{RUN_BASINS[1]}_streamflow_qc.txt"]
)
def test_an_edited_file_of_a_run_basin_reruns_the_store_only(built, pattern: str) -> None:
    workdir, camels = built
    path = _file(camels, pattern)
    lines = path.read_text().splitlines(keepends=True)
    line = lines[-1]
    changed = line.replace("0", "1", 1) if "0" in line else line.replace("1", "2", 1)
    path.write_text("".join([*lines[:-1], changed]))
    output = _dry_run(workdir)
    assert _jobs(output) == {"build_timeseries_store": 1}, output
    reasons = _rerun_reasons(output)
    assert reasons["build_timeseries_store"].startswith("Updated input files"), reasons
    assert str(path) in reasons["build_timeseries_store"]


def test_files_outside_the_run_rerun_nothing(built) -> None:
    workdir, camels = built
    for suffix in ("_lump_cida_forcing_leap.txt", "_streamflow_qc.txt"):
        pattern = OTHER_BASIN + suffix
        path = _file(camels, pattern)
        path.write_text(path.read_text().replace("0", "1", 1))
    (camels / "camels_attributes_v2.0" / "readme.txt").write_text("edited\n")
    (camels / "notes.txt").write_text("a file of the user's\n")
    output = _dry_run(workdir)
    assert _jobs(output) == {}, output


def test_an_edited_attribute_table_reruns_the_attributes_not_the_store(built) -> None:
    workdir, camels = built
    clim = camels / "camels_attributes_v2.0" / "camels_clim.txt"
    _edit(clim, f"{RUN_BASINS[0]};3.6", f"{RUN_BASINS[0]};3.7")
    output = _dry_run(workdir)
    assert _jobs(output) == {"normalise_static_attributes": 1}, output
    assert str(clim) in _rerun_reasons(output)["normalise_static_attributes"]


def test_a_file_replaced_by_an_older_one_reruns_the_store(built) -> None:
    """unzip and tar give a re-downloaded file the archive's (older) time: the store, newer,
    would look up to date; the size+mtime stamp of the inputs (a param) changes instead."""
    workdir, camels = built
    path = _file(camels, f"{RUN_BASINS[0]}_lump_cida_forcing_leap.txt")
    path.write_text(path.read_text().replace("0", "1", 1))
    os.utime(path, (1.4e9, 1.4e9))  # 2014, before the store was built
    output = _dry_run(workdir)
    assert _jobs(output) == {"build_timeseries_store": 1}, output
    assert "Params have changed" in _rerun_reasons(output)["build_timeseries_store"]

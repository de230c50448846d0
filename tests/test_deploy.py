"""The workflow used as a module by another project, deployed the way `snakedeploy
deploy-workflow` does: an empty folder gets `workflow/Snakefile` (``module`` + ``use rule * from``)
and a copy of ``config/``; the user's paths are relative to that folder, the workflow's own
scripts, schema, library and sample come from the workflow's folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO_ROOT, copy_workflow, run_snakemake, tail

from camels_lstm.workflow.user_paths import resolve_shipped_inputs, shipped_or_local

DEPLOYED_SNAKEFILE = """\
configfile: "config/config.yaml"


module camels_lstm:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from camels_lstm
"""
BASINS = ["01022500", "02092500"]  # of the sample: Maine and North Carolina


def deploy(folder: Path, workflow: Path) -> Path:
    """An empty ``folder`` deployed from ``workflow``: Snakefile and config, as snakedeploy
    writes them (with the workflow's local path instead of a github() source), and the config
    cut to two basins and two tiny experiments; the basin list is the user's own file."""
    (folder / "workflow").mkdir(parents=True)
    # relative to workflow/Snakefile, as the lint asks (a github(...) source in snakedeploy's)
    source = os.path.relpath(workflow / "Snakefile", folder / "workflow")
    snakefile = DEPLOYED_SNAKEFILE.format(snakefile=source)
    (folder / "workflow" / "Snakefile").write_text(snakefile)
    shutil.copytree(workflow / "config", folder / "config")
    config_path = folder / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    (folder / "my_basins.txt").write_text("\n".join(BASINS) + "\n")
    config["basins"] = "my_basins.txt"
    tiny = {"epochs": 2, "validate_every": 0, "hidden_size": 8, "seq_length": 60, "seeds": [0]}
    config["experiments"] = {
        name: config["experiments"][name] | tiny for name in ("single_basin", "regional")
    }
    config["learning_curves"] = {}
    config["inference"] = {}
    config["evaluation"]["compare"] = ["single_basin", "regional"]
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


@pytest.fixture
def deployed(tmp_path: Path) -> tuple[Path, Path]:
    workflow = copy_workflow(tmp_path / "camels-lstm")
    return deploy(tmp_path / "my-study", workflow), workflow


def test_relative_inputs_fall_back_to_the_workflows_own_files(tmp_path: Path) -> None:
    workflow, workdir = tmp_path / "workflow", tmp_path / "study"
    (workflow / "data").mkdir(parents=True)
    (workflow / "data" / "sample.zip").write_bytes(b"zip")
    (workdir / "config").mkdir(parents=True)
    (workdir / "config" / "mine.txt").write_text("01022500\n")
    (workflow / "config").mkdir()
    (workflow / "config" / "mine.txt").write_text("02092500\n")
    config = {
        "basins": "config/mine.txt",  # the user's file wins over the workflow's
        "camels": {
            "downloads": {
                "sample": {"url": "data/sample.zip"},
                "remote": {"url": "https://example.org/data/sample.zip"},
            }
        },
        "inference": {"later": {"basins": "config/absent.txt"}},
    }
    resolved = resolve_shipped_inputs(config, workflow, workdir)
    assert resolved["basins"] == "config/mine.txt"
    assert resolved["camels"]["downloads"]["sample"]["url"] == str(workflow / "data/sample.zip")
    assert resolved["camels"]["downloads"]["remote"]["url"].startswith("https://")
    assert resolved["inference"]["later"]["basins"] == "config/absent.txt"  # error names it
    assert config["camels"]["downloads"]["sample"]["url"] == "data/sample.zip"  # a copy
    assert shipped_or_local("/abs/path.txt", workflow, workdir) == "/abs/path.txt"


def test_every_schema_key_is_described_in_the_config_readme() -> None:
    schema = yaml.safe_load((REPO_ROOT / "workflow/schemas/config.schema.yaml").read_text())
    readme = (REPO_ROOT / "config" / "README.md").read_text()
    sections = [schema, schema["properties"]["training"], schema["properties"]["data_checks"]]
    sections += [
        schema["$defs"][name]
        for name in ("lstm_experiment", "conceptual_experiment", "learning_curve", "inference")
    ]
    missing = sorted(
        {key for section in sections for key in section["properties"] if f"`{key}`" not in readme}
    )
    assert not missing, f"config/README.md does not name {missing}"
    catalog = yaml.safe_load((REPO_ROOT / ".snakemake-workflow-catalog.yml").read_text())
    assert catalog["usage"]["software-stack-deployment"]["conda"] is True


@pytest.mark.workflow
def test_deployed_workflow_lints_plans_and_runs_in_its_own_folder(deployed) -> None:
    folder, workflow = deployed
    lint = run_snakemake(folder, "--lint")
    assert lint.returncode == 0, tail(lint.stdout + lint.stderr, 60)
    assert "Congratulations, your workflow is in a good condition!" in lint.stdout + lint.stderr
    plan = run_snakemake(folder, "-n")
    assert plan.returncode == 0, tail(plan.stderr, 60)
    run = run_snakemake(folder)
    assert run.returncode == 0, tail(run.stdout + run.stderr, 80)
    summary = pd.read_csv(folder / "results" / "summary.csv")
    ensemble = summary[summary["member"] == "ensemble"].set_index("experiment")
    assert set(ensemble.index) == {"single_basin", "regional"}
    assert (ensemble["basins_compared"] == len(BASINS)).all()
    # the user's basin list, the workflow's sample archive; nothing written beside the workflow
    attributes = folder / "results" / "data" / "static_attributes.nc"
    assert attributes.exists() and (folder / "logs").is_dir()
    assert not (workflow / "results").exists() and not (workflow / "logs").exists()

"""The config section `inference` in the plan: targets, declared inputs (the package and the CAMELS
files each prediction reads) and errors naming the key."""

from __future__ import annotations

import pytest
import yaml
from camels_testdata import extract_sample
from conftest import REPO_ROOT, SCHEMA_PATH

from camels_lstm.config import ConfigError, read_basin_list, validate_config
from camels_lstm.workflow.plan import WorkflowPlan


def _plan(tmp_path, basins, package: str = "elsewhere/ensemble.zip") -> WorkflowPlan:
    camels = extract_sample(tmp_path / "camels")
    (flow,) = camels.rglob("12040500_streamflow_qc.txt")
    flow.unlink()  # an ungauged basin
    config = yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text())
    config["camels"]["dir"] = str(camels)
    config["inference"] = {
        "laptop": {
            "package": package,
            "basins": basins,
            "periods": {"recent": {"start": "2009-10-01", "end": "2011-09-30"}},
        }
    }
    validate_config(config, SCHEMA_PATH, workdir=REPO_ROOT)
    return WorkflowPlan(config, read_basin_list(REPO_ROOT / config["basins"]))


def test_inference_targets_and_inputs(tmp_path) -> None:
    plan = _plan(tmp_path, ["12040500", "01022500"])
    assert "results/inference/laptop/recent.nc" in plan.all_targets()
    entry = plan.config["inference"]["laptop"]
    assert entry["device"] == "cpu" and entry["min_observed_days"] == 365  # schema defaults
    inputs = plan.inference.inputs()(type("W", (), {"inference": "laptop"})())
    assert inputs["package"] == "elsewhere/ensemble.zip"
    names = [path.rsplit("/", 1)[-1] for path in inputs["camels"]]
    assert "12040500_lump_cida_forcing_leap.txt" in names
    assert "01022500_streamflow_qc.txt" in names
    assert "12040500_streamflow_qc.txt" not in names  # ungauged: nothing to declare
    assert any(name.startswith("camels_clim") for name in names)


def test_inference_basin_file_errors_name_the_key(tmp_path) -> None:
    plan = _plan(tmp_path, str(tmp_path / "absent.txt"))
    with pytest.raises(ConfigError, match=r"config key 'inference.laptop.basins'"):
        plan.inference.basins("laptop")


def test_a_package_of_an_experiment_not_in_the_run_is_named(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"'inference.laptop.package': results/packages/gone"):
        _plan(tmp_path, ["01022500"], package="results/packages/gone/ensemble.zip")

"""A forcing product or period the data cannot serve is refused at start (issue 12), before any
job: ``validate_config(..., check_data=True)`` as the Snakefile calls it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from camels_testdata import SAMPLE_BASINS, extract_sample
from conftest import REPO_ROOT, SCHEMA_PATH
from conftest import run_snakemake as snakemake

from camels_lstm.config import ConfigError, validate_config
from camels_lstm.data.sources import check_data_sources, products_present

OFFICIAL = {
    "timeseries": {
        "url": "https://zenodo.org/records/15529996/files/"
        "basin_timeseries_v1p2_metForcing_obsFlow.zip?download=1"
    },
    "attributes": {"url": "https://gdex.ucar.edu/dataset/camels/file/camels_attributes_v2.0.zip"},
}
SAMPLE_FORCING = "basin_dataset_public_v1p2/basin_mean_forcing/daymet"


@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return extract_sample(tmp_path_factory.mktemp("camels"))


def _config(**camels: Any) -> dict[str, Any]:
    config = yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text())
    config["basins"] = str(REPO_ROOT / config["basins"])
    config["camels"].update(camels)
    return config


def _validate(config: dict[str, Any], workdir: Path = REPO_ROOT) -> dict[str, Any]:
    return validate_config(config, SCHEMA_PATH, workdir=workdir, check_data=True)


def test_sample_copy_and_sample_download_pass(sample_copy: Path, tmp_path: Path) -> None:
    _validate(_config(dir=str(sample_copy), downloads={}))
    _validate(_config(), workdir=tmp_path)  # the sample archive: contents not known beforehand


def test_product_missing_from_the_copy_is_refused_listing_those_present(sample_copy: Path) -> None:
    with pytest.raises(ConfigError) as error:
        _validate(_config(dir=str(sample_copy), downloads={}, forcing="maurer_extended"))
    message = str(error.value)
    assert "config key 'camels.forcing'" in message
    assert "forcing product 'maurer_extended'" in message
    assert "basin_mean_forcing/maurer_extended/" in message
    assert message.endswith("products present: daymet")


def test_daymet_areas_for_another_product_need_the_daymet_folder(tmp_path: Path) -> None:
    root = extract_sample(tmp_path / "camels")
    (root / SAMPLE_FORCING).rename(root / SAMPLE_FORCING.replace("daymet", "nldas"))
    config = _config(dir=str(root), downloads={}, forcing="nldas")
    with pytest.raises(ConfigError, match=r"'camels.streamflow_area'.*products present: nldas"):
        _validate(config)
    _validate(_config(dir=str(root), downloads={}, forcing="nldas", streamflow_area="area_gages2"))


def test_missing_copy_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"'camels.dir': the CAMELS copy {tmp_path}/absent"):
        _validate(_config(dir=str(tmp_path / "absent"), downloads={}))


def test_forcing_cut_short_before_the_test_period_is_refused(tmp_path: Path) -> None:
    root = extract_sample(tmp_path / "camels")
    [path] = (root / SAMPLE_FORCING).glob("*/09035800_*.txt")
    lines = path.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if line.startswith("1995 01 01"))
    path.write_text("".join(lines[:cut]))  # ends 1994-12-31, at a line boundary
    config = _config(dir=str(root), downloads={})
    with pytest.raises(ConfigError) as error:
        _validate(copy.deepcopy(config))
    message = str(error.value)
    assert f"basin 09035800, forcing, {path}, 1995-01-01..1999-09-30" in message
    assert "does not cover the test period 1989-10-01..1999-09-30 (config key 'periods.test')" in (
        message
    )
    assert "'data_checks.period_not_covered: warn'" in message
    config["data_checks"] = {"period_not_covered": "warn"}
    _validate(config)  # allowed explicitly: a warning


def test_official_archives_without_the_product_are_refused() -> None:
    with pytest.raises(ConfigError) as error:
        _validate(_config(downloads=OFFICIAL, forcing="nldas_extended"))
    message = str(error.value)
    assert "config key 'camels.forcing'" in message
    assert "basin_timeseries_v1p2_metForcing_obsFlow.zip" in message
    assert "hold the forcing product(s) daymet, maurer, nldas" in message


def test_maurer_ending_2008_cannot_serve_a_later_test_period() -> None:
    config = _config(downloads=OFFICIAL, forcing="maurer")
    _validate(copy.deepcopy(config))  # the paper periods end 2008-09-30
    config["periods"]["test"] = {"start": "2009-10-01", "end": "2014-09-30"}
    with pytest.raises(ConfigError, match=r"the forcing record 1980-01-01\.\.2008-12-31 does not "
                       r"cover the test period 2009-10-01\.\.2014-09-30"):  # fmt: skip
        _validate(config)


def test_extracted_tree_is_checked_once_it_holds_the_product(tmp_path: Path) -> None:
    root = extract_sample(tmp_path / "resources" / "camels_us")
    [path] = (root / SAMPLE_FORCING).glob("*/01022500_*.txt")
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:4000]))
    with pytest.raises(ConfigError, match=f"basin 01022500, forcing, {tmp_path}/resources"):
        _validate(_config(), workdir=tmp_path)
    # extracted for another product: skipped (the extraction runs again)
    _validate(_config(forcing="maurer", streamflow_area="forcing_header"), workdir=tmp_path)


def test_products_present_and_warnings(sample_copy: Path) -> None:
    assert products_present(sample_copy) == ["daymet"]
    config = _validate(_config(dir=str(sample_copy), downloads={}))
    config["periods"]["test"] = {"start": "1975-10-01", "end": "1999-09-30"}
    config["data_checks"]["period_not_covered"] = "warn"
    warnings = check_data_sources(config, list(SAMPLE_BASINS))
    assert len(warnings) == len(SAMPLE_BASINS)
    assert all("1975-10-01..1979-12-31" in w for w in warnings)


@pytest.mark.workflow
def test_dry_run_refuses_a_product_the_copy_lacks(workflow_copy: Path, tmp_path: Path) -> None:
    camels_copy = extract_sample(tmp_path / "my_camels")
    result = snakemake(
        workflow_copy,
        "-n",
        "--config",
        f"camels={{'dir': '{camels_copy}', 'forcing': 'maurer_extended'}}",
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "config key 'camels.forcing'" in output
    assert "forcing product 'maurer_extended'" in output
    assert "products present: daymet" in output
    assert "build_timeseries_store" not in output  # no DAG, no job

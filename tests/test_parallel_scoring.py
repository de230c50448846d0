"""A regional calibration scored in several processes gives the calibration of one process, bit
for bit (GR4J here, Shyft in its own environment), and a failing worker names its basins."""

from __future__ import annotations

import numpy as np
import pytest
from shyft_runner import require_shyft
from test_conceptual_jobs import BASINS, PERIODS, SETTINGS
from training_data import sample_data  # noqa: F401  (session fixture)

from camels_lstm.conceptual.calibration import calibration_window
from camels_lstm.conceptual.forcing import load_basin_forcings
from camels_lstm.conceptual.jobs import calibrate_job
from camels_lstm.conceptual.models import CONCEPTUAL_MODELS
from camels_lstm.conceptual.parallel_scoring import WindowScorer, shares
from camels_lstm.workflow.resources import conceptual_mem_mb

THREE = [*BASINS, "12040500"]


def regional(model: str, runs: int) -> dict:
    return {
        **SETTINGS,
        "model": model,
        "scope": "regional",
        "calibration": {**SETTINGS["calibration"], "max_runs": runs},
    }


def test_shares_deal_every_window_once_and_none_empty() -> None:
    assert shares(5, 2) == [[0, 2, 4], [1, 3]]
    assert shares(2, 8) == [[0], [1]]  # no more workers than windows
    assert shares(3, 0) == [[0, 1, 2]]
    dealt = sorted(i for share in shares(531, 8) for i in share)
    assert dealt == list(range(531))


def one_and_two_processes(store, model: str, runs: int, basins: list[str], folder) -> list[dict]:
    """The regional calibration records of ``model`` with 1 and with 2 scoring processes;
    asserts that they agree exactly."""
    records = [
        calibrate_job(
            store,
            "reg",
            regional(model, runs),
            basins,
            PERIODS["train"],
            folder / f"w{workers}.json",
            workers=workers,
        )
        for workers in (1, 2)
    ]
    assert records[0]["parameters"] == records[1]["parameters"]
    assert records[0]["training_scores"] == records[1]["training_scores"]
    assert records[0]["runs"] == records[1]["runs"] == runs
    return records


def test_regional_calibration_in_two_processes_equals_one(sample_data, tmp_path) -> None:  # noqa: F811
    one_and_two_processes(sample_data.store, "gr4j_cemaneige", 60, THREE, tmp_path)


def test_scores_come_back_in_window_order(sample_data) -> None:  # noqa: F811
    model = CONCEPTUAL_MODELS["gr4j_cemaneige"]
    forcings = load_basin_forcings(sample_data.store, THREE, "priestley_taylor", PERIODS["train"])
    windows = [calibration_window(one, PERIODS["train"], 365) for one in forcings]
    values = np.array([0.5 * (p.low + p.high) for p in model.parameters])
    serial = [window.score(model, values, "nse") for window in windows]
    with WindowScorer(model, windows, "nse", workers=2) as scorer:
        assert scorer(values) == serial
        assert scorer(values) == serial  # the workers keep serving


class _Broken:
    name = "broken"

    def streamflow(self, values, forcing):
        raise ValueError("no streamflow today")


def test_a_failing_worker_names_its_basins(sample_data) -> None:  # noqa: F811
    forcings = load_basin_forcings(sample_data.store, THREE, "priestley_taylor", PERIODS["train"])
    windows = [calibration_window(one, PERIODS["train"], 365) for one in forcings]
    failure = r"no streamflow today.*basins 01022500, 12040500"
    with (
        WindowScorer(_Broken(), windows, "nse", workers=2) as scorer,
        pytest.raises(RuntimeError, match=failure),
    ):
        scorer(np.zeros(4))


def test_memory_estimate_grows_with_the_workers() -> None:
    assert conceptual_mem_mb(531, workers=8) > conceptual_mem_mb(531, workers=1)
    assert conceptual_mem_mb(531, workers=0) == conceptual_mem_mb(531)


def test_shyft_regional_calibration_in_two_processes_equals_one(sample_data, tmp_path) -> None:  # noqa: F811
    require_shyft()
    records = one_and_two_processes(sample_data.store, "shyft_pt_gs_k", 20, BASINS, tmp_path)
    assert records[1]["model"] == "shyft_pt_gs_k"

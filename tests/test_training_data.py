import subprocess
import sys

import numpy as np
import pytest
import torch
import xarray as xr
from training_data import ATTRIBUTES, INPUTS, experiment, sample_data, write_synthetic_store  # noqa: F401

from camels_lstm.training.data import WindowGatherer, load_period, select_samples
from camels_lstm.training.model_file import load_model_file
from camels_lstm.training.run import train_experiment
from camels_lstm.training.scalers import compute_scalers
from camels_lstm.training.static_attributes import read_static_attributes
from camels_lstm.training.tensors import PeriodTensors


def _arrays(n_basins=2, n_dates=12, n_inputs=2):
    dynamic = np.arange(n_basins * n_dates * n_inputs, dtype=np.float32).reshape(
        n_basins, n_dates, n_inputs
    )
    streamflow = np.ones((n_basins, n_dates), dtype=np.float32)
    return dynamic, streamflow


def test_samples_need_a_complete_window_and_an_observed_target():
    dynamic, streamflow = _arrays()
    dynamic[0, 5, 1] = np.nan  # basin 0: windows containing day 5 are incomplete
    streamflow[1, 9] = np.nan  # basin 1: day 9 not observed
    basin, day = select_samples(dynamic, streamflow, seq_length=3, first_day_index=0)
    pairs = set(zip(basin.tolist(), day.tolist(), strict=True))
    assert pairs == {(0, 2), (0, 3), (0, 4), (0, 8), (0, 9), (0, 10), (0, 11)} | {
        (1, d) for d in (2, 3, 4, 5, 6, 7, 8, 10, 11)
    }


def test_first_prediction_may_use_warm_up_days_before_the_period():
    dynamic, streamflow = _arrays(n_basins=1)
    _, day = select_samples(dynamic, streamflow, seq_length=5, first_day_index=4)
    assert day.tolist() == list(range(4, 12))  # day 4's window is days 0..4, before the period
    _, day = select_samples(dynamic, streamflow, seq_length=6, first_day_index=4)
    assert day.tolist() == list(range(5, 12))  # day 4 lacks one day of warm-up


def test_unobserved_days_kept_for_simulation():
    dynamic, streamflow = _arrays(n_basins=1)
    streamflow[0, 6] = np.nan
    _, day = select_samples(dynamic, streamflow, 3, 0, require_observed=False)
    assert 6 in day.tolist()


def test_batch_gather_equals_a_per_sample_loop():
    rng = np.random.default_rng(1)
    n_basins, n_dates, n_inputs, seq_length = 3, 40, 4, 7
    dynamic = rng.normal(size=(n_basins, n_dates, n_inputs)).astype(np.float32)
    target = rng.normal(size=(n_basins, n_dates)).astype(np.float32)
    static = rng.normal(size=(n_basins, 2)).astype(np.float32)
    basin, day = select_samples(dynamic, target, seq_length)
    gatherer = WindowGatherer(
        torch.from_numpy(dynamic),
        torch.from_numpy(static),
        torch.from_numpy(target),
        basin,
        day,
        seq_length,
    )
    ids = torch.tensor([5, 0, len(basin) - 1, 40, 41, 77])
    batch = gatherer.batch(ids)
    for row, sample in enumerate(ids.tolist()):
        b, d = basin[sample], day[sample]
        np.testing.assert_array_equal(batch.dynamic[row], dynamic[b, d - seq_length + 1 : d + 1])
        np.testing.assert_array_equal(batch.static[row], static[b])
        assert batch.target[row].item() == target[b, d]
        assert batch.basin_index[row].item() == b


def test_load_period_includes_warm_up_days(tmp_path):
    store = write_synthetic_store(tmp_path / "store.zarr", start="2000-01-01", days=100)
    period = {"start": "2000-01-20", "end": "2000-02-29"}
    arrays = load_period(store, ["01123000"], INPUTS, period, seq_length=10)
    assert str(arrays.dates[0]) == "2000-01-11"
    assert str(arrays.dates[arrays.period_start_index]) == "2000-01-20"
    assert arrays.dynamic.shape == (1, len(arrays.dates), len(INPUTS))
    # Warm-up is cut where the store starts.
    arrays = load_period(
        store, ["01123000"], INPUTS, {"start": "2000-01-05", "end": "2000-01-31"}, 10
    )
    assert arrays.period_start_index == 4


def test_scalers_use_the_training_period_and_basins_only(tmp_path):
    store = write_synthetic_store(tmp_path / "store.zarr", start="2000-01-01", days=300)
    train = {"start": "2000-03-01", "end": "2000-06-30"}
    arrays = load_period(store, ["01022500", "01123000"], INPUTS, train, seq_length=30)
    scalers = compute_scalers(
        arrays.basins, INPUTS, arrays.period_dynamic, arrays.period_streamflow
    )
    inside = arrays.dynamic[:, arrays.period_start_index :].reshape(-1, len(INPUTS))
    np.testing.assert_allclose(scalers.input_mean, inside.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(
        scalers.streamflow_std_per_basin, arrays.period_streamflow.std(axis=1), rtol=1e-5
    )


def test_model_scalers_unchanged_when_other_periods_and_basins_change(tmp_path):
    periods = {
        "train": {"start": "2000-03-01", "end": "2000-06-30"},
        "validation": {"start": "2000-07-01", "end": "2000-08-31"},
        "test": {"start": "2000-09-01", "end": "2000-10-26"},
    }
    settings = experiment(epochs=1, seq_length=10, validate_every=1)
    scalers = []
    for variant, store_seed in (("a", 0), ("b", 1)):
        store = write_synthetic_store(
            tmp_path / f"{variant}.zarr",
            basins=("01022500", "01123000", "01031500"),
            days=300,
            seed=store_seed,
        )
        if variant == "b":  # same training-period values of the training basins, rest differs
            original = xr.open_zarr(tmp_path / "a.zarr").load()
            changed = xr.open_zarr(store).load()
            train_days = slice(periods["train"]["start"], periods["train"]["end"])
            for name in (*INPUTS, "streamflow_mm_per_day"):
                changed[name].loc[{"basin": ["01022500", "01123000"], "date": train_days}] = (
                    original[name].sel(basin=["01022500", "01123000"], date=train_days)
                )
            changed.to_zarr(store, mode="w")
        model_path = tmp_path / variant / "model.pt"
        train_experiment(
            store_path=store,
            attributes_path=None,
            experiment_name="x",
            experiment=settings,
            basins=["01022500", "01123000"],
            periods=periods,
            seed=0,
            model_path=model_path,
            threads=1,
            device="cpu",
            bf16=False,
        )
        scalers.append(load_model_file(model_path).scalers)
    np.testing.assert_array_equal(scalers[0].input_mean, scalers[1].input_mean)
    np.testing.assert_array_equal(scalers[0].input_std, scalers[1].input_std)
    assert scalers[0].streamflow_mean == scalers[1].streamflow_mean
    np.testing.assert_array_equal(
        scalers[0].streamflow_std_per_basin, scalers[1].streamflow_std_per_basin
    )
    with pytest.raises(AssertionError):  # the stores really differ elsewhere
        np.testing.assert_array_equal(
            load_period(tmp_path / "a.zarr", ["01031500"], INPUTS, periods["train"], 1).dynamic,
            load_period(tmp_path / "b.zarr", ["01031500"], INPUTS, periods["train"], 1).dynamic,
        )


def test_subset_gathers_the_chosen_samples():
    dynamic, streamflow = _arrays(n_basins=2, n_dates=20)
    basin, day = select_samples(dynamic, streamflow, 4)
    gatherer = WindowGatherer(
        torch.from_numpy(dynamic),
        torch.zeros(2, 0),
        torch.from_numpy(streamflow),
        basin,
        day,
        4,
    )
    chosen = np.array([30, 2, 17])
    subset = gatherer.subset(chosen)
    assert len(subset) == 3
    assert torch.equal(
        subset.batch(torch.arange(3)).dynamic, gatherer.batch(torch.tensor(chosen)).dynamic
    )
    assert subset.day_index.tolist() == day[chosen].tolist()


def test_static_attributes_read_in_the_requested_order(sample_data):  # noqa: F811
    basins = [sample_data.basins[3], sample_data.basins[0]]
    names = [ATTRIBUTES[2], ATTRIBUTES[0]]
    statics = read_static_attributes(sample_data.attributes, basins, names)
    with xr.open_dataset(sample_data.attributes) as attributes:
        expected = attributes.sel(basin=basins, attribute=names)
        np.testing.assert_allclose(statics.normalised, expected["normalised"].values, rtol=1e-6)
        np.testing.assert_array_equal(statics.mean, expected["mean"].values)
    assert statics.normalised.dtype == np.float32
    with pytest.raises(KeyError, match="99999999"):
        read_static_attributes(sample_data.attributes, ["99999999"], names)
    with pytest.raises(KeyError, match="no_such_attribute"):
        read_static_attributes(sample_data.attributes, basins, ["no_such_attribute"])


def test_period_tensors_normalise_in_place_and_keep_compact_indices(tmp_path):
    store = write_synthetic_store(tmp_path / "store.zarr", start="2000-01-01", days=120)
    period = {"start": "2000-02-01", "end": "2000-04-29"}
    arrays = load_period(store, ["01022500", "01123000"], INPUTS, period, seq_length=10)
    raw = arrays.dynamic.copy()
    scalers = compute_scalers(
        arrays.basins, INPUTS, arrays.period_dynamic, arrays.period_streamflow
    )
    tensors = PeriodTensors(arrays, scalers, 10, torch.device("cpu"))
    expected = (raw - scalers.input_mean.astype(np.float32)) / scalers.input_std.astype(np.float32)
    np.testing.assert_allclose(arrays.dynamic, expected, rtol=1e-6, atol=1e-6)
    assert tensors.basin_index.dtype == tensors.day_index.dtype == np.int32
    batch = tensors.gatherer.batch(torch.arange(len(tensors.gatherer)))
    last = batch.dynamic[:, -1].numpy()
    np.testing.assert_array_equal(last, arrays.dynamic[tensors.basin_index, tensors.day_index])


def test_training_job_imports_neither_xarray_nor_pandas():
    # Keeps the training processes small (benchmarks/README.md, peak memory).
    code = (
        "import sys\n"
        "import camels_lstm.training\n"
        "import camels_lstm.training.run\n"
        "print(sorted({'xarray', 'pandas', 'dask'} & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_span_read_once_gives_each_period_as_the_store_does(tmp_path, monkeypatch):
    """Issue 16: a per-basin job reads the store once (read_span) and takes its training,
    validation and test periods from that read: the same arrays, warm-up cut where the store
    starts as there; a period the span lacks is read from the store."""
    from camels_lstm.data import store_reader  # load_period imports its reader from there
    from camels_lstm.training import data

    store = write_synthetic_store(tmp_path / "store.zarr", start="2000-01-01", days=200)
    basins = ["01022500", "01123000"]
    periods = {
        "validation": {"start": "2000-01-05", "end": "2000-02-29"},  # warm-up cut at the store
        "test": {"start": "2000-03-01", "end": "2000-05-31"},
        "train": {"start": "2000-06-01", "end": "2000-07-15"},
    }
    span = data.read_span(store, basins, INPUTS, periods.values(), seq_length=10)
    assert span.starts_with_store
    reads = []
    monkeypatch.setattr(store_reader, "load_timeseries", lambda *a, **k: reads.append(a) or None)
    for name, period in periods.items():
        from_span = load_period(span, basins, INPUTS, period, seq_length=10)
        monkeypatch.undo()
        from_store = load_period(store, basins, INPUTS, period, seq_length=10)
        monkeypatch.setattr(
            store_reader, "load_timeseries", lambda *a, **k: reads.append(a) or None
        )
        np.testing.assert_array_equal(from_span.dates, from_store.dates, err_msg=name)
        assert from_span.period_start_index == from_store.period_start_index, name
        np.testing.assert_array_equal(from_span.dynamic, from_store.dynamic)
        np.testing.assert_array_equal(
            from_span.streamflow_mm_per_day, from_store.streamflow_mm_per_day
        )
        from_span.dynamic[:] = 0  # a copy: its user normalises it in place
    assert reads == []  # every period came from the span
    monkeypatch.undo()
    assert np.isfinite(span.arrays.dynamic).any() and (span.arrays.dynamic != 0).any()

    # Other basins, a longer warm-up than the span holds, or days outside it: read the store.
    later = data.read_span(store, basins, INPUTS, [periods["train"]], seq_length=10)
    assert not later.starts_with_store
    assert later.period(basins, INPUTS, periods["train"], 30) is None
    assert later.period(basins[:1], INPUTS, periods["train"], 10) is None
    assert later.period(basins, INPUTS, periods["test"], 10) is None
    again = load_period(later, basins[:1], INPUTS, periods["train"], seq_length=10)
    assert again.basins == (basins[0],)

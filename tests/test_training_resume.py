"""A training job killed with SIGKILL after a checkpoint resumes on rerun and ends with the
same weights, bit for bit, as an uninterrupted run; a finished job's kept checkpoint makes a
rerun skip training."""

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import timeout_s
from training_data import experiment, sample_data  # noqa: F401

from camels_lstm.training.checkpoint import CHECKPOINT_FORMAT
from camels_lstm.training.finished_checkpoints import remove_finished_checkpoints
from camels_lstm.training.finished_model import finished_model_path
from camels_lstm.training.run import train_experiment

# camels_lstm.training exports a function named like its submodule: import the module by name.
run_module = importlib.import_module("camels_lstm.training.run")
checkpoint_module = importlib.import_module("camels_lstm.training.checkpoint")

PERIODS = {
    "train": {"start": "2002-10-01", "end": "2005-09-30"},
    "validation": {"start": "1988-10-01", "end": "1989-09-30"},
    "test": {"start": "1989-10-01", "end": "1990-09-30"},
}
SETTINGS = experiment(
    epochs=8,
    dropout=0.3,
    static_attributes=["p_mean", "frac_snow"],
    validate_every=2,
    early_stopping_patience=10,
    learning_rate={0: 0.01, 4: 0.005},
)
CHILD = """
import json, sys
from camels_lstm.training.run import train_experiment
from camels_lstm.training.checkpoint import CHECKPOINT_FORMAT
train_experiment(**json.loads(sys.argv[1]))
"""


def _arguments(data, model_path: Path) -> dict:
    return {
        "store_path": str(data.store),
        "attributes_path": str(data.attributes),
        "experiment_name": "resume",
        "experiment": SETTINGS,
        "basins": list(data.basins[:3]),
        "periods": PERIODS,
        "seed": 3,
        "model_path": str(model_path),
        "threads": 1,
        "device": "cpu",
        "bf16": False,
    }


def _one_epoch_arguments(data, model_path: Path) -> dict:
    """A quick training (one epoch, no validation) of ``_arguments``."""
    arguments = _arguments(data, model_path)
    arguments["experiment"] = {**SETTINGS, "epochs": 1, "validate_every": 0}
    return arguments


def _kill_after_first_checkpoint(arguments: dict, checkpoint: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(arguments)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    limit = timeout_s(900)
    deadline = time.monotonic() + limit
    while not checkpoint.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    if child.poll() is None and not checkpoint.exists():
        child.kill()
        child.wait()
        pytest.fail(f"training child (pid {child.pid}) wrote no {checkpoint} within {limit:.0f} s")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, f"child had finished: rc {child.returncode}"


def test_killed_run_resumes_to_identical_weights(sample_data, tmp_path, caplog):  # noqa: F811
    reference_path = tmp_path / "reference" / "model.pt"
    train_experiment(**_arguments(sample_data, reference_path))
    reference = torch.load(reference_path, weights_only=True)

    model_path = tmp_path / "killed" / "model.pt"
    checkpoint = model_path.with_name("checkpoint.pt")
    _kill_after_first_checkpoint(_arguments(sample_data, model_path), checkpoint)
    assert not model_path.exists()
    killed_at = torch.load(checkpoint, weights_only=True)["epoch"]
    assert 1 <= killed_at < SETTINGS["epochs"]

    caplog.set_level("INFO")
    train_experiment(**_arguments(sample_data, model_path))
    assert f"after epoch {killed_at}" in caplog.text
    resumed = torch.load(model_path, weights_only=True)
    assert resumed.keys() == reference.keys()
    for name, tensor in reference["state_dict"].items():
        assert torch.equal(resumed["state_dict"][name], tensor), name
    assert [r["loss"] for r in resumed["history"]] == [r["loss"] for r in reference["history"]]

    # The final checkpoint is kept: a job run again after its model file was deleted (what
    # Snakemake does to every member of a failed group job) resumes after the last epoch and
    # writes the same model without training (here without the kept weights, which would
    # serve first: test_kept_weights_are_reused_only_under_the_same_fingerprint).
    assert torch.load(checkpoint, weights_only=True)["epoch"] == SETTINGS["epochs"]
    model_path.unlink()
    finished_model_path(model_path).unlink()
    caplog.clear()
    train_experiment(**_arguments(sample_data, model_path))
    assert f"after epoch {SETTINGS['epochs']}" in caplog.text
    assert "samples/s" not in caplog.text  # no epoch was trained
    again = torch.load(model_path, weights_only=True)
    for name, tensor in reference["state_dict"].items():
        assert torch.equal(again["state_dict"][name], tensor), name


def test_kept_weights_are_reused_only_under_the_same_fingerprint(
    sample_data,  # noqa: F811
    tmp_path,
    caplog,
):
    model_path = tmp_path / "model.pt"
    arguments = _one_epoch_arguments(sample_data, model_path)
    train_experiment(**arguments)
    kept = finished_model_path(model_path)
    assert kept.stat().st_ino == model_path.stat().st_ino  # a hard link: no second copy
    trained = torch.load(model_path, weights_only=True)
    assert trained["fingerprint"]
    # Snakemake deleted the outputs (a new test period); the checkpoint is gone too
    model_path.unlink()
    model_path.with_name("checkpoint.pt").unlink()
    caplog.set_level("INFO")
    train_experiment(**arguments)
    assert "are reused" in caplog.text and "samples/s" not in caplog.text
    again = torch.load(model_path, weights_only=True)
    for name, tensor in trained["state_dict"].items():
        assert torch.equal(again["state_dict"][name], tensor), name
    # another seed changes the weights: trained again, and the kept file follows
    model_path.unlink()
    caplog.clear()
    train_experiment(**{**arguments, "seed": 4})
    assert "are reused" not in caplog.text and "epoch 1/1" in caplog.text
    assert torch.load(kept, weights_only=True)["seed"] == 4
    # a truncated kept file is not trusted
    model_path.unlink()
    model_path.with_name("checkpoint.pt").unlink()
    kept.unlink()
    kept.write_bytes(b"not a model")
    caplog.clear()
    train_experiment(**{**arguments, "seed": 4})
    assert "unreadable" in caplog.text and "epoch 1/1" in caplog.text


def test_checkpoint_of_other_training_code_is_not_resumed(
    sample_data,  # noqa: F811
    tmp_path,
    caplog,
    monkeypatch,
):
    model_path = tmp_path / "model.pt"
    arguments = _one_epoch_arguments(sample_data, model_path)
    train_experiment(**arguments)
    assert model_path.with_name("checkpoint.pt").is_file()
    model_path.unlink()
    monkeypatch.setattr(checkpoint_module, "training_code_digest", lambda: "digest of changed code")
    caplog.set_level("INFO")
    train_experiment(**arguments)
    assert "another configuration" in caplog.text
    assert "epoch 1/1" in caplog.text


def test_finished_checkpoints_are_removed_only_beside_model_files(tmp_path) -> None:
    finished, running = tmp_path / "finished", tmp_path / "running"
    for folder in (finished, running):
        folder.mkdir()
        (folder / "checkpoint.pt").write_bytes(b"state")
    (finished / "model.pt").write_bytes(b"weights")
    removed = remove_finished_checkpoints([finished / "model.pt", running / "model.pt"])
    assert removed == 1
    assert not (finished / "checkpoint.pt").exists()
    assert (running / "checkpoint.pt").is_file()


@pytest.mark.parametrize(
    ("contents", "message"),
    [
        (b"torn file", "unreadable checkpoint"),
        ({"format": CHECKPOINT_FORMAT, "fingerprint": "other"}, "another configuration"),
    ],
)
def test_foreign_checkpoint_is_ignored(sample_data, tmp_path, caplog, contents, message):  # noqa: F811
    model_path = tmp_path / "model.pt"
    arguments = _arguments(sample_data, model_path)
    arguments["experiment"] = {**SETTINGS, "epochs": 1, "validate_every": 0}
    checkpoint = model_path.with_name("checkpoint.pt")
    if isinstance(contents, bytes):
        checkpoint.write_bytes(contents)
    else:
        torch.save(contents, checkpoint)
    caplog.set_level("INFO")
    train_experiment(**arguments)
    assert message in caplog.text
    assert torch.load(model_path, weights_only=True)["history"][0]["epoch"] == 1


def test_torch_files_are_replaced_atomically_and_synced(tmp_path, monkeypatch) -> None:
    synced = []
    monkeypatch.setattr(checkpoint_module.os, "fsync", lambda fd: synced.append(fd))
    path = tmp_path / "checkpoint.pt"
    checkpoint_module.atomic_torch_save({"epoch": 1}, path)
    checkpoint_module.atomic_torch_save({"epoch": 2}, path)
    assert torch.load(path, weights_only=True) == {"epoch": 2}
    assert len(synced) == 2
    with pytest.raises(Exception, match="pickle"):  # a lambda cannot be saved
        checkpoint_module.atomic_torch_save({"epoch": lambda: 3}, path)
    assert torch.load(path, weights_only=True) == {"epoch": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]  # no temporary left

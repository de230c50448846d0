"""The one atomic-write mechanism and the writers built on it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from camels_lstm import atomic_output
from camels_lstm.atomic_output import atomic_path, write_csv, write_json


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "best.json"
    write_json({"candidate": "c00"}, target)
    with pytest.raises(RuntimeError, match="killed"), atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("killed")
    assert json.loads(target.read_text()) == {"candidate": "c00"}
    assert [p.name for p in tmp_path.iterdir()] == ["best.json"]


def test_nothing_written_is_an_error_naming_the_path(tmp_path: Path) -> None:
    with (
        pytest.raises(FileNotFoundError, match="nothing was written"),
        atomic_path(tmp_path / "metrics.csv"),
    ):
        pass
    assert not list(tmp_path.iterdir())


def test_a_folder_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "camels_us"
    (target / "old_only").mkdir(parents=True)
    with atomic_path(target) as temporary:
        (temporary / "new_only").mkdir(parents=True)
    assert [p.name for p in target.iterdir()] == ["new_only"]
    assert [p.name for p in tmp_path.iterdir()] == ["camels_us"]


def test_the_old_folder_comes_back_if_the_new_one_cannot_replace_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "camels_us"
    (target / "old_only").mkdir(parents=True)
    real_rename = Path.rename

    def failing_rename(self: Path, destination: Path) -> Path:
        if self.name == "camels_us" and Path(destination) == target:
            raise OSError("disk quota exceeded")
        return real_rename(self, destination)

    monkeypatch.setattr(atomic_output.Path, "rename", failing_rename)
    with pytest.raises(OSError, match="quota"), atomic_path(target) as temporary:
        (temporary / "new_only").mkdir(parents=True)
    assert [p.name for p in target.iterdir()] == ["old_only"]
    assert [p.name for p in tmp_path.iterdir()] == ["camels_us"]


def test_writers_keep_nan_and_their_formats(tmp_path: Path) -> None:
    write_csv(pd.DataFrame({"basin": ["01022500"], "nse": [math.nan]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == "basin,nse\n01022500,\n"
    write_json({"nse": math.nan}, tmp_path / "s.json")
    assert math.isnan(json.loads((tmp_path / "s.json").read_text())["nse"])

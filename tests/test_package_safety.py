"""Issue 26's package and prediction-command findings: no user file or folder is ever replaced by
``camels-lstm predict``, an altered package is refused before it is read into memory or built,
and each refusal names the package, member or option at fault."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
import torch
from test_packages import DATA
from training_data import ATTRIBUTES, PERIODS, SampleData, experiment, sample_data  # noqa: F401

from camels_lstm.atomic_output import atomic_path
from camels_lstm.config import ConfigError, read_basin_list
from camels_lstm.packages.cli import main
from camels_lstm.packages.package import PackageError, read_package, write_package
from camels_lstm.training.run import train_experiment


@pytest.fixture(scope="module")
def package(sample_data: SampleData, tmp_path_factory: pytest.TempPathFactory) -> dict:  # noqa: F811
    root = tmp_path_factory.mktemp("package_safety")
    model = root / "regional" / "seed0" / "model.pt"
    train_experiment(
        store_path=sample_data.store, attributes_path=sample_data.attributes,
        experiment_name="regional",
        experiment=experiment(static_attributes=list(ATTRIBUTES), seq_length=20, epochs=1),
        basins=list(sample_data.basins[:4]), periods=PERIODS, seed=0, model_path=model,
        threads=1, device="cpu", bf16=False,
    )  # fmt: skip
    path = write_package(root / "seed0.zip", {"seed0": model}, DATA)
    return {"path": path, "camels": sample_data.store.parent / "camels"}


def _predict(package_path: Path, camels: Path, output: Path, *extra: str) -> int:
    return main(
        [
            "predict", "--package", str(package_path), "--camels-dir", str(camels),
            "--basins", "01022500", "--start", "1995-10-01", "--end", "1995-12-31",
            "--output", str(output), *extra,
        ]
    )  # fmt: skip


def _repack(source: Path, target: Path, change, fix_manifest: bool = True) -> Path:
    """A copy of ``source`` with ``change(name, body)`` applied to each member; with
    ``fix_manifest`` the manifest's checksums and sizes are recomputed to match."""
    with zipfile.ZipFile(source) as old:
        bodies = {name: change(name, old.read(name)) for name in old.namelist()}
    if fix_manifest:
        manifest = json.loads(bodies["manifest.json"])
        for name in manifest["files"]:
            body = bodies[name]
            manifest["files"][name] = {
                "sha256": hashlib.sha256(body).hexdigest(),
                "bytes": len(body),
            }
        bodies["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name, body in bodies.items():
            new.writestr(name, body)
    return target


def test_output_that_is_a_folder_is_refused_and_kept(package, tmp_path, capsys):
    folder = tmp_path / "my_results"
    folder.mkdir()
    (folder / "notes.txt").write_text("a day of work")
    assert _predict(package["path"], package["camels"], folder) == 2
    error = capsys.readouterr().err
    assert f"--output {folder} is a directory" in error
    assert (folder / "notes.txt").read_text() == "a day of work"


def test_a_file_writer_never_replaces_a_folder(tmp_path):
    folder = tmp_path / "store.zarr"
    folder.mkdir()
    (folder / "chunk").write_text("data")
    refused = pytest.raises(IsADirectoryError, match="is a directory: not replacing it")
    with refused, atomic_path(folder) as temporary:
        temporary.write_text("a file")
    assert (folder / "chunk").read_text() == "data"


@pytest.mark.parametrize("option", ["--package", "--basin-file"])
def test_output_equal_to_an_input_is_refused_with_both_paths(package, tmp_path, capsys, option):
    copy = tmp_path / "seed0.zip"
    copy.write_bytes(package["path"].read_bytes())
    basin_file = tmp_path / "basins.txt"
    basin_file.write_text("01022500\n")
    target = copy if option == "--package" else basin_file
    before = target.read_bytes()
    status = main(
        [
            "predict", "--package", str(copy), "--camels-dir", str(package["camels"]),
            "--basin-file", str(basin_file), "--start", "1995-10-01", "--end", "1995-12-31",
            "--output", str(target),
        ]
    )  # fmt: skip
    assert status == 2
    assert f"--output {target} is the same file as {option} {target}" in capsys.readouterr().err
    assert target.read_bytes() == before


def test_a_member_that_inflates_beyond_its_manifest_is_not_read(package, tmp_path, monkeypatch):
    # A weights member of 64 MiB of zeros compresses to ~64 KB; the manifest keeps the true size.
    bomb = _repack(
        package["path"], tmp_path / "bomb.zip",
        lambda name, body: bytes(64 * 2**20) if name.endswith("weights.pt") else body,
        fix_manifest=False,
    )  # fmt: skip
    assert bomb.stat().st_size < 2**20
    read_sizes = []
    original = zipfile.ZipExtFile.read

    def counting(self, n=-1):
        piece = original(self, n)
        read_sizes.append(len(piece))
        return piece

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    with pytest.raises(
        PackageError, match=r"checksum of members/seed0/weights.pt fails: it inflates to 67,108,864"
    ):
        read_package(bomb)
    assert sum(read_sizes) < 2**20  # refused from the zip directory, before reading it


def test_a_manifest_claiming_a_huge_member_is_refused(package, tmp_path):
    def huge(name, body):
        if name != "manifest.json":
            return body
        manifest = json.loads(body)
        manifest["files"]["members/seed0/weights.pt"]["bytes"] = 2**40
        return json.dumps(manifest).encode()

    altered = _repack(package["path"], tmp_path / "huge.zip", huge, fix_manifest=False)
    with pytest.raises(PackageError, match=r"manifest entry 'members/seed0/weights.pt'"):
        read_package(altered)


def test_altered_weights_with_a_recomputed_checksum_name_package_and_member(package, tmp_path):
    garbage = _repack(
        package["path"], tmp_path / "garbage.zip",
        lambda name, body: b"not torch" * 100 if name.endswith("weights.pt") else body,
    )  # fmt: skip
    with pytest.raises(PackageError) as refused:
        read_package(garbage)
    assert f"model package {garbage}: members/seed0/weights.pt is not a weights file" in str(
        refused.value
    )


def test_settings_that_disagree_with_the_weights_are_refused_before_building(package, tmp_path):
    def enormous(name, body):
        if name != "package.json":
            return body
        description = json.loads(body)
        description["experiment"]["hidden_size"] = 1_000_000
        return json.dumps(description).encode()

    altered = _repack(package["path"], tmp_path / "enormous.zip", enormous)
    with pytest.raises(PackageError, match=r"hidden_size 1000000, but members/seed0/weights.pt"):
        read_package(altered)


def test_a_member_without_weights_is_named(package, tmp_path):
    def rename(name, body):
        if name != "package.json":
            return body
        description = json.loads(body)
        description["members"] = {"../seed9": 9}
        return json.dumps(description).encode()

    altered = _repack(package["path"], tmp_path / "renamed.zip", rename)
    with pytest.raises(PackageError, match=r"member '../seed9' of package.json has no members/"):
        read_package(altered)


def test_threads_must_be_positive(package, tmp_path, capsys):
    with pytest.raises(SystemExit):
        _predict(package["path"], package["camels"], tmp_path / "p.nc", "--threads", "-1")
    assert "'-1' is not a whole number >= 1" in capsys.readouterr().err


def test_basin_file_errors_name_the_option_and_a_byte_order_mark_is_accepted(tmp_path):
    with_mark = tmp_path / "basins.txt"
    with_mark.write_bytes("\ufeff01022500\n01031500\n".encode())
    assert read_basin_list(with_mark, "--basin-file") == ["01022500", "01031500"]
    bad = tmp_path / "bad.txt"
    bad.write_text("1022500\n")
    with pytest.raises(ConfigError, match=r"^--basin-file: .* line 1: '1022500' is not"):
        read_basin_list(bad, "--basin-file")


def test_an_intact_package_still_reads(package):
    read = read_package(package["path"])
    state = read.members["seed0"].model.state_dict()
    with zipfile.ZipFile(package["path"]) as archive:
        saved = torch.load(io.BytesIO(archive.read("members/seed0/weights.pt")), weights_only=True)
    for name, tensor in saved.items():
        assert torch.equal(state[name], tensor), name

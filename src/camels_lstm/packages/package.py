"""The model package: one zip with everything a prediction needs, checksummed.

Contents (docs/packages.md)::

    manifest.json                 format, and sha256 + size of every other file
    package.json                  format, code version, experiment settings, inputs, static
                                  attributes, forcing product, streamflow area source, data
                                  checks, periods, training basins, members
    members/seed<k>/weights.pt    state dict: tensors only (torch.load(weights_only=True))
    members/seed<k>/scalers.json  input, streamflow and static-attribute scalers (exact floats)
    conceptual.json               hybrid models only: the conceptual models and parameters that
                                  rebuild their conceptual inputs (packages.conceptual_inputs)

A seed package holds one member, an ensemble package every seed of the experiment (its
prediction is the mean of the members', as the workflow's ``ensemble`` member). Nothing is
pickled: the weights load with ``weights_only=True``, the rest is JSON. The zip is written
atomically and byte-for-byte reproducibly (fixed time stamps, sorted names).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from camels_lstm.atomic_output import atomic_path
from camels_lstm.models import build_model
from camels_lstm.packages.conceptual_inputs import CONCEPTUAL_FILE
from camels_lstm.packages.scalers_json import scalers_from_json, scalers_to_json
from camels_lstm.training.checkpoint import training_code_digest
from camels_lstm.training.model_file import MODEL_FORMAT, TrainedModel
from camels_lstm.training.scalers import Scalers

PACKAGE_FORMAT = "camels_lstm.package/1"
MANIFEST = "manifest.json"
DESCRIPTION = "package.json"
# The prediction mode of packages that do not record one (camels_lstm.training.simulate).
DEFAULT_PREDICTION = "windows"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class PackageError(ValueError):
    """A package is unreadable, altered, of an unknown format or unfit for the request; the
    message names the package and what is wrong."""


@dataclass(frozen=True)
class ModelPackage:
    """A verified package: its description (package.json) and one model per member."""

    path: Path
    description: dict[str, Any]
    members: dict[str, TrainedModel]
    conceptual: dict[str, Any] | None = None  # conceptual.json of a hybrid model

    @property
    def seq_length(self) -> int:
        return int(self.description["experiment"]["seq_length"])

    @property
    def prediction(self) -> str:
        """The prediction mode its experiment used (windows for packages that do not say)."""
        return str(self.description.get("prediction", DEFAULT_PREDICTION))

    @property
    def dynamic_inputs(self) -> tuple[str, ...]:
        return tuple(self.description["dynamic_inputs"])

    @property
    def static_attributes(self) -> tuple[str, ...]:
        return tuple(self.description["static_attributes"])


def code_version() -> dict[str, str]:
    """The installed library version and the digest of its training and model code."""
    try:
        version = metadata.version("camels-lstm")
    except metadata.PackageNotFoundError:  # run from a source tree (Snakemake adds src/)
        version = "unknown"
    return {"camels_lstm": version, "training_code_sha256": training_code_digest()}


def _json_bytes(payload: Mapping[str, Any]) -> bytes:
    return (json.dumps(payload, indent=1, sort_keys=True) + "\n").encode()


def _weights_bytes(state_dict: Mapping[str, torch.Tensor]) -> bytes:
    buffer = io.BytesIO()
    torch.save({name: tensor.detach().cpu().clone() for name, tensor in state_dict.items()}, buffer)
    return buffer.getvalue()


def _read_model_file(path: Path) -> dict[str, Any]:
    contents = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(contents, dict) or contents.get("format") != MODEL_FORMAT:
        raise PackageError(f"{path}: not a camels_lstm model file (format {MODEL_FORMAT})")
    return contents


def package_files(
    model_files: Mapping[str, str | Path],
    data: Mapping[str, Any],
    conceptual: Mapping[str, Any] | None = None,
) -> dict[str, bytes]:
    """The files of a package of the models ``model_files`` (member name -> model.pt) of one
    experiment, without the manifest. ``data``: the run's ``forcing``, ``streamflow_area`` and
    ``data_checks`` (what reading new inputs must do as the training data were read);
    ``conceptual``: a hybrid model's ``conceptual.json`` (its conceptual inputs' models)."""
    if not model_files:
        raise PackageError("a package needs at least one model file")
    files: dict[str, bytes] = {}
    first: dict[str, Any] | None = None
    for member, path in model_files.items():
        contents = _read_model_file(Path(path))
        if first is None:
            first = contents
        elif contents["experiment"] != first["experiment"] or contents["basins"] != first["basins"]:
            raise PackageError(
                f"{path}: other settings or basins than {next(iter(model_files.values()))}; a "
                "package holds the seeds of one experiment"
            )
        scalers = Scalers.from_dict(contents["scalers"])
        files[f"members/{member}/weights.pt"] = _weights_bytes(contents["state_dict"])
        files[f"members/{member}/scalers.json"] = _json_bytes(scalers_to_json(scalers))
    assert first is not None
    scalers = Scalers.from_dict(first["scalers"])
    description = {
        "format": PACKAGE_FORMAT,
        "code_version": code_version(),
        "experiment_name": first["experiment_name"],
        "experiment": first["experiment"],
        "members": {member: int(_read_seed(member)) for member in model_files},
        "dynamic_inputs": list(scalers.dynamic_inputs),
        "static_attributes": list(scalers.static_attributes),
        "forcing": data["forcing"],
        "streamflow_area": data["streamflow_area"],
        "data_checks": dict(data["data_checks"]),
        "prediction": data.get("prediction", DEFAULT_PREDICTION),
        "periods": first["periods"],
        "training_basins": list(first["basins"]),
    }
    files[DESCRIPTION] = _json_bytes(description)
    if conceptual is not None:
        files[CONCEPTUAL_FILE] = _json_bytes(conceptual)
    return files


def _read_seed(member: str) -> int:
    if not member.startswith("seed") or not member[4:].isdigit():
        raise PackageError(f"member name {member!r} is not seed<k>")
    return int(member[4:])


def write_package(
    path: str | Path,
    model_files: Mapping[str, str | Path],
    data: Mapping[str, Any],
    conceptual: Mapping[str, Any] | None = None,
) -> Path:
    """Write the package of ``model_files`` (see :func:`package_files`) to ``path`` atomically:
    the files, then ``manifest.json`` with their sha256 and size."""
    files = package_files(model_files, data, conceptual)
    manifest = {
        "format": PACKAGE_FORMAT,
        "files": {
            name: {"sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}
            for name, body in sorted(files.items())
        },
    }
    path = Path(path)
    with atomic_path(path) as temporary, zipfile.ZipFile(temporary, "w") as archive:
        for name, body in [(MANIFEST, _json_bytes(manifest)), *sorted(files.items())]:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, body)
    return path


# The largest member a package may hold (an LSTM of hidden 1024 is ~20 MB) and its manifest;
# a member declared larger or inflating past its manifest entry is refused before it is read.
MAX_MEMBER_BYTES = 256 * 2**20
MAX_MANIFEST_BYTES = 2**20


def _read_member(path: Path, archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """The bytes of member ``name``, read in pieces and refused once past ``limit`` bytes (its
    declared size in the zip directory is checked first; the actual inflated size too)."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise PackageError(
            f"model package {path}: {name} inflates to {info.file_size:,} bytes, more than the "
            f"{limit:,} its manifest or the format allows; the package was altered"
        )
    pieces, size = [], 0
    with archive.open(info) as member:
        while piece := member.read(2**20):
            size += len(piece)
            if size > limit:
                raise PackageError(
                    f"model package {path}: {name} inflates past {limit:,} bytes; the package "
                    "was altered"
                )
            pieces.append(piece)
    return b"".join(pieces)


def _checked_manifest(path: Path, archive: zipfile.ZipFile) -> dict[str, Any]:
    names = archive.namelist()
    if MANIFEST not in names:
        raise PackageError(f"model package {path}: no {MANIFEST}; not a camels_lstm package")
    try:
        manifest = json.loads(_read_member(path, archive, MANIFEST, MAX_MANIFEST_BYTES))
    except ValueError as error:
        raise PackageError(f"model package {path}: {MANIFEST} is not JSON ({error})") from None
    found = manifest.get("format") if isinstance(manifest, dict) else None
    if found not in PACKAGE_READERS:
        raise PackageError(
            f"model package {path}: unknown format version {found!r}; this camels-lstm "
            f"({code_version()['camels_lstm']}) reads {sorted(PACKAGE_READERS)} (a package "
            "written by a newer version needs that version)"
        )
    listed = manifest.get("files", {})
    contents = set(names) - {MANIFEST}
    unlisted, absent = sorted(contents - set(listed)), sorted(set(listed) - contents)
    if unlisted or absent:
        raise PackageError(
            f"model package {path}: files not in the manifest {unlisted}, listed but absent "
            f"{absent}; the package was altered"
        )
    for name, expected in listed.items():
        declared = expected.get("bytes") if isinstance(expected, dict) else None
        if (
            name.startswith("/")
            or ".." in name.split("/")
            or not isinstance(declared, int)
            or not 0 <= declared <= MAX_MEMBER_BYTES
            or not isinstance(expected.get("sha256"), str)
        ):
            raise PackageError(
                f"model package {path}: manifest entry {name!r} is not a file name inside the "
                f"package with its sha256 and a size of at most {MAX_MEMBER_BYTES:,} bytes "
                f"({expected!r}); the package was altered"
            )
    return manifest


def _verified_files(path: Path) -> dict[str, bytes]:
    """Every file of the package, checked against the manifest (format, names, sizes, sha256, no
    extras) before and while it is read: no member is read past the size the manifest gives."""
    try:
        with zipfile.ZipFile(path) as archive:
            listed = _checked_manifest(path, archive)["files"]
            contents = {}
            for name, expected in listed.items():
                inflated = archive.getinfo(name).file_size
                if inflated != expected["bytes"]:
                    raise PackageError(
                        f"model package {path}: checksum of {name} fails: it inflates to "
                        f"{inflated:,} bytes, its manifest says {expected['bytes']:,}; the "
                        "package is damaged or was altered"
                    )
                body = _read_member(path, archive, name, expected["bytes"])
                digest = hashlib.sha256(body).hexdigest()
                if len(body) != expected["bytes"] or digest != expected["sha256"]:
                    raise PackageError(
                        f"model package {path}: checksum of {name} fails (sha256 {digest}, "
                        f"{len(body):,} bytes; manifest {expected['sha256']}, "
                        f"{expected['bytes']:,} bytes); the package is damaged or was altered"
                    )
                contents[name] = body
    except FileNotFoundError:
        raise PackageError(f"model package {path} does not exist") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise PackageError(f"model package {path}: not a readable zip file ({error})") from None
    return contents


def _member_file(path: Path, files: Mapping[str, bytes], member: str, name: str) -> bytes:
    key = f"members/{member}/{name}"
    if key not in files:
        raise PackageError(
            f"model package {path}: member {member!r} of {DESCRIPTION} has no {key} in the "
            "package; the package was altered"
        )
    return files[key]


def _member_model(
    path: Path, description: Mapping[str, Any], member: str, weights: bytes, scalers: Scalers
) -> torch.nn.Module:
    """The member's network, its settings checked against its weights before it is built."""
    name = f"members/{member}/weights.pt"
    try:
        state = torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True)
    except Exception as error:  # any unreadable file: say which member of which package
        raise PackageError(
            f"model package {path}: {name} is not a weights file torch can read ({error})"
        ) from None
    experiment = description["experiment"]
    head = state.get("head.weight") if isinstance(state, dict) else None
    hidden = experiment.get("hidden_size")
    if head is None or not isinstance(hidden, int) or head.shape[-1] != hidden:
        raise PackageError(
            f"model package {path}: {DESCRIPTION} gives hidden_size {hidden!r}, but {name} holds "
            f"a network of hidden size {None if head is None else head.shape[-1]}; the package "
            "was altered"
        )
    try:
        model = build_model(
            experiment,
            n_dynamic=len(scalers.dynamic_inputs),
            n_static=len(scalers.static_attributes),
        )
        model.load_state_dict(state)
    except (KeyError, ValueError, TypeError, RuntimeError) as error:
        raise PackageError(
            f"model package {path}: the settings in {DESCRIPTION} do not build the network of "
            f"{name} ({str(error).splitlines()[0]})"
        ) from None
    return model


def _read_format_1(path: Path, files: Mapping[str, bytes]) -> ModelPackage:
    description = json.loads(files[DESCRIPTION])
    members: dict[str, TrainedModel] = {}
    for member, seed in description["members"].items():
        scalers = scalers_from_json(json.loads(_member_file(path, files, member, "scalers.json")))
        weights = _member_file(path, files, member, "weights.pt")
        model = _member_model(path, description, member, weights, scalers)
        members[member] = TrainedModel(
            model=model.eval(),
            scalers=scalers,
            experiment_name=description["experiment_name"],
            experiment=description["experiment"],
            periods=description["periods"],
            seed=int(seed),
            history=[],
        )
    conceptual = json.loads(files[CONCEPTUAL_FILE]) if CONCEPTUAL_FILE in files else None
    return ModelPackage(path, description, members, conceptual)


# Package format version -> reader. A new format adds a reader; old packages stay readable.
PACKAGE_READERS: dict[str, Callable[[Path, Mapping[str, bytes]], ModelPackage]] = {
    PACKAGE_FORMAT: _read_format_1,
}


def read_package(path: str | Path) -> ModelPackage:
    """Open and verify a package (manifest checksums, format version) and rebuild its models
    on the CPU, in eval mode.

    Raises
    ------
    PackageError
        Naming the package and the file whose checksum fails, an unknown format version, or a
        file that is not a package.
    """
    path = Path(path)
    files = _verified_files(path)
    description = json.loads(files[DESCRIPTION])
    version = description.get("format")
    if version not in PACKAGE_READERS:
        raise PackageError(f"model package {path}: unknown format version {version!r}")
    return PACKAGE_READERS[version](path, files)


def package_members(seeds: Sequence[int], member: str) -> list[str]:
    """The seed members a package holds: ``seed<k>`` itself, or every seed for ``ensemble``."""
    return [f"seed{seed}" for seed in seeds] if member == "ensemble" else [member]

"""The conceptual-model inputs of a hybrid model package (``conceptual.json``; docs/packages.md).

A hybrid LSTM reads ``<conceptual experiment>.<output>`` inputs (simulated streamflow, SWE, ...)
that the workflow takes from that experiment's simulation store. Its package carries what
rebuilds them from CAMELS files alone: per conceptual experiment the model, its PET method and
spin-up, the training period (the snow routine's pack scale), the calibrated parameters of each
basin it was calibrated on and, where the run has one, the regional parameter set of the same
model and calibration, used for every other basin. A prediction then runs the conceptual model
over the basin's whole forcing record, as the workflow's simulation does (same spin-up, same
forcing conversions: :func:`camels_lstm.conceptual.forcing.basin_forcing`), and takes the days
it needs. A Shyft model runs in Shyft's environment (:mod:`camels_lstm.conceptual.shyft_env`).

This module imports neither torch nor hydrogr at the top: the Shyft environment runs it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from camels_lstm.conceptual.spec import CONCEPTUAL_OUTPUTS, SHYFT_MODEL_NAMES, hybrid_input

CONCEPTUAL_FILE = "conceptual.json"
CONCEPTUAL_FORMAT = "camels_lstm.package.conceptual/1"


class ConceptualPackageError(ValueError):
    """A hybrid package that cannot give a basin its conceptual inputs; names package, source
    experiment and basin."""


def conceptual_section(
    sources: Mapping[str, Mapping[str, Any]], train_period: Mapping[str, str]
) -> dict[str, Any]:
    """The content of ``conceptual.json`` from the run's files.

    ``sources``: conceptual experiment -> {"settings": its validated settings (model, scope,
    pet, calibration), "calibrations": its calibration.json files, "regional": None or
    {"experiment": name, "calibration": calibration.json} of the regional set of the same model
    and calibration}. Parameters are read from the calibration files, in the model's order.
    """
    section: dict[str, Any] = {"format": CONCEPTUAL_FORMAT, "sources": {}}
    for name, source in sources.items():
        settings = source["settings"]
        records = [json.loads(Path(path).read_text()) for path in source["calibrations"]]
        names = list(records[0]["parameters"])
        by_basin: dict[str, list[float]] = {}
        regional = None
        if settings["scope"] == "regional":
            regional = {"experiment": name, "parameters": _values(records[0], names)}
        else:
            for record in records:
                for basin in record["training_scores"]:
                    by_basin[basin] = _values(record, names)
        if source.get("regional"):
            record = json.loads(Path(source["regional"]["calibration"]).read_text())
            regional = {
                "experiment": source["regional"]["experiment"],
                "parameters": _values(record, names),
            }
        section["sources"][name] = {
            "model": settings["model"],
            "scope": settings["scope"],
            "pet": settings["pet"],
            "spin_up_days": int(settings["calibration"]["warm_up_days"]),
            "snow_period": {key: train_period[key] for key in ("start", "end")},
            "parameter_names": names,
            "basins": dict(sorted(by_basin.items())),
            "regional": regional,
        }
    return section


def _values(record: Mapping[str, Any], names: Sequence[str]) -> list[float]:
    return [float(record["parameters"][name]) for name in names]


def needed_sources(dynamic_inputs: Sequence[str]) -> dict[str, list[str]]:
    """{conceptual experiment: [its outputs]} that ``dynamic_inputs`` name, in input order."""
    needed: dict[str, list[str]] = {}
    for name in dynamic_inputs:
        parsed = hybrid_input(name)
        if parsed:
            needed.setdefault(parsed[0], []).append(parsed[1])
    return needed


def basin_parameters(source: Mapping[str, Any], basin: str) -> list[float] | None:
    """The parameters a basin is simulated with: its own calibration, else the regional set
    (None where the package has neither)."""
    own = source["basins"].get(basin)
    if own is not None:
        return own
    return None if source["regional"] is None else source["regional"]["parameters"]


def check_coverage(
    package: str,
    section: Mapping[str, Any] | None,
    dynamic_inputs: Sequence[str],
    basins: Sequence[str],
) -> None:
    """Refuse, naming them, conceptual inputs the package cannot rebuild: a source it does not
    carry (a package written before packages carried them), or basins with no parameters."""
    for name, _ in needed_sources(dynamic_inputs).items():
        source = None if section is None else section["sources"].get(name)
        if source is None:
            raise ConceptualPackageError(
                f"model package {package}: its model reads outputs of the conceptual experiment "
                f"{name}, which the package does not carry ({CONCEPTUAL_FILE}: the conceptual "
                "model and its calibrated parameters); predict it with the workflow, or package "
                "it again with this version"
            )
        lacking = [basin for basin in basins if basin_parameters(source, basin) is None]
        if lacking:
            raise ConceptualPackageError(
                f"model package {package}: basin(s) {lacking} have no parameters of the "
                f"conceptual experiment {name} ({source['model']}, calibrated per basin on "
                f"{len(source['basins'])} basins) and the run that wrote the package had no "
                "regional set of that model to fall back on; predict the package's training "
                "basins, or add a regional calibration of the same model to the run"
            )


@dataclass(frozen=True)
class BasinFiles:
    """What a prediction reads for the conceptual inputs: per basin its forcing file and area
    of the streamflow conversion (m²), the package's data-check policies, and the days wanted
    (ISO dates). Plain JSON values: it travels to the Shyft environment as they are."""

    basins: list[str]
    forcing_files: dict[str, str]
    areas_m2: dict[str, float]
    data_checks: dict[str, str]
    first_day: str
    last_day: str


def simulate_source(
    source: Mapping[str, Any], outputs: Sequence[str], files: BasinFiles
) -> dict[str, np.ndarray]:
    """{output: (basin, day) float32 over ``files.first_day``..``last_day``} of one conceptual
    experiment, each basin simulated over its whole forcing record (NaN outside it)."""
    from camels_lstm.conceptual.forcing import BasinSite, basin_forcing, forcing_variables
    from camels_lstm.conceptual.jobs import PET_VARIABLE, simulate_record
    from camels_lstm.conceptual.models import CONCEPTUAL_MODELS
    from camels_lstm.data.camels_files import read_forcing
    from camels_lstm.data.quality import ERROR, forcing_findings

    model = CONCEPTUAL_MODELS[source["model"]]
    shyft = model.environment == "shyft"
    variables = forcing_variables(source["pet"], shyft)
    basins, forcing_files, areas_m2 = files.basins, files.forcing_files, files.areas_m2
    dates = np.arange(
        np.datetime64(files.first_day, "D"),
        np.datetime64(files.last_day, "D") + 1,
        dtype="datetime64[D]",
    )
    arrays = {output: np.full((len(basins), dates.size), np.nan, np.float32) for output in outputs}
    for row, basin in enumerate(basins):
        series = read_forcing(forcing_files[basin])
        findings, masks = forcing_findings(
            basin, series.path, series.dates, series.values, files.data_checks
        )
        errors = [finding.message for finding in findings if finding.policy == ERROR]
        if errors:
            raise ConceptualPackageError("data check(s) failed:\n  " + "\n  ".join(errors))
        values = {}
        for name in variables:
            one = series.values[name].copy()
            if name in masks:
                one[masks[name]] = np.nan
            values[name] = one.astype(np.float32).astype(np.float64)  # as the store holds it
        site = BasinSite(
            float(series.gauge_lat), float(series.gauge_elevation_m), float(areas_m2[basin])
        )
        forcing = basin_forcing(
            basin,
            series.dates,
            values,
            site,
            source["pet"],
            source["snow_period"],
            shyft,
            np.full(series.dates.size, np.nan),
        )
        parameters = np.array(basin_parameters(source, basin), dtype=np.float64)
        simulated = simulate_record(model, parameters, forcing, int(source["spin_up_days"]))
        simulated.setdefault(PET_VARIABLE, forcing.forcing.pet_mm_per_day)
        inside = (forcing.dates >= dates[0]) & (forcing.dates <= dates[-1])
        columns = (forcing.dates[inside] - dates[0]).astype(np.int64)
        for output in outputs:
            variable = CONCEPTUAL_OUTPUTS[output][0]
            arrays[output][row, columns] = simulated[variable][inside]
    return arrays


def simulate_source_job(
    output_path: str, source: Mapping[str, Any], outputs: Sequence[str], files: Mapping[str, Any]
) -> None:
    """:func:`simulate_source` as a job of the Shyft environment: its arrays into an .npz."""
    np.savez(output_path, **simulate_source(source, outputs, BasinFiles(**files)))


def conceptual_inputs(
    section: Mapping[str, Any], dynamic_inputs: Sequence[str], files: BasinFiles
) -> dict[str, np.ndarray]:
    """{dynamic input ``<experiment>.<output>``: (basin, day) float32} of a hybrid package."""
    from camels_lstm.conceptual import shyft_env

    values: dict[str, np.ndarray] = {}
    for name, outputs in needed_sources(dynamic_inputs).items():
        source = section["sources"][name]
        if source["model"] in SHYFT_MODEL_NAMES and not shyft_env.inside():
            with tempfile.TemporaryDirectory() as folder:
                path = str(Path(folder) / "inputs.npz")
                arguments = {"source": source, "outputs": outputs, "files": asdict(files)}
                shyft_env.run_job("package_inputs", {**arguments, "output_path": path})
                with np.load(path) as stored:
                    arrays = {output: stored[output] for output in outputs}
        else:
            arrays = simulate_source(source, outputs, files)
        for output in outputs:
            values[f"{name}.{output}"] = arrays[output]
    return values

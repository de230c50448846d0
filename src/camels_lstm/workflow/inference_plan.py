"""The jobs of the config section ``inference``: package predictions of chosen basins and periods
(``results/inference/<name>/<period>.nc``), their inputs and targets."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from camels_lstm.config import ConfigError, read_basin_list
from camels_lstm.data.layout import (
    FORCING_DIR,
    STREAMFLOW_DIR,
    STREAMFLOW_SUFFIX,
    CamelsFileError,
    attribute_table_files,
    find_folder,
    forcing_product,
    index_basin_files,
)
from camels_lstm.workflow import paths
from camels_lstm.workflow.package_plan import alternatives


class InferencePlan:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.entries: Mapping[str, Mapping[str, Any]] = config.get("inference", {})

    def pattern(self) -> str:
        return alternatives(list(self.entries))

    def period_pattern(self) -> str:
        return alternatives(
            sorted({p for entry in self.entries.values() for p in entry["periods"]})
        )

    def basins(self, name: str) -> list[str]:
        """The basins of entry ``name``: its list, or the ids of its basin file."""
        basins = self.entries[name]["basins"]
        if isinstance(basins, list):
            return list(basins)
        try:
            return read_basin_list(basins)
        except ConfigError as error:
            raise ConfigError(f"config key 'inference.{name}.basins': {error}") from None

    def targets(self) -> list[str]:
        return [
            paths.INFERENCE_PREDICTIONS.format(inference=name, inference_period=period)
            for name, entry in self.entries.items()
            for period in entry["periods"]
        ]

    def camels_files(self, name: str) -> list[str]:
        """The files of a ``camels.dir`` copy the predictions of ``name`` read: the basins'
        forcing files of the run's product, their streamflow files where they exist, and the
        attribute tables (a missing forcing file is the prediction job's error, naming it)."""
        root = Path(paths.camels_root(self.config))
        basins = self.basins(name)
        files = [str(path) for path in attribute_table_files(root)]
        folder, suffix = forcing_product(self.config["camels"]["forcing"])
        forcing = index_basin_files(find_folder(root, f"{FORCING_DIR}/{folder}"), suffix)
        files += [str(forcing[basin]) for basin in basins if basin in forcing]
        try:
            streamflow = index_basin_files(find_folder(root, STREAMFLOW_DIR), STREAMFLOW_SUFFIX)
        except CamelsFileError:
            streamflow = {}
        return files + [str(streamflow[basin]) for basin in basins if basin in streamflow]

    def check_packages(self, made_here: Sequence[str]) -> None:
        """Refuse, naming the key, a package under ``results/packages/`` that neither exists nor
        is one this run makes (``made_here``): e.g. of an experiment left out of the config."""
        for name, entry in self.entries.items():
            package = entry["package"]
            if (
                package.startswith(paths.PACKAGE.split("{", 1)[0])
                and package not in made_here
                and not Path(package).is_file()
            ):
                raise ConfigError(
                    f"config key 'inference.{name}.package': {package} does not exist and is "
                    f"not a package of this run (those: {', '.join(made_here) or 'none'})"
                )

    def inputs(self) -> Callable[[Any], dict[str, Any]]:
        """Input function of a prediction job: the package and the CAMELS files it reads (from
        downloads: the extracted folder)."""

        def inputs(wildcards: Any) -> dict[str, Any]:
            entry = self.entries[wildcards.inference]
            camels = (
                self.camels_files(wildcards.inference)
                if self.config["camels"]["dir"]
                else [paths.CAMELS_EXTRACTED]
            )
            return {"package": entry["package"], "camels": camels}

        return inputs

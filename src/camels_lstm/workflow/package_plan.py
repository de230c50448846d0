"""The model packages of a run (part of :class:`camels_lstm.workflow.plan.WorkflowPlan`): which
experiments are packaged, the model files of each package and what it records of the data."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from camels_lstm.workflow import paths

NEVER_MATCHES = "(?!)"


def alternatives(names: Sequence[str]) -> str:
    """A wildcard regex matching exactly ``names`` (none: a regex that never matches)."""
    return "|".join(re.escape(name) for name in names) if names else NEVER_MATCHES


class PackagePlan:
    """Package methods of the plan; they use its experiments, seeds and model files."""

    config: Mapping[str, Any]

    # ---- model packages --------------------------------------------------------------------
    def packaged_experiments(self) -> list[str]:
        """Experiments written as model packages: the regional LSTMs (a hybrid's package also
        carries its conceptual models, :meth:`package_conceptual`)."""
        return self.experiments_of("regional")

    def package_pattern(self) -> str:
        return alternatives(self.packaged_experiments())

    def package_members(self, experiment: str, member: str) -> list[str]:
        """The seed members (``seed<k>``) a package ``member`` holds: itself, or every seed."""
        if member == paths.PACKAGE_ENSEMBLE:
            return self.members(experiment)
        return [member]

    def package_models(self, experiment: str, member: str) -> list[str]:
        """The model files of the package ``member`` of ``experiment``, members in order."""
        return [
            self.models_of(experiment, int(one.removeprefix("seed"))).pop()
            for one in self.package_members(experiment, member)
        ]

    def package_data(self, experiment: str) -> dict[str, Any]:
        """What a package of ``experiment`` records of how the training data were read, and the
        experiment's prediction mode (the package's default)."""
        camels = self.config["camels"]
        return {
            "forcing": camels["forcing"],
            "streamflow_area": camels["streamflow_area"],
            "data_checks": dict(self.config["data_checks"]),
            "prediction": self.config["experiments"][experiment]["prediction"],
        }

    def package_conceptual(self, experiment: str) -> dict[str, dict[str, Any]]:
        """What a hybrid package carries of each conceptual experiment it reads: its settings,
        its calibration files and the regional set of the same model it falls back on for
        basins outside its calibration (:func:`ConceptualPlan.regional_fallback`)."""
        conceptual = self.conceptual
        sources = {}
        for source in conceptual.stores_of(experiment):
            fallback = conceptual.regional_fallback(source)
            sources[source] = {
                "settings": conceptual.calibration_settings(source),
                "calibrations": conceptual.calibration_files(source),
                "regional": fallback
                and {
                    "experiment": fallback,
                    "calibration": conceptual.calibration_files(fallback)[0],
                },
            }
        return sources

    def package_conceptual_files(self, experiment: str) -> list[str]:
        """The calibration files a hybrid package of ``experiment`` reads (none otherwise)."""
        files = []
        for source in self.package_conceptual(experiment).values():
            files += source["calibrations"]
            if source["regional"]:
                files.append(source["regional"]["calibration"])
        return list(dict.fromkeys(files))

    def package_targets(self) -> list[str]:
        """Every seed's package and the ensemble's of each packaged experiment."""
        return [
            paths.PACKAGE.format(experiment=name, member=member)
            for name in self.packaged_experiments()
            for member in [*self.members(name), paths.PACKAGE_ENSEMBLE]
        ]

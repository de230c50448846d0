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
        """Experiments written as model packages: the regional LSTMs whose inputs are forcing
        variables only (a hybrid model needs its conceptual model's simulation)."""
        return [
            name for name in self.experiments_of("regional") if not self.conceptual.stores_of(name)
        ]

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

    def package_targets(self) -> list[str]:
        """Every seed's package and the ensemble's of each packaged experiment."""
        return [
            paths.PACKAGE.format(experiment=name, member=member)
            for name in self.packaged_experiments()
            for member in [*self.members(name), paths.PACKAGE_ENSEMBLE]
        ]

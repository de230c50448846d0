"""The conceptual experiments of a run and the hybrid LSTMs that read them: their files, the
inputs of their rules and their memory estimates (:class:`ConceptualPlan`, ``PLAN.conceptual``
in the rules), as plain functions of the config and the basin list."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from camels_lstm.conceptual.model_types import parameter_space
from camels_lstm.conceptual.models import CONCEPTUAL_MODELS
from camels_lstm.conceptual.spec import hybrid_sources, is_conceptual
from camels_lstm.workflow import paths
from camels_lstm.workflow.resources import CONCEPTUAL_REGIONAL_THREADS, conceptual_mem_mb


class ConceptualPlan:
    def __init__(self, config: Mapping[str, Any], basins: Sequence[str]) -> None:
        self.experiments = {
            name: settings
            for name, settings in config["experiments"].items()
            if is_conceptual(settings)
        }
        self.all_experiments: Mapping[str, Mapping[str, Any]] = config["experiments"]
        self.basins = list(basins)

    def seed(self, experiment: str) -> int:
        """The optimiser seed of a conceptual experiment (its one ensemble member)."""
        return int(self.experiments[experiment]["calibration"]["seed"])

    def calibration_files(self, experiment: str) -> list[str]:
        """Calibration files of ``experiment``: one per basin, or one for all (regional)."""
        scope = self.experiments[experiment]["scope"]
        template = paths.CONCEPTUAL_CALIBRATION[scope]
        basins = self.basins if scope == "per_basin" else [None]
        return [template.format(experiment=experiment, basin=basin) for basin in basins]

    def prediction_file(self, experiment: str, period: str) -> str:
        return paths.CONCEPTUAL_PREDICTIONS.format(experiment=experiment, period=period)

    def simulation_inputs(self, wildcards: Any) -> dict[str, Any]:
        """Inputs of ``simulate_conceptual``: the store and every calibration file."""
        return {
            "store": paths.STORE,
            "calibrations": self.calibration_files(wildcards.experiment),
        }

    def calibration_settings(self, experiment: str) -> dict[str, Any]:
        """What changes the calibrated parameters (params of the jobs): the experiment's
        settings but its description, and the model's parameter bounds of the registry (new
        bounds rerun the calibration, its simulation and the packages reading it)."""
        settings = self.experiments[experiment]
        chosen = {key: value for key, value in settings.items() if key != "description"}
        model = CONCEPTUAL_MODELS[settings["model"]]
        return chosen | {"parameter_space": parameter_space(model.parameters)}

    def regional_fallback(self, experiment: str) -> str | None:
        """The regional experiment whose parameter set stands in for basins a per-basin
        ``experiment`` has no calibration of (a hybrid package predicting a new basin): the
        first of the same model, PET method, objective and warm-up (budget and seed may
        differ); itself if regional; None if the run has none."""
        settings = self.experiments[experiment]
        if settings["scope"] == "regional":
            return experiment

        def simulated_as(one: Mapping[str, Any]) -> tuple[Any, ...]:
            calibration = one["calibration"]
            return one["model"], one["pet"], calibration["objective"], calibration["warm_up_days"]

        for name, other in self.experiments.items():
            if other["scope"] == "regional" and simulated_as(other) == simulated_as(settings):
                return name
        return None

    def regional_threads(self) -> int:
        """Threads of a regional calibration: its scoring processes, one per share of basins."""
        return max(1, min(CONCEPTUAL_REGIONAL_THREADS, len(self.basins)))

    def mem_mb(self) -> Callable[[Any, int, int], int]:
        """Resource function of the conceptual jobs: per basin, or all basins (with a worker
        process per thread of a regional calibration), times attempt."""

        def mem_mb(wildcards: Any, threads: int, attempt: int) -> int:
            per_basin = hasattr(wildcards, "basin")
            n_basins = 1 if per_basin else len(self.basins)
            return attempt * conceptual_mem_mb(n_basins, workers=threads)

        return mem_mb

    def targets(self) -> list[str]:
        """Simulation stores and parameter tables of every conceptual experiment."""
        return [
            template.format(experiment=name)
            for name in self.experiments
            for template in (paths.CONCEPTUAL_SIMULATION, paths.CONCEPTUAL_PARAMETERS)
        ]

    # ---- hybrid LSTMs ----------------------------------------------------------------------
    def stores_of(self, experiment: str) -> dict[str, str]:
        """{conceptual experiment: simulation store} of the ``<experiment>.<output>`` inputs
        of an LSTM experiment (empty for forcing inputs only)."""
        inputs = self.all_experiments[experiment]["dynamic_inputs"]
        return {
            source: paths.CONCEPTUAL_SIMULATION.format(experiment=source)
            for source in hybrid_sources(inputs)
        }

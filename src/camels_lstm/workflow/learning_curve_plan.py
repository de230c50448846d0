"""The jobs of the learning-curve studies (config ``learning_curves``), for the rules of
``rules/learning_curve.smk``: per study the cells, their training settings and files, the
per-basin reference models and the targets. Plain functions of the config and basins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from camels_lstm.learning_curves import design
from camels_lstm.training.job_settings import training_experiment
from camels_lstm.workflow import paths
from camels_lstm.workflow.report_text import FileText
from camels_lstm.workflow.resources import model_mem_mb

NEVER_MATCHES = "(?!)"
CELL_PATTERN = r"n\d{4}_y\d{2}_d\d+"


class LearningCurvePlan:
    """Cells, reference models and files of every learning-curve study of a run."""

    def __init__(self, config: Mapping[str, Any], basins: Sequence[str]) -> None:
        self.config = config
        self.basins = list(basins)
        self.studies: Mapping[str, Mapping[str, Any]] = config.get("learning_curves") or {}
        experiments = config["experiments"]
        self.cells = {
            name: {c.name: c for c in design.cells(s)} for name, s in self.studies.items()
        }
        self.subsets = {
            name: design.training_subsets(name, s, self.basins) for name, s in self.studies.items()
        }
        self.evaluation = {
            name: design.evaluation_basins(name, s, self.basins) for name, s in self.studies.items()
        }
        self.reference = {
            name: design.reference_experiment(s, experiments) for name, s in self.studies.items()
        }
        self._experiment = {
            name: _fixed(design.cell_experiment(s, experiments)) for name, s in self.studies.items()
        }

    def study_pattern(self) -> str:
        return "|".join(self.studies) if self.studies else NEVER_MATCHES

    # ---- training settings (params) ---------------------------------------------------------
    def _periods(self, study: str, years: int) -> dict[str, dict[str, str]]:
        period = design.study_train_period(self.studies[study], self.config["periods"])
        return {
            "train": design.train_window(period, years),
            "validation": dict(self.config["periods"]["validation"]),
        }

    def cell_settings(self, study: str, cell: str) -> dict[str, Any]:
        """What the training job of one cell is given: experiment, basins, periods, seed. Draw
        k trains with the experiment's first seed + k, so draws also differ where their subsets
        coincide (every basin of the run)."""
        one = self.cells[study][cell]
        experiment = self._experiment[study]
        return {
            "experiment": experiment,
            "basins": self.subsets[study][(one.n_basins, one.draw)],
            "periods": self._periods(study, one.train_years),
            "seed": self._first_seed(study) + one.draw,
        }

    def _first_seed(self, study: str) -> int:
        return int(self.config["experiments"][self.studies[study]["experiment"]]["seeds"][0])

    def reference_settings(self, study: str, basin: str, train_years: int) -> dict[str, Any]:
        """Training settings of the per-basin reference model of ``basin`` and a length."""
        name = self.reference[study]
        assert name is not None, f"study {study} has no per-basin reference"
        settings = self.config["experiments"][name]
        return {
            "experiment": _fixed(settings),
            "basins": [basin],
            "periods": self._periods(study, int(train_years)),
            "seed": int(settings["seeds"][0]),
        }

    def evaluation_basins(self, study: str) -> list[str]:
        return self.evaluation[study]

    # ---- files ------------------------------------------------------------------------------
    def cell_predictions(self, study: str) -> dict[str, str]:
        """{cell name: test-period prediction file} of a study."""
        return {
            cell: paths.LEARNING_CURVE_PREDICTIONS.format(study=study, cell=cell)
            for cell in self.cells[study]
        }

    def _references(self, study: str) -> list[tuple[int, str]]:
        """(train_years, basin) of every per-basin reference model of a study."""
        if self.reference[study] is None:
            return []
        years = self.studies[study]["train_years"]
        return [(one, basin) for one in years for basin in self.evaluation[study]]

    def reference_predictions(self, study: str) -> dict[str, str]:
        """{"y<years>/<basin>": prediction file} of the per-basin reference models."""
        template = paths.LEARNING_CURVE_REFERENCE_PREDICTIONS
        return {
            f"y{years}/{basin}": template.format(study=study, train_years=years, basin=basin)
            for years, basin in self._references(study)
        }

    def cell_table_params(self, study: str) -> list[dict[str, int]]:
        """The cells of :meth:`cell_predictions`, in the same order."""
        return [
            {"n_basins": c.n_basins, "train_years": c.train_years, "draw": c.draw}
            for c in self.cells[study].values()
        ]

    def reference_table_params(self, study: str) -> list[dict[str, Any]]:
        """(train_years, basin) of :meth:`reference_predictions`, in the same order."""
        return [{"train_years": years, "basin": basin} for years, basin in self._references(study)]

    def model_files(self, study: str) -> list[str]:
        """Every model of a study (their checkpoints are removed once the table is written)."""
        template = paths.LEARNING_CURVE_REFERENCE_MODEL
        cells = [paths.LEARNING_CURVE_MODEL.format(study=study, cell=c) for c in self.cells[study]]
        references = [
            template.format(study=study, train_years=years, basin=basin)
            for years, basin in self._references(study)
        ]
        return cells + references

    def table_inputs(self, wildcards: Any) -> dict[str, list[str]]:
        study = wildcards.study
        return {
            "cells": list(self.cell_predictions(study).values()),
            "references": list(self.reference_predictions(study).values()),
        }

    def answer(self, study: str) -> FileText:
        """The one-sentence answer of a study, for its report caption."""
        return FileText(paths.LEARNING_CURVE_SENTENCE.format(study=study))

    def targets(self) -> list[str]:
        files = []
        for study in self.studies:
            files += [
                paths.LEARNING_CURVE_TABLE.format(study=study),
                paths.LEARNING_CURVE_SENTENCE.format(study=study),
            ]
            files += [
                paths.LEARNING_CURVE_FIGURE.format(study=study, format=fmt)
                for fmt in paths.FIGURE_FORMATS
            ]
        return files

    # ---- memory -----------------------------------------------------------------------------
    def cell_mem_mb(self):
        def mem_mb(wildcards: Any, attempt: int) -> int:
            one = self.cells[wildcards.study][wildcards.cell]
            return attempt * model_mem_mb(self._experiment[wildcards.study], one.n_basins)

        return mem_mb

    def reference_mem_mb(self):
        def mem_mb(wildcards: Any, attempt: int) -> int:
            name = self.reference[wildcards.study]
            return attempt * model_mem_mb(self.config["experiments"][name], 1)

        return mem_mb


def _fixed(experiment: Mapping[str, Any]) -> dict[str, Any]:
    """An experiment's weight-relevant settings without its search space."""
    return {k: v for k, v in training_experiment(experiment).items() if k != "search_space"}

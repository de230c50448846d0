"""What a run does, derived once from the validated config: experiments and their wildcard
patterns, the files each rule reads (input functions), memory estimates and the targets of
``rule all``. The rules call a :class:`WorkflowPlan` built in ``rules/common.smk``; every method
here is a plain function of the config and the basin list (and, for the CAMELS inputs of a
``camels.dir`` copy, of the files there), tested without Snakemake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from camels_lstm.data.areas import DAYMET, TOPO_TABLE, area_forcing_products
from camels_lstm.data.layout import (
    ATTRIBUTES_DIR,
    attribute_table_files,
    files_stamp,
    find_folder,
    run_files,
)
from camels_lstm.evaluation.contrast import ExperimentRole, experiment_role
from camels_lstm.tuning.candidates import Candidate, candidate_experiment, candidates_by_id
from camels_lstm.workflow import paths
from camels_lstm.workflow.conceptual_plan import ConceptualPlan
from camels_lstm.workflow.fold_plan import FoldPlan
from camels_lstm.workflow.inference_plan import InferencePlan
from camels_lstm.workflow.learning_curve_plan import LearningCurvePlan
from camels_lstm.workflow.package_plan import PackagePlan, alternatives
from camels_lstm.workflow.report_text import FileText
from camels_lstm.workflow.resources import largest_mem_mb, model_mem_mb

# The readers of CAMELS files: the store build and the static-attribute normalisation.
CAMELS_READERS = ("store", "attributes")
# Scopes with one model per basin.
PER_BASIN_SCOPES = ("per_basin", "finetune")


class WorkflowPlan(PackagePlan):
    """The experiments, basins and tuning candidates of one run, and the paths they imply."""

    def __init__(self, config: Mapping[str, Any], basins: Sequence[str]) -> None:
        self.config = config
        self.basins = list(basins)
        self.experiments: Mapping[str, Mapping[str, Any]] = config["experiments"]
        self.downloads: Mapping[str, Any] = config["camels"]["downloads"]
        # Candidates of each experiment with a search space, enumerated once.
        self.candidates: dict[str, dict[str, Candidate]] = {
            name: candidates_by_id(settings["search_space"])
            for name, settings in self.experiments.items()
            if settings.get("search_space")
        }
        self.learning_curves = LearningCurvePlan(config, basins)
        self.conceptual = ConceptualPlan(config, basins)
        self.folds = FoldPlan(self.experiments, basins)
        self.inference = InferencePlan(config)
        if self.inference.entries:
            self.inference.check_packages(self.package_targets())
        self._camels_files: dict[str, list[Path]] = {}
        self._mem_mb: dict[tuple[str, str | None], int] = {}

    # ---- experiments and wildcard patterns -------------------------------------------------
    def scope(self, experiment: str) -> str:
        return self.experiments[experiment]["scope"]

    def is_tuned(self, experiment: str) -> bool:
        return experiment in self.candidates

    def is_conceptual(self, experiment: str) -> bool:
        return experiment in self.conceptual.experiments

    def experiments_of(
        self, scope: str | None = None, tuned: bool | None = None, family: str | None = "lstm"
    ) -> list[str]:
        """Experiment names of ``scope`` (None: both), tuned or not (None: either), of a
        ``family`` ("lstm", "conceptual"; None: both)."""
        return [
            name
            for name in self.experiments
            if scope in (None, self.scope(name))
            and tuned in (None, self.is_tuned(name))
            and family in (None, "conceptual" if self.is_conceptual(name) else "lstm")
        ]

    def experiment_pattern(
        self, scope: str | None = None, tuned: bool | None = None, family: str | None = "lstm"
    ) -> str:
        """Wildcard regex of :meth:`experiments_of`, so that each rule matches only its own."""
        return alternatives(self.experiments_of(scope, tuned, family))

    def archive_pattern(self) -> str:
        return alternatives(list(self.downloads))

    def basins_of(self, experiment: str, wildcards: Any) -> list[str]:
        """The basins one model of ``experiment`` is trained on: the job's basin, the other
        folds' (ungauged), or all."""
        scope = self.scope(experiment)
        if scope == "ungauged":
            return self.folds.training_basins(experiment, wildcards.fold)
        return [wildcards.basin] if scope in PER_BASIN_SCOPES else self.basins

    def predicted_basins(self, experiment: str, wildcards: Any) -> list[str] | None:
        """The basins a regional or ungauged model predicts: its fold's (never seen in
        training), or None (all it was trained on)."""
        if self.scope(experiment) != "ungauged":
            return None
        return self.folds.predicted_basins(experiment, wildcards.fold)

    def _units(self, experiment: str) -> list[dict[str, Any]]:
        """The wildcards besides the seed of each model of ``experiment``: one per basin, one
        per fold (ungauged) or one (regional)."""
        scope = self.scope(experiment)
        if scope == "ungauged":
            return [{"fold": fold} for fold in self.folds.folds(experiment)]
        return [{"basin": basin} for basin in self.basins] if scope in PER_BASIN_SCOPES else [{}]

    def seeds(self, experiment: str) -> list[int]:
        if self.is_conceptual(experiment):
            return [self.conceptual.seed(experiment)]
        return list(self.experiments[experiment]["seeds"])

    def members(self, experiment: str) -> list[str]:
        """Ensemble member names of an experiment's aggregated predictions."""
        return [f"seed{seed}" for seed in self.seeds(experiment)]

    # ---- models and predictions ------------------------------------------------------------
    def models_of(self, experiment: str, seed: int | None = None) -> list[str]:
        """Model files of ``experiment`` (of one ``seed``, or all), basins in list order; of a
        conceptual experiment its calibration files."""
        if self.is_conceptual(experiment):
            return self.conceptual.calibration_files(experiment)
        template = paths.MODEL[self.scope(experiment)]
        seeds = self.seeds(experiment) if seed is None else [seed]
        return [
            template.format(experiment=experiment, seed=one, **unit)
            for one in seeds
            for unit in self._units(experiment)
        ]

    def model_files(self) -> list[str]:
        """Every model file of the run."""
        return [path for name in self.experiments for path in self.models_of(name)]

    def prediction_inputs(self, experiment: str, period: str) -> dict[str, list[str]]:
        """Per-model prediction files of ``experiment`` and ``period``, by member (seed<k>)."""
        if self.is_conceptual(experiment):
            member = f"seed{self.conceptual.seed(experiment)}"
            return {member: [self.conceptual.prediction_file(experiment, period)]}
        template = paths.MODEL_PREDICTIONS[self.scope(experiment)]
        return {
            f"seed{seed}": [
                template.format(experiment=experiment, seed=seed, period=period, **unit)
                for unit in self._units(experiment)
            ]
            for seed in self.seeds(experiment)
        }

    # ---- tuning ----------------------------------------------------------------------------
    def candidate_ids(self, experiment: str) -> list[str]:
        return list(self.candidates[experiment])

    def tuning_seed(self, experiment: str) -> int:
        """The seed candidates are trained with: the experiment's first."""
        return self.seeds(experiment)[0]

    def candidate_files(
        self, templates: Mapping[str, str], experiment: str, basin: str | None = None
    ) -> dict[str, str]:
        """One file per candidate (``paths.CANDIDATE_MODEL`` or ``CANDIDATE_SCORE``), by id."""
        template = templates[self.scope(experiment)]
        return {
            cid: template.format(experiment=experiment, basin=basin, candidate=cid)
            for cid in self.candidate_ids(experiment)
        }

    def selection(self, experiment: str, basin: str | None = None) -> str:
        return paths.TUNING_SELECTION[self.scope(experiment)].format(
            experiment=experiment, basin=basin
        )

    def selections(self, experiment: str) -> list[str]:
        """The best.json files of a tuned experiment: one per basin, or one (regional)."""
        if self.scope(experiment) == "regional":
            return [self.selection(experiment)]
        return [self.selection(experiment, basin) for basin in self.basins]

    def tuning(self, experiment: str, wildcards: Any) -> dict[str, Any] | None:
        """What the training job of a tuned experiment needs beyond the store and attributes:
        None for an untuned experiment; else the tuning seed and the model the job of that seed
        takes as it is: per basin the chosen model its search linked (``chosen_model``), for a
        regional search every candidate's model by id (``candidate_models``; which one is
        chosen is known only once the selection is made)."""
        if not self.is_tuned(experiment):
            return None
        if self.scope(experiment) == "per_basin":
            chosen = paths.TUNING_CHOSEN_MODEL["per_basin"].format(
                experiment=experiment, basin=wildcards.basin
            )
            return {
                "tuning_seed": self.tuning_seed(experiment),
                "chosen_model": chosen,
                "candidate_models": {},
            }
        return {
            "tuning_seed": self.tuning_seed(experiment),
            "chosen_model": None,
            "candidate_models": self.candidate_files(paths.CANDIDATE_MODEL, experiment),
        }

    def training_inputs(self, wildcards: Any) -> dict[str, Any]:
        """Inputs of a training job (``unpack`` it): the store and the static attributes; for a
        tuned experiment also the selection (best.json) and, for the tuning seed, the model(s)
        of :meth:`tuning` that it copies as the final model."""
        experiment = wildcards.experiment
        inputs: dict[str, Any] = {"store": paths.STORE, "attributes": paths.STATIC_ATTRIBUTES}
        inputs.update(self.hybrid_inputs(wildcards))
        if self.scope(experiment) == "finetune":  # the base's model of the same seed
            base = self.experiments[experiment]["base"]
            inputs["base_model"] = paths.MODEL["regional"].format(
                experiment=base, seed=wildcards.seed
            )
        tuning = self.tuning(experiment, wildcards)
        if tuning is not None:
            inputs["best"] = self.selection(experiment, getattr(wildcards, "basin", None))
            if int(wildcards.seed) == tuning["tuning_seed"]:
                inputs["candidate_models"] = [
                    *([tuning["chosen_model"]] if tuning["chosen_model"] else []),
                    *tuning["candidate_models"].values(),
                ]
        return inputs

    def hybrid_inputs(self, wildcards: Any) -> dict[str, list[str]]:
        """The simulation stores a hybrid LSTM job reads (``conceptual``), none otherwise."""
        stores = self.conceptual.stores_of(wildcards.experiment)
        return {"conceptual": list(stores.values())} if stores else {}

    # ---- CAMELS inputs ---------------------------------------------------------------------
    def camels_root(self) -> str:
        return paths.camels_root(self.config)

    def camels_file_list(self, reader: str) -> list[Path]:
        """The files of the ``camels.dir`` copy that ``reader`` (:data:`CAMELS_READERS`) reads,
        listed once: for the store the run's basins' forcing files of the configured product
        (and of Daymet, whose header areas it reads for ``streamflow_area``), their streamflow
        files and ``camels_topo.txt`` (``area_gages2``); for the attributes every attribute
        table. Files of other basins and other files are not listed (editing them reruns
        nothing). Raises a CamelsFileError naming what is missing."""
        if reader not in CAMELS_READERS:
            raise ValueError(f"unknown CAMELS reader {reader!r}; valid: {CAMELS_READERS}")
        if reader not in self._camels_files:
            root = self.camels_root()
            if reader == "attributes":
                files = attribute_table_files(root)
            else:
                camels = self.config["camels"]
                forcing = camels["forcing"]
                area = camels["streamflow_area"]
                files = run_files(
                    root,
                    self.basins,
                    forcing,
                    other_forcings=area_forcing_products(forcing, area)[1:],
                    optional_forcings=[DAYMET],  # areas compared (data-quality table)
                )
                topo = find_folder(root, ATTRIBUTES_DIR) / TOPO_TABLE
                files += [topo] if topo.is_file() else []
            self._camels_files[reader] = files
        return self._camels_files[reader]

    def camels_inputs(self, reader: str) -> Callable[[Any], list[str]]:
        """Input function of the CAMELS files ``reader`` reads. With ``camels.dir``: the files
        themselves (:meth:`camels_file_list`), so that an edited or replaced one reruns that
        rule and what depends on it. From downloads: the extracted folder, the output of
        ``extract_camels``, whose inputs are the (checksummed) archives (docs/pipeline.md)."""

        def inputs(wildcards: Any) -> list[str]:
            if not self.config["camels"]["dir"]:
                return [paths.CAMELS_EXTRACTED]
            return [str(path) for path in self.camels_file_list(reader)]

        return inputs

    def camels_stamp(self, reader: str) -> Callable[[Any], str]:
        """Params function: a digest of path, size and modification time of the files of
        :meth:`camels_inputs` (a ``camels.dir`` copy; "" from downloads). A file replaced by
        one with an older time (``unzip``/``tar`` keep the archive's) changes it, so Snakemake
        reruns the rule for changed params where comparing times would see nothing."""

        def stamp(wildcards: Any) -> str:
            if not self.config["camels"]["dir"]:
                return ""
            return files_stamp(self.camels_root(), self.camels_file_list(reader))

        return stamp

    # ---- memory ----------------------------------------------------------------------------
    def model_mem_mb(self, experiment: str, candidate: str | None = None) -> int:
        """Memory (MB) of one training or prediction job of ``experiment``; with a candidate
        id, of that tuning candidate; a tuned experiment's final models get the largest
        candidate's estimate."""
        key = (experiment, candidate)
        if key not in self._mem_mb:  # asked once per job: thousands of times in a 531-basin DAG
            settings = self.experiments[experiment]
            n_basins = 1 if self.scope(experiment) in PER_BASIN_SCOPES else len(self.basins)
            if not self.is_tuned(experiment):
                self._mem_mb[key] = model_mem_mb(settings, n_basins)
            else:
                chosen = [candidate] if candidate else self.candidate_ids(experiment)
                self._mem_mb[key] = largest_mem_mb(
                    (
                        candidate_experiment(settings, self.candidates[experiment][cid].settings)
                        for cid in chosen
                    ),
                    n_basins,
                )
        return self._mem_mb[key]

    def mem_mb(self) -> Callable[[Any, int], int]:
        """Resource function of training, candidate and prediction rules: the estimate of the
        job's experiment (and candidate) times the attempt."""

        def mem_mb(wildcards: Any, attempt: int) -> int:
            candidate = getattr(wildcards, "candidate", None)
            return attempt * self.model_mem_mb(wildcards.experiment, candidate)

        return mem_mb

    # ---- evaluation and targets ------------------------------------------------------------
    def comparison_pair(self) -> tuple[str, str] | None:
        """(single-basin, regional) experiments of the scatter and map; None if not both exist.
        ``evaluation.compare`` (two experiment names) overrides the default: the first
        per_basin and the first regional experiment."""
        chosen = self.config["evaluation"]["compare"]
        if chosen:
            first, second = chosen
            return first, second
        per_basin, regional = self.experiments_of("per_basin"), self.experiments_of("regional")
        return (per_basin[0], regional[0]) if per_basin and regional else None

    def metrics_files(self) -> list[str]:
        return [paths.METRICS.format(experiment=name) for name in self.experiments]

    def experiment_roles(self) -> dict[str, ExperimentRole]:
        """Scope, model family and plainness of every experiment (the NSE CDF's caption)."""
        return {name: experiment_role(settings) for name, settings in self.experiments.items()}

    def nse_cdf_answer(self) -> FileText:
        """The NSE CDF's sentence (:mod:`camels_lstm.evaluation.contrast`), for its caption."""
        return FileText(paths.NSE_CDF_SENTENCE)

    def evaluation_targets(self) -> list[str]:
        """Every final output of the evaluation and plot stages."""
        figures = [paths.NSE_CDF]
        figures += [paths.fill(paths.HYDROGRAPHS, experiment=name) for name in self.experiments]
        if self.comparison_pair():
            figures += [paths.NSE_SCATTER, paths.NSE_DIFFERENCE_MAP]
        return [
            paths.SUMMARY,
            *self.metrics_files(),
            *(paths.fill(one, format=fmt) for one in figures for fmt in paths.FIGURE_FORMATS),
        ]

    def tuning_targets(self) -> list[str]:
        """The tuning table and validation-NSE figure of every tuned experiment."""
        return [
            path
            for name in self.candidates
            for path in (
                paths.TUNING_TABLE.format(experiment=name),
                *(
                    paths.fill(paths.TUNING_VALIDATION_NSE, format=fmt, experiment=name)
                    for fmt in paths.FIGURE_FORMATS
                ),
            )
        ]

    def all_targets(self) -> list[str]:
        """The targets of ``rule all``: data, every model, the evaluation and tuning outputs."""
        return [
            paths.STORE,
            paths.DATA_QUALITY,
            paths.STATIC_ATTRIBUTES,
            *self.model_files(),
            *self.evaluation_targets(),
            *self.tuning_targets(),
            *self.package_targets(),
            *(paths.FOLDS.format(experiment=name) for name in self.folds.assignments),
            *self.inference.targets(),
            *self.conceptual.targets(),
            *self.learning_curves.targets(),
        ]

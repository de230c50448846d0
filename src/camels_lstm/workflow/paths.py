"""Where every result of the workflow lives: one path template per kind of file.

The rules (``rules/*.smk``) name their outputs and inputs with these templates, and the library
and tests format them, so the results layout is written here and nowhere else (docs/pipeline.md
describes it). Templates of models, predictions and tuning files differ by scope: a per-basin
experiment has one model per (basin, seed), a regional one a model per seed for all basins.
Wildcards: ``experiment``, ``basin`` (8-digit gauge id), ``seed``, ``fold`` (of an ungauged
experiment), ``period`` (validation or test), ``candidate`` (tuning candidate id ``c00``,
``c01``, ...), ``archive`` (a download), ``member`` (of a model package: ``seed<k>`` or
``ensemble``); of the learning curves ``study``, ``cell`` (``n0008_y03_d0``) and
``train_years``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Scopes of LSTM experiments (ungauged: one regional model per fold of basins, each predicting
# only its own fold's basins; finetune: per-basin models started from a regional model) and of
# conceptual ones.
SCOPES = ("per_basin", "regional", "ungauged", "finetune")
CONCEPTUAL_SCOPES = ("per_basin", "regional")

# Stage 1: downloads and the CAMELS US tree extracted from them (or the user's copy).
DOWNLOAD = "resources/downloads/{archive}.zip"
CAMELS_EXTRACTED = "resources/camels_us"

# Stage 2: the time-series store and the normalised static attributes.
STORE = "results/data/camels_us.zarr"
# The findings of the data checks of the store build (camels_lstm.data.quality), one per row.
DATA_QUALITY = "results/data/data_quality.csv"
STATIC_ATTRIBUTES = "results/data/static_attributes.nc"

# Training, per model. The training checkpoint lies beside its model file
# (camels_lstm.training.finished_checkpoints.CHECKPOINT_NAME).
MODEL = {
    "per_basin": "results/{experiment}/{basin}/seed{seed}/model.pt",
    "regional": "results/{experiment}/seed{seed}/model.pt",
    "ungauged": "results/{experiment}/fold{fold}/seed{seed}/model.pt",
    "finetune": "results/{experiment}/{basin}/seed{seed}/model.pt",
}
MODEL_PREDICTIONS = {
    "per_basin": "results/{experiment}/{basin}/seed{seed}/predictions_{period}.nc",
    "regional": "results/{experiment}/seed{seed}/predictions_{period}.nc",
    # of the fold's basins only
    "ungauged": "results/{experiment}/fold{fold}/seed{seed}/predictions_{period}.nc",
    "finetune": "results/{experiment}/{basin}/seed{seed}/predictions_{period}.nc",
}
# Ungauged experiments: basin -> fold (columns basin, fold).
FOLDS = "results/{experiment}/folds.csv"

# Conceptual experiments (camels_lstm.conceptual): one calibration per basin or one for all
# basins, then one job that simulates every basin into the simulation store (also the input of
# hybrid LSTMs), writes the parameter table and the prediction files of the evaluation.
CONCEPTUAL_CALIBRATION = {
    "per_basin": "results/{experiment}/{basin}/calibration.json",
    "regional": "results/{experiment}/calibration.json",
}
CONCEPTUAL_SIMULATION = "results/{experiment}/simulation.zarr"
CONCEPTUAL_PARAMETERS = "results/{experiment}/parameters.csv"
CONCEPTUAL_PREDICTIONS = "results/{experiment}/simulation/predictions_{period}.nc"

# Hyperparameter tuning on the validation period.
CANDIDATE_MODEL = {
    "per_basin": "results/{experiment}/tuning/{basin}/{candidate}/model.pt",
    "regional": "results/{experiment}/tuning/{candidate}/model.pt",
}
CANDIDATE_SCORE = {
    "per_basin": "results/{experiment}/tuning/{basin}/{candidate}/validation_score.json",
    "regional": "results/{experiment}/tuning/{candidate}/validation_score.json",
}
# A per-basin search is one job per basin (all candidates in one process); it links the chosen
# candidate's model here, the input of the final model of the tuning seed.
TUNING_CHOSEN_MODEL = {
    "per_basin": "results/{experiment}/tuning/{basin}/chosen_model.pt",
}
TUNING_SELECTION = {
    "per_basin": "results/{experiment}/tuning/{basin}/best.json",
    "regional": "results/{experiment}/tuning/best.json",
}
TUNING_TABLE = "results/{experiment}/tuning.csv"

# Learning-curve studies (camels_lstm.learning_curves): one regional model per cell (basins x
# years x draw, e.g. n0008_y03_d0) and per-basin reference models per training length, each
# with its test-period prediction of the study's evaluation basins.
LEARNING_CURVE_MODEL = "results/{study}/cells/{cell}/model.pt"
LEARNING_CURVE_PREDICTIONS = "results/{study}/cells/{cell}/predictions_test.nc"
LEARNING_CURVE_REFERENCE_MODEL = "results/{study}/per_basin/y{train_years}/{basin}/model.pt"
LEARNING_CURVE_REFERENCE_PREDICTIONS = (
    "results/{study}/per_basin/y{train_years}/{basin}/predictions_test.nc"
)
LEARNING_CURVE_TABLE = "results/{study}/{study}.csv"
LEARNING_CURVE_SENTENCE = "results/{study}/convergence.txt"

# Model packages (camels_lstm.packages): each seed of a regional LSTM experiment, and all its
# seeds as the ensemble (member ``seed<k>`` or ``ensemble``), as one self-contained zip.
PACKAGE = "results/packages/{experiment}/{member}.zip"
PACKAGE_ENSEMBLE = "ensemble"
# Predictions of the config section `inference` (wildcards ``inference``, ``inference_period``).
INFERENCE_PREDICTIONS = "results/inference/{inference}/{inference_period}.nc"

# Evaluation, per experiment and for the whole run.
EXPERIMENT_PREDICTIONS = "results/{experiment}/predictions_{period}.nc"
METRICS = "results/{experiment}/metrics.csv"
SUMMARY = "results/summary.csv"

# Figures: PNG for the report, PDF for print.
FIGURE_FORMATS = ("png", "pdf")
NSE_CDF = "results/plots/nse_cdf.{format}"
NSE_CDF_SENTENCE = "results/plots/nse_cdf.txt"
NSE_SCATTER = "results/plots/nse_scatter.{format}"
NSE_DIFFERENCE_MAP = "results/plots/nse_difference_map.{format}"
HYDROGRAPHS = "results/plots/hydrographs_{experiment}.{format}"
TUNING_VALIDATION_NSE = "results/plots/tuning_validation_nse_{experiment}.{format}"
LEARNING_CURVE_FIGURE = "results/plots/{study}.{format}"


def camels_root(config: Mapping[str, Any]) -> str:
    """The CAMELS US tree of the run: the user's copy (``camels.dir``) or the extracted one."""
    return config["camels"]["dir"] or CAMELS_EXTRACTED


def fill(template: str, **values: Any) -> str:
    """``template`` with the wildcards in ``values`` filled in and the others left for Snakemake,
    e.g. ``fill(MODEL_PREDICTIONS["regional"], period="test")``."""
    return template.format_map(_KeepMissing(values))


class _KeepMissing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"

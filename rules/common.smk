# Python helpers only: basin list, input functions, wildcard constraints.
import os
import re

from camels_lstm.config import read_basin_list
from camels_lstm.tuning import candidate_experiment, candidates_by_id

BASINS = read_basin_list(config["basins"])
EXPERIMENTS = config["experiments"]
DOWNLOADS = config["camels"]["downloads"]

# Scripts run in their own interpreter (and, with --sdm conda, their own environment):
# make the library importable there without installing it.
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        filter(None, [str(Path(workflow.basedir) / "src"), os.getenv("PYTHONPATH")])
    )
)


wildcard_constraints:
    basin=r"\d{8}",
    seed=r"\d+",
    archive="|".join(re.escape(name) for name in DOWNLOADS) or "NO_DOWNLOADS",
    experiment="|".join(EXPERIMENTS),


def camels_root():
    """The CAMELS US tree: the user's copy (camels.dir) or the one extracted from downloads."""
    return config["camels"]["dir"] or "resources/camels_us"


def experiments_of_scope(scope):
    """Names of the configured experiments with ``scope`` (per_basin or regional)."""
    return [
        name for name, settings in EXPERIMENTS.items() if settings["scope"] == scope
    ]


def experiment_pattern(scope, tuned=False):
    """Wildcard regex matching only the experiments of ``scope`` (per_basin, regional or None:
    both) with (``tuned``) or without a search space; never matching if there are none.
    """
    names = [
        name
        for name, settings in EXPERIMENTS.items()
        if scope in (None, settings["scope"])
        and bool(settings.get("search_space")) == tuned
    ]
    return "|".join(re.escape(name) for name in names) if names else "(?!)"


def model_files():
    """Every model file of the run: one per (experiment, basin, seed) for per-basin experiments,
    one per (experiment, seed) for regional ones."""
    files = []
    for name in experiments_of_scope("per_basin"):
        files += expand(
            "results/{experiment}/{basin}/seed{seed}/model.pt",
            experiment=name,
            basin=BASINS,
            seed=EXPERIMENTS[name]["seeds"],
        )
    for name in experiments_of_scope("regional"):
        files += expand(
            "results/{experiment}/seed{seed}/model.pt",
            experiment=name,
            seed=EXPERIMENTS[name]["seeds"],
        )
    return files


def mem_mb_for(settings, n_basins):
    """Memory to reserve for training or predicting with an experiment's ``settings``: ~0.75 GB
    interpreter with torch and the data libraries, ~2 MB per basin of series and samples, and the
    LSTM step's activations (measured: 450 MB for a sample per-basin job, 850 MB for the
    sample's regional job)."""
    activations = (
        settings["batch_size"]
        * settings["seq_length"]
        * settings["hidden_size"]
        * settings["num_layers"]
        * 48
    )
    return 768 + 2 * n_basins + activations // 2**20


def training_mem_mb(experiment, n_basins):
    return mem_mb_for(EXPERIMENTS[experiment], n_basins)


# Hyperparameter tuning (rules/tune.smk): the candidates of each experiment with a search_space,
# enumerated once.
CANDIDATES = {
    name: candidates_by_id(settings["search_space"])
    for name, settings in EXPERIMENTS.items()
    if settings.get("search_space")
}


def candidate_ids(experiment):
    return list(CANDIDATES[experiment])


def candidate_mem_mb(experiment, candidate, n_basins):
    """training_mem_mb with the settings of ``candidate`` (an id) or, for None, of the largest
    candidate (the final model's settings are known only once tuning is done)."""
    chosen = [candidate] if candidate else candidate_ids(experiment)
    return max(
        mem_mb_for(
            candidate_experiment(
                EXPERIMENTS[experiment], CANDIDATES[experiment][cid].settings
            ),
            n_basins,
        )
        for cid in chosen
    )


def tuning_selections(experiment):
    """The selection files of a tuned experiment: a best.json per basin, or one (regional)."""
    if EXPERIMENTS[experiment]["scope"] == "regional":
        return [f"results/{experiment}/tuning/best.json"]
    return expand(f"results/{experiment}/tuning/{{basin}}/best.json", basin=BASINS)


def tuning_targets():
    """The tuning tables and validation-NSE figures of every tuned experiment."""
    return [
        path
        for name in CANDIDATES
        for path in (
            f"results/{name}/tuning.csv",
            f"results/plots/tuning_validation_nse_{name}.png",
            f"results/plots/tuning_validation_nse_{name}.pdf",
        )
    ]

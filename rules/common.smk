# Python helpers only: basin list, input functions, wildcard constraints.
import os
import re

from camels_lstm.config import read_basin_list

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


def experiment_pattern(scope):
    """Wildcard regex matching only the experiments of ``scope`` (never matching if none)."""
    names = experiments_of_scope(scope)
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


def training_mem_mb(experiment, n_basins):
    """Memory to reserve for a training job: ~0.75 GB interpreter with torch and the data
    libraries, ~2 MB per basin of series and samples, and the LSTM step's activations (measured:
    450 MB for a sample per-basin job, 850 MB for the sample's regional job)."""
    settings = EXPERIMENTS[experiment]
    activations = (
        settings["batch_size"]
        * settings["seq_length"]
        * settings["hidden_size"]
        * settings["num_layers"]
        * 48
    )
    return 768 + 2 * n_basins + activations // 2**20

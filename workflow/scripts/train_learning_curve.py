"""Train one model of a learning-curve study: a regional cell (basin subset x training years x
draw) or a per-basin reference model, with the settings of camels_lstm.workflow.learning_curve_plan
(params ``settings``: experiment, basins, periods, seed); then simulate the test period of the
study's evaluation basins (they may lie outside the training subset: evaluation ungauged)."""

from camels_lstm.training.allocator import use_tuned_allocator

# Before torch is imported (see train_model.py).
allocator = use_tuned_allocator(snakemake.config["training"]["allocator"])

from camels_lstm import script_logging  # noqa: E402
from camels_lstm.training.finished_checkpoints import checkpoint_log_path  # noqa: E402
from camels_lstm.training.predict import write_period_predictions  # noqa: E402
from camels_lstm.training.run import train_experiment  # noqa: E402

logger = script_logging.setup(
    snakemake.log[0], history_path=checkpoint_log_path(snakemake.output.model)
)
settings = snakemake.params.settings
train = settings["periods"]["train"]
logger.info(
    "learning curve %s: %d basin(s), training %s..%s, seed %d, allocator %s",
    snakemake.params.name,
    len(settings["basins"]),
    train["start"],
    train["end"],
    settings["seed"],
    allocator,
)
train_experiment(
    store_path=snakemake.input.store,
    attributes_path=snakemake.input.attributes,
    experiment_name=snakemake.params.name,
    experiment=settings["experiment"],
    basins=list(settings["basins"]),
    periods=settings["periods"],
    seed=settings["seed"],
    model_path=snakemake.output.model,
    threads=snakemake.threads,
    device=snakemake.params.training["device"],
    bf16=snakemake.params.training["bf16"],
)
write_period_predictions(
    snakemake.output.model,
    snakemake.input.store,
    {"test": snakemake.params.test_period},
    {"test": snakemake.output.predictions},
    device=snakemake.params.training["device"],
    basins=list(snakemake.params.evaluation_basins),
    attributes_path=snakemake.input.attributes,
)

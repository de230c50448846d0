"""Train one model: one basin's (per-basin experiments) or all basins' (regional experiments);
a per-basin job then simulates its validation and test periods in the same process.

A tuned experiment trains with the settings chosen on the validation period (best.json); for
the seed its candidates were trained with, the chosen candidate's model is the final model and
is copied, not trained again (same settings, data and seed train the same weights)."""

from camels_lstm.training.allocator import use_tuned_allocator
from camels_lstm.training.input_stores import input_stores

# Before torch is imported: re-runs this script once with LD_PRELOAD/GLIBC_TUNABLES set. The
# allocator is read from the config, not params: it does not change the weights, so it is no
# rerun trigger (camels_lstm.training.job_settings).
allocator = use_tuned_allocator(snakemake.config["training"]["allocator"])

from camels_lstm import script_logging  # noqa: E402
from camels_lstm.training.data import read_span  # noqa: E402
from camels_lstm.training.finished_checkpoints import checkpoint_log_path  # noqa: E402
from camels_lstm.training.predict import write_period_predictions  # noqa: E402
from camels_lstm.training.run import train_experiment  # noqa: E402
from camels_lstm.tuning.selection import take_chosen_candidate, tuned_experiment  # noqa: E402

# The lines of a killed attempt survive beside the checkpoint and open the new log.
logger = script_logging.setup(
    snakemake.log[0], history_path=checkpoint_log_path(snakemake.output.model)
)
# The time-series store and, for hybrid inputs, the conceptual simulation stores.
stores = input_stores(snakemake.input.store, snakemake.params.conceptual_stores)
seed = int(snakemake.wildcards.seed)
experiment = snakemake.params.experiment
tuning = snakemake.params.tuning
# Per-basin jobs predict here (no second process, torch import and store read); regional models
# are predicted by their own job (rules/evaluate.smk).
predictions = {
    period: getattr(snakemake.output, period)
    for period in ("validation", "test")
    if hasattr(snakemake.output, period)
}
if tuning is not None and seed != tuning["tuning_seed"]:
    experiment = tuned_experiment(experiment, snakemake.input.best)
    logger.info("settings chosen on the validation period: %s", experiment)
if predictions:  # one read of the store for training, validation and test
    stores = read_span(
        stores,
        list(snakemake.params.basins),
        list(experiment["dynamic_inputs"]),
        [*snakemake.params.periods.values(), *snakemake.params.prediction_periods.values()],
        int(experiment["seq_length"]),
    )
if tuning is not None and seed == tuning["tuning_seed"]:
    chosen = take_chosen_candidate(
        snakemake.input.best,
        tuning["candidate_models"],
        snakemake.output.model,
        chosen_model=tuning["chosen_model"],
    )
    logger.info("seed %d: took the model of the chosen candidate %s", seed, chosen)
else:
    logger.info("allocator: %s", allocator)
    train_experiment(
        store_path=stores,
        attributes_path=snakemake.input.attributes,
        experiment_name=snakemake.wildcards.experiment,
        experiment=experiment,
        basins=list(snakemake.params.basins),
        periods=snakemake.params.periods,
        seed=seed,
        model_path=snakemake.output.model,
        threads=snakemake.threads,
        device=snakemake.params.training["device"],
        bf16=snakemake.params.training["bf16"],
        base_model=getattr(snakemake.input, "base_model", None),  # finetuning
    )

if predictions:
    write_period_predictions(
        snakemake.output.model,
        stores,
        snakemake.params.prediction_periods,
        predictions,
        device=snakemake.params.training["device"],
        mode=snakemake.params.prediction_mode,
    )

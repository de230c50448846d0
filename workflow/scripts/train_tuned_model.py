"""Final model of a tuned experiment (one basin, or a regional model), with the settings chosen
on the validation period: for the seed the candidates were trained with, the chosen candidate's
model is taken as it is; any other seed is trained with the chosen settings."""

from camels_lstm import script_logging
from camels_lstm.tuning import take_chosen_candidate


def train(seed: int) -> None:
    from camels_lstm.allocator import use_tuned_allocator

    # Before torch is imported: re-runs this script once with LD_PRELOAD/GLIBC_TUNABLES set.
    allocator = use_tuned_allocator(snakemake.params.training["allocator"])

    from camels_lstm.training import train_experiment
    from camels_lstm.tuning import tuned_experiment

    logger = script_logging.setup(snakemake.log[0])
    experiment = tuned_experiment(snakemake.params.experiment, snakemake.input.best)
    logger.info("allocator: %s; tuned experiment settings: %s", allocator, experiment)
    train_experiment(
        store_path=snakemake.input.store,
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
    )


seed = int(snakemake.wildcards.seed)
if seed == snakemake.params.tuning_seed:
    logger = script_logging.setup(snakemake.log[0])
    chosen = take_chosen_candidate(snakemake.input.best, snakemake.output.model)
    logger.info("seed %d: took the model of chosen candidate %s", seed, chosen)
else:
    train(seed)

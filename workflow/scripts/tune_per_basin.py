"""Tune one basin of a per-basin experiment in one process: train every candidate on the
training period, score it by NSE on the validation period (the test period is not given to this
job), choose the best (ties: lowest id), write best.json and link the chosen model."""

from camels_lstm.training.allocator import use_tuned_allocator
from camels_lstm.training.input_stores import input_stores

# Before torch is imported (see train_model.py).
allocator = use_tuned_allocator(snakemake.config["training"]["allocator"])

from camels_lstm import script_logging  # noqa: E402
from camels_lstm.training.finished_checkpoints import remove_finished_checkpoints  # noqa: E402
from camels_lstm.tuning.candidates import candidates_by_id  # noqa: E402
from camels_lstm.tuning.jobs import tune_basin  # noqa: E402

logger = script_logging.setup(snakemake.log[0])
# The time-series store and, for hybrid inputs, the conceptual simulation stores.
stores = input_stores(snakemake.input.store, snakemake.params.conceptual_stores)
basin = snakemake.wildcards.basin
candidates = candidates_by_id(snakemake.params.experiment["search_space"])
logger.info(
    "allocator: %s; %d candidates of %s for basin %s",
    allocator,
    len(candidates),
    snakemake.wildcards.experiment,
    basin,
)
record = tune_basin(
    basin=basin,
    experiment=snakemake.params.experiment,
    candidates=candidates,
    candidate_models=snakemake.params.candidate_models,
    candidate_scores=snakemake.params.candidate_scores,
    periods=snakemake.params.periods,
    store_path=stores,
    best_path=snakemake.output.best,
    chosen_model_path=snakemake.output.chosen_model,
    device=snakemake.params.training["device"],
    attributes_path=snakemake.input.attributes,
    experiment_name=snakemake.wildcards.experiment,
    seed=snakemake.params.seed,
    threads=snakemake.threads,
    bf16=snakemake.params.training["bf16"],
)
logger.info(
    "basin %s: chose %s (validation NSE %s) of %d candidates: %s",
    basin,
    record["candidate"],
    record["nse"],
    len(record["candidates"]),
    record["settings"],
)
removed = remove_finished_checkpoints(snakemake.params.candidate_models.values())
logger.info("removed the training checkpoints of %d scored candidates", removed)

"""Train one candidate of a regional search (one model on all basins) on the training period
and score it by NSE on the validation period (the test period is not given to this job).
Per-basin searches train all candidates of a basin in one job (tune_per_basin.py)."""

from camels_lstm.training.allocator import use_tuned_allocator
from camels_lstm.training.input_stores import input_stores

# Before torch is imported: re-runs this script once with LD_PRELOAD/GLIBC_TUNABLES set. The
# allocator is read from the config, not params: it does not change the weights, so it is no
# rerun trigger (camels_lstm.training.job_settings).
allocator = use_tuned_allocator(snakemake.config["training"]["allocator"])

from camels_lstm import script_logging  # noqa: E402
from camels_lstm.training.finished_checkpoints import checkpoint_log_path  # noqa: E402
from camels_lstm.tuning.candidates import candidates_by_id  # noqa: E402
from camels_lstm.tuning.jobs import (  # noqa: E402
    score_candidate,
    train_candidate,
    write_regional_score,
)
from camels_lstm.tuning.selection import median_nse  # noqa: E402

# The lines of a killed attempt survive beside the checkpoint and open the new log.
logger = script_logging.setup(
    snakemake.log[0], history_path=checkpoint_log_path(snakemake.output.model)
)
# The time-series store and, for hybrid inputs, the conceptual simulation stores.
stores = input_stores(snakemake.input.store, snakemake.params.conceptual_stores)
basins = list(snakemake.params.basins)
candidate = candidates_by_id(snakemake.params.experiment["search_space"])[
    snakemake.wildcards.candidate
]
logger.info(
    "allocator: %s; candidate %s of %s (%d basin(s)): %s",
    allocator,
    candidate.id,
    snakemake.wildcards.experiment,
    len(basins),
    candidate.settings,
)
train_candidate(
    store_path=stores,
    attributes_path=snakemake.input.attributes,
    experiment_name=snakemake.wildcards.experiment,
    experiment=snakemake.params.experiment,
    candidate=candidate,
    basins=basins,
    periods=snakemake.params.periods,
    seed=snakemake.params.seed,
    model_path=snakemake.output.model,
    threads=snakemake.threads,
    device=snakemake.params.training["device"],
    bf16=snakemake.params.training["bf16"],
)
scores = score_candidate(
    snakemake.output.model,
    stores,
    snakemake.params.periods,
    snakemake.params.training["device"],
)
logger.info("candidate %s: median validation NSE %.3f", candidate.id, median_nse(scores))
write_regional_score(snakemake.output.score, candidate, scores)

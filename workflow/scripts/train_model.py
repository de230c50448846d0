"""Train one model: one basin's (per-basin experiments) or all basins' (regional experiments)."""

from camels_lstm.training.allocator import use_tuned_allocator

# Before torch is imported: re-runs this script once with LD_PRELOAD/GLIBC_TUNABLES set.
allocator = use_tuned_allocator(snakemake.params.training["allocator"])

from camels_lstm import script_logging  # noqa: E402
from camels_lstm.training.run import train_experiment  # noqa: E402

logger = script_logging.setup(snakemake.log[0])
logger.info("allocator: %s", allocator)
train_experiment(
    store_path=snakemake.input.store,
    attributes_path=snakemake.input.attributes,
    experiment_name=snakemake.wildcards.experiment,
    experiment=snakemake.params.experiment,
    basins=snakemake.params.basins,
    periods=snakemake.params.periods,
    seed=int(snakemake.wildcards.seed),
    model_path=snakemake.output.model,
    threads=snakemake.threads,
    device=snakemake.params.training["device"],
    bf16=snakemake.params.training["bf16"],
)

"""Stack one experiment's per-model predictions of a period and add the ensemble mean; then
remove the kept training checkpoints of these models."""

from camels_lstm import script_logging
from camels_lstm.atomic_output import write_netcdf
from camels_lstm.evaluation.predictions import aggregate_predictions
from camels_lstm.training.finished_checkpoints import remove_finished_checkpoints

logger = script_logging.setup(snakemake.log[0])
paths_by_member = {}
for member in snakemake.params.members:
    paths = snakemake.input[member]
    paths_by_member[member] = [paths] if isinstance(paths, str) else list(paths)
logger.info(
    "aggregating %d members, %d file(s) each",
    len(paths_by_member),
    len(next(iter(paths_by_member.values()))),
)
predictions = aggregate_predictions(paths_by_member)
write_netcdf(predictions, snakemake.output.predictions)
logger.info(
    "wrote %s: %d basins x %d days, members %s",
    snakemake.output.predictions,
    predictions.sizes["basin"],
    predictions.sizes["date"],
    list(predictions["member"].values),
)
removed = remove_finished_checkpoints(snakemake.params.models)
if removed:
    logger.info("removed the training checkpoints of %d finished models", removed)

"""Keep the tuning candidate with the best validation NSE (ties: lowest id): per basin, or for a
regional search the best median over all basins."""

from camels_lstm import script_logging
from camels_lstm.atomic_output import write_json
from camels_lstm.training.finished_checkpoints import remove_finished_checkpoints
from camels_lstm.tuning.candidates import candidates_by_id
from camels_lstm.tuning.selection import best_record, regional_best_record

logger = script_logging.setup(snakemake.log[0])
expected = candidates_by_id(snakemake.params.search_space)
if snakemake.params.scope == "regional":
    record = regional_best_record(snakemake.input.scores, snakemake.params.basins, expected)
    unit = f"{len(snakemake.params.basins)} basins"
else:
    record = best_record(snakemake.wildcards.basin, snakemake.input.scores, expected)
    unit = f"basin {snakemake.wildcards.basin}"
logger.info(
    "%s: chose %s (validation NSE %s) of %d candidates: %s",
    unit,
    record["candidate"],
    record["nse"],
    len(record["candidates"]),
    record["settings"],
)
write_json(record, snakemake.output.best)
removed = remove_finished_checkpoints(snakemake.params.candidate_models.values())
logger.info("removed the training checkpoints of %d scored candidates", removed)

"""Keep the candidate of a regional search with the best median validation NSE over all basins
(ties: lowest id). Per-basin searches select in their own job (tune_per_basin.py)."""

from camels_lstm import script_logging
from camels_lstm.atomic_output import write_json
from camels_lstm.training.finished_checkpoints import remove_finished_checkpoints
from camels_lstm.tuning.candidates import candidates_by_id
from camels_lstm.tuning.selection import regional_best_record

logger = script_logging.setup(snakemake.log[0])
expected = candidates_by_id(snakemake.params.search_space)
record = regional_best_record(snakemake.input.scores, snakemake.params.basins, expected)
logger.info(
    "%d basins: chose %s (median validation NSE %s) of %d candidates: %s",
    len(snakemake.params.basins),
    record["candidate"],
    record["nse"],
    len(record["candidates"]),
    record["settings"],
)
write_json(record, snakemake.output.best)
removed = remove_finished_checkpoints(snakemake.params.candidate_models.values())
logger.info("removed the training checkpoints of %d scored candidates", removed)

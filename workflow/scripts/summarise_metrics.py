"""NSE summary of all experiments on the basins they share."""

from camels_lstm import script_logging
from camels_lstm.atomic_output import write_csv
from camels_lstm.evaluation.tables import read_metrics_csv, summarise

logger = script_logging.setup(snakemake.log[0])
tables = {
    experiment: read_metrics_csv(path)
    for experiment, path in zip(snakemake.params.experiments, snakemake.input.metrics, strict=True)
}
summary = summarise(tables)
write_csv(summary, snakemake.output.summary)
logger.info("wrote %s:\n%s", snakemake.output.summary, summary.to_string(index=False))

"""NSE summary of all experiments on the basins they share, with each experiment's caveat
(where the run is too small to show what the experiment is for)."""

from camels_lstm import script_logging
from camels_lstm.atomic_output import write_csv
from camels_lstm.evaluation.caveats import experiment_caveat, read_snowy_basins
from camels_lstm.evaluation.tables import read_metrics_csv, summarise

logger = script_logging.setup(snakemake.log[0])
tables = {
    experiment: read_metrics_csv(path)
    for experiment, path in zip(snakemake.params.experiments, snakemake.input.metrics, strict=True)
}
basins = list(snakemake.params.basins)
snowy_basins = read_snowy_basins(snakemake.input.attributes, basins)
caveats = {
    experiment: experiment_caveat(snakemake.params.settings[experiment], len(basins), snowy_basins)
    for experiment in tables
}
summary = summarise(tables, caveats)
write_csv(summary, snakemake.output.summary)
logger.info("wrote %s:\n%s", snakemake.output.summary, summary.to_string(index=False))

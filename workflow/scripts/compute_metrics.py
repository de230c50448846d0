"""Per-basin, per-member metrics of one experiment's test-period predictions."""

import xarray as xr

from camels_lstm import script_logging
from camels_lstm.atomic_output import write_csv
from camels_lstm.evaluation.tables import STATUS_OK, metrics_table

logger = script_logging.setup(snakemake.log[0])
with xr.open_dataset(snakemake.input.predictions) as predictions:
    table = metrics_table(predictions.load(), snakemake.params.min_observed_days)
write_csv(table, snakemake.output.metrics)
not_ok = table[table["status"] != STATUS_OK]
for row in not_ok.itertuples():
    logger.warning("basin %s, member %s: %s", row.basin, row.member, row.status)
logger.info("wrote %s: %d rows, %d not ok", snakemake.output.metrics, len(table), len(not_ok))

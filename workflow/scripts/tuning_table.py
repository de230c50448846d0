"""Table of every basin's tuning candidates, their validation NSE and the chosen one."""

from camels_lstm import script_logging
from camels_lstm.atomic_output import write_csv
from camels_lstm.tuning.tables import regional_tuning_table, tuning_table

logger = script_logging.setup(snakemake.log[0])
basins = snakemake.params.basins
if snakemake.params.scope == "regional":
    (selection,) = snakemake.input.best
    table = regional_tuning_table(selection, basins)
else:
    table = tuning_table(dict(zip(basins, snakemake.input.best, strict=True)))
logger.info("%d basins x candidates: %d rows", table["basin"].nunique(), len(table))
write_csv(table, snakemake.output.table)

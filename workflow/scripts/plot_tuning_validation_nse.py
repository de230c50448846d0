"""Validation NSE of every tuning candidate per basin, the chosen one marked."""

import pandas as pd

from camels_lstm import script_logging
from camels_lstm.plots.tuning import plot_tuning_validation_nse

logger = script_logging.setup(snakemake.log[0])
table = pd.read_csv(snakemake.input.table, dtype={"basin": str, "candidate": str})
logger.info("%d basins, %d candidate scores", table["basin"].nunique(), len(table))
plot_tuning_validation_nse(
    table, snakemake.wildcards.experiment, snakemake.output.png, snakemake.output.pdf
)

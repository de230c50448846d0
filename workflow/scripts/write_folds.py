"""Write results/<experiment>/folds.csv: the fold of each basin of an ungauged experiment."""

import pandas as pd

from camels_lstm import script_logging
from camels_lstm.atomic_output import write_csv

logger = script_logging.setup(snakemake.log[0])
table = pd.DataFrame(snakemake.params.folds)
write_csv(table, snakemake.output.folds)
logger.info(
    "wrote %s: %d basins in %d folds", snakemake.output.folds, len(table), table["fold"].nunique()
)

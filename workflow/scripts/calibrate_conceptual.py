"""Calibrate a conceptual model on the training period: one basin (per_basin) or all basins
of the run with one parameter set (regional); write calibration.json."""

from camels_lstm import script_logging
from camels_lstm.conceptual.jobs import calibrate_job

logger = script_logging.setup(snakemake.log[0])
calibrate_job(
    store_path=snakemake.input.store,
    experiment=snakemake.wildcards.experiment,
    settings=snakemake.params.settings,
    basins=list(snakemake.params.basins),
    train_period=snakemake.params.train_period,
    output_path=snakemake.output.calibration,
)

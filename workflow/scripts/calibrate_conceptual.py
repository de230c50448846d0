"""Calibrate a conceptual model on the training period: one basin (per_basin) or all basins
of the run with one parameter set (regional, the basins of each run scored in the job's threads
as processes); write calibration.json. A calibration starts
afresh when rerun, but the log of the rerun keeps the lines of a killed attempt."""

from camels_lstm import script_logging
from camels_lstm.conceptual.jobs import calibrate_job

history = script_logging.attempts_path(snakemake.output.calibration)
logger = script_logging.setup(snakemake.log[0], history_path=history)
calibrate_job(
    store_path=snakemake.input.store,
    experiment=snakemake.wildcards.experiment,
    settings=snakemake.params.settings,
    basins=list(snakemake.params.basins),
    train_period=snakemake.params.train_period,
    output_path=snakemake.output.calibration,
    workers=snakemake.threads,
)
script_logging.finish_attempts(history)

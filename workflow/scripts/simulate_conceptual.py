"""Simulate every basin of a conceptual experiment with its calibrated parameters: the
simulation store, the parameter table and the validation/test prediction files."""

from camels_lstm import script_logging
from camels_lstm.conceptual.jobs import simulate_job

logger = script_logging.setup(snakemake.log[0])
simulate_job(
    store_path=snakemake.input.store,
    experiment=snakemake.wildcards.experiment,
    settings=snakemake.params.settings,
    basins=list(snakemake.params.basins),
    periods=snakemake.params.periods,
    calibration_paths=list(snakemake.input.calibrations),
    simulation_path=snakemake.output.simulation,
    parameters_path=snakemake.output.parameters,
    prediction_paths={
        "validation": snakemake.output.validation,
        "test": snakemake.output.test,
    },
)

"""Simulate the test period of a learning-curve study's evaluation basins with one model (the
basins may lie outside its training subset: evaluation ungauged)."""

from camels_lstm import script_logging
from camels_lstm.atomic_output import write_netcdf
from camels_lstm.training.predict import predict

logger = script_logging.setup(snakemake.log[0])
test = snakemake.params.test_period
predictions = predict(
    snakemake.input.model,
    snakemake.input.store,
    test["start"],
    test["end"],
    basins=list(snakemake.params.basins),
    device=snakemake.params.device,
    attributes_path=snakemake.input.attributes,
)
logger.info(
    "test period %s..%s: %d basins x %d days, %d simulated days",
    test["start"],
    test["end"],
    predictions.sizes["basin"],
    predictions.sizes["date"],
    int(predictions["streamflow_sim_mm_per_day"].notnull().sum()),
)
write_netcdf(predictions, snakemake.output.predictions)

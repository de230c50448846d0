"""Simulate the validation and test periods with one trained model, in mm/day."""

from camels_lstm import script_logging
from camels_lstm.atomic_output import write_netcdf
from camels_lstm.training.predict import predict

logger = script_logging.setup(snakemake.log[0])
for period, output in (
    ("validation", snakemake.output.validation),
    ("test", snakemake.output.test),
):
    bounds = snakemake.params.periods[period]
    predictions = predict(
        snakemake.input.model,
        snakemake.input.store,
        bounds["start"],
        bounds["end"],
        device=snakemake.params.device,
    )
    simulated = predictions["streamflow_sim_mm_per_day"]
    logger.info(
        "%s period %s..%s: %d basins x %d days, %d simulated days",
        period,
        bounds["start"],
        bounds["end"],
        predictions.sizes["basin"],
        predictions.sizes["date"],
        int(simulated.notnull().sum()),
    )
    write_netcdf(predictions, output)

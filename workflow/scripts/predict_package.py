"""Predict basins and a period from a model package (config section `inference`)."""

import torch

from camels_lstm import script_logging
from camels_lstm.atomic_output import write_netcdf
from camels_lstm.packages.predict import predict_package

logger = script_logging.setup(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
period = snakemake.params.period
dataset = predict_package(
    snakemake.input.package,
    snakemake.params.camels_dir,
    snakemake.params.basins,
    period["start"],
    period["end"],
    device=snakemake.params.device,
    min_observed_days=snakemake.params.min_observed_days,
    prediction=snakemake.params.prediction,
)
write_netcdf(dataset, snakemake.output.predictions)
logger.info(
    "wrote %s: %d basins (%d gauged) x %d days",
    snakemake.output.predictions,
    dataset.sizes["basin"],
    int(dataset["gauged"].sum()),
    dataset.sizes["time"],
)

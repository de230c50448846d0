"""Observed vs simulated test-period hydrographs of an experiment's best, median and worst basin."""

import xarray as xr

from camels_lstm import script_logging
from camels_lstm.evaluation.tables import read_metrics_csv
from camels_lstm.plots.hydrographs import gauge_names, plot_hydrographs, select_basins

logger = script_logging.setup(snakemake.log[0])
selection = select_basins(read_metrics_csv(snakemake.input.metrics))
for chosen in selection:
    logger.info("%s basin: %s (NSE %.3f)", chosen.rank, chosen.basin, chosen.nse)
with xr.open_dataset(snakemake.input.predictions) as predictions:
    subset = predictions.sel(basin=[chosen.basin for chosen in selection]).load()
plot_hydrographs(
    subset,
    selection,
    snakemake.wildcards.experiment,
    snakemake.output.png,
    snakemake.output.pdf,
    gauge_names=gauge_names(snakemake.input.attributes),
)

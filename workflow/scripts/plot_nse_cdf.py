"""Empirical CDF of ensemble NSE per experiment, on the basins all experiments share."""

from camels_lstm import script_logging
from camels_lstm.evaluation.tables import read_metrics_csv
from camels_lstm.plots.nse_cdf import nse_cdf_curves, plot_nse_cdf

logger = script_logging.setup(snakemake.log[0])
tables = {
    experiment: read_metrics_csv(path)
    for experiment, path in zip(snakemake.params.experiments, snakemake.input.metrics, strict=True)
}
curves = nse_cdf_curves(tables)
for experiment, curve in curves.items():
    logger.info(
        "%s: %d shared basins, median NSE %.3f, %.1f %% below 0",
        experiment,
        len(curve.basins),
        curve.median,
        100 * curve.share_below_zero,
    )
plot_nse_cdf(curves, snakemake.output.png, snakemake.output.pdf)

"""Empirical CDF of ensemble NSE per experiment, on the basins all experiments share, and the
sentence of its report caption (what going from per-basin to regional models does)."""

from camels_lstm import script_logging
from camels_lstm.atomic_output import atomic_path
from camels_lstm.evaluation.contrast import scope_contrast_sentence
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
sentence = scope_contrast_sentence(curves, snakemake.params.roles)
logger.info("%s", sentence)
with atomic_path(snakemake.output.sentence) as staged:
    staged.write_text(sentence + "\n", encoding="utf-8")

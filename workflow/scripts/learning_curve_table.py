"""Table, saturating fit, figure and one-sentence answer of one learning-curve study, from the
test-period predictions of its cells and per-basin reference models."""

import xarray as xr

from camels_lstm import script_logging
from camels_lstm.atomic_output import atomic_path, write_csv
from camels_lstm.evaluation.tables import basin_metrics
from camels_lstm.learning_curves.table import (
    PER_BASIN,
    cell_row,
    convergence_sentence,
    fits_by_train_years,
    learning_curve_table,
)
from camels_lstm.plots.learning_curve import plot_learning_curve
from camels_lstm.training.finished_checkpoints import remove_finished_checkpoints

logger = script_logging.setup(snakemake.log[0])
min_observed_days = snakemake.params.min_observed_days


def nse_by_basin(path: str) -> dict[str, float]:
    with xr.open_dataset(path) as predictions:
        predictions = predictions.load()
    nse = {}
    for basin in predictions["basin"].values.tolist():
        one = predictions.sel(basin=basin)
        metrics = basin_metrics(
            one["streamflow_obs_mm_per_day"].values,
            one["streamflow_sim_mm_per_day"].values,
            min_observed_days,
        )
        nse[str(basin)] = float(metrics["nse"])
    return nse


rows = [
    cell_row(cell["n_basins"], cell["train_years"], cell["draw"], nse_by_basin(path))
    for cell, path in zip(snakemake.params.cells, snakemake.input.cells, strict=True)
]
reference: dict[int, dict[str, float]] = {}
for one, path in zip(snakemake.params.references, snakemake.input.references, strict=True):
    reference.setdefault(one["train_years"], {}).update(nse_by_basin(path))
rows += [cell_row(1, years, 0, nse, model=PER_BASIN) for years, nse in reference.items()]
table = learning_curve_table(rows)
write_csv(table, snakemake.output.table)
fits = fits_by_train_years(table)
for years, fit in fits.items():
    logger.info("%d training years: fit %s", years, fit)
sentence = convergence_sentence(table, fits)
logger.info("%s", sentence)
with atomic_path(snakemake.output.sentence) as staged:
    staged.write_text(sentence + "\n")
plot_learning_curve(
    table,
    fits,
    snakemake.output.png,
    snakemake.output.pdf,
    title=snakemake.wildcards.study,
    sentence=sentence,
)
removed = remove_finished_checkpoints(snakemake.params.models)
if removed:
    logger.info("removed the training checkpoints of %d finished models", removed)

"""Single-basin against regional NSE per basin: scatter with 1:1 line, map of the difference."""

from camels_lstm import script_logging
from camels_lstm.evaluation.tables import read_metrics_csv
from camels_lstm.plots.map import gauge_locations, plot_nse_difference_map
from camels_lstm.plots.scatter import paired_nse, plot_nse_scatter

logger = script_logging.setup(snakemake.log[0])
single, regional = snakemake.params.experiments
data = paired_nse(
    read_metrics_csv(snakemake.input.single), read_metrics_csv(snakemake.input.regional)
)
logger.info(
    "%d basins: %s better in %d, %s better in %d, equal in %d",
    len(data.basins),
    regional,
    data.n_above,
    single,
    data.n_below,
    data.n_equal,
)
plot_nse_scatter(data, single, regional, snakemake.output.scatter_png, snakemake.output.scatter_pdf)
locations = gauge_locations(snakemake.input.attributes, data.basins)
plot_nse_difference_map(
    data, locations, single, regional, snakemake.output.map_png, snakemake.output.map_pdf
)

"""Convert forcing and streamflow of the run's basins to one chunked zarr store, checking the
data on the way (findings: the data-quality table)."""

from camels_lstm import script_logging
from camels_lstm.config import read_basin_list
from camels_lstm.data.timeseries_store import build_store

logger = script_logging.setup(snakemake.log[0])
build_store(
    camels_root=snakemake.params.camels,
    basins=read_basin_list(snakemake.input.basins),
    forcing=snakemake.params.forcing,
    store_path=snakemake.output.store,
    train_period=snakemake.params.train_period,
    threads=snakemake.threads,
    periods={"validation": snakemake.params.validation_period},
    data_checks=snakemake.params.data_checks,
    streamflow_area=snakemake.params.streamflow_area,
    quality_table=snakemake.output.quality,
)

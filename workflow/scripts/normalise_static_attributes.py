"""Merge the CAMELS attribute tables and normalise them with the run's training-basin statistics."""

from camels_lstm import script_logging
from camels_lstm.config import read_basin_list
from camels_lstm.data.attributes import write_static_attributes

logger = script_logging.setup(snakemake.log[0])
write_static_attributes(
    camels_root=snakemake.params.camels,
    basins=read_basin_list(snakemake.input.basins),
    attributes=list(snakemake.params.attributes),
    output_path=snakemake.output.attributes,
)

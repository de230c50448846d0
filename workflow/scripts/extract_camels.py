"""Extract what the run needs (forcing, streamflow, attributes) from the archives."""

from camels_lstm import script_logging
from camels_lstm.data.archive import extract_camels

logger = script_logging.setup(snakemake.log[0])
extract_camels(
    list(snakemake.input.archives),
    snakemake.output.camels,
    forcing=snakemake.params.forcing,
    extra_forcings=snakemake.params.extra_forcings,
)

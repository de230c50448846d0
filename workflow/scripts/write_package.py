"""Write one model package: a seed's model, or every seed's (the ensemble), as one zip."""

from camels_lstm import script_logging
from camels_lstm.packages.package import write_package

logger = script_logging.setup(snakemake.log[0])
models = dict(zip(snakemake.params.members, snakemake.input.models, strict=True))
path = write_package(snakemake.output.package, models, snakemake.params.data)
logger.info("wrote %s (%d bytes) of %s", path, path.stat().st_size, ", ".join(models))

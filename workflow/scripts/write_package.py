"""Write one model package: a seed's model, or every seed's (the ensemble), as one zip."""

from camels_lstm import script_logging
from camels_lstm.packages.conceptual_inputs import conceptual_section
from camels_lstm.packages.package import write_package

logger = script_logging.setup(snakemake.log[0])
models = dict(zip(snakemake.params.members, snakemake.input.models, strict=True))
sources = snakemake.params.conceptual
conceptual = conceptual_section(sources, snakemake.params.train_period) if sources else None
path = write_package(snakemake.output.package, models, snakemake.params.data, conceptual)
logger.info("wrote %s (%d bytes) of %s", path, path.stat().st_size, ", ".join(models))
for name, source in (conceptual or {"sources": {}})["sources"].items():
    logger.info(
        "with the conceptual inputs of %s (%s): parameters of %d basin(s), regional set %s",
        name,
        source["model"],
        len(source["basins"]),
        source["regional"]["experiment"] if source["regional"] else "none",
    )

"""Download one CAMELS archive (https, http, file:// or a local path), resumable and verified."""

from camels_lstm import script_logging
from camels_lstm.data.download import download

logger = script_logging.setup(snakemake.log[0])
source = snakemake.params.source
download(
    source["url"],
    snakemake.output.archive,
    sha256=source.get("sha256"),
    size_bytes=source.get("size_bytes"),
)

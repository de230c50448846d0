"""Simulate the validation and test periods with one trained (regional) model, in mm/day; the
model of an ungauged fold simulates the basins of its fold only."""

from camels_lstm import script_logging
from camels_lstm.training.input_stores import input_stores
from camels_lstm.training.predict import write_period_predictions

logger = script_logging.setup(snakemake.log[0])
# The time-series store and, for hybrid inputs, the conceptual simulation stores.
stores = input_stores(snakemake.input.store, snakemake.params.conceptual_stores)
basins = snakemake.params.basins  # None: the model's own basins
if basins is not None:
    logger.info("predicting basins the model never saw: %s", ", ".join(basins))
write_period_predictions(
    snakemake.input.model,
    stores,
    snakemake.params.periods,
    {"validation": snakemake.output.validation, "test": snakemake.output.test},
    device=snakemake.params.device,
    basins=basins,
    attributes_path=getattr(snakemake.input, "attributes", None),
    mode=snakemake.params.prediction_mode,
)

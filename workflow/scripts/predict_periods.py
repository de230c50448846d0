"""Simulate the validation and test periods with one trained (regional) model, in mm/day."""

from camels_lstm import script_logging
from camels_lstm.training.predict import write_period_predictions

logger = script_logging.setup(snakemake.log[0])
write_period_predictions(
    snakemake.input.model,
    snakemake.input.store,
    snakemake.params.periods,
    {"validation": snakemake.output.validation, "test": snakemake.output.test},
    device=snakemake.params.device,
)

"""Training and prediction: samples and batches, scalers, losses, loop, checkpoints, model files.

Import the modules themselves (``camels_lstm.training.run``, ``.predict``, ...): this package
imports nothing, so that light jobs (aggregation, checkpoint clean-up) do not load torch.
"""

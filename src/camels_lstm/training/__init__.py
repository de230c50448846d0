"""Training and prediction: samples and batches, scalers, losses, loop, checkpoints, model files."""

from camels_lstm.training.losses import LOSSES, mse, nse_star
from camels_lstm.training.model_file import TrainedModel, load_model_file
from camels_lstm.training.predict import predict
from camels_lstm.training.run import train_experiment

__all__ = [
    "LOSSES",
    "TrainedModel",
    "load_model_file",
    "mse",
    "nse_star",
    "predict",
    "train_experiment",
]

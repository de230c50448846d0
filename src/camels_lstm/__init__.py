"""Library behind the CAMELS US LSTM rainfall-runoff workflow."""

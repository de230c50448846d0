"""Learning curves: how a regional LSTM converges with more training basins and years."""

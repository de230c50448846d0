"""Hyperparameter tuning on the validation period: candidates of a search space, their training
and scoring, the selection of the best and the tuning tables."""

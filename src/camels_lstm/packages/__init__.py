"""Trained models as self-contained zip packages, and prediction from them without the workflow:
``package`` (the format, writing and verified reading), ``camels_input`` (a period's inputs of
any basin straight from a CAMELS US tree), ``predict`` (CF netCDF of simulated and observed
streamflow with metrics), ``cli`` (the ``camels-lstm`` console command)."""

"""Conceptual rainfall-runoff models (stage 3): lumped GR models of ``hydrogr`` with a
CemaNeige-type snow routine, potential evapotranspiration from the Daymet inputs (``pyet``),
their calibration per basin and for all basins at once (``spotpy`` SCE-UA or SciPy's
differential evolution) and the simulation store that evaluation and hybrid LSTMs read.

Modules: :mod:`.snow` (snow routine), :mod:`.gr4j_numpy` (a plain NumPy GR4J, the benchmark's
and the tests' reference), :mod:`.models` (the model registry), :mod:`.pet`, :mod:`.forcing`
(basin forcing from the zarr store), :mod:`.calibration`, :mod:`.outputs` (the files) and
:mod:`.jobs` (what the workflow's scripts call). docs/conceptual.md describes the stage.
"""

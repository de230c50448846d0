"""The conceptual-model registry: lumped GR models of ``hydrogr`` (compiled Rust) behind the
snow routine of :mod:`camels_lstm.conceptual.snow`.

A model's parameter vector is the GR parameters followed by the snow parameters (CTG, Kf), in
the order of :attr:`ConceptualModel.parameters`; each has calibration bounds (sampled on a log
scale where ``log``). :data:`CONCEPTUAL_MODELS` is the registry the config's ``model`` of a
conceptual experiment names (the simulated series: :mod:`camels_lstm.conceptual.spec`).

The registry also holds Shyft's stacks (:mod:`camels_lstm.conceptual.shyft_models`), which run
in their own environment. ``hydrogr`` is imported when a GR model runs, so the registry imports
where it is not installed (the Shyft environment, which needs NumPy 1).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from camels_lstm.conceptual.model_types import CellGeometry, ModelForcing, Parameter
from camels_lstm.conceptual.shyft_models import SHYFT_MODELS, ShyftModel
from camels_lstm.conceptual.snow import run_snow

__all__ = [
    "CONCEPTUAL_MODELS",
    "CellGeometry",
    "ConceptualModel",
    "ModelForcing",
    "ModelStates",
    "Parameter",
]

UH1_LENGTH, UH2_LENGTH = 20, 40  # hydrogr's unit-hydrograph state lengths (X4 <= 20 days)


@dataclass
class ModelStates:
    """States at the end of a run (the start of the next): snow pack and thermal state, the GR
    stores (mm) and unit-hydrograph contents."""

    swe_mm: float = 0.0
    thermal_state_degc: float = 0.0
    stores_mm: np.ndarray | None = None
    uh1: np.ndarray = field(default_factory=lambda: np.zeros(UH1_LENGTH))
    uh2: np.ndarray = field(default_factory=lambda: np.zeros(UH2_LENGTH))


SNOW_PARAMETERS = (
    Parameter("CTG", 0.0, 1.0, "1", "snow pack thermal-state weight (CemaNeige)"),
    Parameter("Kf", 0.0, 10.0, "mm degC-1 day-1", "degree-day melt factor (CemaNeige)"),
)
GR4J_PARAMETERS = (
    Parameter("X1", 10.0, 2500.0, "mm", "production store capacity", log=True),
    Parameter("X2", -5.0, 5.0, "mm day-1", "groundwater exchange coefficient"),
    Parameter("X3", 1.0, 1000.0, "mm", "routing store capacity", log=True),
    Parameter("X4", 0.5, 15.0, "day", "unit hydrograph time base"),
)
GR6J_PARAMETERS = (
    *GR4J_PARAMETERS,
    Parameter("X5", -4.0, 4.0, "1", "groundwater exchange threshold"),
    Parameter("X6", 0.01, 50.0, "mm", "exponential store depletion coefficient", log=True),
)


def _gr4j_start(values: np.ndarray) -> np.ndarray:
    return np.array([0.3 * values[0], 0.5 * values[2]])


def _gr6j_start(values: np.ndarray) -> np.ndarray:
    return np.array([0.3 * values[0], 0.5 * values[2], 0.3 * values[5]])


@dataclass(frozen=True)
class ConceptualModel:
    """A GR model of ``hydrogr`` fed by the snow routine."""

    name: str
    description: str
    gr_parameters: tuple[Parameter, ...]
    gr_function: str  # of hydrogr._hydrogr
    gr_start: Callable[[np.ndarray], np.ndarray]
    environment: str = "workflow"
    outputs: tuple[str, ...] = (
        "streamflow_mm_per_day",
        "swe_mm",
        "liquid_water_mm_per_day",
        "snow_thermal_state_degc",
    )  # store variables of a run; PET is the forcing's (camels_lstm.conceptual.spec)

    def gr_run(self, *arguments: Any) -> Any:
        """hydrogr's compiled run of this GR model."""
        return getattr(importlib.import_module("hydrogr._hydrogr"), self.gr_function)(*arguments)

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return (*self.gr_parameters, *SNOW_PARAMETERS)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(parameter.name for parameter in self.parameters)

    def run(
        self, values: np.ndarray, forcing: ModelForcing, states: ModelStates | None = None
    ) -> tuple[dict[str, np.ndarray], ModelStates]:
        """Simulate the days of ``forcing`` with parameter vector ``values`` from ``states``
        (None: empty snow pack and hydrogr's start fractions of the stores). Returns the daily
        outputs (keys: the store variables of
        :data:`~camels_lstm.conceptual.spec.CONCEPTUAL_OUTPUTS` but PET) and the end
        states."""
        values = np.asarray(values, dtype=np.float64)
        n_gr = len(self.gr_parameters)
        gr_values, (thermal_coefficient, melt_factor) = values[:n_gr], values[n_gr:]
        states = states or ModelStates()
        liquid, swe, thermal = run_snow(
            forcing.prcp_mm_per_day,
            forcing.tmean_degc,
            thermal_coefficient,
            melt_factor,
            forcing.mean_annual_snowfall_mm,
            states.swe_mm,
            states.thermal_state_degc,
        )
        stores = self.gr_start(gr_values) if states.stores_mm is None else states.stores_mm
        stores, uh1, uh2, flow = self.gr_run(
            gr_values.tolist(),
            liquid,
            forcing.pet_mm_per_day,
            stores.copy(),
            states.uh1,
            states.uh2,
        )
        outputs = {
            "streamflow_mm_per_day": np.asarray(flow),
            "swe_mm": swe,
            "liquid_water_mm_per_day": liquid,
            "snow_thermal_state_degc": thermal,
        }
        end = ModelStates(
            swe_mm=float(swe[-1]) if swe.size else states.swe_mm,
            thermal_state_degc=float(thermal[-1]) if thermal.size else states.thermal_state_degc,
            stores_mm=np.asarray(stores, dtype=np.float64),
            uh1=np.asarray(uh1, dtype=np.float64),
            uh2=np.asarray(uh2, dtype=np.float64),
        )
        return outputs, end

    def streamflow(self, values: np.ndarray, forcing: ModelForcing) -> np.ndarray:
        """Only the simulated streamflow (mm/day) of a run from the start states (calibration)."""
        return self.run(values, forcing)[0]["streamflow_mm_per_day"]


CONCEPTUAL_MODELS: Mapping[str, ConceptualModel | ShyftModel] = {
    "gr4j_cemaneige": ConceptualModel(
        name="gr4j_cemaneige",
        description="GR4J (Perrin et al., 2003; hydrogr) with a CemaNeige-type snow routine",
        gr_parameters=GR4J_PARAMETERS,
        gr_function="gr4j",
        gr_start=_gr4j_start,
    ),
    "gr6j_cemaneige": ConceptualModel(
        name="gr6j_cemaneige",
        description=(
            "GR6J (Pushpalatha et al., 2011; hydrogr; an exponential store for low flows) with "
            "a CemaNeige-type snow routine"
        ),
        gr_parameters=GR6J_PARAMETERS,
        gr_function="gr6j",
        gr_start=_gr6j_start,
    ),
    **SHYFT_MODELS,
}

"""Shyft's lumped hydrological stacks (Statkraft's ``shyft.hydrology``) as conceptual models:
each basin one Shyft cell, run on the daily forcing of the store.

Stacks (:data:`SHYFT_MODELS`, entries of the conceptual registry):

- ``shyft_pt_gs_k``: Priestley–Taylor potential evaporation, the gamma snow routine (Kolberg &
  Gottschalk energy balance with a snow-cover distribution) and Kirchner's (2009) one-store
  response;
- ``shyft_pt_st_hbv``: Priestley–Taylor, Shyft's snow-tiles routine (a Skaugen-type
  degree-day routine over ten tiles of a gamma snow distribution), HBV soil and HBV tanks.

The cell: mid-point at (0, 0, the store's basin elevation), the basin area, land type all
"unspecified" (no glacier, lake, reservoir; the forest fraction acts only through
``gs.snow_cv_forest_factor``, which stays at its default 0), radiation slope factor 1. Each
forcing series is one source placed at the cell's mid-point, so Shyft's inverse-distance
interpolation hands the cell the basin mean unchanged (no lapse rate, no precipitation scaling
with height). Forcing conversions (documented in docs/conceptual.md):

- precipitation: mm/day / 24 -> mm/h (Shyft's unit);
- temperature: (tmax + tmin) / 2, degC;
- radiation: Daymet's ``srad`` is the mean over the daylight hours, so srad x dayl / 86400 gives
  the 24-hour mean global radiation in W/m2 that Shyft expects;
- relative humidity: vp / e_s, with e_s the FAO-56 (eq. 12) daily saturation vapour pressure
  (mean of e°(tmax) and e°(tmin)), clipped to 0.01..1;
- wind speed: CAMELS has none; the FAO-56 default of 2 m/s for every day.

A parameter vector holds the calibrated parameters of the stack (:data:`SHYFT_MODELS`'s
``parameters``, by Shyft's own parameter names); every other Shyft parameter stays at Shyft's
default. ``shyft`` is imported only when a model runs, which happens in the Shyft environment
(:mod:`camels_lstm.conceptual.shyft_env`): the registry itself imports anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from camels_lstm.conceptual.model_types import ModelForcing, Parameter

SECONDS_PER_DAY = 86400
WIND_SPEED_M_PER_S = 2.0  # FAO-56's default where wind is not measured
SHYFT_FORCING = ("srad", "dayl", "vp")  # beyond prcp, tmax, tmin
MAX_CACHED_CELLS = 1024  # a regional calibration keeps one cell per basin (531: ~0.1 GB)


def saturation_vapour_pressure_pa(temperature_degc: np.ndarray) -> np.ndarray:
    """FAO-56 eq. 11 (Tetens), in Pa."""
    return 610.8 * np.exp(17.27 * temperature_degc / (temperature_degc + 237.3))


def relative_humidity(vp_pa: np.ndarray, tmax_degc: np.ndarray, tmin_degc: np.ndarray):
    """Daily relative humidity (fraction) from Daymet's vapour pressure (FAO-56 eq. 12 e_s)."""
    saturation = 0.5 * (
        saturation_vapour_pressure_pa(tmax_degc) + saturation_vapour_pressure_pa(tmin_degc)
    )
    return np.clip(vp_pa / saturation, 0.01, 1.0)


def daily_mean_radiation_w_per_m2(srad_w_per_m2: np.ndarray, dayl_s: np.ndarray) -> np.ndarray:
    """The 24-hour mean of Daymet's daylight-mean shortwave radiation."""
    return srad_w_per_m2 * dayl_s / SECONDS_PER_DAY


@dataclass(frozen=True)
class ShyftStack:
    """What differs between Shyft stacks: module, class names and where the outputs live."""

    module: str
    prefix: str  # class-name prefix: PTGSK -> PTGSKModel, PTGSKParameter, ...
    # store variable -> (response path on the model, factor to the store unit); a path ending in
    # ":state" is a state series (one value more than days: the start of each day and the end)
    outputs: Mapping[str, tuple[str, float]]


M3_PER_S = -1.0  # marker factor: m3/s, converted with the cell area to mm/day
MM_PER_HOUR = 24.0


def _classes(stack: ShyftStack) -> Any:
    import importlib

    return importlib.import_module(f"shyft.hydrology.{stack.module}")


@dataclass
class _Cell:
    """A built Shyft model of one forcing: the full model (every response collected), or for
    calibration, which reruns it thousands of times (cached), its streamflow-only clone."""

    forcing: ModelForcing
    model: Any
    defaults: list[float]


@dataclass(frozen=True)
class ShyftModel:
    """A Shyft stack as a conceptual model of the registry (same interface as the GR models)."""

    name: str
    description: str
    stack: ShyftStack
    parameters: tuple[Parameter, ...]
    environment: str = "shyft"
    _cells: dict[int, _Cell] = field(default_factory=dict, compare=False, repr=False)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(parameter.name for parameter in self.parameters)

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(self.stack.outputs)

    # ---- building ------------------------------------------------------------------------
    def _build(self, forcing: ModelForcing, streamflow_only: bool) -> _Cell:
        import shyft.hydrology as api
        import shyft.time_series as sts

        if forcing.start_date is None or forcing.cell is None:
            raise ValueError(f"{self.name}: the forcing lacks its start date or cell geometry")
        classes = _classes(self.stack)
        days = forcing.prcp_mm_per_day.size
        start = int(np.datetime64(forcing.start_date, "s").astype(np.int64))
        axis = sts.TimeAxis(start, sts.deltahours(24), days)

        def series(values: np.ndarray) -> Any:
            values = np.ascontiguousarray(values, dtype=np.float64)
            return sts.TimeSeries(
                axis, sts.DoubleVector.from_numpy(values), sts.POINT_AVERAGE_VALUE
            )

        point = api.GeoPoint(0.0, 0.0, float(forcing.cell.elevation_m))
        cells = api.GeoCellDataVector()
        land = api.LandTypeFractions(0.0, 0.0, 0.0, 0.0, 1.0)
        cells.append(api.GeoCellData(point, float(forcing.cell.area_m2), 0, 1.0, land))
        parameter = getattr(classes, f"{self.stack.prefix}Parameter")()
        model = getattr(classes, f"{self.stack.prefix}Model")(cells, parameter)
        model.ncore = 1
        environment = api.ARegionEnvironment()
        sources = {
            "temperature": (api.TemperatureSource, forcing.tmean_degc),
            "precipitation": (api.PrecipitationSource, forcing.prcp_mm_per_day / MM_PER_HOUR),
            "radiation": (api.RadiationSource, forcing.radiation_w_per_m2),
            "rel_hum": (api.RelHumSource, forcing.relative_humidity),
            "wind_speed": (api.WindSpeedSource, np.full(days, WIND_SPEED_M_PER_S)),
        }
        for name, (source, values) in sources.items():
            vector = getattr(api, f"{source.__name__}Vector")([source(point, series(values))])
            setattr(environment, name, vector)
        if not model.set_cell_environment(axis, environment) or not model.is_cell_env_ts_ok():
            raise ValueError(f"{self.name}: Shyft refused the forcing of the cell (not finite?)")
        self._set_states(model, None)
        defaults = [parameter.get(i) for i in range(parameter.size())]
        if streamflow_only:
            model = model.create_opt_model_clone()
            model.ncore = 1
        else:
            model.set_state_collection(-1, True)
        return _Cell(forcing, model, defaults)

    def _calibration_cell(self, forcing: ModelForcing) -> _Cell:
        cell = self._cells.get(id(forcing))
        if cell is None or cell.forcing is not forcing:  # the cache holds the forcing: no id reuse
            if len(self._cells) >= MAX_CACHED_CELLS:
                self._cells.clear()
            cell = self._cells[id(forcing)] = self._build(forcing, streamflow_only=True)
        return cell

    def _set_states(self, model: Any, states: Any) -> None:
        classes = _classes(self.stack)
        if states is None:
            states = getattr(classes, f"{self.stack.prefix}StateVector")()
            states.append(getattr(classes, f"{self.stack.prefix}State")())
        model.set_states(states)
        model.initial_state = states

    def _parameter(self, cell: _Cell, values: np.ndarray) -> Any:
        classes = _classes(self.stack)
        parameter = getattr(classes, f"{self.stack.prefix}Parameter")()
        full = list(cell.defaults)
        names = [parameter.get_name(i) for i in range(parameter.size())]
        if unknown := [name for name in self.parameter_names if name not in names]:
            raise ValueError(f"{self.name}: this Shyft has no parameter(s) {unknown}: {names}")
        for name, value in zip(self.parameter_names, values, strict=True):
            full[names.index(name)] = float(value)
        parameter.set(full)
        return parameter

    # ---- the conceptual-model interface ----------------------------------------------------
    def run(
        self, values: np.ndarray, forcing: ModelForcing, states: Any = None
    ) -> tuple[dict[str, np.ndarray], Any]:
        """Daily outputs (the store variables of ``stack.outputs``) of a run from ``states``
        (None: Shyft's default start states) and the end states (Shyft's state vector)."""
        cell = self._build(forcing, streamflow_only=False)
        model = cell.model
        model.set_region_parameter(self._parameter(cell, values))
        self._set_states(model, states)
        model.run_cells()
        area = float(forcing.cell.area_m2)
        outputs = {}
        for variable, (path, factor) in self.stack.outputs.items():
            outputs[variable] = _read(model, path, factor, area)
        return outputs, model.current_state

    def streamflow(self, values: np.ndarray, forcing: ModelForcing) -> np.ndarray:
        """Simulated streamflow (mm/day) from the start states, without collecting the other
        responses (calibration)."""
        cell = self._calibration_cell(forcing)
        model = cell.model
        model.set_region_parameter(self._parameter(cell, values))
        model.revert_to_initial_state()
        model.run_cells()
        return _read(model, "statistics.discharge", M3_PER_S, float(forcing.cell.area_m2))


def _read(model: Any, path: str, factor: float, area_m2: float) -> np.ndarray:
    path, _, kind = path.partition(":")
    target: Any = model
    for attribute in path.split("."):
        target = getattr(target, attribute)
    values = np.asarray(target([0]).values.to_numpy(), dtype=np.float64)
    if kind == "state":
        values = values[1:]  # the state at the end of each day
    if factor == M3_PER_S:
        return values * SECONDS_PER_DAY / area_m2 * 1000.0
    return values * factor


PT_GS_K = ShyftStack(
    module="pt_gs_k",
    prefix="PTGSK",
    outputs={
        "streamflow_mm_per_day": ("statistics.discharge", M3_PER_S),
        "swe_mm": ("gamma_snow_response.swe", 1.0),
        "snow_covered_area": ("gamma_snow_response.sca", 1.0),
        "actual_et_mm_per_day": ("actual_evaptranspiration_response.output", MM_PER_HOUR),
        "pet_mm_per_day": ("priestley_taylor_response.output", MM_PER_HOUR),
    },
)
PT_ST_HBV = ShyftStack(
    module="pt_st_hbv",
    prefix="PTSTHBV",
    outputs={
        "streamflow_mm_per_day": ("statistics.discharge", M3_PER_S),
        "swe_mm": ("snow_tiles_response.swe", 1.0),
        "snow_covered_area": ("snow_tiles_response.sca", 1.0),
        "actual_et_mm_per_day": ("soil_response.soil_ae", MM_PER_HOUR),
        "soil_moisture_mm": ("soil_state.sm:state", 1.0),
    },
)

SHYFT_MODELS: Mapping[str, ShyftModel] = {
    "shyft_pt_gs_k": ShyftModel(
        name="shyft_pt_gs_k",
        description="Shyft PT-GS-K: Priestley-Taylor, gamma snow, Kirchner response",
        stack=PT_GS_K,
        parameters=(
            # Kirchner's ranges of Shyft's own calibration configs (Nea, Budhi Gandaki)
            Parameter("kirchner.c1", -8.0, 0.0, "1", "Kirchner ln g(Q) intercept"),
            Parameter("kirchner.c2", -1.0, 1.2, "1", "Kirchner ln g(Q) slope"),
            Parameter("kirchner.c3", -0.15, -0.05, "1", "Kirchner ln g(Q) curvature"),
            # evaporation is limited by the response's water level, PET x (1 - exp(-3 q / s)):
            # arid basins need a small s to evaporate what falls (0.5-2.5: NSE -43 in 09447800)
            Parameter("ae.ae_scale_factor", 0.001, 3.0, "mm h-1", "evaporation scale", log=True),
            Parameter("gs.tx", -3.0, 2.0, "degC", "snow/rain threshold temperature"),
            Parameter("gs.wind_scale", 1.0, 6.0, "s m-1", "turbulent heat transfer with wind"),
            Parameter("gs.fast_albedo_decay_rate", 5.0, 15.0, "day", "albedo decay, melting"),
            Parameter("p_corr.scale_factor", 0.7, 1.5, "1", "precipitation correction"),
        ),
    ),
    "shyft_pt_st_hbv": ShyftModel(
        name="shyft_pt_st_hbv",
        description="Shyft PT-ST-HBV: Priestley-Taylor, snow tiles, HBV soil and tanks",
        stack=PT_ST_HBV,
        parameters=(
            # fc, kuz0 and klz widened below after sample calibrations stopped at 50 mm, 0.001
            # and 0.0005 h-1 (arid soils hold little; humid baseflow recedes over months)
            Parameter("soil.fc", 20.0, 1000.0, "mm", "soil field capacity", log=True),
            Parameter("soil.beta", 1.0, 6.0, "1", "soil recharge shape"),
            Parameter("soil.lpdel", 0.3, 1.0, "1", "fraction of fc without ET limitation"),
            Parameter("tank.kuz0", 0.0002, 0.1, "h-1", "upper tank fast recession", log=True),
            Parameter("tank.kuz1", 0.005, 0.3, "h-1", "upper tank recession", log=True),
            Parameter("tank.klz", 0.0001, 0.1, "h-1", "lower tank recession", log=True),
            Parameter("tank.perc", 0.01, 1.0, "mm h-1", "percolation to the lower tank", log=True),
            Parameter("st.tx", -3.0, 2.0, "degC", "snow/rain threshold temperature"),
            Parameter("st.cx", 1.0, 10.0, "mm degC-1 day-1", "degree-day melt factor"),
            Parameter("p_corr.scale_factor", 0.7, 1.5, "1", "precipitation correction"),
        ),
    ),
}

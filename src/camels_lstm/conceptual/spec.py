"""What the workflow plan and the config checks need to know about conceptual experiments,
without importing the models (``hydrogr``, numba): which experiments are conceptual, their
outputs, and the ``<conceptual experiment>.<output>`` inputs of hybrid LSTMs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Output name (config: ``<conceptual experiment>.<output>``) -> store variable and CF attributes.
CONCEPTUAL_OUTPUTS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "streamflow": (
        "streamflow_mm_per_day",
        {"units": "mm/day", "long_name": "simulated streamflow per basin area"},
    ),
    "swe": (
        "swe_mm",
        {
            "units": "mm",
            "long_name": "simulated snow water equivalent",
            "standard_name": "lwe_thickness_of_surface_snow_amount",
        },
    ),
    "liquid_water": (
        "liquid_water_mm_per_day",
        {"units": "mm/day", "long_name": "rainfall plus snowmelt reaching the soil"},
    ),
    "snow_thermal_state": (
        "snow_thermal_state_degc",
        {"units": "degC", "long_name": "thermal state of the snow pack (CemaNeige eTG)"},
    ),
    "pet": (
        "pet_mm_per_day",
        {"units": "mm/day", "long_name": "potential evapotranspiration"},
    ),
    "snow_covered_area": (
        "snow_covered_area",
        {"units": "1", "long_name": "fraction of the basin covered by snow (Shyft)"},
    ),
    "actual_et": (
        "actual_et_mm_per_day",
        {"units": "mm/day", "long_name": "actual evapotranspiration (Shyft)"},
    ),
    "soil_moisture": (
        "soil_moisture_mm",
        {"units": "mm", "long_name": "HBV soil moisture at the end of the day (Shyft)"},
    ),
}

_GR_OUTPUTS = ("streamflow", "swe", "liquid_water", "snow_thermal_state", "pet")
# The outputs each model of the registry (camels_lstm.conceptual.models.CONCEPTUAL_MODELS)
# writes into its simulation store; a test checks them against the models.
MODEL_OUTPUTS: Mapping[str, tuple[str, ...]] = {
    "gr4j_cemaneige": _GR_OUTPUTS,
    "gr6j_cemaneige": _GR_OUTPUTS,
    "shyft_pt_gs_k": ("streamflow", "swe", "snow_covered_area", "actual_et", "pet"),
    "shyft_pt_st_hbv": (
        "streamflow",
        "swe",
        "snow_covered_area",
        "actual_et",
        "soil_moisture",
        "pet",
    ),
}
# Models that run in Shyft's own environment (camels_lstm.conceptual.shyft_env).
SHYFT_MODEL_NAMES = ("shyft_pt_gs_k", "shyft_pt_st_hbv")


def shyft_experiments(experiments: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The (validated) experiments of a Shyft model."""
    return [
        name for name, settings in experiments.items() if settings.get("model") in SHYFT_MODEL_NAMES
    ]


def readers_of(experiments: Mapping[str, Mapping[str, Any]], sources: Sequence[str]) -> list[str]:
    """The (LSTM) experiments with an input from one of the conceptual experiments ``sources``."""
    return [
        name
        for name, settings in experiments.items()
        if set(hybrid_sources(settings.get("dynamic_inputs", []))) & set(sources)
    ]


def is_conceptual(settings: Mapping[str, Any]) -> bool:
    """Whether a (validated) experiment is conceptual: only those have ``calibration``."""
    return "calibration" in settings


def hybrid_input(name: str) -> tuple[str, str] | None:
    """(conceptual experiment, output) of a dynamic input ``<experiment>.<output>``, or None
    for a forcing variable."""
    experiment, dot, output = name.partition(".")
    return (experiment, output) if dot else None


def hybrid_sources(dynamic_inputs: Sequence[str]) -> list[str]:
    """The conceptual experiments whose outputs ``dynamic_inputs`` name, in first-use order."""
    sources: list[str] = []
    for name in dynamic_inputs:
        parsed = hybrid_input(name)
        if parsed and parsed[0] not in sources:
            sources.append(parsed[0])
    return sources


def check_hybrid_inputs(experiments: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Problems of the hybrid inputs of LSTM experiments, each naming its config key: an
    unknown conceptual experiment or output."""
    problems = []
    conceptual = [name for name, settings in experiments.items() if is_conceptual(settings)]
    for name, settings in experiments.items():
        if is_conceptual(settings):
            continue
        for position, value in enumerate(settings["dynamic_inputs"]):
            parsed = hybrid_input(value)
            if parsed is None:
                continue
            source, output = parsed
            key = f"experiments.{name}.dynamic_inputs[{position}]"
            if source not in conceptual:
                problems.append(
                    f"config key '{key}': {value!r} names {source!r}, which is not a configured "
                    f"conceptual experiment (configured: {conceptual or 'none'})"
                )
            elif output not in MODEL_OUTPUTS.get(experiments[source].get("model"), ()):
                model = experiments[source].get("model")
                valid = MODEL_OUTPUTS.get(model, ())
                problems.append(
                    f"config key '{key}': {value!r}: {source} ({model}) has no output "
                    f"{output!r}; its outputs: {', '.join(valid) or 'none'}"
                )
    return problems


def check_model_names(experiments: Any, definitions: Mapping[str, Any]) -> list[str]:
    """Experiments whose ``model`` is neither an LSTM nor a conceptual model of the schema's
    ``definitions`` (checked before the schema, whose if/then/else would report such a model
    as a mismatch of the LSTM keys)."""
    lstm = definitions["lstm_experiment"]["properties"]["model"]["enum"]
    conceptual = definitions["conceptual_experiment"]["properties"]["model"]["enum"]
    problems = []
    for name, settings in (experiments if isinstance(experiments, Mapping) else {}).items():
        model = settings.get("model") if isinstance(settings, Mapping) else None
        if model is not None and model not in (*lstm, *conceptual):
            problems.append(
                f"config key 'experiments.{name}.model': unknown model {model!r}; LSTM models: "
                f"{', '.join(lstm)}; conceptual models: {', '.join(conceptual)}"
            )
    return problems

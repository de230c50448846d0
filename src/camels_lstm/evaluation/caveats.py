"""One sentence per experiment where its run is too small to show what the experiment is for
(the ``caveat`` column of ``results/summary.csv`` and the report's summary table); empty where
nothing limits it. Pure: the settings, the run's basin count and the snowy basins in, text out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from camels_lstm.training.sequence_training import window_stride

# A regional model of fewer basins has little more to learn from than one model per basin
# (the gain HESS 2019 shows is on 531 basins); camels_lstm.evaluation.contrast says the same.
FEW_BASINS_FOR_REGIONAL = 100
# Basins per fold for an ungauged estimate that says something (WRR 2019: 531 in 12 folds, 44).
MIN_BASINS_PER_FOLD = 5
# A basin is snowy when at least this fraction of its precipitation falls as snow (frac_snow).
SNOWY_FRAC_SNOW = 0.3
MIN_SNOWY_BASINS = 3
# Passes over the training days below which a model is trained for fewer epochs than its test
# needs (the papers: 30 epochs of every training day).
MIN_TRAINING_PASSES = 10
SNOW_INPUT_SUFFIXES = (".swe",)


def training_passes(settings: Mapping[str, Any]) -> float:
    """How often an epoch schedule shows the model each training day: epochs × N / stride
    (N = ``predict_last_n``; the stride defaults to N, so 1 pass per epoch)."""
    return (
        float(settings["epochs"]) * int(settings.get("predict_last_n", 1)) / window_stride(settings)
    )


def _ungauged(settings: Mapping[str, Any], n_basins: int) -> str:
    folds = int(settings["folds"])
    if n_basins >= folds * MIN_BASINS_PER_FOLD:
        return ""
    per_fold = n_basins / folds
    return (
        f"{n_basins} basins in {folds} folds ({per_fold:.1f} predicted per fold model, each "
        f"trained on about {n_basins - per_fold:.0f}): too few for an ungauged estimate, which "
        f"needs at least {MIN_BASINS_PER_FOLD} basins per fold (WRR 2019: 531 basins, 12 folds)"
    )


def _regional(settings: Mapping[str, Any], n_basins: int) -> str:
    if "epochs" not in settings or n_basins >= FEW_BASINS_FOR_REGIONAL:  # LSTMs only
        return ""
    return (
        f"one LSTM for only {n_basins} basins: too few to show what a regional model gains over "
        f"one per basin (HESS 2019: 531 basins)"
    )


def _epochs(settings: Mapping[str, Any]) -> str:
    if "epochs" not in settings:  # conceptual models are calibrated, not trained
        return ""
    passes = training_passes(settings)
    if passes >= MIN_TRAINING_PASSES:
        return ""
    return (
        f"trained for {passes:g} pass(es) over its training days, fewer than the "
        f"{MIN_TRAINING_PASSES} its test skill needs (the papers: 30 epochs)"
    )


def experiment_caveat(
    settings: Mapping[str, Any], n_basins: int, snowy_basins: Sequence[str] | None = None
) -> str:
    """The caveats of one experiment (``settings`` as validated) in a run of ``n_basins``,
    joined with '; '. ``snowy_basins``: None where the run's frac_snow is unknown (no snow
    caveat then)."""
    scope = settings.get("scope")
    if scope == "finetune":
        # a few epochs on top of its base by design: only the base's size limits it
        base = _regional(settings, n_basins)
        found = [f"finetuned from {settings.get('base')}, {base}" if base else ""]
    else:
        found = [_epochs(settings)]
        if scope == "ungauged":
            found.insert(0, _ungauged(settings, n_basins))
        elif scope != "per_basin":
            found.insert(0, _regional(settings, n_basins))
    inputs = settings.get("dynamic_inputs") or []
    snow_input = any(str(name).endswith(SNOW_INPUT_SUFFIXES) for name in inputs)
    if snow_input and snowy_basins is not None and len(snowy_basins) < MIN_SNOWY_BASINS:
        found.append(
            f"{len(snowy_basins)} snowy basin(s) (frac_snow >= {SNOWY_FRAC_SNOW}) in the run: "
            f"too few to say what its snow input adds (at least {MIN_SNOWY_BASINS})"
        )
    return "; ".join(part for part in found if part)


def snowy(frac_snow: Mapping[str, float]) -> list[str]:
    """Basins whose fraction of precipitation falling as snow is at least SNOWY_FRAC_SNOW."""
    return sorted(basin for basin, value in frac_snow.items() if value >= SNOWY_FRAC_SNOW)


def read_snowy_basins(attributes_path: str, basins: Sequence[str]) -> list[str] | None:
    """The snowy basins among ``basins`` from the run's static-attributes file (raw
    ``frac_snow``); None where the run did not keep frac_snow among its attributes."""
    import xarray as xr

    with xr.open_dataset(attributes_path) as attributes:
        if "frac_snow" not in attributes["attribute"].values.tolist():
            return None
        values = attributes["raw"].sel(attribute="frac_snow").to_series()
    values.index = values.index.astype(str)
    return snowy({basin: float(values[basin]) for basin in basins if basin in values.index})

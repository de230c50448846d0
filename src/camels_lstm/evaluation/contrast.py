"""What the NSE CDF of a run shows, in one sentence for its report caption: per model family (a
conceptual model, the LSTM), what going from one model per basin to one model for all basins does
to the median test NSE, and what conceptual-model inputs do to the regional LSTM. Kept apart
from the figure (no matplotlib) because the workflow plan builds the roles at start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from camels_lstm.evaluation.caveats import FEW_BASINS_FOR_REGIONAL

if TYPE_CHECKING:
    from camels_lstm.plots.nse_cdf import CdfCurve


# Fewer basins than this, and a regional LSTM behind the per-basin one: the caption says that the
# run is too small to show what one model for all basins gains (Kratzert et al. 2019 show it on
# 531 basins; this workflow's CPU run of config/camels_us_531_cpu_paper.yaml: median 0.738).
TOO_FEW_BASINS = (
    "with only {n} basins the regional LSTM has little more to learn from than each per-basin "
    "model, so this run is too small to show the gain of one model for all basins that Kratzert "
    "et al. (2019) found on 531 basins (config/camels_us_531_cpu_paper.yaml reproduces it: median "
    "test NSE 0.738)"
)


@dataclass(frozen=True)
class ExperimentRole:
    """What the CDF's caption needs of an experiment: its scope, its model family (a conceptual
    model, or the LSTM) and what sets it apart from a plain one: tuned, and/or with
    conceptual-model inputs (empty for a plain experiment)."""

    scope: str
    family: str
    variant: str = ""

    @property
    def plain(self) -> bool:
        return not self.variant


def experiment_role(settings: Mapping[str, Any]) -> ExperimentRole:
    """The :class:`ExperimentRole` of a validated experiment's settings."""
    from camels_lstm.conceptual.spec import hybrid_sources, is_conceptual

    conceptual = is_conceptual(settings)
    sources = hybrid_sources(settings.get("dynamic_inputs") or ())
    variants = ["tuned"] if settings.get("search_space") else []
    if sources:
        variants.append(f"with inputs from {', '.join(sources)}")
    return ExperimentRole(
        scope=str(settings["scope"]),
        family=f"conceptual model {settings['model']}" if conceptual else "LSTM",
        variant=", ".join(variants),
    )


def scope_pairs(roles: Mapping[str, ExperimentRole]) -> list[tuple[str, str, str]]:
    """(family, per-basin experiment, regional experiment): the first plain experiment of each
    scope, for every model family that has both; conceptual models first."""
    firsts: dict[str, dict[str, str]] = {}
    for name, role in roles.items():
        if role.plain:
            firsts.setdefault(role.family, {}).setdefault(role.scope, name)
    pairs = [
        (family, scopes["per_basin"], scopes["regional"])
        for family, scopes in firsts.items()
        if {"per_basin", "regional"} <= scopes.keys()
    ]
    return sorted(pairs, key=lambda pair: pair[0] == "LSTM")


def scope_contrast_sentence(
    curves: Mapping[str, CdfCurve], roles: Mapping[str, ExperimentRole]
) -> str:
    """What the CDF shows, from this run's medians: per model family, the median test NSE of its
    per-basin and of its regional experiment and the change between them; then each regional
    LSTM with conceptual-model inputs (hybrid) against the plain regional LSTM."""
    if not curves:
        return "No experiment has a basin with a valid test NSE."
    n_basins = len(next(iter(curves.values())).basins)
    parts = []
    pairs = [pair for pair in scope_pairs(roles) if set(pair[1:]) <= curves.keys()]
    for family, per_basin, regional in pairs:
        local, pooled = curves[per_basin].median, curves[regional].median
        change = "gains" if pooled > local else "loses"
        parts.append(
            f"the {family} {change} {abs(pooled - local):.2f} going from one model per basin "
            f"({per_basin}, median test NSE {local:.2f}) to one model for all basins "
            f"({regional}, {pooled:.2f})"
        )
        if family == "LSTM" and pooled <= local and n_basins < FEW_BASINS_FOR_REGIONAL:
            parts[-1] += f": {TOO_FEW_BASINS.format(n=n_basins)}"
    lstm_regional = next(
        (
            name
            for name, role in roles.items()
            if role.plain and role.family == "LSTM" and role.scope == "regional" and name in curves
        ),
        None,
    )
    for name, role in roles.items():
        hybrid = role.family == "LSTM" and role.scope == "regional" and not role.plain
        if hybrid and name in curves and lstm_regional is not None:
            parts.append(
                f"{name} (the regional LSTM {role.variant}) reaches "
                f"{curves[name].median:.2f} against {curves[lstm_regional].median:.2f} "
                f"of {lstm_regional}"
            )
    if not parts:
        medians = ", ".join(f"{name} {curve.median:.2f}" for name, curve in curves.items())
        return f"Median test NSE over the {n_basins} shared basins: {medians}."
    return f"Over the {n_basins} basins shared by all experiments, {'; '.join(parts)}."

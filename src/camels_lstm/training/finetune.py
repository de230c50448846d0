"""Finetuning (``scope: finetune``, ``base: <regional experiment>``): one model per basin that
starts from the weights of the base's model of the same seed, trains only the ``trainable``
parameters (name prefixes of the state dict, e.g. ``head``; all when absent) with its own
learning rate and epochs, and normalises with the base's scalers (so the weights mean what they
meant in the base)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the config check imports this module: no torch there
    from torch import nn

    from camels_lstm.training.scalers import Scalers

FINETUNE = "finetune"
# Settings that shape the network or its inputs: a finetuned model takes the base's.
ARCHITECTURE_KEYS = (
    "model",
    "dynamic_inputs",
    "static_attributes",
    "hidden_size",
    "num_layers",
    "dropout",
    "initial_forget_bias",
    "seq_length",
)


def inherit_base_settings(experiments: Mapping[str, Any] | None) -> list[str]:
    """Fill each finetune experiment's architecture keys from its base, in place (before the
    schema's defaults); problems name the config key: a base that is not an untuned regional
    LSTM experiment, an architecture key that differs from the base's, ``base`` or
    ``trainable`` outside ``scope: finetune``."""
    problems: list[str] = []
    for name, settings in (experiments or {}).items():
        if not isinstance(settings, dict):
            continue
        key = f"config key 'experiments.{name}"
        if settings.get("scope") != FINETUNE:
            given = [k for k in ("base", "trainable") if k in settings]
            if given:
                problems.append(f"{key}': {given} apply to scope finetune only")
            continue
        base = (experiments or {}).get(settings.get("base"))
        if not (
            isinstance(base, dict)
            and base.get("scope") == "regional"
            and "dynamic_inputs" in base  # an LSTM (required there; no conceptual model has it)
            and not base.get("search_space")
        ):
            problems.append(
                f"{key}.base': {settings.get('base')!r} is not an untuned regional LSTM "
                "experiment of the config"
            )
            continue
        if settings.get("search_space"):
            problems.append(f"{key}.search_space': finetune experiments are not tuned")
        for one in ARCHITECTURE_KEYS:
            if one in settings and settings[one] != base.get(one, settings[one]):
                problems.append(f"{key}.{one}': differs from the base's; it is taken from there")
            elif one in base:
                settings[one] = copy.deepcopy(base[one])
            elif one in settings:
                problems.append(f"{key}.{one}': taken from the base, which leaves it default")
    return problems


def check_finetune_seeds(experiments: Mapping[str, Any]) -> list[str]:
    """After the defaults: each seed of a finetune experiment starts from the base's model of
    that seed, so it must be one of the base's seeds."""
    return [
        f"config key 'experiments.{name}.seeds': {missing} not among the seeds of its base "
        f"{settings['base']!r} ({experiments[settings['base']]['seeds']})"
        for name, settings in experiments.items()
        if settings.get("scope") == FINETUNE
        for missing in [
            [s for s in settings["seeds"] if s not in experiments[settings["base"]]["seeds"]]
        ]
        if missing
    ]


def base_scalers(scalers: Scalers, basins: Sequence[str]) -> Scalers:
    """The base model's scalers for some of its basins (their static rows and streamflow std)."""
    unknown = [basin for basin in basins if basin not in scalers.basins]
    if unknown:
        raise ValueError(f"basin(s) {unknown} are not among the base model's basins")
    rows = [scalers.basins.index(basin) for basin in basins]
    return dataclasses.replace(
        scalers,
        basins=tuple(basins),
        static_values=scalers.static_values[rows],
        streamflow_std_per_basin=scalers.streamflow_std_per_basin[rows],
    )


def freeze_all_but(model: nn.Module, trainable: Sequence[str] | None) -> list[str]:
    """Freeze every parameter whose name starts with none of ``trainable`` (None: train all);
    return the names left trainable. An unknown prefix is an error listing the names."""
    names = [name for name, _ in model.named_parameters()]
    if trainable is None:
        return names
    unknown = [p for p in trainable if not any(n.startswith(p) for n in names)]
    if unknown:
        raise ValueError(f"trainable {unknown} match no parameter; parameters: {names}")
    kept = []
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(any(name.startswith(prefix) for prefix in trainable))
        if parameter.requires_grad:
            kept.append(name)
    return kept

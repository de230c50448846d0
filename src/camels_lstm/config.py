"""Validate the workflow configuration and fill its defaults.

The JSON schema (``workflow/schemas/config.schema.yaml``) checks keys and types; the checks a
schema cannot express (period order, basin ids against the CAMELS gauge list, attribute names,
experiment attribute subsets) follow here. Every error names the config key or value at fault.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from camels_lstm.conceptual.spec import check_hybrid_inputs, check_model_names, is_conceptual
from camels_lstm.data.catalogue import ATTRIBUTE_NAMES, known_gauge_ids
from camels_lstm.learning_curves.design import LearningCurveError, cell_experiment, check_study
from camels_lstm.training.finetune import check_finetune_seeds, inherit_base_settings
from camels_lstm.training.folds import check_fold_settings
from camels_lstm.training.sequence_training import sequence_training_problems

PERIOD_NAMES = ("train", "validation", "test")
# Pairs of periods that must not share a day unless listed in the config key
# allow_period_overlap (schema enum), each with what an overlap would do to the results.
PERIOD_PAIRS: dict[str, str] = {
    "train/validation": (
        "validation scores (early stopping, tuning) would be computed on training days"
    ),
    "train/test": "the test metrics would score the models on days they were trained on",
    "validation/test": "settings chosen on the validation period would be tuned to test days",
}


class ConfigError(ValueError):
    """The configuration is invalid; the message names the key or value at fault."""


def _raise_all(problems: Sequence[str]) -> None:
    if problems:
        raise ConfigError("\n".join(problems))


def load_schema(schema_path: str | Path) -> dict[str, Any]:
    with Path(schema_path).open() as handle:
        return yaml.safe_load(handle)


def _key_path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<top level>"


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref supported, got {ref}")
        node: Any = root
        for part in ref[2:].split("/"):
            node = node[part]
        schema = node
    return schema


def _allows_object(schema: Mapping[str, Any]) -> bool:
    types = schema.get("type", "object")
    return "object" in (types if isinstance(types, list) else [types])


def _branches_to_fill(
    instance: Any, schema: Mapping[str, Any], root: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """The branches whose defaults apply to ``instance``: every ``allOf`` branch, the ``then``
    or ``else`` branch of an ``if`` it matches or not, each ``anyOf`` branch it matches, and the
    ``oneOf`` branch it matches (none if it matches none or several: validation reports that)."""
    branches = list(schema.get("allOf", []))
    if "if" in schema:
        validator = jsonschema.Draft202012Validator(root)
        chosen = "then" if validator.evolve(schema=schema["if"]).is_valid(instance) else "else"
        branches += [schema[chosen]] if chosen in schema else []
    if "anyOf" in schema or "oneOf" in schema:
        validator = jsonschema.Draft202012Validator(root)

        def matching(keyword: str) -> list[Mapping[str, Any]]:
            return [
                b for b in schema.get(keyword, []) if validator.evolve(schema=b).is_valid(instance)
            ]

        branches += matching("anyOf")
        one_of = matching("oneOf")
        if len(one_of) == 1:
            branches += one_of
    return branches


def _fill_defaults(instance: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> None:
    """Fill missing properties that have a ``default``, recursing into nested objects, array
    items and the branches of ``allOf``/``anyOf``/``oneOf`` (see :func:`_branches_to_fill`).

    An object's own properties are filled first (so a defaulted discriminator counts), then
    its branches are chosen by validating the instance against each of them before any of
    their defaults are filled.
    """
    schema = _resolve(schema, root)
    if isinstance(instance, list) and isinstance(schema.get("items"), Mapping):
        for item in instance:
            _fill_defaults(item, schema["items"], root)
    if isinstance(instance, dict) and _allows_object(schema):
        properties = schema.get("properties", {})
        for name, subschema in properties.items():
            subschema = _resolve(subschema, root)
            if name not in instance and "default" in subschema:
                instance[name] = copy.deepcopy(subschema["default"])
            if name in instance:
                _fill_defaults(instance[name], subschema, root)
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            for name, value in instance.items():
                if name not in properties:
                    _fill_defaults(value, extra, root)
    for branch in _branches_to_fill(instance, schema, root):
        _fill_defaults(instance, branch, root)


def _property_schemas(
    instance: dict[str, Any], schema: Mapping[str, Any], root: Mapping[str, Any]
) -> tuple[dict[str, Mapping[str, Any]], Mapping[str, Any] | None]:
    """({property: schema} in schema order, own and of the applying branches; the schema of the
    other keys or None)."""
    properties: dict[str, Mapping[str, Any]] = {}
    extra = schema.get("additionalProperties")
    for part in [schema, *_branches_to_fill(instance, schema, root)]:
        part = _resolve(part, root)
        for name, subschema in part.get("properties", {}).items():
            properties.setdefault(name, subschema)
        if extra is None and isinstance(part.get("additionalProperties"), Mapping):
            extra = part["additionalProperties"]
    return properties, extra if isinstance(extra, Mapping) else None


def _canonical_order(instance: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> None:
    """Put the keys of every object with fixed properties in schema order, in place.

    Snakemake compares a job's params with those of its last run as written, so the same
    settings in another key order (a config reorganised by hand, or saved by a YAML tool that
    sorts keys) would rerun the jobs. Names the user chooses (experiments, download archives,
    search-space parameters) keep the user's order: it is the order of the plots and of the
    candidate grid.
    """
    schema = _resolve(schema, root)
    if isinstance(instance, list) and isinstance(schema.get("items"), Mapping):
        for item in instance:
            _canonical_order(item, schema["items"], root)
    if not (isinstance(instance, dict) and _allows_object(schema)):
        return
    properties, extra = _property_schemas(instance, schema, root)
    for name, value in instance.items():
        subschema = properties.get(name, extra)
        if subschema is not None:
            _canonical_order(value, subschema, root)
    if properties:
        known = [name for name in properties if name in instance]
        ordered = known + sorted(name for name in instance if name not in properties)
        items = [(name, instance[name]) for name in ordered]
        instance.clear()
        instance.update(items)


def _check_schema(config: dict[str, Any], schema: Mapping[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda error: list(error.absolute_path))
    if errors:
        lines = [f"config key '{_key_path(e.absolute_path)}': {e.message}" for e in errors]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines))


def _parse_date(value: str, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ConfigError(f"config key '{key}': {value!r} is not a valid date ({error})") from None


def _check_periods(
    periods: Mapping[str, Mapping[str, str]], allowed_overlaps: Sequence[str] = ()
) -> None:
    """Each period ends after it starts, and no two share a day unless their pair (a key of
    :data:`PERIOD_PAIRS`) is in ``allowed_overlaps`` (config key ``allow_period_overlap``)."""
    bounds: dict[str, tuple[dt.date, dt.date]] = {}
    for name in PERIOD_NAMES:
        start = _parse_date(periods[name]["start"], f"periods.{name}.start")
        end = _parse_date(periods[name]["end"], f"periods.{name}.end")
        if end < start:
            raise ConfigError(f"config key 'periods.{name}': end {end} is before start {start}")
        bounds[name] = (start, end)
    problems: dict[str, str] = {}
    for pair, consequence in PERIOD_PAIRS.items():
        first, second = pair.split("/")
        (a_start, a_end), (b_start, b_end) = bounds[first], bounds[second]
        shared_start, shared_end = max(a_start, b_start), min(a_end, b_end)
        if pair in allowed_overlaps or shared_start > shared_end:
            continue
        relation = "they overlap"
        if (a_start, a_end) == (b_start, b_end):
            relation = "they are the same period"
        elif a_start <= b_start and b_end <= a_end:
            relation = f"the {second} period lies inside the {first} period"
        elif b_start <= a_start and a_end <= b_end:
            relation = f"the {first} period lies inside the {second} period"
        problems[pair] = (
            f"'periods.{first}' ({a_start}..{a_end}) and 'periods.{second}' ({b_start}..{b_end}): "
            f"{relation}, sharing {shared_start}..{shared_end} "
            f"({(shared_end - shared_start).days + 1} days); {consequence}"
        )
    if problems:
        raise ConfigError(
            "config key 'periods': periods overlap:\n  "
            + "\n  ".join(problems.values())
            + "\n  Move them apart, or allow it explicitly with the config key "
            + f"'allow_period_overlap: [{', '.join(problems)}]' "
            + "(workflow/schemas/config.schema.yaml)"
        )


def read_basin_list(path: str | Path, source: str = "config key 'basins'") -> list[str]:
    """Gauge ids, one per line ('#' comments, blank lines, a leading byte-order mark ignored)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{source}: basin list file {path} does not exist")
    basins: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not (len(line) == 8 and line.isdigit()):
            raise ConfigError(
                f"{source}: {path} line {number}: {line!r} is not an 8-digit gauge id"
            )
        basins.append(line)
    if not basins:
        raise ConfigError(f"{source}: {path} lists no basins")
    duplicates = sorted({b for b in basins if basins.count(b) > 1})
    if duplicates:
        raise ConfigError(f"{source}: {path} lists {duplicates} more than once")
    unknown = [b for b in basins if b not in known_gauge_ids()]
    if unknown:
        raise ConfigError(
            f"{source}: {path} lists unknown basin id(s) {unknown}: "
            "not among the 671 CAMELS US gauges"
        )
    return basins


def _check_attributes(config: Mapping[str, Any]) -> None:
    unknown = [a for a in config["static_attributes"] if a not in ATTRIBUTE_NAMES]
    if unknown:
        raise ConfigError(
            f"config key 'static_attributes': unknown attribute(s) {unknown}; "
            f"valid names: {', '.join(sorted(ATTRIBUTE_NAMES))}"
        )
    available = set(config["static_attributes"])
    for name, experiment in config["experiments"].items():
        missing = [a for a in experiment.get("static_attributes", []) if a not in available]
        if missing:
            raise ConfigError(
                f"config key 'experiments.{name}.static_attributes': {missing} not listed in "
                "the top-level 'static_attributes'"
            )
        if experiment["model"] == "ealstm" and not experiment["static_attributes"]:
            raise ConfigError(
                f"config key 'experiments.{name}.model': ealstm needs static_attributes "
                "(its input gate is driven by them)"
            )


def _learning_rate_schedule(rates: Mapping[Any, Any], key: str) -> dict[int, float]:
    schedule: dict[int, float] = {}
    for epoch, rate in rates.items():
        try:
            schedule[int(epoch)] = float(rate)
        except (TypeError, ValueError):
            raise ConfigError(f"config key '{key}': epoch {epoch!r} is not an integer") from None
    return dict(sorted(schedule.items()))


def _normalise_learning_rates(config: dict[str, Any]) -> None:
    for name, experiment in config["experiments"].items():
        if is_conceptual(experiment):
            continue
        key = f"experiments.{name}.learning_rate"
        experiment["learning_rate"] = _learning_rate_schedule(experiment["learning_rate"], key)
    for name, study in config["learning_curves"].items():
        if "learning_rate" in study["overrides"]:
            key = f"learning_curves.{name}.overrides.learning_rate"
            rates = study["overrides"]["learning_rate"]
            if isinstance(rates, Mapping):
                study["overrides"]["learning_rate"] = _learning_rate_schedule(rates, key)


def _check_learning_curves(
    config: dict[str, Any], schema: Mapping[str, Any], basins: list[str]
) -> None:
    """Each study's overridden experiment is a valid experiment; its sizes, lengths, basins and
    training period can be served (camels_lstm.learning_curves.design.check_study)."""
    validator = jsonschema.Draft202012Validator(
        {"$defs": schema["$defs"], **schema["$defs"]["lstm_experiment"]}
    )
    for name, study in config["learning_curves"].items():
        # Their order never matters: sorted, so that a reordered file reruns nothing.
        study["overrides"] = dict(sorted(study["overrides"].items()))
        try:
            check_study(name, study, config["experiments"], basins, config["periods"])
        except LearningCurveError as error:
            raise ConfigError(str(error)) from None
        merged = cell_experiment(study, config["experiments"])
        errors = [
            f"'{_key_path(['learning_curves', name, 'overrides', *e.absolute_path])}': {e.message}"
            for e in validator.iter_errors(merged)
        ]
        if errors:
            raise ConfigError("config key " + "; ".join(errors))
        if study["train_period"]:
            try:
                _check_periods(
                    {**config["periods"], "train": study["train_period"]},
                    config["allow_period_overlap"],
                )
            except ConfigError as error:
                raise ConfigError(
                    f"config key 'learning_curves.{name}.train_period' (as 'periods.train'): "
                    f"{error}"
                ) from None


def _check_data_sources(config: Mapping[str, Any], basins: list[str], workdir: str | Path) -> None:
    """The configured copy or archives can serve the forcing product and periods (data section:
    :mod:`camels_lstm.data.sources`; the extracted tree is checked once it exists)."""
    from camels_lstm.data.layout import CamelsFileError
    from camels_lstm.data.sources import check_data_sources
    from camels_lstm.workflow.paths import CAMELS_EXTRACTED

    try:
        check_data_sources(config, basins, workdir, extracted=CAMELS_EXTRACTED)
    except CamelsFileError as error:
        raise ConfigError(str(error)) from None


def validate_config(
    config: dict[str, Any],
    schema_path: str | Path,
    workdir: str | Path = ".",
    check_data: bool = False,
) -> dict[str, Any]:
    """Validate ``config`` in place, fill defaults and return it.

    With ``check_data`` (the Snakefile), also refuse a forcing product or period that the
    configured CAMELS copy or archives cannot serve (:mod:`camels_lstm.data.sources`).

    Raises
    ------
    ConfigError
        Naming the key or value at fault.
    """
    schema = load_schema(schema_path)
    _raise_all(check_model_names(config.get("experiments"), schema["$defs"]))
    _raise_all(inherit_base_settings(config.get("experiments")))
    _fill_defaults(config, schema, schema)
    _check_schema(config, schema)
    _check_periods(config["periods"], config["allow_period_overlap"])
    if config["camels"]["dir"] is None and not config["camels"]["downloads"]:
        raise ConfigError(
            "config key 'camels': give either 'dir' or at least one 'downloads' entry"
        )
    _check_attributes(config)
    _raise_all(check_hybrid_inputs(config["experiments"]))
    _normalise_learning_rates(config)
    _canonical_order(config, schema, schema)
    compared = config["evaluation"]["compare"] or []
    if unknown_experiments := [name for name in compared if name not in config["experiments"]]:
        raise ConfigError(
            f"config key 'evaluation.compare': {unknown_experiments} not among the experiments "
            f"{sorted(config['experiments'])}"
        )
    basin_file = Path(config["basins"])
    if not basin_file.is_absolute():
        basin_file = Path(workdir) / basin_file
    basins = read_basin_list(basin_file)
    _raise_all(check_fold_settings(config["experiments"], len(basins)))
    _raise_all(check_finetune_seeds(config["experiments"]))
    _check_learning_curves(config, schema, basins)
    _raise_all(sequence_training_problems(config))  # learning-curve studies checked first
    if check_data:
        _check_data_sources(config, basins, workdir)
    return config

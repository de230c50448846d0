"""Every enum of the config schema is the key set of the registry in the code that acts on it.

The schema lists the allowed values once more for users and validation; this test keeps both in
step. A new enum in the schema needs an entry in ``REGISTRIES`` (or the test fails), so no list
of names can slip in that the code does not know.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from conftest import SCHEMA_PATH

from camels_lstm.config import load_schema

# Instance path of each enum ('*': any property name, '[]': any array item) -> its registry, as
# "module.NAME" (or a tuple of those where branches of the schema share a path: every enum there
# equals one of them, and each of them is some enum's); a dict's keys or a sequence's items are
# the registered names.
REGISTRIES = {
    "camels.forcing": "camels_lstm.data.catalogue.FORCING_PRODUCTS",
    # an LSTM's or a conceptual experiment's
    "experiments.*.scope": (
        "camels_lstm.workflow.paths.SCOPES",
        "camels_lstm.workflow.paths.CONCEPTUAL_SCOPES",
    ),
    # an LSTM's or a conceptual model's: each enum there is one of the two registries
    "experiments.*.model": (
        "camels_lstm.models.MODELS",
        "camels_lstm.conceptual.models.CONCEPTUAL_MODELS",
    ),
    "experiments.*.pet": "camels_lstm.conceptual.pet.PET_METHODS",
    "experiments.*.calibration.algorithm": "camels_lstm.conceptual.calibration.ALGORITHMS",
    "experiments.*.calibration.objective": "camels_lstm.conceptual.calibration.OBJECTIVES",
    "experiments.*.dynamic_inputs[]": "camels_lstm.data.camels_files.FORCING_VARIABLES",
    "experiments.*.loss": "camels_lstm.training.losses.LOSSES",
    "experiments.*.prediction": "camels_lstm.training.simulate.PREDICTION_MODES",
    "inference.*.prediction": "camels_lstm.training.simulate.PREDICTION_MODES",
    "experiments.*.optimizer": "camels_lstm.training.optimizers.OPTIMIZERS",
    "experiments.*.search_space.method": "camels_lstm.tuning.candidates.SEARCH_METHODS",
    "training.device": "camels_lstm.training.tensors.DEVICES",
    "inference.*.device": "camels_lstm.training.tensors.DEVICES",
    "training.allocator": "camels_lstm.training.allocator.MODES",
    "allow_period_overlap[]": "camels_lstm.config.PERIOD_PAIRS",
    "camels.streamflow_area": "camels_lstm.data.areas.AREA_SOURCES",
    "learning_curves.*.evaluation": "camels_lstm.learning_curves.design.EVALUATION_MODES",
    # data checks: the policies each one offers (camels_lstm.data.quality.CHECKS)
    "data_checks.date_gap": "camels_lstm.data.quality.ABSENT_VALUE_POLICIES",
    "data_checks.nan_value": "camels_lstm.data.quality.ABSENT_VALUE_POLICIES",
    "data_checks.negative_precipitation": "camels_lstm.data.quality.VALUE_POLICIES",
    "data_checks.negative_streamflow": "camels_lstm.data.quality.VALUE_POLICIES",
    "data_checks.vapour_pressure_not_positive": "camels_lstm.data.quality.VALUE_POLICIES",
    "data_checks.tmin_above_tmax": "camels_lstm.data.quality.VALUE_POLICIES",
    "data_checks.identical_series": "camels_lstm.data.quality.RECORD_POLICIES",
    "data_checks.period_not_covered": "camels_lstm.data.quality.RECORD_POLICIES",
    "data_checks.short_record": "camels_lstm.data.quality.RECORD_POLICIES",
    "data_checks.area_disagreement": "camels_lstm.data.quality.RECORD_POLICIES",
}

_SAME_PATH_LISTS = ("allOf", "anyOf", "oneOf")
_SAME_PATH_SCHEMAS = ("not", "if", "then", "else")


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def schema_enums(
    schema: Mapping[str, Any], root: Mapping[str, Any], path: str = "", refs: tuple[str, ...] = ()
) -> Iterator[tuple[str, list[Any]]]:
    """(instance path, values) of every ``enum`` reachable from ``schema``, following ``$ref``."""
    if "$ref" in schema and schema["$ref"] not in refs:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        yield from schema_enums(target, root, path, (*refs, schema["$ref"]))
    if "enum" in schema:
        yield path, list(schema["enum"])
    for name, subschema in schema.get("properties", {}).items():
        yield from schema_enums(subschema, root, _child(path, name), refs)
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if isinstance(schema.get(keyword), Mapping):
            yield from schema_enums(schema[keyword], root, _child(path, "*"), refs)
    for subschema in schema.get("patternProperties", {}).values():
        yield from schema_enums(subschema, root, _child(path, "*"), refs)
    if isinstance(schema.get("propertyNames"), Mapping):
        yield from schema_enums(schema["propertyNames"], root, f"{path}<keys>", refs)
    items = [schema["items"]] if isinstance(schema.get("items"), Mapping) else []
    for subschema in [*items, *schema.get("prefixItems", [])]:
        yield from schema_enums(subschema, root, f"{path}[]", refs)
    for keyword in _SAME_PATH_LISTS:
        for subschema in schema.get(keyword, []):
            yield from schema_enums(subschema, root, path, refs)
    for keyword in _SAME_PATH_SCHEMAS:
        if isinstance(schema.get(keyword), Mapping):
            yield from schema_enums(schema[keyword], root, path, refs)


def _registry(dotted: str) -> Any:
    module_name, _, attribute = dotted.rpartition(".")
    module = importlib.import_module(module_name)
    if not hasattr(module, attribute):
        pytest.fail(f"registry {dotted} does not exist")
    return getattr(module, attribute)


def test_walk_finds_enums_behind_refs_branches_items_and_maps() -> None:
    root = {
        "$defs": {"kind": {"enum": ["a", "b"]}},
        "properties": {
            "x": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/kind"}]},
            "m": {"additionalProperties": {"properties": {"y": {"items": {"enum": [1]}}}}},
        },
    }
    assert list(schema_enums(root, root)) == [("x", ["a", "b"]), ("m.*.y[]", [1])]


def test_every_schema_enum_equals_its_registry() -> None:
    schema = load_schema(SCHEMA_PATH)
    found = list(schema_enums(schema, schema))
    unmapped = sorted({path for path, _ in found} - set(REGISTRIES))
    assert not unmapped, (
        f"schema enum(s) at {unmapped} have no registry: add the registry the code dispatches "
        "through to REGISTRIES"
    )
    stale = sorted(set(REGISTRIES) - {path for path, _ in found})
    assert not stale, f"REGISTRIES lists {stale}, which the schema has no enum for"
    matched: set[str] = set()
    for path, values in found:
        registries = REGISTRIES[path]
        registries = (registries,) if isinstance(registries, str) else registries
        names = {dotted: sorted(_registry(dotted)) for dotted in registries}
        equal = [dotted for dotted, known in names.items() if known == sorted(values)]
        assert equal, f"schema enum at {path} is {sorted(values)}, registries have {names}"
        matched.update(equal)
    unused = [
        dotted
        for registries in REGISTRIES.values()
        if not isinstance(registries, str)
        for dotted in registries
        if dotted not in matched
    ]
    assert not unused, f"no schema enum equals registry {unused}"

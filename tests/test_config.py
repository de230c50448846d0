"""The config schema and semantic checks reject each bad config with the key at fault named."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO_ROOT, SCHEMA_PATH

from camels_lstm.config import ConfigError, _fill_defaults, read_basin_list, validate_config
from camels_lstm.data.catalogue import EALSTM_STATIC_ATTRIBUTES, known_gauge_ids


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "config" / name).read_text())


@pytest.fixture
def sample_config() -> dict[str, Any]:
    return load("config.yaml")


def check(config: dict[str, Any]) -> dict[str, Any]:
    return validate_config(config, SCHEMA_PATH, workdir=REPO_ROOT)


@pytest.mark.parametrize(
    "name", ["config.yaml", "camels_us_531.yaml", "camels_us_531_cpu_smoke.yaml"]
)
def test_shipped_configs_are_valid(name: str) -> None:
    config = check(load(name))
    assert config["experiments"]["regional"]["static_attributes"] == list(EALSTM_STATIC_ATTRIBUTES)
    assert config["periods"]["train"] == {"start": "1999-10-01", "end": "2008-09-30"}


def test_paper_config_lists_the_531_basins() -> None:
    basins = read_basin_list(REPO_ROOT / "config" / "basins_531.txt")
    assert len(basins) == 531
    assert set(basins) <= known_gauge_ids()


def test_defaults_are_filled(sample_config: dict[str, Any]) -> None:
    del sample_config["training"]
    config = check(sample_config)
    assert config["training"] == {
        "device": "auto",
        "bf16": False,
        "threads": 2,
        "allocator": "auto",
    }
    assert config["experiments"]["single_basin"]["initial_forget_bias"] == 3.0
    assert config["evaluation"]["min_observed_days"] == 365


def filled(instance: Any, schema: dict[str, Any]) -> Any:
    _fill_defaults(instance, schema, schema)
    return instance


BRANCHED = {
    "$defs": {
        "a": {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"const": "a"}, "x": {"type": "integer", "default": 1}},
        },
        "b": {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"const": "b"}, "y": {"type": "string", "default": "why"}},
        },
    },
    "type": "object",
    "properties": {
        "one": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/a"}, {"$ref": "#/$defs/b"}]},
        "any": {"anyOf": [{"$ref": "#/$defs/a"}, {"properties": {"z": {"default": 0}}}]},
        "all": {"allOf": [{"properties": {"p": {"default": 1}}}, {"$ref": "#/$defs/a"}]},
    },
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"kind": "a"}, {"kind": "a", "x": 1}),
        ({"kind": "b"}, {"kind": "b", "y": "why"}),
        ({"kind": "b", "y": "mine"}, {"kind": "b", "y": "mine"}),
        (None, None),
        ({"kind": "c"}, {"kind": "c"}),  # matches no branch: left to validation
        ({}, {}),  # matches neither required kind
    ],
)
def test_defaults_of_the_matching_one_of_branch_only(value: Any, expected: Any) -> None:
    assert filled({"one": value}, BRANCHED)["one"] == expected


def test_one_of_matching_several_branches_fills_none() -> None:
    schema = {
        "oneOf": [{"properties": {"x": {"default": 1}}}, {"properties": {"y": {"default": 2}}}]
    }
    assert filled({}, schema) == {}


def test_any_of_fills_every_matching_branch_and_all_of_every_branch() -> None:
    assert filled({"any": {"kind": "a"}}, BRANCHED)["any"] == {"kind": "a", "x": 1, "z": 0}
    assert filled({"any": {"kind": "b"}}, BRANCHED)["any"] == {"kind": "b", "z": 0}
    assert filled({"all": {"kind": "a"}}, BRANCHED)["all"] == {"kind": "a", "p": 1, "x": 1}


def test_branches_are_chosen_before_their_defaults_are_filled() -> None:
    # Filling branch 1's default first would make the instance match branch 2 as well.
    schema = {
        "anyOf": [
            {"properties": {"x": {"default": 1}}},
            {"required": ["x"], "properties": {"y": {"default": 2}}},
        ]
    }
    assert filled({}, schema) == {"x": 1}


def test_search_space_defaults_are_filled(sample_config: dict[str, Any]) -> None:
    tuned = sample_config["experiments"]["single_basin_tuned"]
    parameters = tuned["search_space"]["parameters"]
    tuned["search_space"] = {"parameters": parameters}
    sample_config["experiments"]["random"] = {
        **copy.deepcopy(tuned),
        "search_space": {"method": "random", "n_draws": 1, "parameters": parameters},
    }
    config = check(sample_config)
    experiments = config["experiments"]
    assert experiments["single_basin_tuned"]["search_space"] == {
        "method": "grid",
        "n_draws": 4,
        "seed": 0,
        "parameters": parameters,
    }
    assert experiments["random"]["search_space"] == {
        "method": "random",
        "n_draws": 1,
        "seed": 0,
        "parameters": parameters,
    }
    assert experiments["regional"]["search_space"] is None


def test_learning_rate_keys_become_sorted_ints(sample_config: dict[str, Any]) -> None:
    sample_config["experiments"]["regional"]["learning_rate"] = {"10": 1e-4, 0: 1e-3}
    config = check(sample_config)
    assert config["experiments"]["regional"]["learning_rate"] == {0: 1e-3, 10: 1e-4}


def test_unknown_top_level_key_is_named(sample_config: dict[str, Any]) -> None:
    sample_config["epochs"] = 3
    with pytest.raises(ConfigError, match=r"'epochs' was unexpected"):
        check(sample_config)


def test_unknown_nested_key_is_named_with_its_path(sample_config: dict[str, Any]) -> None:
    sample_config["experiments"]["regional"]["hiden_size"] = 32
    with pytest.raises(ConfigError) as error:
        check(sample_config)
    assert "experiments.regional" in str(error.value)
    assert "'hiden_size' was unexpected" in str(error.value)


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (("experiments", "regional", "hidden_size"), "large", "experiments.regional.hidden_size"),
        (("experiments", "single_basin", "seeds"), 0, "experiments.single_basin.seeds"),
        (("training", "bf16"), "yes", "training.bf16"),
        (("periods", "test", "start"), 19891001, "periods.test.start"),
        (("camels", "forcing"), "era5", "camels.forcing"),
        (("experiments", "regional", "model"), "transformer", "experiments.regional.model"),
    ],
)
def test_wrong_type_or_value_is_named(
    sample_config: dict[str, Any], path: tuple[str, ...], value: object, key: str
) -> None:
    node = sample_config
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(ConfigError, match=f"config key '{key}'"):
        check(sample_config)


def test_period_ending_before_it_starts_is_named(sample_config: dict[str, Any]) -> None:
    sample_config["periods"]["validation"] = {"start": "1989-09-30", "end": "1980-10-01"}
    with pytest.raises(ConfigError, match=r"'periods.validation': end 1980-10-01 is before"):
        check(sample_config)


def test_impossible_date_is_named(sample_config: dict[str, Any]) -> None:
    sample_config["periods"]["train"]["end"] = "2008-02-30"
    with pytest.raises(ConfigError, match=r"'periods.train.end': '2008-02-30'"):
        check(sample_config)


def test_test_period_overlapping_training_is_refused_naming_both(
    sample_config: dict[str, Any],
) -> None:
    sample_config["periods"]["test"] = {"start": "2005-10-01", "end": "2010-09-30"}
    with pytest.raises(ConfigError) as raised:
        check(sample_config)
    message = str(raised.value)
    assert "'periods.train' (1999-10-01..2008-09-30)" in message
    assert "'periods.test' (2005-10-01..2010-09-30)" in message
    assert "sharing 2005-10-01..2008-09-30 (1096 days)" in message
    assert "'allow_period_overlap: [train/test]'" in message
    assert "periods.validation" not in message  # only the pair at fault


def test_validation_inside_training_is_refused(sample_config: dict[str, Any]) -> None:
    sample_config["periods"]["validation"] = {"start": "2001-10-01", "end": "2003-09-30"}
    with pytest.raises(
        ConfigError, match=r"the validation period lies inside the train period"
    ) as raised:
        check(sample_config)
    assert "'periods.validation' (2001-10-01..2003-09-30)" in str(raised.value)
    assert "tuning" in str(raised.value)


def test_periods_sharing_one_day_overlap(sample_config: dict[str, Any]) -> None:
    sample_config["periods"]["test"]["end"] = "1999-10-01"  # the first training day
    with pytest.raises(ConfigError, match=r"sharing 1999-10-01..1999-10-01 \(1 days\)"):
        check(sample_config)


def test_an_allowed_overlap_passes_and_only_that_pair(sample_config: dict[str, Any]) -> None:
    sample_config["periods"]["validation"] = {"start": "2001-10-01", "end": "2003-09-30"}
    sample_config["allow_period_overlap"] = ["train/validation"]
    assert check(copy.deepcopy(sample_config))["allow_period_overlap"] == ["train/validation"]
    sample_config["periods"]["test"] = {"start": "2002-10-01", "end": "2004-09-30"}
    with pytest.raises(ConfigError) as raised:
        check(sample_config)
    assert "[train/test, validation/test]" in str(raised.value)
    assert "'periods.train' (1999-10-01..2008-09-30) and 'periods.validation'" not in str(
        raised.value
    )


def test_unknown_overlap_pair_is_named(sample_config: dict[str, Any]) -> None:
    sample_config["allow_period_overlap"] = ["train/tests"]
    with pytest.raises(ConfigError, match=r"config key 'allow_period_overlap\[0\]'"):
        check(sample_config)


def test_unknown_basin_id_is_named(sample_config: dict[str, Any], tmp_path: Path) -> None:
    basin_file = tmp_path / "basins.txt"
    basin_file.write_text("01022500\n99999999\n")
    sample_config["basins"] = str(basin_file)
    with pytest.raises(ConfigError, match=r"unknown basin id\(s\) \['99999999'\]"):
        check(sample_config)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("01022500\n1022500\n", r"line 2: '1022500' is not an 8-digit gauge id"),
        ("01022500\n01022500\n", r"lists \['01022500'\] more than once"),
        ("# only a comment\n", "lists no basins"),
    ],
)
def test_bad_basin_list_lines_are_named(
    sample_config: dict[str, Any], tmp_path: Path, content: str, message: str
) -> None:
    basin_file = tmp_path / "basins.txt"
    basin_file.write_text(content)
    sample_config["basins"] = str(basin_file)
    with pytest.raises(ConfigError, match=message):
        check(sample_config)


def test_missing_basin_file_is_named(sample_config: dict[str, Any]) -> None:
    sample_config["basins"] = "config/no_such_list.txt"
    with pytest.raises(ConfigError, match=r"basin list file .*no_such_list.txt does not exist"):
        check(sample_config)


def test_unknown_attribute_lists_valid_names(sample_config: dict[str, Any]) -> None:
    sample_config["static_attributes"] = [*sample_config["static_attributes"], "aridity_index"]
    with pytest.raises(ConfigError) as error:
        check(sample_config)
    assert "'static_attributes': unknown attribute(s) ['aridity_index']" in str(error.value)
    assert "p_mean" in str(error.value)


def test_experiment_attribute_outside_catalogue_is_named(sample_config: dict[str, Any]) -> None:
    sample_config["static_attributes"] = ["p_mean"]
    with pytest.raises(ConfigError, match=r"'experiments.regional.static_attributes'"):
        check(sample_config)


def test_ealstm_without_static_attributes_is_rejected(sample_config: dict[str, Any]) -> None:
    experiment = copy.deepcopy(sample_config["experiments"]["single_basin"])
    experiment["model"] = "ealstm"
    sample_config["experiments"]["ealstm_no_statics"] = experiment
    with pytest.raises(ConfigError, match=r"'experiments.ealstm_no_statics.model'"):
        check(sample_config)


def test_no_data_source_is_rejected(sample_config: dict[str, Any]) -> None:
    sample_config["camels"]["downloads"] = {}
    with pytest.raises(ConfigError, match=r"'camels': give either 'dir'"):
        check(sample_config)


def test_bad_checksum_format_is_named(sample_config: dict[str, Any]) -> None:
    sample_config["camels"]["downloads"]["camels_us_sample"]["sha256"] = "abc"
    with pytest.raises(ConfigError, match=r"camels.downloads.camels_us_sample.sha256"):
        check(sample_config)


def test_compared_experiment_must_exist(sample_config: dict[str, Any]) -> None:
    sample_config["evaluation"]["compare"] = ["single_basin", "regionall"]
    with pytest.raises(ConfigError, match=r"'evaluation.compare': \['regionall'\]"):
        check(sample_config)


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _reversed_keys(value[name]) for name in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(item) for item in value]
    return value


def test_key_order_of_the_config_file_does_not_change_the_settings(
    sample_config: dict[str, Any],
) -> None:
    """Snakemake compares params as written: the same settings in another key order must give
    the same params (issue 12: reorganising the config reran the download and everything)."""
    as_written = check(copy.deepcopy(sample_config))
    reordered = check(_reversed_keys(copy.deepcopy(sample_config)))
    # names the user chose keep the user's order (plots, candidate grid); all else is fixed
    assert list(reordered["experiments"]) == list(reversed(list(as_written["experiments"])))
    reordered["experiments"] = dict(reversed(list(reordered["experiments"].items())))
    assert repr(reordered) == repr(as_written)
    assert list(as_written["periods"]) == ["train", "validation", "test"]

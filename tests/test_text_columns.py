"""The vectorised byte parser: exact agreement with float()/int(), and refusal of anything else."""

from __future__ import annotations

import numpy as np
import pytest

from camels_lstm.data.text_columns import parse_decimals, split_fields


def _fields(words: list[str]) -> tuple[bytes, np.ndarray, np.ndarray]:
    data = " ".join(words).encode()
    lengths = np.array([len(w) for w in words])
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    return data, starts, starts + lengths


@pytest.mark.parametrize("decimals", [0, 1, 2, 3, 7])
def test_decimals_equal_float_bit_for_bit(decimals: int) -> None:
    rng = np.random.default_rng(decimals)
    numbers = rng.uniform(-1e6, 1e6, 3000) * 10.0 ** rng.integers(-6, 3, 3000)
    words = [f"{x:.{decimals}f}" for x in numbers] + [f"{0:.{decimals}f}", f"{-0.0:.{decimals}f}"]
    words = [w for w in words if len(w) <= 15]
    values = parse_decimals(*_fields(words))
    expected = np.array([float(w) for w in words])
    assert values is not None
    assert np.array_equal(values, expected)
    assert np.array_equal(np.signbit(values), np.signbit(expected))


def test_long_fields_use_two_words() -> None:
    words = ["123456789012.34", "-99999.99", "0.01", "-999.00"]
    assert parse_decimals(*_fields(words)).tolist() == [float(w) for w in words]
    assert parse_decimals(*_fields(["01013500", "123456789012345"]), integer=True).tolist() == [
        1013500,
        123456789012345,
    ]


@pytest.mark.parametrize(
    "words",
    [
        ["1.5", "2.25"],  # different number of decimals
        ["1.5", "2"],
        ["1e5"],
        ["nan"],
        ["1.2.3"],
        ["-"],
        ["."],
        ["-."],
        ["+1.0"],
        ["1-2"],
        ["12a"],
        ["1.123456789"],  # more than 7 decimals
        ["1234567890123456"],  # longer than 15 characters
    ],
)
def test_anything_else_is_refused(words: list[str]) -> None:
    assert parse_decimals(*_fields(words)) is None


def test_integer_mode_refuses_signs_and_points() -> None:
    assert parse_decimals(*_fields(["12", "-3"]), integer=True) is None
    assert parse_decimals(*_fields(["12", "3.0"]), integer=True) is None
    assert parse_decimals(*_fields(["12", "03"]), integer=True).tolist() == [12, 3]


def test_split_fields_rows_and_words() -> None:
    data = b"01013500 1980 01 01   655.00 A\n\n01013500\t1980 01 02 -999.00 M\r\n1 2 3 4 5.50 A:e\n"
    table = split_fields(data, 6)
    assert table is not None and table.n_rows == 3
    assert table.integers(slice(0, 4)).tolist() == [
        [1013500, 1980, 1, 1],
        [1013500, 1980, 1, 2],
        [1, 2, 3, 4],
    ]
    assert table.decimals([4])[:, 0].tolist() == [655.0, -999.0, 5.5]
    assert table.words(5, {"M": 0, "A": 1, "A:e": 2}).tolist() == [1, 0, 2]
    assert table.words(5, {"M": 0, "A": 1}) is None


@pytest.mark.parametrize(
    "data",
    [
        b"1 2 3\n4 5\n",  # short line
        b"1 2 3 4\n5 6\n",  # fields spill over lines
        b"1 2\n3 4 5 6\n",
        b"1 2 3\n4 5\x0b6\n",  # control character
        b"",
    ],
)
def test_split_fields_refuses_ragged_tables(data: bytes) -> None:
    assert split_fields(data, 3) is None

"""Vectorised parsing of whitespace-separated numeric text tables held in memory as bytes.

The CAMELS text files are millions of short decimal numbers; NumPy's and pandas' C readers spend
most of their time per field. Here a table is split into fields with a handful of whole-array
operations, and plain decimals (``-?digits[.digits]``) are converted with exact integer
arithmetic: every field becomes an integer mantissa (exact in float64 up to 15 digits) divided
once by a power of ten, which rounds exactly like ``float()``.

The fast path only accepts what it can parse exactly. Anything else (exponents, ``nan``, a line
with a different number of fields, ...) makes these functions return ``None``; callers then fall
back to a general reader, which also names the line at fault.
"""

from __future__ import annotations

import numpy as np

_SPACE, _TAB, _NEWLINE, _CR = 32, 9, 10, 13
_MINUS, _DOT, _ZERO = 45, 46, 48
# Longest field the fast path converts (at most 15 digits: exact in float64).
MAX_FIELD_WIDTH = 15
_POWERS_OF_TEN = 10.0 ** np.arange(MAX_FIELD_WIDTH + 1)
_WORD_BYTES = 8
# _KEEP_LAST[n]: two little-endian uint64 words whose last n bytes (of 16) are 0xFF
_KEEP_LAST = (
    (np.arange(2 * _WORD_BYTES) >= 2 * _WORD_BYTES - np.arange(2 * _WORD_BYTES + 1)[:, None])
    .astype(np.uint8)
    .__mul__(0xFF)
    .astype(np.uint8)
    .view("<u8")
)
_ZEROS = np.uint64(0x3030303030303030)  # eight ASCII '0'
_HIGH_BITS = np.uint64(0x8080808080808080)
_ADD_118 = np.uint64(0x7676767676767676)


class TextTable:
    """The fields of a text table: ``starts``/``ends`` byte offsets, shape (n_rows, n_fields)."""

    def __init__(self, data: bytes, starts: np.ndarray, ends: np.ndarray) -> None:
        self.data = data
        self.starts = starts
        self.ends = ends

    @property
    def n_rows(self) -> int:
        return self.starts.shape[0]

    def decimals(self, columns: slice | list[int]) -> np.ndarray | None:
        """Columns as float64, shape (n_rows, n_columns); None if a field is not a plain decimal."""
        starts, ends = self.starts[:, columns], self.ends[:, columns]
        values = parse_decimals(self.data, starts.ravel(), ends.ravel())
        return None if values is None else values.reshape(starts.shape)

    def integers(self, columns: slice | list[int]) -> np.ndarray | None:
        """Columns as int64; None if a field is not a plain (unsigned) integer."""
        starts, ends = self.starts[:, columns], self.ends[:, columns]
        values = parse_decimals(self.data, starts.ravel(), ends.ravel(), integer=True)
        return None if values is None else values.astype(np.int64).reshape(starts.shape)

    def words(self, column: int, vocabulary: dict[str, int]) -> np.ndarray | None:
        """Code of each field of ``column`` in ``vocabulary`` (int8); None if one is not in it."""
        starts, ends = self.starts[:, column], self.ends[:, column]
        width = max(len(word) for word in vocabulary)
        lengths = ends - starts
        if lengths.max(initial=0) > width:
            return None
        fields = _windows(self.data, width, after=True)[starts].view(np.uint8)
        fields = np.where(np.arange(width) < lengths[:, None], fields.reshape(-1, width), 0)
        codes = np.full(starts.shape, -1, dtype=np.int8)
        for word, code in vocabulary.items():
            pattern = np.zeros(width, dtype=np.uint8)
            pattern[: len(word)] = np.frombuffer(word.encode("ascii"), dtype=np.uint8)
            codes[(fields == pattern).all(axis=1)] = code
        return None if (codes < 0).any() else codes


def _windows(data: bytes, width: int, after: bool = False) -> np.ndarray:
    """Rows of ``width`` bytes: ``[i]`` is the ``width`` bytes before offset i (or from it)."""
    pad = np.full(width, _SPACE, dtype=np.uint8)
    raw = np.frombuffer(data, dtype=np.uint8)
    padded = np.concatenate((raw, pad) if after else (pad, raw))
    # one void item per window (a strided view, no copy): gathering rows copies ``width`` bytes
    return np.ndarray(
        shape=(raw.size + 1,), dtype=np.dtype((np.void, width)), buffer=padded, strides=(1,)
    )


def split_fields(data: bytes, n_fields: int) -> TextTable | None:
    """Split ``data`` at spaces, tabs and line ends; None unless every line has ``n_fields``.

    Blank lines are allowed (and skipped); other control characters are not.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    is_field = np.zeros(raw.size + 2, dtype=bool)
    np.greater(raw, _SPACE, out=is_field[1:-1])
    controls = np.count_nonzero(raw < _SPACE)
    if controls != sum(np.count_nonzero(raw == c) for c in (_TAB, _NEWLINE, _CR)):
        return None
    edges = np.flatnonzero(is_field[1:] != is_field[:-1])
    starts, ends = edges[0::2], edges[1::2]
    if starts.size == 0 or starts.size % n_fields:
        return None
    starts = starts.reshape(-1, n_fields)
    ends = ends.reshape(-1, n_fields)
    # each row must be one line: no line end inside a row, one between consecutive rows
    line_ends = np.flatnonzero(raw == _NEWLINE)
    first_line = np.searchsorted(line_ends, starts[:, 0])
    last_line = np.searchsorted(line_ends, starts[:, -1])
    if not (first_line == last_line).all() or not (np.diff(first_line) > 0).all():
        return None
    return TextTable(data, starts, ends)


def _eight_digits(words: np.ndarray) -> np.ndarray:
    """Integer of the 8 digit values (0-9, one per byte, first byte leading) in each uint64."""
    words *= np.uint64(10 * 2**8 + 1)
    words >>= np.uint64(8)
    words &= np.uint64(0x00FF00FF00FF00FF)
    words *= np.uint64(100 * 2**16 + 1)
    words >>= np.uint64(16)
    words &= np.uint64(0x0000FFFF0000FFFF)
    words *= np.uint64(10_000 * 2**32 + 1)
    words >>= np.uint64(32)
    return words


def _right_aligned(data: bytes, ends: np.ndarray, n_words: int) -> np.ndarray:
    """The ``8 * n_words`` bytes before each offset in ``ends`` as uint64 words, (n, n_words)."""
    width = n_words * _WORD_BYTES
    padded = np.concatenate((np.full(width, _SPACE, np.uint8), np.frombuffer(data, np.uint8)))
    if n_words == 1:
        every_offset = np.ndarray(
            shape=(padded.size - width + 1,), dtype="<u8", buffer=padded, strides=(1,)
        )
        return every_offset.take(ends)[:, None]
    windows = np.ndarray(
        shape=(padded.size - width + 1,), dtype=np.dtype((np.void, width)), buffer=padded,
        strides=(1,),
    )  # fmt: skip
    return windows.take(ends).view("<u8").reshape(-1, n_words)


def _all_digits(words: np.ndarray) -> bool:
    """Whether every byte of every word is a digit value 0-9."""
    if (words & _HIGH_BITS).any():
        return False
    return not ((words + _ADD_118) & _HIGH_BITS).any()  # a byte >= 10 reaches 128


def parse_decimals(
    data: bytes, starts: np.ndarray, ends: np.ndarray, integer: bool = False
) -> np.ndarray | None:
    """The fields ``data[starts[i]:ends[i]]`` as float64, or None unless all are plain decimals.

    Plain decimals are ``-?D*.D{p}`` with the same 0 <= p <= 7 digits after the point in every
    field (or no point in any field), at least one digit, at most 15 characters; with
    ``integer`` only ``D+``. Each field is read as the 8 or 16 bytes that end where it ends
    (uint64 words), the bytes before it set to '0', the point taken out, and its digits
    combined eight at a time with integer arithmetic (SWAR).
    """
    lengths = ends - starts
    if lengths.size == 0:
        return np.empty(0, dtype=np.float64)
    if lengths.max() > MAX_FIELD_WIDTH or lengths.min() <= 0:
        return None
    negative = np.frombuffer(data, dtype=np.uint8).take(starts) == _MINUS
    any_negative = bool(negative.any())
    if integer and any_negative:
        return None
    n_words = 1 if lengths.max() <= _WORD_BYTES else 2
    width = n_words * _WORD_BYTES
    # field i right-aligned in ``width`` bytes; XOR '0' turns digits into their values, and
    # (with the mask) the bytes before the field into 0; '.' becomes 0x1E
    words = _right_aligned(data, ends, n_words)
    words ^= _ZEROS
    words &= _KEEP_LAST[:, 2 - n_words :].take(lengths, axis=0)
    if any_negative:
        minus = np.flatnonzero(negative)
        words.view(np.uint8).reshape(-1)[minus * width + width - lengths[minus]] = 0
    low = words[:, -1]
    first = low[0].tobytes()
    point = first.find(bytes([_DOT ^ _ZERO]))
    if point >= 0 and not integer:
        point_mask = np.uint64(0xFF << (8 * point))
        if not ((low & point_mask) == np.uint64((_DOT ^ _ZERO) << (8 * point))).all():
            return None
        if (lengths - 1 - negative <= 0).any():  # "." or "-."
            return None
        # take the point out: the bytes before it move up by one byte
        after = np.uint64(~((1 << (8 * point + 8)) - 1) & 0xFFFF_FFFF_FFFF_FFFF)
        before = np.uint64(((1 << (8 * point + 8)) - 1) & ~0xFF)
        shifted = (low << np.uint64(8)) & before
        low &= after
        low |= shifted
        if n_words == 2:
            low |= words[:, 0] >> np.uint64(56)
            words[:, 0] <<= np.uint64(8)
        places = _WORD_BYTES - 1 - point
    else:
        if any_negative and (lengths - negative <= 0).any():  # "-"
            return None
        places = 0
    if not _all_digits(words):
        return None
    values = _eight_digits(words[:, -1]).astype(np.float64)
    if n_words == 2:
        values += _eight_digits(words[:, 0]).astype(np.float64) * 1e8
    if places:
        values /= _POWERS_OF_TEN[places]
    if any_negative:
        np.negative(values, out=values, where=negative)
    return values

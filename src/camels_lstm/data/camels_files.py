"""Parse the CAMELS US forcing and streamflow text files of single basins.

Where the files are (folder names, finding them under a root) is :mod:`camels_lstm.data.layout`.
Files are parsed with the vectorised byte parser of :mod:`camels_lstm.data.text_columns`; a file
it does not accept (another number format, a bad row) is read again with NumPy's or pandas' C
reader, and if that fails too, line by line to name the line at fault in the error.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from camels_lstm.data.layout import CamelsFileError
from camels_lstm.data.text_columns import TextTable, split_fields

logger = logging.getLogger(__name__)

FORCING_VARIABLES: tuple[str, ...] = ("dayl", "prcp", "srad", "swe", "tmax", "tmin", "vp")
DATE_COLUMNS: tuple[str, ...] = ("year", "mnth", "day", "hr")
MISSING_STREAMFLOW = -999.0
# streamflow_qc_flag values: 0 missing (M or day absent), 1 approved (A), 2 approved estimated (A:e)
QC_FLAGS: dict[str, int] = {"M": 0, "A": 1, "A:e": 2}


@dataclass(frozen=True)
class ForcingSeries:
    """One basin's forcing file: header values and daily series (float64, file order)."""

    path: Path
    gauge_lat: float
    gauge_elevation_m: float
    area_m2: float
    dates: np.ndarray  # datetime64[D]
    values: dict[str, np.ndarray]


@dataclass(frozen=True)
class StreamflowSeries:
    """One basin's USGS streamflow: cfs with -999 as NaN, qc flags as int8."""

    path: Path
    dates: np.ndarray  # datetime64[D]
    streamflow_cfs: np.ndarray  # float64
    qc_flag: np.ndarray  # int8, see QC_FLAGS


def _variable_name(column: str) -> str:
    """``PRCP(mm/day)`` / ``prcp(mm/day)`` -> ``prcp``."""
    return column.split("(", 1)[0].strip().lower()


def _first_bad_line(
    path: Path, first_line: int, n_fields: int, numeric_fields: range | list[int]
) -> str | None:
    """Slow path: describe the first data line that is not ``n_fields`` parseable fields."""
    with path.open() as handle:
        for number, line in enumerate(handle, start=1):
            if number < first_line:
                continue
            fields = line.split()
            if not fields:
                return f"{path}, line {number}: empty line"
            if len(fields) != n_fields:
                return (
                    f"{path}, line {number}: expected {n_fields} fields, got {len(fields)}: "
                    f"{line.strip()!r}"
                )
            for index in numeric_fields:
                try:
                    float(fields[index])
                except ValueError:
                    return (
                        f"{path}, line {number}: field {index + 1} {fields[index]!r} is not a "
                        "number"
                    )
    return None


def _dates(
    path: Path, year: np.ndarray, month: np.ndarray, day: np.ndarray, first_line: int
) -> np.ndarray:
    """Calendar dates of the rows; error on an invalid or non-increasing date (with its line)."""
    year, month, day = (np.asarray(a, dtype=np.int64) for a in (year, month, day))
    months = (year - 1970) * 12 + (month - 1)
    dates = months.astype("datetime64[M]").astype("datetime64[D]") + (day - 1).astype(
        "timedelta64[D]"
    )
    next_month = (months + 1).astype("datetime64[M]").astype("datetime64[D]")
    bad = np.flatnonzero((month < 1) | (month > 12) | (day < 1) | (dates >= next_month))
    if bad.size:
        i = int(bad[0])
        raise CamelsFileError(
            f"{path}, line {first_line + i}: invalid date {year[i]}-{month[i]}-{day[i]}"
        )
    steps = np.diff(dates)
    if steps.size and not (steps > np.timedelta64(0, "D")).all():
        i = int(np.flatnonzero(steps <= np.timedelta64(0, "D"))[0]) + 1
        raise CamelsFileError(
            f"{path}, line {first_line + i}: date {dates[i]} repeats or goes back in time"
        )
    return dates


def _header_float(path: Path, lines: list[str], index: int, what: str) -> float:
    try:
        return float(lines[index].strip())
    except (IndexError, ValueError):
        raise CamelsFileError(
            f"{path}, line {index + 1}: expected the {what}, got "
            f"{lines[index].strip() if index < len(lines) else 'end of file'!r}"
        ) from None


def _forcing_table_fast(body: bytes, n_fields: int) -> np.ndarray | None:
    """The daily rows by the vectorised parser; None if it does not accept them."""
    fields = split_fields(body, n_fields)
    if fields is None:
        return None
    dates = fields.integers(slice(0, len(DATE_COLUMNS)))
    values = fields.decimals(slice(len(DATE_COLUMNS), n_fields))
    if dates is None or values is None:
        return None
    return np.hstack((dates.astype(np.float64), values))


def _forcing_table_slow(path: Path, n_fields: int) -> np.ndarray:
    """The daily rows by ``numpy.loadtxt``; on failure name the first bad line."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "input contained no data": checked below
        try:
            table: np.ndarray | None = np.loadtxt(path, skiprows=4, ndmin=2, dtype=np.float64)
        except ValueError:
            table = None
    if table is not None and table.size == 0:
        raise CamelsFileError(f"{path}: no daily rows after the 4 header lines")
    if table is None or table.shape[1] != n_fields:
        message = _first_bad_line(path, 5, n_fields, range(n_fields))
        raise CamelsFileError(message or f"{path}: cannot parse the daily rows")
    return table


def read_forcing(path: str | Path) -> ForcingSeries:
    """Parse a basin-mean forcing file (Daymet, Maurer or NLDAS spelling of the columns).

    Lines 1-3: gauge latitude, gauge elevation (m), basin area (m²); line 4: column names; then
    one row per day: ``Year Mnth Day Hr`` and the seven variables. A column-name line without
    ``Year Mnth Day Hr`` (some Maurer files) is parsed by position, with a warning.
    """
    path = Path(path)
    raw = path.read_bytes()
    head = raw.split(b"\n", 4)
    body = head.pop() if len(head) == 5 else b""
    head = [line.decode("utf-8", errors="replace") for line in head]
    head += [""] * (4 - len(head))
    gauge_lat = _header_float(path, head, 0, "gauge latitude")
    elevation = _header_float(path, head, 1, "gauge elevation (m)")
    area = _header_float(path, head, 2, "basin area (m²)")
    if not area > 0:
        raise CamelsFileError(f"{path}, line 3: basin area {area} m² is not positive")
    names = [_variable_name(c) for c in head[3].split()]
    if names[: len(DATE_COLUMNS)] == list(DATE_COLUMNS):
        variables = names[len(DATE_COLUMNS) :]
    else:
        variables = names
        logger.warning(
            "%s: column-name line lacks 'Year Mnth Day Hr'; reading the first four columns "
            "as year, month, day, hour by position",
            path,
        )
    missing = [v for v in FORCING_VARIABLES if v not in variables]
    if missing or len(variables) != len(set(variables)):
        raise CamelsFileError(
            f"{path}, line 4: column names {head[3].split()} do not name each of "
            f"{list(FORCING_VARIABLES)} once"
        )
    n_fields = len(DATE_COLUMNS) + len(variables)
    table = _forcing_table_fast(body, n_fields)
    if table is None:
        table = _forcing_table_slow(path, n_fields)
    dates = _dates(path, table[:, 0], table[:, 1], table[:, 2], 5)
    offset = len(DATE_COLUMNS)
    return ForcingSeries(
        path=path,
        gauge_lat=gauge_lat,
        gauge_elevation_m=elevation,
        area_m2=area,
        dates=dates,
        values={v: table[:, offset + variables.index(v)] for v in FORCING_VARIABLES},
    )


_STREAMFLOW_COLUMNS = ("gauge_id", "year", "month", "day", "streamflow_cfs", "flag")


# Text read as NaN in the discharge column (reported by the data checks, camels_lstm.data.quality);
# nothing else is (a missing field is an error naming its line).
_LITERAL_NAN = ["nan", "NaN", "NAN", "-nan"]


def _streamflow_table(path: Path) -> pd.DataFrame | None:
    """Fast read: single spaces (as written by USGS/CAMELS), else any whitespace; None if bad."""
    dtypes = {name: np.int64 for name in _STREAMFLOW_COLUMNS[:4]}
    dtypes |= {"streamflow_cfs": np.float64, "flag": "category"}
    for separator in (" ", r"\s+"):
        try:
            table = pd.read_csv(
                path,
                sep=separator,
                skipinitialspace=separator == " ",
                header=None,
                names=list(_STREAMFLOW_COLUMNS),
                engine="c",
                dtype=dtypes,
                keep_default_na=False,
                na_values={"streamflow_cfs": _LITERAL_NAN},
            )
        except (ValueError, pd.errors.ParserError):  # e.g. a missing or non-integer field
            continue
        flags = table["flag"]
        if isinstance(table.index, pd.RangeIndex) and not (flags.isna() | (flags == "")).any():
            return table
    return None


def read_streamflow(path: str | Path, basin: str) -> StreamflowSeries:
    """Parse ``<gauge_id> <year> <month> <day> <discharge_cfs> <flag>`` rows.

    -999 becomes NaN; flags map through :data:`QC_FLAGS`. The gauge id of every row must be
    ``basin``.
    """
    path = Path(path)
    fields = split_fields(path.read_bytes(), len(_STREAMFLOW_COLUMNS))
    columns = None if fields is None else _streamflow_fast(fields)
    if columns is None:
        columns = _streamflow_slow(path)
    ids, year, month, day, cfs, codes = columns
    wrong_id = np.flatnonzero(ids != int(basin))
    if wrong_id.size:
        i = int(wrong_id[0])
        raise CamelsFileError(f"{path}, line {i + 1}: gauge id {ids[i]:08d} is not basin {basin}")
    missing = cfs == MISSING_STREAMFLOW
    cfs = np.where(missing, np.nan, cfs)
    codes[missing] = QC_FLAGS["M"]
    dates = _dates(path, year, month, day, 1)
    return StreamflowSeries(path=path, dates=dates, streamflow_cfs=cfs, qc_flag=codes)


_StreamflowColumns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _streamflow_fast(fields: TextTable) -> _StreamflowColumns | None:
    """Gauge id, year, month, day, cfs, qc code by the vectorised parser (None: not accepted)."""
    integers = fields.integers(slice(0, 4))
    cfs = fields.decimals([4])
    codes = fields.words(5, QC_FLAGS)
    if integers is None or cfs is None or codes is None:
        return None
    return integers[:, 0], integers[:, 1], integers[:, 2], integers[:, 3], cfs[:, 0], codes


def _streamflow_slow(path: Path) -> _StreamflowColumns:
    """The same by pandas' C reader; on failure name the line at fault."""
    table = _streamflow_table(path)
    if table is None:
        message = _first_bad_line(path, 1, len(_STREAMFLOW_COLUMNS), [0, 1, 2, 3, 4])
        raise CamelsFileError(message or f"{path}: cannot parse the streamflow rows")
    if table.empty:
        raise CamelsFileError(f"{path}: no rows")
    flags = table["flag"].cat
    lookup = np.array([QC_FLAGS.get(str(c), -1) for c in flags.categories], dtype=np.int8)
    codes = lookup[flags.codes.to_numpy()]
    unknown = np.flatnonzero(codes < 0)
    if unknown.size:
        i = int(unknown[0])
        raise CamelsFileError(
            f"{path}, line {i + 1}: unknown qc flag {table['flag'].iloc[i]!r} (expected one "
            f"of {list(QC_FLAGS)})"
        )
    return (
        table["gauge_id"].to_numpy(),
        table["year"].to_numpy(),
        table["month"].to_numpy(),
        table["day"].to_numpy(),
        table["streamflow_cfs"].to_numpy(dtype=np.float64),
        codes,
    )


def cfs_to_mm_per_day(streamflow_cfs: np.ndarray, area_m2: float) -> np.ndarray:
    """Streamflow in ft³/s to mm/day over a basin of ``area_m2`` m².

    mm/day = cfs × 0.028316846592 m³/ft³ × 86400 s/day / area_m2 × 1000 mm/m
    """
    return streamflow_cfs * (0.028316846592 * 86400.0 * 1000.0) / area_m2

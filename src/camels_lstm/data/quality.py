"""Data checks of the conversion: what each one looks for, its policies, and its findings.

Every check has a policy in the config (``data_checks.<check>``, schema
``workflow/schemas/config.schema.yaml``): ``error`` stops the conversion (nothing is written),
``mask`` reports the values and stores them as NaN (streamflow: also flag 0, missing), ``warn``
reports them and keeps them. The defaults stop on what would corrupt training and report the
rest. Each finding names the check, basin, variable, file and dates; all of a run go to one table,
``results/data/data_quality.csv`` (:func:`findings_table`), and to the log.

The functions here are pure: they take parsed series (:mod:`camels_lstm.data.camels_files`) or
date spans and return findings and, for ``mask``, which values to mask. The conversion applies
them (:mod:`camels_lstm.data.timeseries_chunks`, :mod:`camels_lstm.data.timeseries_store`); the
check of the configured data sources at workflow start is :mod:`camels_lstm.data.sources`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

ERROR, MASK, WARN = "error", "mask", "warn"
POLICIES: dict[str, str] = {
    ERROR: "stop: nothing is written, the message names basin, variable, file and dates",
    MASK: "report, and store the values as NaN (streamflow: qc flag 0, missing)",
    WARN: "report, and keep the values",
}
# The policies a check offers: where the values are absent already (a date gap, a literal nan)
# masking is all there is to do; a whole record cannot be masked value by value.
ABSENT_VALUE_POLICIES: tuple[str, ...] = (ERROR, MASK)
VALUE_POLICIES: tuple[str, ...] = (ERROR, MASK, WARN)
RECORD_POLICIES: tuple[str, ...] = (ERROR, WARN)


@dataclass(frozen=True)
class Check:
    policies: tuple[str, ...]
    default: str
    description: str


CHECKS: dict[str, Check] = {
    "date_gap": Check(
        ABSENT_VALUE_POLICIES, MASK, "days missing inside a file's record (stored as NaN)"
    ),
    "nan_value": Check(
        ABSENT_VALUE_POLICIES, MASK, "a literal nan or inf in a file (not the -999 of USGS)"
    ),
    "negative_precipitation": Check(VALUE_POLICIES, ERROR, "prcp < 0"),
    "negative_streamflow": Check(VALUE_POLICIES, MASK, "discharge < 0 other than -999"),
    "vapour_pressure_not_positive": Check(VALUE_POLICIES, WARN, "vp <= 0"),
    "tmin_above_tmax": Check(VALUE_POLICIES, WARN, "tmin > tmax (mask: both on that day)"),
    "identical_series": Check(
        RECORD_POLICIES, ERROR, "a forcing variable equal to another on every day"
    ),
    "period_not_covered": Check(
        RECORD_POLICIES, ERROR, "the forcing record does not cover a configured period"
    ),
    "short_record": Check(
        RECORD_POLICIES, WARN, "a forcing record starting later or ending earlier than others"
    ),
    "area_disagreement": Check(
        RECORD_POLICIES, WARN, "basin areas of the sources differ by more than 5 %"
    ),
}
DEFAULT_POLICIES: dict[str, str] = {name: check.default for name, check in CHECKS.items()}
# Dates listed in a finding's message (the table has the first and last date and the count).
_LISTED_DATES = 5


@dataclass(frozen=True)
class Finding:
    """One row of the data-quality table."""

    check: str
    policy: str
    basin: str
    variable: str
    file: str
    first_date: str
    last_date: str
    days: int
    detail: str

    @property
    def message(self) -> str:
        action = {ERROR: "error", MASK: "masked as NaN", WARN: "kept"}[self.policy]
        dates = f"{self.first_date}..{self.last_date}" if self.first_date else "whole record"
        return (
            f"{self.check} ({action}): basin {self.basin}, {self.variable}, {self.file}, "
            f"{dates}: {self.detail}"
        )


# The table's columns: the fields of a finding, its detail only as part of the message.
TABLE_COLUMNS: tuple[str, ...] = (
    *(f.name for f in fields(Finding) if f.name != "detail"),
    "message",
)


def resolve_policies(policies: Mapping[str, str] | None) -> dict[str, str]:
    """The policy of every check: ``policies`` over the defaults; unknown names are an error."""
    chosen = {**DEFAULT_POLICIES, **(policies or {})}
    for name, policy in chosen.items():
        if name not in CHECKS:
            raise ValueError(f"unknown data check {name!r}; checks: {', '.join(CHECKS)}")
        if policy not in CHECKS[name].policies:
            raise ValueError(
                f"data check {name!r}: policy {policy!r} not one of {CHECKS[name].policies}"
            )
    return chosen


def _day_list(dates: np.ndarray) -> str:
    shown = ", ".join(str(d) for d in dates[:_LISTED_DATES])
    return shown + (", ..." if dates.size > _LISTED_DATES else "")


def _value_finding(
    check: str,
    policy: str,
    basin: str,
    variable: str,
    path: Path,
    dates: np.ndarray,
    bad: np.ndarray,
    what: str,
) -> Finding:
    days = dates[bad]
    return Finding(
        check, policy, basin, variable, str(path), str(days[0]), str(days[-1]), int(days.size),
        f"{what} on {days.size} day(s): {_day_list(days)}",
    )  # fmt: skip


def gap_findings(
    basin: str, variable: str, path: Path, dates: np.ndarray, policy: str
) -> list[Finding]:
    """One finding per run of days missing between the first and last date of a file."""
    steps = np.diff(dates).astype(np.int64)
    findings = []
    for i in np.flatnonzero(steps > 1):
        first, last = dates[i] + 1, dates[i + 1] - 1
        findings.append(
            Finding(
                "date_gap", policy, basin, variable, str(path), str(first), str(last),
                int(steps[i] - 1), f"{steps[i] - 1} day(s) absent from the file",
            )
        )  # fmt: skip
    return findings


def forcing_findings(
    basin: str,
    path: Path,
    dates: np.ndarray,
    values: Mapping[str, np.ndarray],
    policies: Mapping[str, str],
) -> tuple[list[Finding], dict[str, np.ndarray]]:
    """Findings on one basin's forcing series and, by variable, the days to store as NaN."""
    findings = gap_findings(basin, "forcing", path, dates, policies["date_gap"])
    masks: dict[str, np.ndarray] = {}

    def found(check: str, variables: Sequence[str], bad: np.ndarray, what: str) -> None:
        policy = policies[check]
        findings.append(
            _value_finding(check, policy, basin, ",".join(variables), path, dates, bad, what)
        )
        if policy == MASK:
            for name in variables:
                masks[name] = masks[name] | bad if name in masks else bad

    for name, series in values.items():
        not_finite = ~np.isfinite(series)
        if not_finite.any():
            found("nan_value", [name], not_finite, "nan or inf in the file")
    with np.errstate(invalid="ignore"):
        ranges = (
            ("negative_precipitation", ("prcp",), values["prcp"] < 0, "prcp < 0"),
            ("vapour_pressure_not_positive", ("vp",), values["vp"] <= 0, "vp <= 0 Pa"),
            ("tmin_above_tmax", ("tmin", "tmax"), values["tmin"] > values["tmax"], "tmin > tmax"),
        )
    for check, variables, bad, what in ranges:
        if bad.any():
            found(check, variables, bad, what)
    findings += identical_series_findings(basin, path, dates, values, policies)
    return findings, masks


def identical_series_findings(
    basin: str,
    path: Path,
    dates: np.ndarray,
    values: Mapping[str, np.ndarray],
    policies: Mapping[str, str],
) -> list[Finding]:
    """A finding for each pair of variables with equal values on every day of the record."""
    findings = []
    for first, second in itertools.combinations(values, 2):
        a, b = values[first], values[second]
        if a[0] == b[0] and np.array_equal(a, b, equal_nan=True):
            findings.append(
                Finding(
                    "identical_series", policies["identical_series"], basin,
                    f"{first},{second}", str(path), str(dates[0]), str(dates[-1]),
                    int(dates.size), f"{second} equals {first} on every day of the record",
                )
            )  # fmt: skip
    return findings


def streamflow_findings(
    basin: str,
    path: Path,
    dates: np.ndarray,
    cfs: np.ndarray,
    observed: np.ndarray,
    policies: Mapping[str, str],
) -> tuple[list[Finding], np.ndarray | None]:
    """Findings on one basin's streamflow and the days to store as missing (None: none).

    ``observed``: days with a qc flag other than missing (``M`` and -999 are missing already).
    """
    findings = gap_findings(basin, "streamflow", path, dates, policies["date_gap"])
    mask = None
    not_finite = observed & ~np.isfinite(cfs)
    with np.errstate(invalid="ignore"):
        negative = observed & (cfs < 0)
    for check, bad, what in (
        ("nan_value", not_finite, "nan or inf with an approved flag"),
        ("negative_streamflow", negative, "discharge < 0 ft3/s with an approved flag"),
    ):
        if bad.any():
            if check == "negative_streamflow":
                what += f" (lowest {float(np.min(cfs[bad])):g} ft3/s)"
            findings.append(
                _value_finding(check, policies[check], basin, "streamflow_cfs", path, dates, bad,
                               what)
            )  # fmt: skip
            if policies[check] == MASK:
                mask = bad if mask is None else mask | bad
    return findings, mask


def coverage_findings(
    basin: str,
    path: Path,
    span: tuple[np.datetime64, np.datetime64],
    periods: Mapping[str, Mapping[str, str]],
    policy: str,
) -> list[Finding]:
    """A finding for each configured period the forcing record ``span`` does not cover."""
    findings = []
    first, last = span
    for name, period in periods.items():
        start, end = np.datetime64(period["start"], "D"), np.datetime64(period["end"], "D")
        missing = []
        if first > start:
            missing.append((start, min(end, first - 1)))
        if last < end:
            missing.append((max(start, last + 1), end))
        for gap_start, gap_end in missing:
            days = int((gap_end - gap_start).astype(np.int64)) + 1
            findings.append(
                Finding(
                    "period_not_covered", policy, basin, "forcing", str(path), str(gap_start),
                    str(gap_end), days,
                    f"the forcing record {first}..{last} does not cover the {name} period "
                    f"{period['start']}..{period['end']} (config key 'periods.{name}')",
                )
            )  # fmt: skip
    return findings


def short_record_findings(
    records: Mapping[str, tuple[Path, tuple[np.datetime64, np.datetime64]]], policy: str
) -> list[Finding]:
    """Forcing records (basin -> file, first/last date) shorter than the run's longest reach."""
    if len(records) < 2:
        return []
    earliest = min(span[0] for _, span in records.values())
    latest = max(span[1] for _, span in records.values())
    findings = []
    for basin, (path, (first, last)) in records.items():
        if first > earliest:
            days = int((first - earliest).astype(np.int64))
            findings.append(
                Finding(
                    "short_record", policy, basin, "forcing", str(path), str(earliest),
                    str(first - 1), days,
                    f"the record starts {first}, {days} day(s) after the earliest forcing "
                    "record of the run",
                )
            )  # fmt: skip
        if last < latest:
            days = int((latest - last).astype(np.int64))
            findings.append(
                Finding(
                    "short_record", policy, basin, "forcing", str(path), str(last + 1),
                    str(latest), days,
                    f"the record ends {last}, {days} day(s) before the latest forcing record "
                    "of the run (a file cut short?)",
                )
            )  # fmt: skip
    return findings


def errors_of(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.policy == ERROR]


def error_message(errors: Sequence[Finding], limit: int = 20) -> str:
    """The findings that stop the conversion, at most ``limit`` of them, with how to allow them."""
    lines = [f.message for f in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more (all of them in the log)")
    checks = sorted({f.check for f in errors})
    others = sorted({p for c in checks for p in CHECKS[c].policies} - {ERROR})
    allowed = others[0] if len(others) == 1 else "one of " + "/".join(others)
    return (
        f"data check(s) failed ({len(errors)} finding(s)):\n  " + "\n  ".join(lines) + "\n"
        "Fix the file(s), or set the policy of "
        + ", ".join(f"'data_checks.{c}'" for c in checks)
        + f" to {allowed} in the config."
    )


def findings_table(findings: Iterable[Finding]) -> list[dict[str, object]]:
    """Rows of the data-quality table (:data:`TABLE_COLUMNS`), sorted by basin, check, date."""
    rows: list[dict[str, object]] = [
        {column: getattr(finding, column) for column in TABLE_COLUMNS} for finding in findings
    ]
    return sorted(rows, key=lambda r: (r["basin"], r["check"], r["variable"], r["first_date"]))

"""The data checks of a store build that look at more than one series: the forcing records'
date spans (period coverage, short records) and the basin areas; logging, stopping on a finding
whose policy is ``error``, and the data-quality table (``results/data/data_quality.csv``).

The per-series checks run in the conversion workers (:func:`camels_lstm.data.quality.
forcing_findings`, :func:`~camels_lstm.data.quality.streamflow_findings`); their findings come
back in the basin summaries and are passed through :func:`log_and_stop` here with the others.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from camels_lstm.atomic_output import write_csv
from camels_lstm.data.areas import (
    AreaTable,
    area_finding,
    basin_areas,
    conversion_area_m2,
    other_area_sources,
    used_source,
)
from camels_lstm.data.layout import CamelsFileError, CamelsLayout
from camels_lstm.data.quality import (
    ERROR,
    TABLE_COLUMNS,
    Finding,
    coverage_findings,
    error_message,
    errors_of,
    findings_table,
    resolve_policies,
    short_record_findings,
)
from camels_lstm.data.timeseries_chunks import BasinFiles, BasinSummary

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckSettings:
    """What a conversion checks and which area it converts with, for the basins of one run."""

    forcing: str
    streamflow_area: str
    policies: Mapping[str, str]
    other_areas: AreaTable  # the area sources besides the forcing header (areas module)

    @classmethod
    def prepare(
        cls,
        layout: CamelsLayout,
        forcing: str,
        basins: Sequence[str],
        streamflow_area: str,
        data_checks: Mapping[str, str] | None,
    ) -> CheckSettings:
        """Resolve the policies and read the other area sources (CamelsFileError if absent)."""
        try:
            policies = resolve_policies(data_checks)
        except ValueError as error:
            raise CamelsFileError(str(error)) from None
        other = other_area_sources(layout, forcing, basins, streamflow_area)
        return cls(forcing, streamflow_area, policies, other)

    def conversion_area_m2(self, basin: str) -> float | None:
        """The area of ``basin``'s conversion; None: its forcing file's header."""
        return conversion_area_m2(basin, self.forcing, self.streamflow_area, self.other_areas)


def log_and_stop(findings: Sequence[Finding]) -> None:
    """Log every finding; raise on those whose policy is ``error`` (nothing is written then).

    Raises
    ------
    CamelsFileError
        Listing the findings that stop the build and the config keys that would allow them.
    """
    for finding in findings:
        log = logger.error if finding.policy == ERROR else logger.warning
        log("%s", finding.message)
    errors = errors_of(findings)
    if errors:
        raise CamelsFileError(error_message(errors))


def record_findings(
    basins: Sequence[BasinFiles],
    periods: Mapping[str, Mapping[str, str]],
    policies: Mapping[str, str],
) -> list[Finding]:
    """Checks of the forcing records' date spans: period coverage and short records."""
    findings = []
    for files in basins:
        findings += coverage_findings(
            files.basin,
            files.forcing_path,
            files.forcing_span,
            periods,
            policies["period_not_covered"],
        )
    records = {b.basin: (b.forcing_path, b.forcing_span) for b in basins}
    return findings + short_record_findings(records, policies["short_record"])


def area_findings(
    summaries: Sequence[BasinSummary], files: Sequence[BasinFiles], settings: CheckSettings
) -> list[Finding]:
    """Basins whose areas (forcing header, Daymet header, area_gages2) differ by > 5 %."""
    policy = settings.policies["area_disagreement"]
    used = used_source(settings.forcing, settings.streamflow_area)
    paths = {b.basin: str(b.forcing_path) for b in files}
    findings = []
    for summary in summaries:
        header = (summary.header_area_m2, paths[summary.basin])
        areas = basin_areas(summary.basin, settings.forcing, header, settings.other_areas)
        finding = area_finding(summary.basin, areas, used, policy)
        if finding is not None:
            findings.append(finding)
    return findings


def write_quality_table(findings: Sequence[Finding], path: str | Path) -> None:
    """The data-quality table (CSV, one row per finding; a header only if there are none)."""
    write_csv(pd.DataFrame(findings_table(findings), columns=list(TABLE_COLUMNS)), path)

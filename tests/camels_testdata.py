"""Test data for the CAMELS file, store and attribute tests: the committed sample, extracted, and
small generated CAMELS trees with chosen defects."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARCHIVE = REPO_ROOT / "data" / "camels_us_sample.zip"
SAMPLE_BASINS = tuple(
    line.strip()
    for line in (REPO_ROOT / "config" / "basins_sample.txt").read_text().splitlines()
    if line.strip()
)
DAYMET_HEADER = "Year Mnth Day Hr dayl(s) prcp(mm/day) srad(W/m2) swe(mm) tmax(C) tmin(C) vp(Pa)"
MAURER_HEADER = "Year Mnth Day Hr Dayl(s) PRCP(mm/day) SRAD(W/m2) SWE(mm) Tmax(C) Tmin(C) Vp(Pa)"
TRAIN_PERIOD = {"start": "1999-10-01", "end": "2008-09-30"}


def extract_sample(destination: Path) -> Path:
    """Extract data/camels_us_sample.zip into ``destination``; return it (the CAMELS root)."""
    with zipfile.ZipFile(SAMPLE_ARCHIVE) as archive:
        archive.extractall(destination)
    return destination


def forcing_text(
    start: str = "2000-01-01",
    days: int = 5,
    header: str = DAYMET_HEADER,
    area_m2: float = 1.0e8,
    rows: list[str] | None = None,
) -> str:
    """A forcing file: 3 header values, the column line, one row per day (value = day index)."""
    lines = ["  44.00", " 100.00", f" {area_m2:.0f}", header]
    if rows is None:
        rows = []
        for i, date in enumerate(np.arange(np.datetime64(start), np.datetime64(start) + days)):
            year, month, day = str(date).split("-")
            values = [40000 + i, i, 100 + i, 0, 10 + i, -1 - i, 500 + i]
            rows.append(f"{year} {month} {day} 12\t" + "\t".join(f"{v:.2f}" for v in values))
    return "\n".join([*lines, *rows]) + "\n"


def streamflow_text(
    basin: str, start: str = "2000-01-01", days: int = 5, cfs: float = 100.0, flag: str = "A"
) -> str:
    rows = []
    for date in np.arange(np.datetime64(start), np.datetime64(start) + days):
        year, month, day = str(date).split("-")
        rows.append(f"{basin} {year} {month} {day} {cfs:8.2f} {flag}")
    return "\n".join(rows) + "\n"


def write_basin(
    root: Path,
    basin: str,
    huc: str | None = "01",
    forcing: str | None = None,
    streamflow: str | None = None,
) -> tuple[Path, Path]:
    """Write one basin's Daymet forcing and streamflow file into a CAMELS tree at ``root``."""
    forcing_dir = root / "basin_mean_forcing" / "daymet"
    streamflow_dir = root / "usgs_streamflow"
    if huc:
        forcing_dir, streamflow_dir = forcing_dir / huc, streamflow_dir / huc
    forcing_dir.mkdir(parents=True, exist_ok=True)
    streamflow_dir.mkdir(parents=True, exist_ok=True)
    (root / "camels_attributes_v2.0").mkdir(exist_ok=True)
    forcing_path = forcing_dir / f"{basin}_lump_cida_forcing_leap.txt"
    streamflow_path = streamflow_dir / f"{basin}_streamflow_qc.txt"
    forcing_path.write_text(forcing if forcing is not None else forcing_text())
    streamflow_path.write_text(streamflow if streamflow is not None else streamflow_text(basin))
    return forcing_path, streamflow_path

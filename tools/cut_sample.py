"""Cut the embedded CAMELS US sample archive from a full CAMELS US copy.

The archive mirrors the inner layout of the two official downloads:
``basin_timeseries_v1p2_metForcing_obsFlow.zip`` (``basin_dataset_public_v1p2/...``) and
``camels_attributes_v2.0.zip`` (``camels_attributes_v2.0/...``), so the workflow runs its real
download-and-extract path on it. Member order and timestamps are fixed, so the same input gives
the same bytes (and checksum).

Usage: python tools/cut_sample.py CAMELS_ROOT data/camels_us_sample.zip
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

SAMPLE_BASINS = (
    "01022500",  # Narraguagus River, ME: humid, snow; A:e flags, -999 gaps
    "01123000",  # Little River, CT: humid; A:e flags, long -999 gaps
    "02092500",  # Trent River, NC: coastal plain; A:e flags
    "02296500",  # Charlie Creek, FL: subtropical, low relief; A:e flags
    "03504000",  # Nantahala River, NC: wettest Appalachian basin
    "05414000",  # Platte River, WI: Midwest, agricultural
    "06280300",  # South Fork Shoshone River, WY: snow-dominated
    "08194200",  # San Casimiro Creek, TX: arid, flashy, many zero-flow days
    "09035800",  # Darling Creek, CO: high-alpine snowmelt
    "09447800",  # Bonita Creek, AZ: arid
    "10343500",  # Sagehen Creek, CA: Sierra Nevada snowmelt
    "11532500",  # Smith River, CA: rain-dominated Pacific coast
    "12040500",  # Queets River, WA: very humid Pacific Northwest
)
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def _add(archive: zipfile.ZipFile, source: Path, arcname: str) -> None:
    info = zipfile.ZipInfo(arcname, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, source.read_bytes(), compresslevel=9)


def main(camels_root: Path, target: Path) -> None:
    members: list[tuple[Path, str]] = []
    for basin in SAMPLE_BASINS:
        for pattern in (
            f"basin_mean_forcing/daymet/*/{basin}_lump_cida_forcing_leap.txt",
            f"usgs_streamflow/*/{basin}_streamflow_qc.txt",
        ):
            found = sorted(camels_root.glob(pattern))
            if len(found) != 1:
                raise SystemExit(f"{pattern}: expected one file under {camels_root}, found {found}")
            relative = found[0].relative_to(camels_root).as_posix()
            members.append((found[0], f"basin_dataset_public_v1p2/{relative}"))
    for table in sorted((camels_root / "camels_attributes_v2.0").glob("*.txt")):
        members.append((table, f"camels_attributes_v2.0/{table.name}"))
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        for source, arcname in sorted(members, key=lambda item: item[1]):
            _add(archive, source, arcname)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    print(f"{target}: {target.stat().st_size} bytes, sha256 {digest}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

"""camels_lstm.data.archive: what is extracted, re-rooting, safety checks, corrupt archives."""

from __future__ import annotations

import io
import logging
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLE_ARCHIVE

from camels_lstm.data.archive import ArchiveError, extract_camels, member_parts

FORCING = "basin_mean_forcing/{product}/01/01022500_lump_{suffix}_forcing_leap.txt"
STREAMFLOW = "usgs_streamflow/01/01022500_streamflow_qc.txt"
ATTRIBUTES = "camels_attributes_v2.0/camels_{table}.txt"
TABLES = ("clim", "geol", "hydro", "name", "soil", "topo", "vege")


def camels_members(top: str, products: tuple[str, ...] = ("daymet",)) -> dict[str, bytes]:
    """A tiny CAMELS tree under ``top``: one basin, the given forcing products, attributes."""
    suffix = {"daymet": "cida", "maurer": "maurer", "nldas": "nldas"}
    members = {
        f"{top}{FORCING.format(product=p, suffix=suffix[p])}": f"{p} forcing\n".encode()
        for p in products
    }
    members[f"{top}{STREAMFLOW}"] = b"01022500 1980 01 01 655.00 A\n"
    members[f"{top}basin_dataset_public_v1p2/elev_bands_forcing/daymet/x.txt"] = b"not needed"
    for table in TABLES:
        members[f"{top}{ATTRIBUTES.format(table=table)}"] = f"gauge_id;{table}\n".encode()
    members[f"{top}camels_attributes_v2.0/camels_attributes_v2.0.pdf"] = b"%PDF not needed"
    return members


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as handle:
        for name, data in members.items():
            handle.writestr(name, data)
    return path


def add_tar_file(handle: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    handle.addfile(info, io.BytesIO(data))


def write_tar(path: Path, members: dict[str, bytes], mode: str = "w:xz") -> Path:
    with tarfile.open(path, mode) as handle:
        for name, data in members.items():
            add_tar_file(handle, name, data)
    return path


def add_tar_link(path: Path, name: str, linkname: str, kind: bytes = tarfile.SYMTYPE) -> Path:
    with tarfile.open(path, "a") as handle:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = linkname
        handle.addfile(info)
    return path


def relative_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def assert_no_output(target: Path) -> None:
    """Nothing a rerun could trust: no target, no leftover staging folder."""
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []


def test_sample_zip_gives_the_expected_tree(tmp_path: Path) -> None:
    target = tmp_path / "camels_us"
    extract_camels([SAMPLE_ARCHIVE], target, forcing="daymet")
    assert sorted(p.name for p in target.iterdir()) == [
        "basin_mean_forcing",
        "camels_attributes_v2.0",
        "usgs_streamflow",
    ]
    forcing = sorted(target.glob("basin_mean_forcing/daymet/*/*_lump_cida_forcing_leap.txt"))
    streamflow = sorted(target.glob("usgs_streamflow/*/*_streamflow_qc.txt"))
    attributes = sorted(p.name for p in target.glob("camels_attributes_v2.0/*"))
    assert len(forcing) == 13
    assert len(streamflow) == 13
    assert attributes == [f"camels_{table}.txt" for table in TABLES]
    assert {p.name[:8] for p in forcing} == {p.name[:8] for p in streamflow}
    name = (
        "basin_dataset_public_v1p2/basin_mean_forcing/daymet/01/01022500_lump_cida_forcing_leap.txt"
    )
    with zipfile.ZipFile(SAMPLE_ARCHIVE) as handle:
        expected = handle.read(name)
    assert (target / name.split("/", 1)[1]).read_bytes() == expected
    assert [p.name for p in tmp_path.iterdir()] == ["camels_us"]


def test_counts_per_part_are_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="camels_lstm.data.archive"):
        extract_camels([SAMPLE_ARCHIVE], tmp_path / "camels_us", forcing="daymet")
    text = caplog.text
    assert "13 forcing files (daymet), 13 streamflow files, 7 attribute tables" in text


def test_split_zips_with_different_top_folders(tmp_path: Path) -> None:
    members = camels_members("basin_dataset_public_v1p2/")
    timeseries = {k: v for k, v in members.items() if "camels_attributes" not in k}
    attributes = {k.split("/", 1)[1]: v for k, v in members.items() if "camels_attributes" in k}
    archives = [
        write_zip(tmp_path / "basin_timeseries.zip", timeseries),
        write_zip(tmp_path / "camels_attributes.zip", attributes),
    ]
    target = tmp_path / "out" / "camels_us"
    extract_camels(archives, target, forcing="daymet")
    assert relative_files(target) == sorted(
        [FORCING.format(product="daymet", suffix="cida"), STREAMFLOW]
        + [ATTRIBUTES.format(table=t) for t in TABLES]
    )


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:xz"])
def test_tar_archives_are_recognised_by_content(tmp_path: Path, mode: str) -> None:
    # The download rule names every archive *.zip, whatever it holds.
    archive = write_tar(tmp_path / "camels_us_daymet.zip", camels_members("camels_us/"), mode)
    target = tmp_path / "camels_us"
    extract_camels([archive], target, forcing="daymet")
    assert (target / STREAMFLOW).read_bytes() == b"01022500 1980 01 01 655.00 A\n"
    assert len(relative_files(target)) == 9


def test_only_the_configured_forcing_product_is_extracted(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "a.zip", camels_members("top/", ("daymet", "maurer")))
    target = tmp_path / "camels_us"
    extract_camels([archive], target, forcing="maurer")
    assert [p.name for p in (target / "basin_mean_forcing").iterdir()] == ["maurer"]
    forcing = target / FORCING.format(product="maurer", suffix="maurer")
    assert forcing.read_bytes() == b"maurer forcing\n"


def test_missing_forcing_product_names_archive_and_products(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "a.zip", camels_members("top/", ("daymet", "maurer")))
    target = tmp_path / "camels_us"
    with pytest.raises(ArchiveError, match=r"basin_mean_forcing/nldas/") as caught:
        extract_camels([archive], target, forcing="nldas")
    assert str(archive) in str(caught.value)
    assert "['daymet', 'maurer']" in str(caught.value)
    assert_no_output(target)


def test_sample_has_no_maurer_forcing(tmp_path: Path) -> None:
    target = tmp_path / "camels_us"
    with pytest.raises(ArchiveError, match=r"maurer.*camels_us_sample\.zip"):
        extract_camels([SAMPLE_ARCHIVE], target, forcing="maurer")
    assert_no_output(target)


def test_missing_streamflow_is_an_error(tmp_path: Path) -> None:
    members = {k: v for k, v in camels_members("x/").items() if "usgs_streamflow" not in k}
    target = tmp_path / "camels_us"
    with pytest.raises(ArchiveError, match="no usgs_streamflow/"):
        extract_camels([write_zip(tmp_path / "a.zip", members)], target, forcing="daymet")
    assert_no_output(target)


@pytest.mark.parametrize("bad_name", ["../evil.txt", "/tmp/evil.txt", "top/../../evil.txt"])
def test_zip_slip_members_are_refused(tmp_path: Path, bad_name: str) -> None:
    members = camels_members("top/")
    members[bad_name] = b"evil"
    archive = write_zip(tmp_path / "a.zip", members)
    with zipfile.ZipFile(archive) as handle:
        assert bad_name in handle.namelist()  # zipfile wrote the name as given
    target = tmp_path / "sub" / "camels_us"
    with pytest.raises(ArchiveError, match="refusing") as caught:
        extract_camels([archive], target, forcing="daymet")
    assert str(archive) in str(caught.value)
    assert bad_name in str(caught.value)
    assert_no_output(target)
    assert not (tmp_path / "evil.txt").exists()


def test_zip_symlink_member_is_refused(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "a.zip", camels_members("top/"))
    link = zipfile.ZipInfo("top/usgs_streamflow/01/01013500_streamflow_qc.txt")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(archive, "a") as handle:
        handle.writestr(link, "../../../../etc/passwd")
    target = tmp_path / "camels_us"
    with pytest.raises(ArchiveError, match="symbolic link"):
        extract_camels([archive], target, forcing="daymet")
    assert_no_output(target)


@pytest.mark.parametrize(
    ("kind", "linkname"),
    [
        (tarfile.SYMTYPE, "../../../../../etc/passwd"),
        (tarfile.SYMTYPE, "/etc/passwd"),
        (tarfile.LNKTYPE, "../outside.txt"),
    ],
)
def test_tar_links_leading_outside_are_refused(tmp_path: Path, kind: bytes, linkname: str) -> None:
    archive = write_tar(tmp_path / "a.tar", camels_members("camels_us/"), mode="w")
    add_tar_link(archive, "camels_us/usgs_streamflow/01/01013500_streamflow_qc.txt", linkname, kind)
    target = tmp_path / "camels_us"
    with pytest.raises(ArchiveError, match="outside the archive") as caught:
        extract_camels([archive], target, forcing="daymet")
    assert "01013500_streamflow_qc.txt" in str(caught.value)
    assert_no_output(target)


def test_tar_link_inside_the_tree_becomes_a_plain_copy(tmp_path: Path) -> None:
    archive = write_tar(tmp_path / "a.tar", camels_members("camels_us/"), mode="w")
    add_tar_link(
        archive,
        "camels_us/usgs_streamflow/01/01013500_streamflow_qc.txt",
        "01022500_streamflow_qc.txt",
    )
    target = tmp_path / "camels_us"
    extract_camels([archive], target, forcing="daymet")
    copy = target / "usgs_streamflow/01/01013500_streamflow_qc.txt"
    assert not copy.is_symlink()
    assert copy.read_bytes() == (target / STREAMFLOW).read_bytes()


def test_truncated_zip_names_the_archive(tmp_path: Path) -> None:
    archive = tmp_path / "camels_us_sample.zip"
    data = SAMPLE_ARCHIVE.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    target = tmp_path / "camels_us"
    with pytest.raises(ArchiveError, match=r"camels_us_sample\.zip.*corrupt or truncated"):
        extract_camels([archive], target, forcing="daymet")
    assert_no_output(target)


def test_crc_error_names_the_archive(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    members = camels_members("top/")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as handle:
        for name, data in members.items():
            handle.writestr(name, data)
    raw = bytearray(archive.read_bytes())
    position = raw.index(b"01022500 1980")
    raw[position] ^= 0xFF
    archive.write_bytes(bytes(raw))
    target = tmp_path / "camels_us"
    with pytest.raises(ArchiveError, match=r"a\.zip is corrupt or truncated.*CRC"):
        extract_camels([archive], target, forcing="daymet")
    assert_no_output(target)


@pytest.mark.parametrize("mode", ["w:gz", "w:xz"])
def test_truncated_compressed_tar_names_the_archive(tmp_path: Path, mode: str) -> None:
    members = camels_members("camels_us/")
    members["camels_us/usgs_streamflow/big.txt"] = bytes(range(256)) * 4000
    archive = write_tar(tmp_path / "full.tar", members, mode)
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(archive.read_bytes()[:-200])
    target = tmp_path / "camels_us"
    with pytest.raises(ArchiveError, match=r"truncated\.zip"):
        extract_camels([truncated], target, forcing="daymet")
    assert_no_output(target)


def test_not_an_archive(tmp_path: Path) -> None:
    archive = tmp_path / "page.zip"
    archive.write_text("<html>404 Not Found</html>")
    with pytest.raises(ArchiveError, match=r"page\.zip is neither a zip nor a tar"):
        extract_camels([archive], tmp_path / "camels_us", forcing="daymet")


def test_failure_leaves_an_existing_tree_untouched(tmp_path: Path) -> None:
    target = tmp_path / "camels_us"
    (target / "usgs_streamflow").mkdir(parents=True)
    (target / "usgs_streamflow" / "marker.txt").write_text("earlier run")
    with pytest.raises(ArchiveError):
        extract_camels([SAMPLE_ARCHIVE], target, forcing="maurer")
    assert relative_files(target) == ["usgs_streamflow/marker.txt"]
    extract_camels([SAMPLE_ARCHIVE], target, forcing="daymet")
    assert not (target / "usgs_streamflow" / "marker.txt").exists()
    assert len(relative_files(target)) == 33
    assert [p.name for p in tmp_path.iterdir()] == ["camels_us"]


def test_unknown_forcing_product(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="unknown forcing product 'gridmet'"):
        extract_camels([SAMPLE_ARCHIVE], tmp_path / "camels_us", forcing="gridmet")


@pytest.mark.parametrize("name", ["..\\evil.txt", "C:/evil.txt", "a/./../../b"])
def test_member_parts_refuses_escaping_names(name: str) -> None:
    with pytest.raises(ArchiveError, match="refusing"):
        member_parts(Path("a.zip"), name)


def test_member_parts_normalises_harmless_names() -> None:
    assert member_parts(Path("a.zip"), "./top//usgs_streamflow/01/") == (
        "top",
        "usgs_streamflow",
        "01",
    )


def test_extracted_tree_has_ordinary_permissions(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    reference.mkdir()
    target = tmp_path / "camels_us"
    extract_camels([SAMPLE_ARCHIVE], target, forcing="daymet")
    assert target.stat().st_mode == reference.stat().st_mode

"""camels_lstm.data.download: local and HTTP sources, resume, retries, verification, atomicity."""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from range_http_server import RangeServer

from camels_lstm.data.download import DownloadError, VerificationError, download, part_path

SIZE = 300_000
# Bounded network loops: short socket time-outs, no backoff sleeps, few retries.
FAST = {"timeout_s": 2.0, "backoff_s": 0.0, "retries": 3}


@pytest.fixture
def payload() -> bytes:
    return random.Random(42).randbytes(SIZE)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RangeServer]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with RangeServer() as running:
        yield running


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_nothing_left(target: Path) -> None:
    assert not target.exists()
    assert not part_path(target).exists()


# --- local sources -----------------------------------------------------------------------------


def test_file_url_is_copied_and_verified(tmp_path: Path, payload: bytes) -> None:
    source = tmp_path / "source dir" / "camels.zip"
    source.parent.mkdir()
    source.write_bytes(payload)
    target = tmp_path / "downloads" / "camels.zip"
    result = download(source.as_uri(), target, sha256=sha256(payload), size_bytes=SIZE)
    assert result == target
    assert target.read_bytes() == payload
    assert not part_path(target).exists()


def test_plain_path_is_relative_to_working_directory(
    tmp_path: Path, payload: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sample.zip").write_bytes(payload)
    monkeypatch.chdir(tmp_path)
    download("data/sample.zip", "resources/downloads/sample.zip", sha256=sha256(payload))
    assert (tmp_path / "resources/downloads/sample.zip").read_bytes() == payload


def test_missing_local_source_names_it(tmp_path: Path) -> None:
    target = tmp_path / "out.zip"
    with pytest.raises(DownloadError, match=r"nowhere\.zip"):
        download(str(tmp_path / "nowhere.zip"), target)
    assert_nothing_left(target)


def test_unsupported_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="ftp"):
        download("ftp://example.org/camels.zip", tmp_path / "out.zip")


def test_local_checksum_mismatch_names_file_and_values(tmp_path: Path, payload: bytes) -> None:
    source = tmp_path / "camels.zip"
    source.write_bytes(payload)
    target = tmp_path / "downloads" / "camels.zip"
    wrong = "0" * 64
    with pytest.raises(VerificationError) as caught:
        download(str(source), target, sha256=wrong)
    message = str(caught.value)
    assert "camels.zip" in message
    assert wrong in message
    assert sha256(payload) in message
    assert_nothing_left(target)


def test_verified_target_is_not_fetched_again(tmp_path: Path, payload: bytes) -> None:
    target = tmp_path / "camels.zip"
    target.write_bytes(payload)
    # The source does not exist: any attempt to fetch it would fail.
    download(str(tmp_path / "gone.zip"), target, sha256=sha256(payload))
    assert target.read_bytes() == payload


def test_unverified_target_is_replaced(tmp_path: Path, payload: bytes) -> None:
    source = tmp_path / "source.zip"
    source.write_bytes(payload)
    target = tmp_path / "camels.zip"
    target.write_bytes(b"stale bytes from an older run")
    download(str(source), target, sha256=sha256(payload))
    assert target.read_bytes() == payload


# --- HTTP --------------------------------------------------------------------------------------


def test_http_download(tmp_path: Path, payload: bytes, server: RangeServer) -> None:
    url = server.serve("/camels.zip", payload)
    target = tmp_path / "camels.zip"
    download(url, target, sha256=sha256(payload), size_bytes=SIZE, chunk_bytes=4096, **FAST)
    assert target.read_bytes() == payload
    assert [(r.range, r.status) for r in server.requests] == [(None, 200)]


def test_dropped_connection_is_resumed_with_range(
    tmp_path: Path, payload: bytes, server: RangeServer
) -> None:
    url = server.serve("/camels.zip", payload, drop_after=[100_000, 50_000])
    target = tmp_path / "camels.zip"
    download(url, target, sha256=sha256(payload), **FAST)
    assert target.read_bytes() == payload
    assert [r.range for r in server.requests] == [None, "bytes=100000-", "bytes=150000-"]
    assert [r.status for r in server.requests] == [200, 206, 206]


def test_read_timeout_is_retried_and_resumed(
    tmp_path: Path, payload: bytes, server: RangeServer
) -> None:
    url = server.serve("/camels.zip", payload, stall_after=[70_000])
    target = tmp_path / "camels.zip"
    download(url, target, sha256=sha256(payload), **{**FAST, "timeout_s": 0.5})
    assert target.read_bytes() == payload
    assert [r.range for r in server.requests] == [None, "bytes=70000-"]


def test_rerun_continues_the_part_file_of_an_interrupted_run(
    tmp_path: Path, payload: bytes, server: RangeServer
) -> None:
    url = server.serve("/camels.zip", payload, drop_after=[120_000])
    target = tmp_path / "camels.zip"
    # First run: the connection drops and no retry is allowed.
    with pytest.raises(DownloadError, match="Rerun to continue"):
        download(url, target, sha256=sha256(payload), retries=0, timeout_s=2.0, backoff_s=0.0)
    assert not target.exists()
    assert part_path(target).read_bytes() == payload[:120_000]
    # Second run (as Snakemake would start it): continues from byte 120000.
    download(url, target, sha256=sha256(payload), **FAST)
    assert target.read_bytes() == payload
    assert server.requests[-1].range == "bytes=120000-"
    assert not part_path(target).exists()


def test_existing_part_is_continued_with_range(
    tmp_path: Path, payload: bytes, server: RangeServer
) -> None:
    url = server.serve("/camels.zip", payload)
    target = tmp_path / "camels.zip"
    part_path(target).write_bytes(payload[:1000])
    download(url, target, sha256=sha256(payload), **FAST)
    assert target.read_bytes() == payload
    assert [(r.range, r.status) for r in server.requests] == [("bytes=1000-", 206)]


def test_complete_part_answered_416_is_verified_and_kept(
    tmp_path: Path, payload: bytes, server: RangeServer
) -> None:
    url = server.serve("/camels.zip", payload)
    target = tmp_path / "camels.zip"
    part_path(target).write_bytes(payload)
    download(url, target, sha256=sha256(payload), **FAST)
    assert target.read_bytes() == payload
    assert [(r.range, r.status) for r in server.requests] == [(f"bytes={SIZE}-", 416)]


def test_server_ignoring_range_restarts_from_zero(
    tmp_path: Path, payload: bytes, server: RangeServer
) -> None:
    url = server.serve("/camels.zip", payload, ignore_range=True)
    target = tmp_path / "camels.zip"
    part_path(target).write_bytes(b"x" * 5000)  # would corrupt the file if appended to
    download(url, target, sha256=sha256(payload), **FAST)
    assert target.read_bytes() == payload
    assert [r.status for r in server.requests] == [200]


def test_corrupt_part_fails_checksum_and_rerun_starts_clean(
    tmp_path: Path, payload: bytes, server: RangeServer
) -> None:
    url = server.serve("/camels.zip", payload)
    target = tmp_path / "camels.zip"
    part_path(target).write_bytes(b"x" * 1000)  # not the first 1000 bytes of the file
    with pytest.raises(VerificationError, match="sha256 mismatch"):
        download(url, target, sha256=sha256(payload), **FAST)
    assert_nothing_left(target)
    download(url, target, sha256=sha256(payload), **FAST)
    assert target.read_bytes() == payload
    assert server.requests[-1].range is None


@pytest.mark.parametrize("status", [503, 500, 429])
def test_transient_http_errors_are_retried(
    tmp_path: Path, payload: bytes, server: RangeServer, status: int
) -> None:
    url = server.serve("/camels.zip", payload, statuses=[status, status])
    target = tmp_path / "camels.zip"
    download(url, target, sha256=sha256(payload), **FAST)
    assert target.read_bytes() == payload
    assert [r.status for r in server.requests] == [status, status, 200]


def test_retries_are_bounded(tmp_path: Path, payload: bytes, server: RangeServer) -> None:
    url = server.serve("/camels.zip", payload, statuses=[503] * 10)
    target = tmp_path / "camels.zip"
    with pytest.raises(DownloadError, match=r"giving up after 4 failed attempt\(s\) in a row.*503"):
        download(url, target, **FAST)
    assert len(server.requests) == 4
    assert not target.exists()


@pytest.mark.parametrize("status", [404, 403])
def test_permanent_http_errors_are_not_retried(
    tmp_path: Path, server: RangeServer, status: int
) -> None:
    server.serve("/other.zip", b"irrelevant", statuses=[status] * 5)
    url = server.url("/missing.zip") if status == 404 else server.url("/other.zip")
    target = tmp_path / "camels.zip"
    with pytest.raises(DownloadError, match=f"HTTP {status}"):
        download(url, target, **FAST)
    assert len(server.requests) == 1
    assert_nothing_left(target)


def test_http_checksum_mismatch(tmp_path: Path, payload: bytes, server: RangeServer) -> None:
    url = server.serve("/camels.zip", payload)
    target = tmp_path / "camels.zip"
    wrong = "f" * 64
    with pytest.raises(VerificationError) as caught:
        download(url, target, sha256=wrong, **FAST)
    assert "camels.zip.part" in str(caught.value)
    assert wrong in str(caught.value)
    assert sha256(payload) in str(caught.value)
    assert_nothing_left(target)


def test_size_mismatch_names_expected_and_actual(
    tmp_path: Path, payload: bytes, server: RangeServer
) -> None:
    url = server.serve("/camels.zip", payload)
    target = tmp_path / "camels.zip"
    with pytest.raises(VerificationError, match=f"expected {SIZE + 1} bytes, got {SIZE}"):
        download(url, target, size_bytes=SIZE + 1, **FAST)
    assert_nothing_left(target)


def test_progress_is_logged(
    tmp_path: Path, payload: bytes, server: RangeServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = server.serve("/camels.zip", payload)
    with caplog.at_level(logging.INFO, logger="camels_lstm.data.download"):
        download(url, tmp_path / "a.zip", progress_every_s=0.0, chunk_bytes=65536, **FAST)
    progress = [r.getMessage() for r in caplog.records if "%" in r.getMessage()]
    assert len(progress) >= 4
    assert all("MB/s" in line for line in progress)
    assert "100.0 %" in progress[-1]
    assert any("not pinned" in r.getMessage() for r in caplog.records)

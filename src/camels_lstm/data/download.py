"""Download one file (https, http, file:// or a local path), resumable and verified.

The data are streamed to ``<target>.part`` beside the target. An interrupted HTTP download is
continued with a ``Range`` request when rerun (or on the next retry); transient failures
(connection reset, time-outs, HTTP 5xx/408/429, a body shorter than announced) are retried with
exponential backoff, permanent ones (404, 403, ...) are not. Size and sha256 are checked when
given; only a verified file is renamed (atomically) to ``target``, so a file at ``target`` can
always be trusted. Standard library only.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

RETRY_HTTP_STATUS = frozenset({408, 429, 500, 502, 503, 504})
USER_AGENT = "camels-lstm-download/0.1 (python urllib)"
MB = 1024 * 1024


class DownloadError(RuntimeError):
    """The download failed; the message names the source and what went wrong."""


class VerificationError(DownloadError):
    """The downloaded bytes do not match the expected size or sha256."""


class _TransientError(Exception):
    """A failure worth retrying (the message says what happened)."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class _Progress:
    """Log bytes, percentage and rate at most every ``every_s`` seconds."""

    def __init__(self, label: str, total: int | None, start: int, every_s: float) -> None:
        self.label = label
        self.total = total
        self.start = start
        self.done = start
        self.every_s = every_s
        self.started = time.monotonic()
        self.last_log = self.started

    def advance(self, n_bytes: int) -> None:
        self.done += n_bytes
        now = time.monotonic()
        if now - self.last_log >= self.every_s:
            self.last_log = now
            logger.info("%s: %s", self.label, self.describe(now))

    def describe(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.started, 1e-9)
        rate = (self.done - self.start) / MB / elapsed
        text = f"{self.done / MB:.1f} MB"
        if self.total:
            text += f" of {self.total / MB:.1f} MB ({100 * self.done / self.total:.1f} %)"
        return f"{text} at {rate:.2f} MB/s"


def part_path(target: str | Path) -> Path:
    """Where the unverified bytes of ``target`` are collected."""
    target = Path(target)
    return target.with_name(target.name + ".part")


def sha256_of(path: str | Path, chunk_bytes: int = 4 * MB) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def _local_source(url: str) -> Path | None:
    """The local path of a file:// URL or plain path; None for http(s)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return None
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise DownloadError(f"{url}: file:// URLs must name a local path (no host)")
        return Path(urllib.request.url2pathname(parts.path))
    if scheme and len(scheme) > 1:
        raise DownloadError(f"{url}: unsupported URL scheme {scheme!r} (use https, http, file)")
    return Path(url)


def _copy_local(source: Path, part: Path, every_s: float, chunk_bytes: int) -> None:
    if not source.is_file():
        raise DownloadError(f"source file {source} does not exist (or is not a file)")
    progress = _Progress(f"copying {source}", source.stat().st_size, 0, every_s)
    with source.open("rb") as reader, part.open("wb") as writer:
        while chunk := reader.read(chunk_bytes):
            writer.write(chunk)
            progress.advance(len(chunk))
    logger.info("copied %s: %s", source, progress.describe())


def _content_range(value: str | None) -> tuple[int | None, int | None]:
    """(first byte, total size) of a Content-Range header; None where absent or '*'."""
    match = re.fullmatch(r"\s*bytes\s+(?:(\d+)-\d+|\*)/(\d+|\*)\s*", value or "")
    if not match:
        return None, None
    first, total = match.groups()
    return (int(first) if first else None), (int(total) if total and total != "*" else None)


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After") if error.headers else None
    return float(value) if value and value.strip().isdigit() else None


def _http_attempt(
    url: str,
    part: Path,
    *,
    size_bytes: int | None,
    timeout_s: float,
    every_s: float,
    chunk_bytes: int,
) -> None:
    """One request: continue ``part`` from its current size. Raises _TransientError to retry."""
    offset = part.stat().st_size if part.exists() else 0
    if size_bytes is not None and offset > size_bytes:
        logger.warning(
            "%s holds %d bytes, more than the expected %d: restarting", part, offset, size_bytes
        )
        part.unlink()
        offset = 0
    if size_bytes is not None and offset == size_bytes:
        logger.info("%s already holds all %d bytes", part, offset)
        return
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:
            _, total = _content_range(error.headers.get("Content-Range"))
            if total is None or total == offset:
                logger.info("%s: server says %s is already complete (HTTP 416)", url, part)
                return
            part.unlink()
            raise _TransientError(
                f"HTTP 416: server has {total} bytes, {part} has {offset}; restarting"
            ) from None
        if error.code in RETRY_HTTP_STATUS:
            raise _TransientError(
                f"HTTP {error.code} {error.reason}", _retry_after(error)
            ) from None
        raise DownloadError(f"{url}: HTTP {error.code} {error.reason} (not retried)") from None
    with response:
        status = response.status
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        if status == 206:
            first, total = _content_range(response.headers.get("Content-Range"))
            if first != offset:
                part.unlink(missing_ok=True)
                raise _TransientError(
                    f"server answered the range from byte {offset} with one from {first}; "
                    "restarting from the beginning"
                )
            mode = "ab"
        else:
            if offset:
                logger.warning(
                    "%s: server ignored the range request (HTTP %d): restarting from byte 0",
                    url,
                    status,
                )
            offset, total, mode = 0, expected, "wb"
        if offset:
            logger.info("resuming %s at byte %d", url, offset)
        progress = _Progress(f"downloading {url}", total or size_bytes, offset, every_s)
        received = 0
        with part.open(mode) as writer:
            while chunk := response.read1(chunk_bytes):
                writer.write(chunk)
                received += len(chunk)
                progress.advance(len(chunk))
    if expected is not None and received < expected:
        raise _TransientError(
            f"connection closed after {received} of {expected} bytes of this response"
        )
    logger.info("downloaded %s: %s", url, progress.describe())


def _download_http(
    url: str,
    part: Path,
    *,
    size_bytes: int | None,
    retries: int,
    timeout_s: float,
    backoff_s: float,
    max_backoff_s: float,
    every_s: float,
    chunk_bytes: int,
) -> None:
    failures = 0
    while True:
        before = part.stat().st_size if part.exists() else 0
        try:
            _http_attempt(
                url,
                part,
                size_bytes=size_bytes,
                timeout_s=timeout_s,
                every_s=every_s,
                chunk_bytes=chunk_bytes,
            )
            return
        except (
            _TransientError,
            urllib.error.URLError,
            http.client.HTTPException,
            OSError,
        ) as error:
            if isinstance(error, urllib.error.URLError) and not isinstance(error.reason, OSError):
                raise DownloadError(f"{url}: {error.reason}") from error
            after = part.stat().st_size if part.exists() else 0
            # An attempt that got further than the last one does not count against the retries.
            failures = 1 if after > before else failures + 1
            if failures > retries:
                raise DownloadError(
                    f"{url}: giving up after {failures} failed attempt(s) in a row "
                    f"(retries={retries}); last error: {error}. "
                    f"Rerun to continue from byte {after} of {part}."
                ) from error
            delay = min(backoff_s * 2 ** (failures - 1), max_backoff_s)
            if isinstance(error, _TransientError) and error.retry_after_s is not None:
                delay = min(max(delay, error.retry_after_s), max_backoff_s)
            logger.warning(
                "%s: %s; retry %d of %d in %.1f s (have %d bytes)",
                url,
                error,
                failures,
                retries,
                delay,
                after,
            )
            time.sleep(delay)


def _verify(url: str, part: Path, sha256: str | None, size_bytes: int | None) -> str:
    """Check size and sha256 of ``part``; delete it and raise on mismatch. Returns the sha256."""
    size = part.stat().st_size
    if size_bytes is not None and size != size_bytes:
        part.unlink()
        raise VerificationError(
            f"{url}: size mismatch for {part}: expected {size_bytes} bytes, got {size} "
            "(file deleted: check the source and the expected value, then rerun)"
        )
    actual = sha256_of(part)
    if sha256 is not None and actual != sha256.lower():
        part.unlink()
        raise VerificationError(
            f"{url}: sha256 mismatch for {part}: expected {sha256.lower()}, got {actual} "
            "(file deleted: check the source and the expected value, then rerun)"
        )
    return actual


def download(
    url: str,
    target: str | Path,
    *,
    sha256: str | None = None,
    size_bytes: int | None = None,
    retries: int = 5,
    timeout_s: float = 60.0,
    backoff_s: float = 2.0,
    max_backoff_s: float = 120.0,
    progress_every_s: float = 5.0,
    chunk_bytes: int = MB,
) -> Path:
    """Download ``url`` to ``target`` and return ``target``.

    Parameters
    ----------
    url
        ``https://``, ``http://`` or ``file://`` URL, or a local path (relative to the cwd).
    sha256, size_bytes
        Expected checksum (hex) and size; checked before the file is moved to ``target``.
    retries
        Consecutive failed attempts without progress tolerated per call (HTTP only).
    timeout_s
        Socket time-out of each connect and read.

    Raises
    ------
    DownloadError
        Permanent HTTP error, missing local source, or retries exhausted (the ``.part`` file
        is kept so a rerun resumes).
    VerificationError
        Size or sha256 mismatch (the ``.part`` file is deleted).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(target)
    if sha256 is not None and target.is_file() and sha256_of(target) == sha256.lower():
        logger.info("%s already present with the expected sha256; nothing to do", target)
        return target
    started = time.monotonic()
    local = _local_source(url)
    if local is not None:
        logger.info("copying %s to %s", local, target)
        _copy_local(local, part, progress_every_s, chunk_bytes)
    else:
        logger.info(
            "downloading %s to %s (retries=%d, timeout=%.0f s)", url, target, retries, timeout_s
        )
        _download_http(
            url,
            part,
            size_bytes=size_bytes,
            retries=retries,
            timeout_s=timeout_s,
            backoff_s=backoff_s,
            max_backoff_s=max_backoff_s,
            every_s=progress_every_s,
            chunk_bytes=chunk_bytes,
        )
    actual = _verify(url, part, sha256, size_bytes)
    part.replace(target)
    size = target.stat().st_size
    checked = "sha256 verified" if sha256 else f"sha256 {actual} (not pinned in the config)"
    logger.info(
        "%s ready: %.1f MB in %.1f s; %s", target, size / MB, time.monotonic() - started, checked
    )
    return target

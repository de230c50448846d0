"""Make Shyft's own environment (``make venv`` runs
``python -m camels_lstm.conceptual.shyft_setup .venv-shyft requirements-shyft.txt``).

1. a virtual environment of this Python (3.11: shyft 13.0.3 has wheels up to cp311) with the
   pinned packages of ``requirements-shyft.txt`` (NumPy 1.26; why: :mod:`.shyft_env`);
2. OpenSSL 1.1 from the registry wheel of ``psycopg2-binary`` 2.9.5 (checked against its
   sha256, never fetched from anywhere else) into ``<environment>/shyft-libs``:
   ``libssl.so.1.1`` and ``libcrypto.so.1.1`` (a link to the wheel's hashed name, which
   libssl asks for);
3. Debian's ``libblas3``, ``liblapack3`` and ``libsnappy1v5``: installed with apt-get when
   run as root and missing, otherwise named with the command to install them; ``libcblas.so.3``
   in ``shyft-libs`` links to Debian's ``libblas.so.3``, which carries the cblas symbols;
4. a check that Shyft imports with those libraries, then the stamp ``<environment>/.installed``.

Where a step cannot be done, it says which and how to do it by hand, writes no stamp and
exits 0 (``--strict``: 1), so that ``make venv`` still makes the workflow's own environment;
the workflow then refuses its Shyft experiments at the dry run, with the same message.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from camels_lstm.conceptual.shyft_env import (
    APT_PACKAGES,
    LIBRARY_FOLDER,
    SYSTEM_LIBRARIES,
    problem,
    system_library_present,
)

OPENSSL_WHEEL = "psycopg2-binary==2.9.5"
OPENSSL_WHEEL_FILE = (
    "psycopg2_binary-2.9.5-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
)
OPENSSL_WHEEL_SHA256 = "bcda1c84a1c533c528356da5490d464a139b6e84eb77cc0b432e38c5c6dd7882"
OPENSSL_MEMBERS = {  # member of the wheel -> file in shyft-libs
    "psycopg2_binary.libs/libssl-3a880ada.so.1.1": "libssl.so.1.1",
    "psycopg2_binary.libs/libcrypto-2ade47cd.so.1.1": "libcrypto-2ade47cd.so.1.1",
}
OPENSSL_LINKS = {"libcrypto.so.1.1": "libcrypto-2ade47cd.so.1.1"}
BLAS = "libblas.so.3"


class SetupError(RuntimeError):
    """A step of the set-up that failed; the message says how to do it by hand."""


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise SetupError(f"{what} failed (exit {result.returncode}): {' '.join(command)}\n{tail}")


def make_environment(environment: Path, requirements: Path) -> None:
    if sys.version_info[:2] != (3, 11):
        raise SetupError(
            f"shyft 13.0.3 has wheels for Python 3.7-3.11 only; this is Python "
            f"{sys.version.split()[0]}: run this module with a Python 3.11"
        )
    python = environment / "bin" / "python"
    if not python.exists():
        _run([sys.executable, "-m", "venv", str(environment)], "creating the virtual environment")
    _run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], "upgrading pip")
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)],
        f"installing {requirements}",
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extract_openssl(wheel: Path, libraries: Path) -> None:
    """OpenSSL 1.1 of the pinned wheel into ``libraries``; refuses a wheel of another hash."""
    found = sha256_of(wheel)
    if found != OPENSSL_WHEEL_SHA256:
        raise SetupError(
            f"{wheel}: sha256 {found}, expected {OPENSSL_WHEEL_SHA256} ({OPENSSL_WHEEL}); "
            "refusing to take libraries from it"
        )
    libraries.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for member, name in OPENSSL_MEMBERS.items():
            staged = libraries / f".{name}.partial"
            staged.write_bytes(archive.read(member))
            staged.replace(libraries / name)
    for link, target in OPENSSL_LINKS.items():
        (libraries / link).unlink(missing_ok=True)
        (libraries / link).symlink_to(target)


def fetch_openssl(python: Path, libraries: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _run(
            [
                str(python), "-m", "pip", "download", "--quiet", "--no-deps",
                "--only-binary=:all:", "--platform", "manylinux2014_x86_64",
                "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
                "--dest", folder, OPENSSL_WHEEL,
            ],
            f"downloading {OPENSSL_WHEEL} (the wheel that carries OpenSSL 1.1)",
        )  # fmt: skip
        extract_openssl(Path(folder) / OPENSSL_WHEEL_FILE, libraries)


def library_path(name: str) -> Path | None:
    """Where the dynamic linker's cache has ``name`` (``ldconfig -p``), None if nowhere."""
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    try:
        listing = subprocess.run([ldconfig, "-p"], capture_output=True, text=True).stdout
    except OSError:
        return None
    for line in listing.splitlines():
        entry, _, path = line.partition("=>")
        if entry.strip().startswith(name + " ") and Path(path.strip()).exists():
            return Path(path.strip())
    return None


def install_debian_libraries() -> None:
    """apt-get install the Debian libraries that are missing (as root), or say how."""
    missing = [name for name in (BLAS, *SYSTEM_LIBRARIES) if not system_library_present(name)]
    if not missing:
        return
    command = ["apt-get", "install", "-y", "-q", *APT_PACKAGES]
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SetupError(
            f"Shyft needs {', '.join(missing)}; install them with: sudo {' '.join(command)}"
        )
    try:
        _run(command, "apt-get install")
    except SetupError:  # a fresh machine may have no package lists yet
        _run(["apt-get", "update", "-q"], "apt-get update")
        _run(command, "apt-get install")


def link_cblas(libraries: Path) -> None:
    blas = library_path(BLAS)
    if blas is None:
        raise SetupError(f"{BLAS} not found after installing libblas3")
    link = libraries / "libcblas.so.3"
    link.unlink(missing_ok=True)
    link.symlink_to(blas)


def setup(environment: Path, requirements: Path) -> None:
    make_environment(environment, requirements)
    libraries = environment / LIBRARY_FOLDER
    fetch_openssl(environment / "bin" / "python", libraries)
    install_debian_libraries()
    link_cblas(libraries)
    reason = problem(environment)
    if reason:
        raise SetupError(reason)
    (environment / ".installed").write_text(f"{requirements.read_text()}\n{OPENSSL_WHEEL}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("environment", type=Path)
    parser.add_argument("requirements", type=Path)
    parser.add_argument("--strict", action="store_true", help="exit 1 where a step fails")
    arguments = parser.parse_args(argv)
    environment = arguments.environment.resolve()
    (environment / ".installed").unlink(missing_ok=True)
    try:
        setup(environment, arguments.requirements)
    except SetupError as error:
        print(
            f"Shyft's environment {environment} is not ready: {error}\nThe workflow runs "
            "without it; its Shyft experiments are refused until it is ready.",
            file=sys.stderr,
        )
        return 1 if arguments.strict else 0
    print(f"Shyft's environment is ready: {environment}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

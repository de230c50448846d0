"""Refuse at workflow start a forcing product or period that the configured data cannot serve.

Called by :func:`camels_lstm.config.validate_config` (``check_data=True``, as the Snakefile does),
so that such a run stops before any job, not at the store build or with an empty test summary:

- with ``camels.dir``: the copy must hold the product folder(s) the conversion reads (the
  configured product and, for ``camels.streamflow_area: daymet_header``, Daymet; the message
  lists the products present), and the forcing file of every basin of the run must cover the
  configured periods (first and last line of each file; check ``period_not_covered``);
- with downloads: when every archive is a known official one
  (:data:`camels_lstm.data.catalogue.KNOWN_ARCHIVES`), they must hold those products, and the
  known span of the product (:data:`~camels_lstm.data.catalogue.FORCING_COVERAGE`) must cover
  the periods; once the archives are extracted, the extracted files are checked as a copy's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from camels_lstm.data.areas import area_forcing_products
from camels_lstm.data.catalogue import FORCING_COVERAGE, known_archive_contents
from camels_lstm.data.layout import (
    FORCING_DIR,
    CamelsFileError,
    find_folder,
    forcing_product,
    index_basin_files,
    locate_layout,
)
from camels_lstm.data.quality import ERROR, Finding, coverage_findings, resolve_policies

logger = logging.getLogger(__name__)
_IGNORED = ("__MACOSX",)


class DataSourceError(CamelsFileError):
    """The configured data cannot serve the run; the message names the config key."""


def products_present(root: Path) -> list[str]:
    """Names of the folders under ``basin_mean_forcing/`` of a CAMELS copy (one level down too)."""
    candidates = [root / FORCING_DIR]
    candidates += [
        folder / FORCING_DIR
        for folder in root.iterdir()
        if folder.is_dir() and not folder.name.startswith(".") and folder.name not in _IGNORED
    ]
    return sorted(
        {
            product.name
            for forcing_dir in candidates
            if forcing_dir.is_dir()
            for product in forcing_dir.iterdir()
            if product.is_dir() and not product.name.startswith(".")
        }
    )


def _product_key(product: str, forcing: str) -> str:
    return "camels.forcing" if product == forcing else "camels.streamflow_area"


def _why(product: str, forcing: str) -> str:
    if product == forcing:
        return f"forcing product {product!r}"
    return (
        "the Daymet forcing files, whose headers give the basin areas of "
        "camels.streamflow_area 'daymet_header' (or set it to 'forcing_header' or 'area_gages2')"
    )


def check_copy_products(root: Path, products: Sequence[str], forcing: str) -> None:
    """Each of ``products`` must have its folder under ``root``; the error lists those present."""
    for product in products:
        folder, _suffix = forcing_product(product)
        try:
            find_folder(root, f"{FORCING_DIR}/{folder}")
        except CamelsFileError as error:
            if "expected once" in str(error):  # found twice: that message names both
                raise DataSourceError(f"config key 'camels.dir': {error}") from None
            present = products_present(root)
            raise DataSourceError(
                f"config key '{_product_key(product, forcing)}': the run needs "
                f"{_why(product, forcing)}, but the CAMELS copy {root} has no folder "
                f"{FORCING_DIR}/{folder}/ (in it or one folder down); products present: "
                f"{', '.join(present) or 'none'}"
            ) from None


def _raise_or_warn(findings: Sequence[Finding]) -> list[str]:
    errors = [f.message for f in findings if f.policy == ERROR]
    if errors:
        shown = errors[:20] + ([f"... and {len(errors) - 20} more"] if len(errors) > 20 else [])
        raise DataSourceError(
            "the forcing does not cover the configured periods (or set "
            "'data_checks.period_not_covered: warn'):\n  " + "\n  ".join(shown)
        )
    warnings = [f.message for f in findings]
    for message in warnings:
        logger.warning("%s", message)
    return warnings


def check_copy_coverage(
    root: Path,
    forcing: str,
    basins: Sequence[str],
    periods: Mapping[str, Mapping[str, str]],
    policy: str,
) -> list[str]:
    """The forcing file of each basin (present in the copy) must cover every period."""
    from camels_lstm.data.timeseries_chunks import forcing_date_span  # zarr: only when needed

    layout = locate_layout(root, forcing)
    files = index_basin_files(layout.forcing_dir, layout.forcing_suffix)
    findings = []
    for basin in basins:
        if basin not in files:
            continue  # the store build names the missing file
        span = forcing_date_span(files[basin])
        if span is not None:  # else the store build parses the file in full
            findings += coverage_findings(basin, files[basin], span, periods, policy)
    return _raise_or_warn(findings)


def check_archive_contents(
    urls: Sequence[str],
    products: Sequence[str],
    forcing: str,
    periods: Mapping[str, Mapping[str, str]],
    policy: str,
) -> list[str]:
    """Products and spans of known official archives (nothing is known about other archives)."""
    contents = known_archive_contents(urls)
    if contents is None:
        return []
    present = sorted({p for c in contents for p in c.forcing_products})
    for product in products:
        if product not in present:
            raise DataSourceError(
                f"config key '{_product_key(product, forcing)}': the run needs "
                f"{_why(product, forcing)}, but the configured archive(s) "
                f"{', '.join(Path(u).name for u in urls)} hold the forcing product(s) "
                f"{', '.join(present) or 'none'}"
            )
    if forcing not in FORCING_COVERAGE:
        return []
    first, last = (np.datetime64(day, "D") for day in FORCING_COVERAGE[forcing])
    source = Path(f"the {forcing} files of the official archive")
    return _raise_or_warn(coverage_findings("(all)", source, (first, last), periods, policy))


def check_data_sources(
    config: Mapping[str, Any],
    basins: Sequence[str],
    workdir: str | Path = ".",
    extracted: str | Path | None = None,
) -> list[str]:
    """Check the configured CAMELS copy or archives against the run; return the warnings.

    ``extracted``: where the archives are extracted to (checked as a copy once it holds the
    product), relative to ``workdir``.

    Raises
    ------
    DataSourceError
        Naming the config key, the folder or archive, and what is present.
    """
    camels = config["camels"]
    forcing = camels["forcing"]
    products = area_forcing_products(forcing, camels["streamflow_area"])
    policy = resolve_policies(config.get("data_checks"))["period_not_covered"]
    periods = config["periods"]
    workdir = Path(workdir)
    if camels["dir"] is not None:
        root = workdir / Path(camels["dir"])
        if not root.is_dir():
            raise DataSourceError(
                f"config key 'camels.dir': the CAMELS copy {root} does not exist or is not a folder"
            )
        check_copy_products(root, products, forcing)
        return check_copy_coverage(root, forcing, basins, periods, policy)
    urls = [download["url"] for download in camels["downloads"].values()]
    warnings = check_archive_contents(urls, products, forcing, periods, policy)
    tree = None if extracted is None else workdir / Path(extracted)
    if tree is not None and tree.is_dir():
        try:
            check_copy_products(tree, products, forcing)
        except DataSourceError:
            return warnings  # extracted for another product: extraction runs again
        warnings += check_copy_coverage(tree, forcing, basins, periods, policy)
    return warnings

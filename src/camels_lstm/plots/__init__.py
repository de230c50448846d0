"""Figures of the evaluation stage: NSE CDF, per-basin scatter, NSE-difference map, hydrographs.

Each module separates the data a figure shows (a pure function, tested) from the drawing. All
figures use :func:`journal_style` and are written as PNG and PDF by :func:`save_figure`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from camels_lstm.atomic_output import atomic_path

SINGLE_COLUMN_INCHES = 3.5
DOUBLE_COLUMN_INCHES = 7.2

JOURNAL_RC = {
    "font.size": 8,
    "axes.labelsize": 8,
    "axes.titlesize": 8,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.0,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 150,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.03,
    "pdf.fonttype": 42,
    "legend.frameon": False,
}


@contextlib.contextmanager
def journal_style() -> Iterator[None]:
    """Matplotlib settings for figures printed at journal column width."""
    with plt.rc_context(JOURNAL_RC):
        yield


def experiment_label(name: str) -> str:
    return name.replace("_", " ")


def save_figure(figure: Figure, png_path: str | Path, pdf_path: str | Path) -> None:
    """Write ``figure`` as PNG and PDF via temporary siblings, then close it."""
    try:
        for path in (png_path, pdf_path):
            with atomic_path(path) as temporary:
                figure.savefig(temporary)
    finally:
        plt.close(figure)

"""Text that a job writes, shown in the caption of its report entry.

A Snakemake caption is a Jinja2 template rendered with the job's ``params`` when the report is
built (after the run), but its file path cannot hold wildcards and it cannot read files. A
:class:`FileText` param can: ``{{ snakemake.params.answer.text() }}`` in the caption is the text of
that file. Its ``repr`` is the path only, so it never makes Snakemake see changed params.
"""

from __future__ import annotations

from pathlib import Path

MISSING = "(not written yet: run the workflow before building the report)"


class FileText:
    """A file path whose :meth:`text` is the file's text (stripped), or a note that it is missing.
    Not callable: Snakemake would call a callable param with the job's wildcards."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)

    def text(self) -> str:
        path = Path(self.path)
        return path.read_text(encoding="utf-8").strip() if path.is_file() else MISSING

    def __repr__(self) -> str:
        return f"FileText({self.path!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileText) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

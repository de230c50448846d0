"""Tuning tables: one row per (basin, candidate) with the candidate's settings, its validation
NSE and whether it was chosen (results/<experiment>/tuning.csv)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from camels_lstm.tuning.selection import read_json


def _table_row(basin: str, cid: str, entry: Mapping[str, Any], nse: float, chosen: bool) -> dict:
    return {
        "basin": basin,
        "candidate": cid,
        **entry["settings"],
        "validation_nse": nse,
        "chosen": chosen,
    }


def tuning_table(best_files: Mapping[str, str | Path]) -> Any:
    """Per-basin search: one row per (basin, candidate) with the candidate's settings, its
    validation NSE and whether it is the basin's chosen one."""
    import pandas as pd

    rows = []
    for basin, path in best_files.items():
        record = read_json(path)
        if record.get("basin") != basin:
            raise ValueError(f"{path}: selection of basin {record.get('basin')}, expected {basin}")
        for cid, entry in record["candidates"].items():
            rows.append(_table_row(basin, cid, entry, entry["nse"], cid == record["candidate"]))
    return pd.DataFrame(rows)


def regional_tuning_table(best_path: str | Path, basins: Sequence[str]) -> Any:
    """Regional search: one row per (basin, candidate) like :func:`tuning_table`; ``chosen``
    marks the one candidate chosen for all basins (by median validation NSE)."""
    import pandas as pd

    record = read_json(best_path)
    if record.get("scope") != "regional":
        raise ValueError(f"{best_path}: not the selection of a regional search")
    rows = []
    for basin in basins:
        for cid, entry in record["candidates"].items():
            if basin not in entry["basin_nse"]:
                raise ValueError(f"{best_path}: candidate {cid} has no score for basin {basin}")
            nse = entry["basin_nse"][basin]
            rows.append(_table_row(basin, cid, entry, nse, cid == record["candidate"]))
    return pd.DataFrame(rows)

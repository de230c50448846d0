"""Where a model's dynamic inputs are read (no torch import: the training scripts build this
before their allocator re-exec): the time-series store, and for the ``<experiment>.<output>``
inputs of hybrid LSTMs the simulation store of that conceptual experiment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class InputStores:
    """Where the dynamic inputs of a model are read: the time-series store, and for hybrid
    inputs ``<experiment>.<output>`` the simulation store of that conceptual experiment."""

    store: str | Path
    conceptual: Mapping[str, str | Path]

    def source(self, name: str) -> tuple[str | Path, str]:
        """(store, variable) of dynamic input ``name``."""
        experiment, dot, output = name.partition(".")
        if not dot:
            return self.store, name
        from camels_lstm.conceptual.spec import CONCEPTUAL_OUTPUTS

        if experiment not in self.conceptual or output not in CONCEPTUAL_OUTPUTS:
            raise KeyError(
                f"input {name!r}: no simulation store of conceptual experiment {experiment!r} "
                f"given (given: {sorted(self.conceptual)}) or unknown output {output!r}"
            )
        return self.conceptual[experiment], CONCEPTUAL_OUTPUTS[output][0]


def input_stores(
    store: str | Path | InputStores, conceptual: Mapping[str, str | Path] | None = None
) -> InputStores:
    """``store`` as :class:`InputStores` (a plain path: forcing inputs only)."""
    if isinstance(store, InputStores):
        return store
    return InputStores(store=store, conceptual=dict(conceptual or {}))

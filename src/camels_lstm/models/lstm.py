"""Standard LSTM (torch ``nn.LSTM``, cuDNN on GPU) with a linear head on the last time step."""

from __future__ import annotations

import torch
from torch import nn


class RainfallRunoffLSTM(nn.Module):
    """LSTM whose inputs are the dynamic forcings, with the static attributes (if any) repeated at
    every time step. Dropout acts between stacked layers and on the last hidden state only."""

    def __init__(
        self,
        n_dynamic: int,
        n_static: int,
        hidden_size: int,
        num_layers: int = 1,
        dropout: float = 0.0,
        initial_forget_bias: float = 3.0,
    ) -> None:
        super().__init__()
        self.n_static = n_static
        self.hidden_size = hidden_size
        self.lstm = nn.LSTM(
            input_size=n_dynamic + n_static,
            hidden_size=hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, 1)
        self._set_forget_bias(initial_forget_bias)

    def _set_forget_bias(self, value: float) -> None:
        hidden = self.lstm.hidden_size
        with torch.no_grad():
            for layer in range(self.lstm.num_layers):
                # torch gate order: input, forget, cell, output; the two biases are summed.
                getattr(self.lstm, f"bias_hh_l{layer}")[hidden : 2 * hidden] = 0.0
                getattr(self.lstm, f"bias_ih_l{layer}")[hidden : 2 * hidden] = value

    def _inputs(self, dynamic: torch.Tensor, static: torch.Tensor | None) -> torch.Tensor:
        """The LSTM's inputs: the dynamic inputs with the static attributes repeated each day."""
        if not self.n_static:
            return dynamic
        if static is None:
            raise ValueError("this model was built with static attributes; got none")
        repeated = static[:, None, :].expand(-1, dynamic.shape[1], -1)
        return torch.cat([dynamic, repeated], dim=-1)

    def forward(self, dynamic: torch.Tensor, static: torch.Tensor | None = None) -> torch.Tensor:
        """``dynamic`` (batch, seq, n_dynamic), ``static`` (batch, n_static) -> (batch,)."""
        _, (h_n, _) = self.lstm(self._inputs(dynamic, static))
        return self.head(self.dropout(h_n[-1])).squeeze(-1)

    def forward_sequence(
        self,
        dynamic: torch.Tensor,
        static: torch.Tensor | None = None,
        state: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """The head's output on every day of ``dynamic`` (batch, seq) and the state after the
        last day, starting from ``state`` (zero when None): a long record in pieces."""
        outputs, state = self.lstm(self._inputs(dynamic, static), state)
        return self.head(self.dropout(outputs)).squeeze(-1), state

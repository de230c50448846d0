"""Entity-Aware LSTM (Kratzert et al., 2019, HESS): the static attributes alone drive the input
gate, once per sequence; the dynamic inputs drive the forget gate, cell update and output gate."""

from __future__ import annotations

import torch
from torch import nn


class EntityAwareLSTM(nn.Module):
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
        if n_static < 1:
            raise ValueError(
                "ealstm needs at least one static attribute (it drives the input gate)"
            )
        if num_layers != 1:
            raise ValueError(f"ealstm has exactly one layer, got num_layers={num_layers}")
        self.hidden_size = hidden_size
        self.input_gate = nn.Linear(n_static, hidden_size)
        # Forget gate, cell update, output gate (in this order) from the dynamic inputs ...
        self.dynamic_gates = nn.Linear(n_dynamic, 3 * hidden_size)
        # ... and from the previous hidden state.
        self.recurrent_gates = nn.Linear(hidden_size, 3 * hidden_size, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, 1)
        self._reset_parameters(initial_forget_bias)

    def _reset_parameters(self, forget_bias: float) -> None:
        hidden = self.hidden_size
        with torch.no_grad():
            nn.init.orthogonal_(self.input_gate.weight)
            nn.init.orthogonal_(self.dynamic_gates.weight)
            for gate in range(3):
                nn.init.eye_(self.recurrent_gates.weight[gate * hidden : (gate + 1) * hidden])
            self.input_gate.bias.zero_()
            self.dynamic_gates.bias.zero_()
            self.dynamic_gates.bias[:hidden] = forget_bias

    def forward(self, dynamic: torch.Tensor, static: torch.Tensor | None = None) -> torch.Tensor:
        """``dynamic`` (batch, seq, n_dynamic), ``static`` (batch, n_static) -> (batch,)."""
        if static is None:
            raise ValueError("ealstm needs static attributes")
        _, (h, _) = self._run(dynamic, static, None, keep_hidden=False)
        return self.head(self.dropout(h)).squeeze(-1)

    def forward_sequence(
        self,
        dynamic: torch.Tensor,
        static: torch.Tensor | None = None,
        state: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """The head's output on every day of ``dynamic`` (batch, seq) and the state after the
        last day, starting from ``state`` (zero when None): a long record in pieces."""
        hidden_states, state = self._run(dynamic, static, state, keep_hidden=True)
        return self.head(self.dropout(torch.stack(hidden_states, dim=1))).squeeze(-1), state

    def _run(
        self,
        dynamic: torch.Tensor,
        static: torch.Tensor | None,
        state: tuple[torch.Tensor, torch.Tensor] | None,
        keep_hidden: bool,
    ) -> tuple[list[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
        if static is None:
            raise ValueError("ealstm needs static attributes")
        batch, seq_length, _ = dynamic.shape
        hidden = self.hidden_size
        input_gate = torch.sigmoid(self.input_gate(static))
        from_inputs = self.dynamic_gates(dynamic)  # all time steps in one matrix product
        if state is None:
            h, c = dynamic.new_zeros(batch, hidden), dynamic.new_zeros(batch, hidden)
        else:
            h, c = state
        hidden_states = []
        for step in range(seq_length):
            gates = from_inputs[:, step] + self.recurrent_gates(h)
            forget, update, output = gates.split(hidden, dim=-1)
            c = torch.sigmoid(forget) * c + input_gate * torch.tanh(update)
            h = torch.sigmoid(output) * torch.tanh(c)
            if keep_hidden:
                hidden_states.append(h)
        return hidden_states, (h, c)

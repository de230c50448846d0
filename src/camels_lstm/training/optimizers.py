"""Adam and RMSprop as small in-place tensor updates, with plain-tensor state for checkpoints.

The update rules and constants are those of Adam (Kingma and Ba, 2015; betas 0.9/0.999, eps
1e-8) and of RMSprop as in torch (alpha 0.99, eps 1e-8, no momentum, not centred), without weight
decay; the learning rate has no default here (it comes from the experiment's schedule). Our own
rather than ``torch.optim`` because the first call of any ``torch.optim.Optimizer`` method
imports ``torch._dynamo`` (and with it sympy, torch.distributed, ...): about 70 MB of resident
memory in every training process, a fifth of a 531-basin regional run's data and interpreter
together (benchmarks/README.md). A model has a handful of parameter tensors, so a
per-tensor loop costs nothing next to the LSTM step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import nn

OPTIMIZER_FORMAT = "camels_lstm.optimizer/1"


class Optimizer:
    """Base class: parameters, learning rate ``lr`` (set it between steps), per-tensor state."""

    name = "optimizer"
    buffers: tuple[str, ...] = ()

    def __init__(self, parameters: Iterable[nn.Parameter], lr: float) -> None:
        self.parameters = [p for p in parameters if p.requires_grad]
        self.lr = float(lr)
        self.steps = [0] * len(self.parameters)
        self.state: list[dict[str, torch.Tensor]] = [{} for _ in self.parameters]

    def zero_grad(self) -> None:
        for parameter in self.parameters:
            parameter.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for index, parameter in enumerate(self.parameters):
            if parameter.grad is None:
                continue
            state = self.state[index]
            if not state:
                state.update({name: torch.zeros_like(parameter) for name in self.buffers})
            self.steps[index] += 1
            self._update(parameter, parameter.grad, state, self.steps[index])

    def _update(
        self, parameter: torch.Tensor, grad: torch.Tensor, state: dict[str, torch.Tensor], step: int
    ) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Plain tensors, lists and numbers (loadable with ``weights_only=True``)."""
        return {
            "format": OPTIMIZER_FORMAT,
            "name": self.name,
            "lr": self.lr,
            "steps": list(self.steps),
            "state": [dict(state) for state in self.state],
        }

    def load_state_dict(self, contents: Mapping[str, Any]) -> None:
        if contents.get("format") != OPTIMIZER_FORMAT or contents.get("name") != self.name:
            raise ValueError(
                f"optimizer state is {contents.get('format')}/{contents.get('name')}, "
                f"expected {OPTIMIZER_FORMAT}/{self.name}"
            )
        if len(contents["state"]) != len(self.parameters):
            raise ValueError(
                f"optimizer state has {len(contents['state'])} parameter tensors, "
                f"the model {len(self.parameters)}"
            )
        self.lr = float(contents["lr"])
        self.steps = [int(step) for step in contents["steps"]]
        self.state = [
            {name: value.to(parameter.device, parameter.dtype) for name, value in saved.items()}
            for parameter, saved in zip(self.parameters, contents["state"], strict=True)
        ]


class Adam(Optimizer):
    name = "adam"
    buffers = ("exp_avg", "exp_avg_sq")

    def __init__(
        self,
        parameters: Iterable[nn.Parameter],
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(parameters, lr)
        self.betas = betas
        self.eps = eps

    def _update(
        self, parameter: torch.Tensor, grad: torch.Tensor, state: dict[str, torch.Tensor], step: int
    ) -> None:
        beta1, beta2 = self.betas
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        denominator = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(self.eps)
        parameter.addcdiv_(exp_avg, denominator, value=-self.lr / bias_correction1)


class RMSprop(Optimizer):
    name = "rmsprop"
    buffers = ("square_avg",)

    def __init__(
        self,
        parameters: Iterable[nn.Parameter],
        lr: float,
        alpha: float = 0.99,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(parameters, lr)
        self.alpha = alpha
        self.eps = eps

    def _update(
        self, parameter: torch.Tensor, grad: torch.Tensor, state: dict[str, torch.Tensor], step: int
    ) -> None:
        square_avg = state["square_avg"]
        square_avg.mul_(self.alpha).addcmul_(grad, grad, value=1 - self.alpha)
        parameter.addcdiv_(grad, square_avg.sqrt().add_(self.eps), value=-self.lr)


OPTIMIZERS: dict[str, type[Optimizer]] = {"adam": Adam, "rmsprop": RMSprop}

"""`Adagrad`: per-element learning rates shrinking with the sum of squared gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from teachgrad import creation
from teachgrad.autograd.grad_mode import no_grad
from teachgrad.dtypes import float32
from teachgrad.optim.optimizer import Optimizer, check_non_negative


class Adagrad(Optimizer):
    """PyTorch's Adagrad. For each parameter p with gradient g, at step t = 1, 2, ...:

        g = -g if maximize
        g = g + weight_decay * p                       (when weight_decay != 0)
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                                  (sum, starting at initial_accumulator_value)
        p = p - clr * g / (sqrt(s) + eps)

    state[p]: "step" and "sum", created with the optimizer (as PyTorch does).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                        "initial_accumulator_value": initial_accumulator_value, "maximize": maximize}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = creation.tensor(0.0, dtype=float32)
                state["sum"] = creation.full_like(p, group["initial_accumulator_value"])

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            for p, grad in self._gradients(group):
                state = self.state[p]
                state["step"].add_(1)
                step = state["step"].item()
                if group["weight_decay"] != 0:
                    grad = grad.add(p, alpha=group["weight_decay"])
                clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
                state["sum"].addcmul_(grad, grad, value=1)
                std = state["sum"].sqrt() + group["eps"]
                p.addcdiv_(grad, std, value=-clr)
        return loss

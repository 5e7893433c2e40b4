"""`Adadelta`: step sizes from running averages of squared gradients and of squared updates (no learning rate needed)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from teachgrad.autograd.grad_mode import no_grad
from teachgrad.optim.optimizer import Optimizer, check_non_negative


class Adadelta(Optimizer):
    """PyTorch's Adadelta (Zeiler, 2012). For each parameter p with gradient g, at every step:

        g = -g if maximize
        g = g + weight_decay * p                                 (when weight_decay != 0)
        v = rho * v + (1 - rho) * g * g                          (square_avg)
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta                  (acc_delta)
        p = p - lr * delta

    state[p]: "step", "square_avg", "acc_delta".
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(eps=eps, weight_decay=weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            for p, grad in self._gradients(group):
                state, _ = self._advance_state(p, "square_avg", "acc_delta")
                grad = self._decayed(p, grad, group)
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
                delta = (acc_delta + eps).sqrt() / (square_avg + eps).sqrt() * grad
                acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
                p.add_(delta, alpha=-lr)
        return loss

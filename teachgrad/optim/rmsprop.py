"""`RMSprop`: divide the gradient by a running root mean square of recent gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from teachgrad import creation
from teachgrad.autograd.grad_mode import no_grad
from teachgrad.dtypes import float32
from teachgrad.optim.optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    """PyTorch's RMSprop. For each parameter p with gradient g, at every step:

        g = -g if maximize
        g = g + weight_decay * p                         (when weight_decay != 0)
        v = alpha * v + (1 - alpha) * g * g              (square_avg)
        centered:  a = alpha * a + (1 - alpha) * g       (grad_avg);  denom = sqrt(v - a * a) + eps
        otherwise: denom = sqrt(v) + eps
        momentum > 0:  b = momentum * b + g / denom;  p = p - lr * b     (momentum_buffer)
        otherwise:     p = p - lr * g / denom

    state[p]: "step", "square_avg", "momentum_buffer" (momentum > 0), "grad_avg" (centered).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered, "weight_decay": weight_decay,
                        "maximize": maximize}
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
            for p, grad in self._gradients(group):
                state = self.state[p]
                if not state:
                    state["step"] = creation.tensor(0.0, dtype=float32)
                    state["square_avg"] = creation.zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = creation.zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = creation.zeros_like(p)
                state["step"].add_(1)
                if group["weight_decay"] != 0:
                    grad = grad.add(p, alpha=group["weight_decay"])
                square_avg = state["square_avg"]
                square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                if group["centered"]:
                    grad_avg = state["grad_avg"]
                    grad_avg.lerp_(grad, 1 - alpha)
                    avg = (square_avg - grad_avg * grad_avg).sqrt() + eps
                else:
                    avg = square_avg.sqrt() + eps
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    buf.mul_(momentum).addcdiv_(grad, avg)
                    p.add_(buf, alpha=-lr)
                else:
                    p.addcdiv_(grad, avg, value=-lr)
        return loss

"""`Adamax`: Adam with the infinity norm of past gradients in place of their root mean square."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from teachgrad.autograd.grad_mode import no_grad
from teachgrad.optim.optimizer import Optimizer, check_betas, check_non_negative


class Adamax(Optimizer):
    """PyTorch's Adamax (Kingma & Ba, 2015, section 7). For each parameter p with gradient g, at step t = 1, 2, ...:

        g = -g if maximize
        g = g + weight_decay * p                         (when weight_decay != 0)
        m = beta1 * m + (1 - beta1) * g                  (exp_avg)
        u = max(beta2 * u, |g| + eps)                    (exp_inf)
        p = p - lr / (1 - beta1**t) * m / u

    state[p]: "step", "exp_avg", "exp_inf".
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            for p, grad in self._gradients(group):
                state, step = self._advance_state(p, "exp_avg", "exp_inf")
                grad = self._decayed(p, grad, group)
                exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                exp_avg.lerp_(grad, 1 - beta1)
                exp_inf.copy_(exp_inf.mul_(beta2).maximum(grad.abs() + eps))
                p.addcdiv_(exp_avg, exp_inf, value=-lr / (1 - beta1**step))
        return loss

"""`RAdam`: Adam whose adaptive step is switched on gradually, as the variance of its estimate becomes tractable."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from teachgrad.autograd.grad_mode import no_grad
from teachgrad.optim.optimizer import Optimizer, check_betas, check_non_negative


class RAdam(Optimizer):
    """PyTorch's RAdam (Liu et al., 2020). For each parameter p with gradient g, at step t = 1, 2, ...:

        g = -g if maximize
        p = p * (1 - lr * weight_decay)      if decoupled_weight_decay (RAdamW)
        g = g + weight_decay * p             otherwise (L2 penalty), when weight_decay != 0
        m = beta1 * m + (1 - beta1) * g                           (exp_avg)
        v = beta2 * v + (1 - beta2) * g * g                       (exp_avg_sq)
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)     (length of the approximated moving average)
        rho_t > 5:  r = sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    p = p - lr * m_hat * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r
        otherwise:  p = p - lr * m_hat                            (SGD with momentum)

    state[p]: "step", "exp_avg", "exp_avg_sq".
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            rho_inf = 2 / (1 - beta2) - 1
            for p, grad in self._gradients(group):
                state, step = self._advance_state(p, "exp_avg", "exp_avg_sq")
                grad = self._decayed(p, grad, group)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bias_corrected_exp_avg = exp_avg / (1 - beta1**step)
                bias_correction2 = 1 - beta2**step
                rho_t = rho_inf - 2 * step * beta2**step / bias_correction2
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    adaptive_lr = bias_correction2**0.5 / (exp_avg_sq.sqrt() + eps)
                    p.add_(bias_corrected_exp_avg * lr * adaptive_lr * rect, alpha=-1.0)
                else:
                    p.add_(bias_corrected_exp_avg * lr, alpha=-1.0)
        return loss

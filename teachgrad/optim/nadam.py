"""`NAdam`: Adam with Nesterov momentum (the momentum step is taken with the next step's momentum)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from teachgrad.autograd.grad_mode import no_grad
from teachgrad.optim.optimizer import Optimizer, check_betas, check_non_negative


class NAdam(Optimizer):
    """PyTorch's NAdam (Dozat, 2016). For each parameter p with gradient g, at step t = 1, 2, ...:

        g = -g if maximize
        p = p * (1 - lr * weight_decay)      if decoupled_weight_decay (NAdamW)
        g = g + weight_decay * p             otherwise (L2 penalty), when weight_decay != 0
        mu_t = beta1 * (1 - 0.96 ** (t * momentum_decay) / 2)       (the momentum schedule)
        mu_product = mu_1 * mu_2 * ... * mu_t
        m = beta1 * m + (1 - beta1) * g                             (exp_avg)
        v = beta2 * v + (1 - beta2) * g * g                         (exp_avg_sq)
        denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
              - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom

    state[p]: "step", "mu_product" (float32 0-dim tensors, like PyTorch's), "exp_avg", "exp_avg_sq".
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, momentum_decay = group["lr"], group["betas"], group["eps"], group["momentum_decay"]
            for p, grad in self._gradients(group):
                state, step = self._advance_state(p, "exp_avg", "exp_avg_sq", mu_product=1.0)
                grad = self._decayed(p, grad, group)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
                mu_product = state["mu_product"].mul_(mu).item()
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = (exp_avg_sq / (1 - beta2**step)).sqrt() + eps
                p.addcdiv_(grad, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product))
                p.addcdiv_(exp_avg, denom, value=-lr * mu_next / (1.0 - mu_product * mu_next))
        return loss

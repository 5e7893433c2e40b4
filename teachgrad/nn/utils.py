"""`teachgrad.nn.utils`: gradient clipping and flattening parameters into one vector."""

from __future__ import annotations

import math
from collections.abc import Iterable

from teachgrad.autograd.grad_mode import no_grad
from teachgrad.creation import cat, tensor
from teachgrad.tensor import Tensor


def _with_grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients by min(1, max_norm / (total_norm + 1e-6)); return the total norm.

    total_norm = (sum_p ||p.grad||^q)^(1/q) over all parameters (q = norm_type; inf: largest |g|).
    """
    params = _with_grads(parameters)
    if not params:
        return tensor(0.0)
    if norm_type == math.inf:
        norms = [p.grad.detach().abs().max() for p in params]
        total = norms[0]
        for n in norms[1:]:
            total = total.maximum(n)
    else:
        total = sum((p.grad.detach().abs() ** norm_type).sum() for p in params) ** (1.0 / norm_type)
    if error_if_nonfinite and not bool(total.isfinite()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
                           "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    coefficient = (max_norm / (total + 1e-6)).clamp(max=1.0)
    with no_grad():
        for p in params:
            p.grad.mul_(coefficient.to(p.grad.dtype))
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    with no_grad():
        for p in _with_grads(parameters):
            p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-D tensor."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of vec into the parameters (in place)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected teachgrad.Tensor, but got: {type(vec).__name__}")
    start = 0
    with no_grad():
        for p in parameters:
            count = p.numel()
            p.copy_(vec[start:start + count].reshape(p.shape))
            start += count

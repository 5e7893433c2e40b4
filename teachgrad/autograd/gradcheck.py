"""`gradcheck`: compare backward's gradients with central finite differences.

For inputs x (float64, requires_grad) and outputs y = fn(x):

    analytical:  row i of dy/dx from backward with a one-hot gradient on output element i
    numerical:   column j of dy/dx = (fn(x + eps e_j) - fn(x - eps e_j)) / (2 eps)

Every element of every input and output is compared: |analytical - numerical| <= atol + rtol * |numerical|.

`gradgradcheck` runs the same comparison on the function (x, v) -> v^T dy/dx that backward computes
with `create_graph=True`: its own backward (the recorded backward pass, differentiated) against
finite differences of the first derivatives, which checks every second derivative.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from teachgrad.autograd.engine import grad
from teachgrad.autograd.grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    """Raised by `gradcheck` when backward's gradients differ from finite differences."""


def _outputs(fn: Callable, inputs: Sequence[Any]) -> list:
    out = fn(*inputs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return [o for o in outs if hasattr(o, "requires_grad") and o.dtype.is_floating_point]


def _flat_values(outs: list) -> np.ndarray:
    return np.concatenate([o.detach().numpy().reshape(-1).astype(np.float64) for o in outs]) if outs else np.zeros(0)


def numerical_jacobian(fn: Callable, inputs: Sequence[Any], eps: float) -> list[np.ndarray]:
    """One (outputs x elements) matrix per differentiable input, by central differences."""
    jacobians = []
    for x in inputs:
        if not (hasattr(x, "requires_grad") and x.requires_grad):
            continue
        values = x.detach().numpy()  # shares memory with x: perturb in place, then restore
        columns = []
        for j in np.ndindex(values.shape):
            original = values[j]
            values[j] = original + eps
            with no_grad():
                plus = _flat_values(_outputs(fn, inputs))
            values[j] = original - eps
            with no_grad():
                minus = _flat_values(_outputs(fn, inputs))
            values[j] = original
            columns.append((plus - minus) / (2 * eps))
        if columns:
            jacobians.append(np.stack(columns, axis=1))
        else:  # an empty input: no columns, one row per output element
            with no_grad():
                jacobians.append(np.zeros((_flat_values(_outputs(fn, inputs)).size, 0)))
    return jacobians


def analytical_jacobian(fn: Callable, inputs: Sequence[Any]) -> list[np.ndarray]:
    """One (outputs x elements) matrix per differentiable input, one backward per output element."""
    differentiable = [x for x in inputs if hasattr(x, "requires_grad") and x.requires_grad]
    outs = _outputs(fn, inputs)
    total = sum(o.numel() for o in outs)
    rows = [[np.zeros(x.numel()) for _ in range(total)] for x in differentiable]
    row = 0
    for out in outs:
        for i in range(out.numel()):
            for x in differentiable:
                x.grad = None
            if out.requires_grad:
                seed = np.zeros(out.numel(), dtype=out.dtype.numpy)
                seed[i] = 1.0
                out.backward(out.new_tensor(seed.reshape(out.shape)), retain_graph=True)
            for k, x in enumerate(differentiable):
                if x.grad is not None:
                    rows[k][row] = x.grad.numpy().reshape(-1).astype(np.float64)
            row += 1
    for x in differentiable:
        x.grad = None
    return [np.stack(r) if r else np.zeros((0, x.numel())) for r, x in zip(rows, differentiable)]


def agree(numerical: np.ndarray, analytical: np.ndarray, atol: float, rtol: float) -> bool:
    """Whether every entry satisfies |analytical - numerical| <= atol + rtol * |numerical|."""
    return numerical.shape == analytical.shape and np.allclose(analytical, numerical, atol=atol, rtol=rtol, equal_nan=True)


def largest_errors(numerical: np.ndarray, analytical: np.ndarray, floor: float = 1e-6) -> tuple[float, float]:
    """The largest |analytical - numerical|, and the largest of it / |numerical| where |numerical| > floor."""
    if numerical.shape != analytical.shape:
        return float("nan"), float("nan")
    difference = np.abs(analytical - numerical)
    sizeable = np.abs(numerical) > floor
    absolute = float(np.nanmax(difference)) if difference.size else 0.0
    relative = float(np.nanmax(difference[sizeable] / np.abs(numerical[sizeable]))) if sizeable.any() else 0.0
    return absolute, relative


def gradcheck(fn: Callable, inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Check fn's backward against finite differences on every element; True when they agree."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for x in inputs:
        if hasattr(x, "requires_grad") and x.requires_grad and x.dtype.name != "float64":
            raise GradcheckError(f"gradcheck needs float64 inputs for accurate finite differences, got {x.dtype}")
    numerical = numerical_jacobian(fn, inputs, eps)
    analytical = analytical_jacobian(fn, inputs)
    for index, (num, ana) in enumerate(zip(numerical, analytical)):
        if not agree(num, ana, atol, rtol):
            if not raise_exception:
                return False
            worst, _ = largest_errors(num, ana)
            raise GradcheckError(
                f"Jacobian mismatch for differentiable input {index} (largest difference {worst:.3g}):\n"
                f"numerical:\n{num}\nanalytical:\n{ana}"
            )
    return True


def gradgradcheck(fn: Callable, inputs: Any, grad_outputs: Sequence[Any] | None = None, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check fn's second derivatives: gradcheck of (inputs, v) -> v^T d fn / d inputs, recorded backward.

    `grad_outputs` (the v, one per floating output) default to fixed random float64 tensors that
    require grad, so the derivatives with respect to v are checked too.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    if grad_outputs is None:
        with no_grad():
            outs = _outputs(fn, inputs)
        rng = np.random.default_rng(0)
        grad_outputs = [o.new_tensor(rng.standard_normal(tuple(o.shape))).requires_grad_(True) for o in outs]
    count = len(inputs)

    def first_derivatives(*values: Any) -> tuple:
        differentiable = [x for x in values[:count] if hasattr(x, "requires_grad") and x.requires_grad]
        with enable_grad():
            pairs = [(o, v) for o, v in zip(_outputs(fn, values[:count]), values[count:]) if o.requires_grad]
            if not pairs:
                return ()
            return grad([o for o, _ in pairs], differentiable, [v for _, v in pairs],
                        create_graph=True, allow_unused=True)

    return gradcheck(first_derivatives, inputs + tuple(grad_outputs), eps, atol, rtol, raise_exception)

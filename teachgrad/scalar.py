"""The scalar engine: `Scalar`, a float that records the operations applied to it.

micrograd-sized on purpose: each operation is a `Function` whose docstring states the math, and
backward runs on the same engine as tensors (`teachgrad.autograd.engine`). Gradients of Scalars
are plain Python floats.

    >>> a = Scalar(2.0, requires_grad=True)
    >>> b = a * a + a.exp()
    >>> b.backward()
    >>> round(a.grad, 4)      # d(a^2 + e^a)/da = 2a + e^a
    11.3891
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from teachgrad.autograd.engine import run_backward
from teachgrad.autograd.function import Function
from teachgrad.autograd.variable import Variable

Number = int | float


def _value(x: Any) -> float:
    return x.data if isinstance(x, Scalar) else float(x)


def _is_number(x: Any) -> bool:
    """True for what a Scalar compares with: another Scalar or a real number (not a string)."""
    return isinstance(x, (Scalar, numbers.Real))


class Add(Function):
    """forward:  out = a + b
    backward: dL/da = g,  dL/db = g
    """

    @staticmethod
    def forward(ctx, a, b):
        return Scalar(_value(a) + _value(b))

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    """forward:  out = a - b
    backward: dL/da = g,  dL/db = -g
    """

    @staticmethod
    def forward(ctx, a, b):
        return Scalar(_value(a) - _value(b))

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Function):
    """forward:  out = a * b
    backward: dL/da = g * b,  dL/db = g * a
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(_value(a), _value(b))
        return Scalar(_value(a) * _value(b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


class Div(Function):
    """forward:  out = a / b
    backward: dL/da = g / b,  dL/db = -g * a / b**2
    """

    @staticmethod
    def forward(ctx, a, b):
        a, b = _value(a), _value(b)
        if b == 0.0:
            raise ZeroDivisionError(f"Scalar division by zero ({a} / 0)")
        ctx.save_for_backward(a, b)
        return Scalar(a / b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g / b, -g * a / (b * b)


class Pow(Function):
    """forward:  out = a ** b
    backward: dL/da = g * b * a**(b - 1)
              dL/db = g * out * log(a)        (only defined for a > 0)
    """

    @staticmethod
    def forward(ctx, a, b):
        a, b = _value(a), _value(b)
        if a < 0 and not float(b).is_integer():
            raise ValueError(f"Scalar pow: a negative base ({a}) needs an integer exponent, got {b}")
        out = a**b
        ctx.save_for_backward(a, b, out)
        return Scalar(out)

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        grad_a = g * b * a ** (b - 1) if (a != 0 or b >= 1) else 0.0
        grad_b = g * out * math.log(a) if (ctx.needs_input_grad[1] and a > 0) else None
        if ctx.needs_input_grad[1] and a <= 0:
            raise ValueError(f"Scalar pow: the gradient for the exponent needs a positive base, got {a}")
        return grad_a, grad_b


class Neg(Function):
    """forward:  out = -a
    backward: dL/da = -g
    """

    @staticmethod
    def forward(ctx, a):
        return Scalar(-a.data)

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Function):
    """forward:  out = e**a
    backward: dL/da = g * out
    """

    @staticmethod
    def forward(ctx, a):
        out = math.exp(a.data)
        ctx.save_for_backward(out)
        return Scalar(out)

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Log(Function):
    """forward:  out = ln(a)            (a > 0)
    backward: dL/da = g / a
    """

    @staticmethod
    def forward(ctx, a):
        if a.data <= 0:
            raise ValueError(f"Scalar log: the argument must be positive, got {a.data}")
        ctx.save_for_backward(a.data)
        return Scalar(math.log(a.data))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Tanh(Function):
    """forward:  out = tanh(a)
    backward: dL/da = g * (1 - out**2)
    """

    @staticmethod
    def forward(ctx, a):
        out = math.tanh(a.data)
        ctx.save_for_backward(out)
        return Scalar(out)

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1.0 - out * out)


class Sigmoid(Function):
    """forward:  out = 1 / (1 + e**-a)
    backward: dL/da = g * out * (1 - out)
    """

    @staticmethod
    def forward(ctx, a):
        x = a.data
        out = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        ctx.save_for_backward(out)
        return Scalar(out)

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1.0 - out)


class ReLU(Function):
    """forward:  out = max(a, 0)
    backward: dL/da = g if a > 0 else 0
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a.data)
        return Scalar(max(a.data, 0.0))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g if a > 0 else 0.0


class Scalar(Variable):
    """A float with a gradient: `data`, `grad`, `grad_fn`, `requires_grad`, `is_leaf`."""

    def __init__(self, data: Number, requires_grad: bool = False) -> None:
        if isinstance(data, Scalar):
            data = data.data
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise TypeError(f"Scalar expects an int or float, got {type(data).__name__}")
        self.data = float(data)
        self.requires_grad = requires_grad

    def backward(self, gradient: float = 1.0, retain_graph: bool = False) -> None:
        """Compute d(self)/d(leaf) for every leaf that requires grad, adding it into `.grad`."""
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if self.grad_fn is None:
            self._grad_accumulator().accumulate(float(gradient))  # runs the leaf's hooks too
            return
        run_backward(self.grad_fn, self._output_nr, float(gradient), retain_graph)

    def item(self) -> float:
        return self.data

    def detach(self) -> "Scalar":
        return Scalar(self.data)

    # arithmetic ------------------------------------------------------------------------
    def __add__(self, other): return Add.apply(self, _scalar(other))
    def __radd__(self, other): return Add.apply(_scalar(other), self)
    def __sub__(self, other): return Sub.apply(self, _scalar(other))
    def __rsub__(self, other): return Sub.apply(_scalar(other), self)
    def __mul__(self, other): return Mul.apply(self, _scalar(other))
    def __rmul__(self, other): return Mul.apply(_scalar(other), self)
    def __truediv__(self, other): return Div.apply(self, _scalar(other))
    def __rtruediv__(self, other): return Div.apply(_scalar(other), self)
    def __pow__(self, other): return Pow.apply(self, _scalar(other))
    def __rpow__(self, other): return Pow.apply(_scalar(other), self)
    def __neg__(self): return Neg.apply(self)

    def exp(self) -> "Scalar": return Exp.apply(self)
    def log(self) -> "Scalar": return Log.apply(self)
    def tanh(self) -> "Scalar": return Tanh.apply(self)
    def sigmoid(self) -> "Scalar": return Sigmoid.apply(self)
    def relu(self) -> "Scalar": return ReLU.apply(self)

    # comparisons compare values and carry no gradient; a non-number is never equal ---------
    def __eq__(self, other): return self.data == _value(other) if _is_number(other) else NotImplemented
    def __ne__(self, other): return self.data != _value(other) if _is_number(other) else NotImplemented
    def __lt__(self, other): return self.data < _value(other) if _is_number(other) else NotImplemented
    def __le__(self, other): return self.data <= _value(other) if _is_number(other) else NotImplemented
    def __gt__(self, other): return self.data > _value(other) if _is_number(other) else NotImplemented
    def __ge__(self, other): return self.data >= _value(other) if _is_number(other) else NotImplemented
    __hash__ = object.__hash__

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        if self.grad_fn is not None:
            return f"Scalar({self.data:.4f}, grad_fn={self.grad_fn})"
        return f"Scalar({self.data:.4f}{', requires_grad=True' if self.requires_grad else ''})"

    # hooks for the engine --------------------------------------------------------------
    def _accumulate_grad(self, grad: float) -> None:
        self.grad = grad if self.grad is None else self.grad + grad

    @staticmethod
    def _zeros(metadata: None) -> float:
        return 0.0

    def _alias(self) -> "Scalar":
        return Scalar(self.data)

    def _is_differentiable(self) -> bool:
        return True


def _scalar(x: Any) -> Scalar:
    if isinstance(x, Scalar):
        return x
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"unsupported operand for Scalar: {type(x).__name__}")
    return Scalar(x)

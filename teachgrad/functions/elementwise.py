"""Elementwise operations with broadcasting: arithmetic, unary math, where, clamp, casts.

Notation in the rules: `g` is dL/d out, the gradient arriving from above; `unbroadcast(t, shape)`
sums t over the dims broadcasting stretched (see `functions/broadcast.py`). Numbers taking part
in an operation (`x * 2.0`) become 0-dim tensors and get no gradient.
"""

from __future__ import annotations

from typing import Any

from teachgrad.dtypes import bool_, float32, float64, int64
from teachgrad.functions.broadcast import describe, floating, grad_for, is_tensor, promote
from teachgrad.functions.dispatch import run_unary, run_where, run_binary
from teachgrad.autograd.function import Function, once_differentiable


def _grads(ctx, grad_a: Any, grad_b: Any) -> tuple:
    return (grad_for(grad_a, ctx.meta[0], ctx.needs_input_grad[0]),
            grad_for(grad_b, ctx.meta[1], ctx.needs_input_grad[1]))


class Add(Function):
    """Elementwise sum, with broadcasting.

    forward:  out = a + b
    backward: dL/da = unbroadcast(g, a.shape)
              dL/db = unbroadcast(g, b.shape)
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.meta = describe(a), describe(b)
        return run_binary("add", *promote(a, b))

    @staticmethod
    def backward(ctx, g):
        return _grads(ctx, g, g)


class Sub(Function):
    """Elementwise difference, with broadcasting.

    forward:  out = a - b
    backward: dL/da = unbroadcast(g, a.shape)
              dL/db = unbroadcast(-g, b.shape)
    """

    @staticmethod
    def forward(ctx, a, b):
        _refuse_bool_subtraction(a, b)
        ctx.meta = describe(a), describe(b)
        return run_binary("sub", *promote(a, b))

    @staticmethod
    def backward(ctx, g):
        return _grads(ctx, g, -g if ctx.needs_input_grad[1] else None)


def _refuse_bool_subtraction(a: Any, b: Any) -> None:
    """PyTorch has no `-` for bool tensors: a mask is inverted with `~`, two masks differ by logical_xor."""
    is_bool = [isinstance(o, bool) or (is_tensor(o) and o.dtype is bool_) for o in (a, b)]
    if all(is_bool):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `logical_xor()` operator instead.")
    if any(is_tensor(o) and o.dtype is bool_ for o in (a, b)):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


class Mul(Function):
    """Elementwise product, with broadcasting.

    forward:  out = a * b
    backward: dL/da = unbroadcast(g * b, a.shape)
              dL/db = unbroadcast(g * a, b.shape)
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.meta = describe(a), describe(b)
        a, b = promote(a, b)
        ctx.save_for_backward(a, b)
        return run_binary("mul", a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _grads(ctx, g * b if ctx.needs_input_grad[0] else None, g * a if ctx.needs_input_grad[1] else None)


class Div(Function):
    """Elementwise true division, with broadcasting (integers divide to floats).

    forward:  out = a / b
    backward: dL/da = unbroadcast(g / b, a.shape)
              dL/db = unbroadcast(-g * out / b, b.shape)
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.meta = describe(a), describe(b)
        a, b = promote(a, b, floating=True)
        out = run_binary("div", a, b)
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        b, out = ctx.saved_tensors
        grad_a = g / b if ctx.needs_input_grad[0] else None
        grad_b = -g * out / b if ctx.needs_input_grad[1] else None
        return _grads(ctx, grad_a, grad_b)


class Pow(Function):
    """Elementwise power, with broadcasting.

    forward:  out = a ** b
    backward: dL/da = unbroadcast(g * b * a ** (b - 1), a.shape)      (0 where b == 0)
              dL/db = unbroadcast(g * out * log(a), b.shape)         (0 where a == 0 and b >= 0)
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.meta = describe(a), describe(b)
        a, b = promote(a, b)
        if not a.dtype.is_floating_point and bool((b < 0).any()):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        out = run_binary("pow", a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = (g * b * a ** (b - 1)).masked_fill(b == 0, 0.0)
        if ctx.needs_input_grad[1]:
            grad_b = (g * out * a.log()).masked_fill((a == 0) & (b >= 0), 0.0)
        return _grads(ctx, grad_a, grad_b)


class Maximum(Function):
    """Elementwise maximum, with broadcasting; ties split the gradient equally.

    forward:  out = max(a, b)
    backward: dL/da = unbroadcast(g * ([a > b] + [a == b] / 2), a.shape)
              dL/db = unbroadcast(g * ([b > a] + [a == b] / 2), b.shape)
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.meta = describe(a), describe(b)
        a, b = promote(a, b)
        ctx.save_for_backward(a, b)
        return run_binary("maximum", a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share_a = (a > b).to(g.dtype) + (a == b).to(g.dtype) * 0.5
        return _grads(ctx, g * share_a, g * (1.0 - share_a))


class Minimum(Function):
    """Elementwise minimum, with broadcasting; ties split the gradient equally.

    forward:  out = min(a, b)
    backward: dL/da = unbroadcast(g * ([a < b] + [a == b] / 2), a.shape)
              dL/db = unbroadcast(g * ([b < a] + [a == b] / 2), b.shape)
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.meta = describe(a), describe(b)
        a, b = promote(a, b)
        ctx.save_for_backward(a, b)
        return run_binary("minimum", a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share_a = (a < b).to(g.dtype) + (a == b).to(g.dtype) * 0.5
        return _grads(ctx, g * share_a, g * (1.0 - share_a))


class Where(Function):
    """Choose elementwise between two tensors, with broadcasting.

    forward:  out = a if cond else b
    backward: dL/da = unbroadcast(g where cond else 0, a.shape)
              dL/db = unbroadcast(0 where cond else g, b.shape)
              (cond is boolean and gets no gradient)
    """

    @staticmethod
    def forward(ctx, cond, a, b):
        if cond.dtype is not bool_:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {cond.dtype}")
        ctx.meta = None, describe(a), describe(b)
        a, b = promote(a, b)
        ctx.save_for_backward(cond)
        return run_where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        zero = g.new_zeros(())
        grad_a = grad_for(Where.apply(cond, g, zero), ctx.meta[1], ctx.needs_input_grad[1])
        grad_b = grad_for(Where.apply(cond, zero, g), ctx.meta[2], ctx.needs_input_grad[2])
        return None, grad_a, grad_b


class Clamp(Function):
    """Limit every element to [min, max] (either bound may be None).

    forward:  out = min(max(x, min), max)
    backward: dL/dx = g where min <= x <= max, else 0
    """

    @staticmethod
    def forward(ctx, x, low=None, high=None):
        if low is None and high is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        out = x
        if low is not None:
            out = run_binary("maximum", *promote(out, low))
        if high is not None:
            out = run_binary("minimum", *promote(out, high))
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        inside = x == x
        if ctx.low is not None:
            inside = inside & (x >= ctx.low)
        if ctx.high is not None:
            inside = inside & (x <= ctx.high)
        return g.masked_fill(inside.logical_not(), 0.0), None, None


class ToDtype(Function):
    """Convert elements to another dtype.

    forward:  out = dtype(x)
    backward: dL/dx = g converted back to x's dtype
    """

    @staticmethod
    def forward(ctx, x, target):
        ctx.source = x.dtype
        return run_unary("identity", x, target)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.source), None


def _unary(op: str, x: Any, keeps_ints: bool) -> Any:
    """Run a unary kernel; float-only math first converts ints/bools to the default float."""
    target = x.dtype if keeps_ints else floating(x.dtype)
    if target is not x.dtype:
        x = run_unary("identity", x, target)
    return run_unary(op, x)


class Neg(Function):
    """forward:  out = -x
    backward: dL/dx = -g
    """

    @staticmethod
    def forward(ctx, x):
        if x.dtype is bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        return run_unary("neg", x)

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Function):
    """forward:  out = e ** x
    backward: dL/dx = g * out
    """

    @staticmethod
    def forward(ctx, x):
        out = _unary("exp", x, keeps_ints=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Log(Function):
    """forward:  out = ln(x)          (nan for x < 0, -inf at 0)
    backward: dL/dx = g / x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _unary("log", x, keeps_ints=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Sqrt(Function):
    """forward:  out = sqrt(x)        (nan for x < 0)
    backward: dL/dx = g / (2 * out)
    """

    @staticmethod
    def forward(ctx, x):
        out = _unary("sqrt", x, keeps_ints=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (2 * out)


class Sin(Function):
    """forward:  out = sin(x)
    backward: dL/dx = g * cos(x)
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _unary("sin", x, keeps_ints=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos()


class Cos(Function):
    """forward:  out = cos(x)
    backward: dL/dx = -g * sin(x)
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _unary("cos", x, keeps_ints=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * x.sin()


def _in_float64(x: Any, compute: Any) -> Any:
    """compute(x) evaluated in float64 and rounded to x's float dtype (formulas that cancel near 0)."""
    target = floating(x.dtype)
    return run_unary("identity", compute(run_unary("identity", x, float64)), target)


class Sinh(Function):
    """forward:  out = sinh(x) = (exp(x) - exp(-x)) / 2   (in float64: the difference cancels near 0)
    backward: dL/dx = g * cosh(x)
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _in_float64(x, lambda t: (t.exp() - (-t).exp()) / 2)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cosh()


class Asinh(Function):
    """forward:  out = asinh(x) = sign(x) * log(|x| + sqrt(x^2 + 1))   (odd, so no cancellation for x < 0;
              in float64, so log(1 + tiny) keeps its digits)
    backward: dL/dx = g / sqrt(x^2 + 1)
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _in_float64(x, lambda t: (t.abs() + (t * t + 1).sqrt()).log() * t.sign())

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * x + 1).sqrt()


class Tanh(Function):
    """forward:  out = tanh(x)
    backward: dL/dx = g * (1 - out ** 2)
    """

    @staticmethod
    def forward(ctx, x):
        out = _unary("tanh", x, keeps_ints=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Sigmoid(Function):
    """forward:  out = 1 / (1 + e ** -x)
    backward: dL/dx = g * out * (1 - out)
    """

    @staticmethod
    def forward(ctx, x):
        out = _unary("sigmoid", x, keeps_ints=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


class ReLU(Function):
    """forward:  out = max(x, 0)
    backward: dL/dx = g where x > 0 or x is NaN, else +0.0      (never -0.0, as in PyTorch)
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _unary("relu", x, keeps_ints=True)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g.masked_fill(x <= 0, 0.0)


class GELU(Function):
    """Gaussian error linear unit (the exact, erf form).

    forward:  out = x * Phi(x),  Phi(x) = (1 + erf(x / sqrt(2))) / 2
    backward: dL/dx = g * (Phi(x) + x * exp(-x**2 / 2) / sqrt(2 * pi))
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _unary("gelu", x, keeps_ints=False)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        cdf = (1 + run_unary("erf", x * 0.7071067811865476)) * 0.5
        pdf = (x * x * -0.5).exp() * 0.3989422804014327
        return g * (cdf + x * pdf)


class Abs(Function):
    """forward:  out = |x|
    backward: dL/dx = g * sign(x)      (0 at x = 0)
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _unary("abs", x, keeps_ints=True)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sign()


class Sign(Function):
    """forward:  out = -1, 0 or 1 by the sign of x
    backward: dL/dx = 0       (piecewise constant)
    """

    @staticmethod
    def forward(ctx, x):
        return _unary("sign", x, keeps_ints=True)

    @staticmethod
    def backward(ctx, g):
        return g.new_zeros(g.shape)


# rounding: piecewise constant, so every gradient is 0 ------------------------------------------------
def _integral_part(x: Any) -> Any:
    """trunc(x) of a float tensor, by a round trip through int64 (the cast drops the fraction).

    Floats of magnitude 2**52 and above (2**23 for float32) have no fraction left; they, inf and
    nan pass through unchanged and are kept away from the cast, which cannot hold them.
    """
    limit = 2.0 ** 23 if x.dtype is float32 else 2.0 ** 52
    passthrough = (x.abs() >= limit) | (x != x)
    safe = run_where(passthrough, x.new_zeros(()), x)
    whole = run_unary("identity", run_unary("identity", safe, int64), x.dtype)
    return run_where(passthrough, x, whole)


def _floor(x: Any) -> Any:
    """floor(x) = trunc(x), less 1 where truncating moved a negative x up."""
    whole = _integral_part(x)
    return run_where(whole > x, whole - 1, whole)


def _ceil(x: Any) -> Any:
    """ceil(x) = trunc(x), plus 1 where truncating moved a positive x down."""
    whole = _integral_part(x)
    return run_where(whole < x, whole + 1, whole)


def _round_half_even(x: Any) -> Any:
    """Round to the nearest integer; halves go to the even neighbour (as PyTorch and numpy do)."""
    low = _floor(x)
    fraction = x - low
    low_is_odd = (low - 2 * _floor(low * 0.5)) == 1
    up = (fraction > 0.5) | ((fraction == 0.5) & low_is_odd)
    return run_where(up, low + 1, low)


def _copy(x: Any) -> Any:
    return run_unary("identity", x)


class Trunc(Function):
    """Round toward zero (integer tensors are returned unchanged).

    forward:  out = trunc(x)
    backward: dL/dx = 0       (piecewise constant)
    """

    @staticmethod
    def forward(ctx, x):
        return _integral_part(x) if x.dtype.is_floating_point else _copy(x)

    @staticmethod
    def backward(ctx, g):
        return g.new_zeros(g.shape)


class Floor(Function):
    """Round down (integer tensors are returned unchanged).

    forward:  out = floor(x) = trunc(x) - [trunc(x) > x]
    backward: dL/dx = 0       (piecewise constant)
    """

    @staticmethod
    def forward(ctx, x):
        return _floor(x) if x.dtype.is_floating_point else _copy(x)

    @staticmethod
    def backward(ctx, g):
        return g.new_zeros(g.shape)


class Ceil(Function):
    """Round up (integer tensors are returned unchanged).

    forward:  out = ceil(x) = trunc(x) + [trunc(x) < x]
    backward: dL/dx = 0       (piecewise constant)
    """

    @staticmethod
    def forward(ctx, x):
        return _ceil(x) if x.dtype.is_floating_point else _copy(x)

    @staticmethod
    def backward(ctx, g):
        return g.new_zeros(g.shape)


class Round(Function):
    """Round to `decimals` decimal places, halves to even (integer tensors need decimals=0).

    forward:  out = round(x * 10**decimals) / 10**decimals     (decimals >= 0)
              out = round(x / 10**-decimals) * 10**-decimals   (decimals < 0)
    backward: dL/dx = 0       (piecewise constant)
    """

    @staticmethod
    def forward(ctx, x, decimals=0):
        if not x.dtype.is_floating_point:
            if decimals != 0:
                raise NotImplementedError(f"round: decimals={decimals} is not implemented for integer tensors (dtype {x.dtype})")
            return _copy(x)
        if decimals == 0:
            return _round_half_even(x)
        if decimals > 0:
            scale = 10.0 ** decimals
            return _round_half_even(x * scale) / scale
        scale = 10.0 ** -decimals
        return _round_half_even(x / scale) * scale

    @staticmethod
    def backward(ctx, g):
        return g.new_zeros(g.shape), None


class DivRounded(Function):
    """Division rounded to an integer: rounding_mode "trunc" rounds toward zero, "floor" rounds down.

    forward:  out = trunc(a / b)  or  floor(a / b), with broadcasting; integers stay integers
              (computed through the float64 quotient: exact while |a| < 2**53)
    backward: dL/da = 0, dL/db = 0       (piecewise constant)
    """

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        if rounding_mode not in ("trunc", "floor"):
            raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found {rounding_mode!r}")
        ctx.meta = describe(a), describe(b)
        a, b = promote(a, b)
        integral = not a.dtype.is_floating_point
        if integral:
            if bool((b == 0).any()):
                raise RuntimeError("ZeroDivisionError")
            a, b = run_unary("identity", a, float64), run_unary("identity", b, float64)
        quotient = run_binary("div", a, b)
        out = _floor(quotient) if rounding_mode == "floor" else _integral_part(quotient)
        return run_unary("identity", out, int64) if integral else out

    @staticmethod
    def backward(ctx, g):
        zero = g.new_zeros(g.shape)
        return (grad_for(zero, ctx.meta[0], ctx.needs_input_grad[0]),
                grad_for(zero, ctx.meta[1], ctx.needs_input_grad[1]), None)


def compare(op: str, a: Any, b: Any) -> Any:
    """Elementwise comparison (eq, ne, lt, le, gt, ge) giving a bool tensor; no gradient."""
    return run_binary(op, *promote(a, b), out_dtype=bool_)


def logical(op: str, a: Any, b: Any) -> Any:
    """Elementwise logical_and / logical_or of truth values, giving a bool tensor."""
    a, b = promote(a, b)
    return run_binary(op, a, b, out_dtype=bool_)

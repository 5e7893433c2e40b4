"""Registry entries for the tensor operations (elementwise, reductions, matmul, views, indexing)."""

from __future__ import annotations

import inspect

import numpy as np

import teachgrad as tg
from teachgrad.functions import elementwise as ew
from teachgrad.functions import einsum, indexing, linalg, reduction, scan, views
from teachgrad.registry.core import ErrorCase, OpInfo, Sample, register

BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), ((2, 3), ())]


def _binary_samples(low=-2.0, high=2.0, positive_b=False, away_from_zero=False):
    def samples(rng):
        for a_shape, b_shape in BINARY_SHAPES:
            a = rng.uniform(low, high, a_shape)
            b = rng.uniform(0.5, 2.0, b_shape) if positive_b else rng.uniform(low, high, b_shape)
            if away_from_zero:
                b = np.where(np.abs(b) < 0.3, 0.7, b)
            yield Sample((a, b), name=f"{a_shape}x{b_shape}")
        yield Sample((rng.uniform(low, high, (3, 4)), rng.uniform(0.5, 2.0, (3, 4))), layout="transposed")
        yield Sample((rng.uniform(low, high, (2, 3)), 1.5), name="tensor-number")
    return samples


def _unary_samples(low=-2.0, high=2.0):
    def samples(rng):
        yield Sample((rng.uniform(low, high, (3, 4)),))
        yield Sample((rng.uniform(low, high, ()),), name="0-d")
        yield Sample((rng.uniform(low, high, (2, 3, 2)),), layout="transposed")
        yield Sample((rng.uniform(low, high, (3, 4)),), layout="sliced")
    return samples


def _shape_mismatch(op):
    return lambda: [ErrorCase(lambda: op(tg.ones(2, 3), tg.ones(4)), RuntimeError, "cannot be broadcast")]


def _binary(name, function, op, reference, **options):
    register(OpInfo(name, "elementwise", op, reference, options.pop("samples", _binary_samples()), function,
                    errors=_shape_mismatch(op), **options))


def _unary(name, function, op, reference, low=-2.0, high=2.0, **options):
    register(OpInfo(name, "elementwise", op, reference, _unary_samples(low, high), function, **options))


# elementwise ---------------------------------------------------------------------------------
_binary("add", ew.Add, lambda a, b: a + b, np.add)
_binary("sub", ew.Sub, lambda a, b: a - b, np.subtract)
_binary("mul", ew.Mul, lambda a, b: a * b, np.multiply)
_binary("div", ew.Div, lambda a, b: a / b, np.divide, samples=_binary_samples(away_from_zero=True))
_binary("pow", ew.Pow, lambda a, b: a ** b, np.power, samples=_binary_samples(low=0.5, high=2.0))
_binary("maximum", ew.Maximum, lambda a, b: a.maximum(b) if hasattr(a, "maximum") else b.maximum(a), np.maximum,
        samples=_binary_samples())
_binary("minimum", ew.Minimum, lambda a, b: a.minimum(b) if hasattr(a, "minimum") else b.minimum(a), np.minimum,
        samples=_binary_samples())
_unary("neg", ew.Neg, lambda x: -x, np.negative)
_unary("exp", ew.Exp, lambda x: x.exp(), np.exp)
_unary("log", ew.Log, lambda x: x.log(), np.log, low=0.2, high=3.0)
_unary("sqrt", ew.Sqrt, lambda x: x.sqrt(), np.sqrt, low=0.2, high=3.0)
_unary("sin", ew.Sin, lambda x: x.sin(), np.sin)
_unary("cos", ew.Cos, lambda x: x.cos(), np.cos)
_unary("tanh", ew.Tanh, lambda x: x.tanh(), np.tanh)
_unary("sinh", ew.Sinh, lambda x: x.sinh(), np.sinh)
_unary("cosh", None, lambda x: x.cosh(), np.cosh,
       composed_of="cosh:  out = (exp(x) + exp(-x)) / 2; through Exp and Add, dL/dx = g * sinh(x).")
_unary("asinh", ew.Asinh, lambda x: x.asinh(), np.arcsinh, low=-30.0, high=30.0)
_unary("sigmoid", ew.Sigmoid, lambda x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x)))
_unary("relu", ew.ReLU, lambda x: x.relu(), lambda x: np.maximum(x, 0))
_unary("abs", ew.Abs, lambda x: x.abs(), np.abs)
_unary("sign", ew.Sign, lambda x: x.sign(), np.sign)
_unary("floor", ew.Floor, lambda x: x.floor(), np.floor)
_unary("ceil", ew.Ceil, lambda x: x.ceil(), np.ceil)
_unary("trunc", ew.Trunc, lambda x: x.trunc(), np.trunc)
_unary("round", ew.Round, lambda x: x.round(), np.round)
_unary("round_decimals", ew.Round, lambda x: x.round(decimals=2), lambda x: np.round(x, 2))
_unary("frac", None, lambda x: x.frac(), lambda x: x - np.trunc(x),
       composed_of="frac:  out = x - trunc(x); the gradient flows through Sub (Trunc's is 0), so dL/dx = g.")
_binary("div_floor", ew.DivRounded, lambda a, b: a // b,
        np.floor_divide, samples=_binary_samples(away_from_zero=True))
_binary("div_trunc", ew.DivRounded, lambda a, b: tg.div(a, b, rounding_mode="trunc"),
        lambda a, b: np.trunc(np.divide(a, b)), samples=_binary_samples(away_from_zero=True))
_binary("remainder", None, lambda a, b: a % b, np.remainder, samples=_binary_samples(away_from_zero=True),
        composed_of="remainder:  out = a - floor(a / b) * b  (the sign of b); through Sub and Mul, with the floor\n"
                    "quotient a constant: dL/da = g, dL/db = -g * floor(a / b).")
_binary("fmod", None, lambda a, b: a.fmod(b),
        np.fmod, samples=_binary_samples(away_from_zero=True),
        composed_of="fmod:  out = a - trunc(a / b) * b  (the sign of a); through Sub and Mul, with the truncated\n"
                    "quotient a constant: dL/da = g, dL/db = -g * trunc(a / b).")


def _clamp_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)),), {"min": -0.5, "max": 0.7})
    yield Sample((rng.uniform(-2, 2, (5,)),), {"min": 0.1})
    yield Sample((rng.uniform(-2, 2, (2, 3)),), {"max": 0.2}, layout="transposed")


register(OpInfo("clamp", "elementwise", lambda x, **k: x.clamp(**k),
                lambda x, min=None, max=None: np.clip(x, min, max), _clamp_samples, ew.Clamp,
                errors=lambda: [ErrorCase(lambda: tg.ones(2).clamp(), RuntimeError, "At least one")]))


def _where_samples(rng):
    yield Sample((rng.uniform(-1, 1, (3, 4)) > 0, rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (3, 4))))
    yield Sample((rng.uniform(-1, 1, (3, 1)) > 0, rng.uniform(-1, 1, (4,)), rng.uniform(-1, 1, (3, 4))), name="broadcast")


register(OpInfo("where", "elementwise", lambda c, a, b: tg.where(c, a, b), np.where, _where_samples, ew.Where,
                errors=lambda: [ErrorCase(lambda: tg.where(tg.ones(2), tg.ones(2), tg.ones(2)), RuntimeError, "boolean")]))


def _cast_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)),), {"dtype": tg.float64})
    yield Sample((rng.uniform(-2, 2, (3, 4)),), {"dtype": tg.float64}, layout="transposed")


register(OpInfo("to", "elementwise", lambda x, dtype: x.to(dtype) * 1.0, lambda x, dtype: x.astype(dtype.numpy),
                _cast_samples, ew.ToDtype, rtol=1e-6, atol=1e-6))


# reductions -----------------------------------------------------------------------------------
def _reduction_samples(rng, keepdims=True, dims=(None, 0, 1, (0, 2), -1)):
    for dim in dims:
        yield Sample((rng.uniform(-2, 2, (2, 3, 4)),), {"dim": dim, "keepdim": False}, name=f"dim={dim}")
    if keepdims:
        yield Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 1, "keepdim": True}, layout="transposed", name="keepdim")


def _numpy_dim(dim):
    return tuple(dim) if isinstance(dim, (tuple, list)) else dim


def _bad_dim(op):
    return lambda: [ErrorCase(lambda: op(tg.ones(2, 3), dim=2), IndexError, "Dimension out of range")]


register(OpInfo("sum", "reduction", lambda x, **k: x.sum(**k),
                lambda x, dim=None, keepdim=False: np.sum(x, axis=_numpy_dim(dim), keepdims=keepdim),
                _reduction_samples, reduction.Sum, errors=_bad_dim(lambda x, dim: x.sum(dim))))
register(OpInfo("mean", "reduction", lambda x, **k: x.mean(**k),
                lambda x, dim=None, keepdim=False: np.mean(x, axis=_numpy_dim(dim), keepdims=keepdim),
                _reduction_samples, reduction.Mean,
                errors=lambda: [ErrorCase(lambda: tg.ones(2, 3).mean(dim=2), IndexError, "Dimension out of range"),
                                ErrorCase(lambda: tg.arange(3).mean(), RuntimeError, "floating point")]))


def _var_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 1})
    yield Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": None, "unbiased": False})
    yield Sample((rng.uniform(-2, 2, (2, 3, 4)),), {"dim": (0, 2), "correction": 0, "keepdim": True})
    yield Sample((np.array([[1.5, 1.5, 1.5], [0.5, -1.0, 2.0]]),), {"dim": 1}, name="equal values")
    yield Sample((rng.uniform(-2, 2, (1,)),), {}, name="N - correction = 0", gradcheck=False)
    yield Sample((np.array([1.0, 3.0]),), {"correction": 2}, name="N - correction = 0, x != mean", gradcheck=False)
    yield Sample((rng.uniform(-2, 2, (3, 1)),), {"dim": 1}, name="N - correction = 0 along dim", gradcheck=False)


def _variance_reference(numpy_function):
    def reference(x, dim=None, unbiased=True, keepdim=False, correction=None):
        ddof = correction if correction is not None else int(unbiased)
        with np.errstate(divide="ignore", invalid="ignore"):
            return numpy_function(x, axis=_numpy_dim(dim), keepdims=keepdim, ddof=ddof)
    return reference


register(OpInfo("var", "reduction", lambda x, **k: x.var(**k), _variance_reference(np.var), _var_samples, reduction.Var))
register(OpInfo("std", "reduction", lambda x, **k: x.std(**k), _variance_reference(np.std), _var_samples, reduction.Std))


def _max_dim_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 1})
    yield Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 0, "keepdim": True}, layout="transposed")
    yield Sample((rng.uniform(-2, 2, (2, 3, 4)),), {"dim": -2})


def _all_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)),))
    yield Sample((rng.uniform(-2, 2, (2, 3)),), layout="transposed")


def _values_and_indices(np_values, np_indices):
    def reference(x, dim, keepdim=False):
        return (np_values(x, axis=dim, keepdims=keepdim), np_indices(x, axis=dim, keepdims=keepdim))
    return reference


register(OpInfo("max_dim", "reduction", lambda x, **k: tuple(x.max(**k)), _values_and_indices(np.max, np.argmax),
                _max_dim_samples, reduction.MaxDim,
                errors=lambda: [ErrorCase(lambda: tg.ones(0, 2).max(0), IndexError, "non-zero size")]))
register(OpInfo("min_dim", "reduction", lambda x, **k: tuple(x.min(**k)), _values_and_indices(np.min, np.argmin),
                _max_dim_samples, reduction.MaxDim))
register(OpInfo("max", "reduction", lambda x: x.max(), np.max, _all_samples, reduction.Extremum,
                errors=lambda: [ErrorCase(lambda: tg.ones(0).max(), RuntimeError, "numel")]))
register(OpInfo("min", "reduction", lambda x: x.min(), np.min, _all_samples, reduction.Extremum))


def _amax_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 1})
    yield Sample((rng.uniform(-2, 2, (2, 3, 4)),), {"dim": (0, 2), "keepdim": True}, layout="transposed")
    yield Sample((np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.5]]),), {"dim": 1}, name="ties share the gradient",
                 gradgradcheck=False)


register(OpInfo("amax", "reduction", lambda x, **k: x.amax(**k),
                lambda x, dim=None, keepdim=False: np.max(x, axis=_numpy_dim(dim), keepdims=keepdim), _amax_samples,
                reduction.Extremum,
                errors=lambda: [ErrorCase(lambda: tg.ones(0, 2).amax(0), IndexError, "non-zero size")]))
register(OpInfo("amin", "reduction", lambda x, **k: x.amin(**k),
                lambda x, dim=None, keepdim=False: np.min(x, axis=_numpy_dim(dim), keepdims=keepdim), _amax_samples,
                reduction.Extremum))
register(OpInfo("argmax", "reduction", lambda x, **k: x.argmax(**k), lambda x, dim=None: np.argmax(x, axis=dim),
                lambda rng: [Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 1}), Sample((rng.uniform(-2, 2, (3, 4)),))],
                differentiable=False, composed_of="argmax: an integer result; no gradient."))
register(OpInfo("argmin", "reduction", lambda x, **k: x.argmin(**k), lambda x, dim=None: np.argmin(x, axis=dim),
                lambda rng: [Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 0}, layout="transposed")],
                differentiable=False, composed_of="argmin: an integer result; no gradient."))


def _logsumexp_reference(x, dim, keepdim=False):
    if x.size == 0:  # exp of nothing sums to 0: log(0) = -inf
        with np.errstate(divide="ignore"):
            return np.log(np.sum(np.exp(x), axis=_numpy_dim(dim), keepdims=keepdim))
    peak = np.max(x, axis=_numpy_dim(dim), keepdims=True)
    out = np.log(np.sum(np.exp(x - peak), axis=_numpy_dim(dim), keepdims=True)) + peak
    return out if keepdim else np.squeeze(out, axis=_numpy_dim(dim))


register(OpInfo("logsumexp", "reduction", lambda x, **k: x.logsumexp(**k), _logsumexp_reference,
                lambda rng: [Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 1}),
                             Sample((rng.uniform(-2, 2, (2, 3, 4)),), {"dim": (0, 2), "keepdim": True}),
                             Sample((rng.uniform(50, 90, (2, 3)),), {"dim": 1}, name="large values"),
                             Sample((np.zeros(0),), {"dim": 0}, name="empty: -inf"),
                             Sample((np.zeros((0, 3)),), {"dim": 0}, name="empty dim, 3 results"),
                             Sample((np.zeros((0, 3)),), {"dim": 1}, name="no results")],
                reduction.LogSumExp))


def _softmax_reference(x, dim):
    e = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _log_softmax_reference(x, dim):
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


def _softmax_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 1})
    yield Sample((rng.uniform(-2, 2, (2, 3, 4)),), {"dim": 1}, layout="transposed")
    yield Sample((rng.uniform(-2, 2, (3, 4)) * 100,), {"dim": 0}, name="large values")


register(OpInfo("softmax", "reduction", lambda x, dim: x.softmax(dim), _softmax_reference, _softmax_samples,
                reduction.Softmax, errors=lambda: [ErrorCase(lambda: tg.ones(2, 3).softmax(3), IndexError, "Dimension out of range")]))
register(OpInfo("log_softmax", "reduction", lambda x, dim: x.log_softmax(dim),
                _log_softmax_reference, _softmax_samples, reduction.LogSoftmax))


# linear algebra -------------------------------------------------------------------------------
def _matmul_samples(rng):
    for a_shape, b_shape in [((3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)),
                             ((2, 3, 4), (4, 2)), ((2, 1, 3, 4), (3, 4, 2))]:
        yield Sample((rng.uniform(-1, 1, a_shape), rng.uniform(-1, 1, b_shape)), name=f"{a_shape}@{b_shape}")
    yield Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (4, 5))), layout="transposed")


register(OpInfo("matmul", "linalg", lambda a, b: a @ b, np.matmul, _matmul_samples, linalg.MatMul,
                errors=lambda: [ErrorCase(lambda: tg.ones(2, 3) @ tg.ones(4, 5), RuntimeError, r"\(2x3 and 4x5\)"),
                                ErrorCase(lambda: tg.ones(2, 2, 3) @ tg.ones(3, 3, 2), RuntimeError, "broadcast"),
                                ErrorCase(lambda: tg.ones(()) @ tg.ones(2), RuntimeError, "at least 1D")]))


# views ------------------------------------------------------------------------------------------
def _one_input(shape, layout="contiguous", **kwargs):
    return lambda rng: [Sample((rng.uniform(-2, 2, shape),), kwargs, layout=layout)]


register(OpInfo("reshape", "views", lambda x, shape: x.reshape(shape), lambda x, shape: np.reshape(x, shape),
                lambda rng: [Sample((rng.uniform(-1, 1, (2, 3, 4)),), {"shape": (4, -1)}),
                             Sample((rng.uniform(-1, 1, (3, 4)),), {"shape": (12,)}, layout="transposed", name="copy")],
                views.View, composed_of="",
                errors=lambda: [ErrorCase(lambda: tg.ones(2, 3).reshape(4, 2), RuntimeError, "invalid for input of size 6"),
                                ErrorCase(lambda: tg.ones(2, 3).t().view(6), RuntimeError, "view size is not compatible")]))
register(OpInfo("permute", "views", lambda x, dims: x.permute(dims), lambda x, dims: np.transpose(x, dims),
                lambda rng: [Sample((rng.uniform(-1, 1, (2, 3, 4)),), {"dims": (2, 0, 1)})], views.Permute,
                errors=lambda: [ErrorCase(lambda: tg.ones(2, 3).permute(0, 0), RuntimeError, "permutation")]))
register(OpInfo("transpose", "views", lambda x: x.transpose(0, 1), lambda x: np.swapaxes(x, 0, 1),
                _one_input((3, 4), "sliced"), views.Permute))
register(OpInfo("expand", "views", lambda x, shape: x.expand(shape), lambda x, shape: np.broadcast_to(x, shape),
                lambda rng: [Sample((rng.uniform(-1, 1, (3, 1)),), {"shape": (2, 3, 4)})], views.Expand,
                errors=lambda: [ErrorCase(lambda: tg.ones(2, 3).expand(4, 3), RuntimeError, "must match the existing size")]))
register(OpInfo("unsqueeze", "views", lambda x: x.unsqueeze(1), lambda x: np.expand_dims(x, 1),
                _one_input((3, 4), "transposed"), views.View))
register(OpInfo("squeeze", "views", lambda x: x.squeeze(), np.squeeze, _one_input((3, 1, 4)), views.View))
register(OpInfo("flatten", "views", lambda x: x.flatten(1), lambda x: x.reshape(x.shape[0], -1),
                _one_input((2, 3, 4)), views.View))
register(OpInfo("flip", "views", lambda x: x.flip(0, 1), lambda x: np.flip(x, (0, 1)), _one_input((3, 4), "transposed"),
                views.Flip))
register(OpInfo("clone", "views", lambda x: x.clone(), np.copy,
                lambda rng: [Sample((rng.uniform(-1, 1, (3, 4)),), layout="transposed"),
                             Sample((rng.uniform(-1, 1, (2, 3)),), layout="sliced"),
                             Sample((np.zeros((0, 3)),), name="empty")],
                views.Clone))


def _basic_index_samples(rng):
    x = rng.uniform(-1, 1, (4, 5, 3))
    for key in [(1,), (slice(1, 3),), (slice(None), slice(None, None, 2)), (Ellipsis, -1), (None, 2, slice(1, 4)),
                (slice(-3, None), 0, slice(None, None, 2))]:
        yield Sample((x,), {"key": key}, name=repr(key))


register(OpInfo("getitem", "views", lambda x, key: x[key], lambda x, key: x[key], _basic_index_samples, views.Index,
                errors=lambda: [ErrorCase(lambda: tg.ones(2, 3)[2], IndexError, "out of bounds"),
                                ErrorCase(lambda: tg.ones(2, 3)[0, 0, 0], IndexError, "too many indices")]))


# indexing -----------------------------------------------------------------------------------------
def _advanced_samples(rng):
    x = rng.uniform(-1, 1, (4, 3))
    yield Sample((x,), {"key": (np.array([0, 2, 2, 1]),)}, name="repeated rows")
    yield Sample((x,), {"key": (np.array([[0, 1], [3, 3]]), np.array([2, 0]))}, name="two index arrays")
    yield Sample((x,), {"key": (x > 0,)}, name="boolean mask")
    yield Sample((x,), {"key": (slice(None), [2, 0])}, name="list on dim 1")


def _tensor_key(key):
    return tuple(tg.from_numpy(k) if isinstance(k, np.ndarray) else k for k in key)


register(OpInfo("advanced_index", "indexing", lambda x, key: x[_tensor_key(key)], lambda x, key: x[key],
                _advanced_samples, indexing.AdvancedIndex,
                errors=lambda: [ErrorCase(lambda: tg.ones(2, 3)[tg.tensor([0, 5])], IndexError, "out of bounds"),
                                ErrorCase(lambda: tg.ones(2, 3)[tg.tensor([0.5])], IndexError, "must be long")]))


def _gather_samples(rng):
    yield Sample((rng.uniform(-1, 1, (3, 4)),), {"dim": 1, "index": np.array([[0, 3], [1, 1], [2, 0]])})
    yield Sample((rng.uniform(-1, 1, (3, 4)),), {"dim": 0, "index": np.array([[2, 1, 0, 0]])}, layout="transposed")


register(OpInfo("gather", "indexing", lambda x, dim, index: x.gather(dim, tg.from_numpy(index)),
                lambda x, dim, index: np.take_along_axis(x, index, dim), _gather_samples, indexing.Gather,
                errors=lambda: [ErrorCase(lambda: tg.ones(2, 3).gather(1, tg.tensor([[3], [0]])), RuntimeError, "out of bounds"),
                                ErrorCase(lambda: tg.ones(2, 3).gather(1, tg.tensor([0, 1])), RuntimeError, "same number of dimensions")]))


def _scatter_add_reference(x, src, dim, index):
    out = x.copy()
    for position in np.ndindex(index.shape):
        target = list(position)
        target[dim] = index[position]
        out[tuple(target)] += src[position]
    return out


register(OpInfo("scatter_add", "indexing", lambda x, src, dim, index: x.scatter_add(dim, tg.from_numpy(index), src),
                _scatter_add_reference,
                lambda rng: [Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (3, 2))),
                                    {"dim": 1, "index": np.array([[0, 0], [3, 1], [2, 2]])})],
                indexing.ScatterAdd))


def _cat_samples(rng):
    yield Sample((rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (4, 3))), {"dim": 0})
    yield Sample((rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 1))), {"dim": 1}, layout="transposed")


register(OpInfo("cat", "indexing", lambda a, b, dim: tg.cat([a, b], dim), lambda a, b, dim: np.concatenate([a, b], dim),
                _cat_samples, indexing.Cat,
                errors=lambda: [ErrorCase(lambda: tg.cat([tg.ones(2, 3), tg.ones(2, 4)]), RuntimeError, "Sizes of tensors must match"),
                                ErrorCase(lambda: tg.cat([]), ValueError, "non-empty")]))
register(OpInfo("stack", "indexing", lambda a, b: tg.stack([a, b], 1), lambda a, b: np.stack([a, b], 1),
                lambda rng: [Sample((rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))))],
                composed_of="stack = cat of the inputs, each unsqueezed at dim: the gradient is the matching slice.",
                errors=lambda: [ErrorCase(lambda: tg.stack([tg.ones(2), tg.ones(3)]), RuntimeError, "equal size")]))
register(OpInfo("split", "indexing", lambda x: x.split([1, 3], 1), lambda x: tuple(np.split(x, [1], 1)),
                _one_input((2, 4)), composed_of="split = narrow views (getitem with slices): each part's gradient "
                "is written into its region of zeros.",
                errors=lambda: [ErrorCase(lambda: tg.ones(2, 4).split([1, 2], 1), RuntimeError, "sum exactly")]))
register(OpInfo("chunk", "indexing", lambda x: x.chunk(2, 0), lambda x: tuple(np.array_split(x, 2, 0)),
                _one_input((5, 2)), composed_of="chunk = split into equal parts (the last may be smaller)."))
register(OpInfo("repeat", "indexing", lambda x: x.repeat(2, 1, 3), lambda x: np.tile(x, (2, 1, 3)),
                _one_input((2, 3)), composed_of="repeat = reshape to (1, s0, 1, s1, ...), expand, reshape: the "
                "gradient sums the copies (Expand's rule)."))


def _setitem_op(x, value, key):
    out = x * 1.0  # a non-leaf, so the in-place write is recorded
    out[key] = value
    return out


def _setitem_reference(x, value, key):
    out = x.copy()
    out[key] = value
    return out


def _write_into_view_op(x, factor, key):
    out = x * 1.0  # a non-leaf with contiguous storage: the base of the view written into
    out[key].mul_(factor)
    return out


def _write_into_view_reference(x, factor, key):
    out = x.copy()
    out[key] *= factor
    return out


register(OpInfo("write_into_view", "views", _write_into_view_op, _write_into_view_reference,
                lambda rng: [Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (4,))), {"key": (1,)}),
                             Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (3, 1))),
                                    {"key": (slice(None), slice(None, None, 2))}, layout="transposed", name="strided region")],
                views.WriteIntoView))


register(OpInfo("setitem", "indexing", _setitem_op, _setitem_reference,
                lambda rng: [Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (4,))), {"key": (1,)}),
                             Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (2, 1))),
                                    {"key": (slice(0, 2), slice(1, 3))})],
                indexing.IndexPut,
                errors=lambda: [ErrorCase(lambda: tg.ones(2, requires_grad=True).__setitem__(0, 1.0), RuntimeError, "leaf Variable")]))


# sorting, running sums, norms and triangles (composed of the operations above) ------------------------
register(OpInfo("sort", "indexing", lambda x: x.sort(1, descending=True).values, lambda x: -np.sort(-x, 1),
                _one_input((3, 5), "transposed"),
                composed_of="sort: indices = the stable argsort along dim (computed on the host, no gradient); "
                "values = x.gather(dim, indices), so dL/dx = scatter_add of g back to where each value came from."))
register(OpInfo("topk", "indexing", lambda x: x.topk(2, dim=0).values, lambda x: -np.sort(-x, 0)[:2],
                _one_input((4, 3)),
                composed_of="topk = the first k entries of sort along dim: values = x.gather(dim, indices).",
                errors=lambda: [ErrorCase(lambda: tg.ones(3).topk(4), RuntimeError, "out of range")]))
register(OpInfo("cumsum", "reduction", lambda x, dim: x.cumsum(dim), lambda x, dim: np.cumsum(x, dim),
                lambda rng: [Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 1}),
                             Sample((rng.uniform(-2, 2, (2, 3, 4)),), {"dim": 0}, layout="transposed"),
                             Sample((rng.uniform(-2, 2, (3, 40)),), {"dim": 0}, name="lines side by side"),
                             Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": -1}, layout="sliced"),
                             Sample((rng.uniform(-2, 2, (0, 3)),), {"dim": 0}, name="empty")],
                scan.Cumsum,
                errors=lambda: [ErrorCase(lambda: tg.ones(2, 3).cumsum(2), IndexError, "Dimension out of range")]))
def _norm_samples(rng):
    yield Sample((rng.uniform(0.5, 2, (3, 4)),), {})
    yield Sample((rng.uniform(-2, 2, (3, 4)),), {"p": 1, "dim": 1})
    yield Sample((rng.uniform(-2, 2, (3, 4)),), {"p": 3, "dim": 0}, layout="transposed")
    yield Sample((rng.uniform(0.5, 2, (2, 3)),), {"p": 0.5, "dim": 1}, name="p < 1")
    yield Sample((np.zeros((2, 3)),), {}, name="all zero")
    yield Sample((np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.0]]),), {"dim": 1}, name="a zero row, a zero entry")
    yield Sample((np.array([[0.0, 0.0], [3.0, 0.0]]),), {"p": 3, "dim": 1}, name="p=3 at zero")
    yield Sample((np.array([[0.0, 0.0], [-1.0, 0.0]]),), {"p": 1, "dim": 0}, name="p=1 at the kink")


def _norm_reference(x, p="fro", dim=None):
    order = 2 if p == "fro" else p
    return np.linalg.norm(x.reshape(-1), order) if dim is None else np.linalg.norm(x, order, axis=dim)


register(OpInfo("norm", "reduction", lambda x, **k: x.norm(**k), _norm_reference, _norm_samples, reduction.Norm))
register(OpInfo("tril", "elementwise", lambda x: x.tril(-1), lambda x: np.tril(x, -1), _one_input((3, 4), "transposed"),
                composed_of="tril = where(on or below the diagonal, x, 0): dL/dx = g there, 0 elsewhere (Where's rule).",
                errors=lambda: [ErrorCase(lambda: tg.ones(3).tril(), RuntimeError, "at least 2 dimensions")]))
register(OpInfo("triu", "elementwise", lambda x: x.triu(1), lambda x: np.triu(x, 1), _one_input((2, 3, 3)),
                composed_of="triu = where(on or above the diagonal, x, 0): dL/dx = g there, 0 elsewhere (Where's rule)."))
register(OpInfo("outer", "linalg", lambda a, b: a.outer(b), np.outer,
                lambda rng: [Sample((rng.uniform(-2, 2, (3,)), rng.uniform(-2, 2, (4,))))],
                composed_of="outer = a.reshape(-1, 1) * b.reshape(1, -1): dL/da = (g * b).sum(1), dL/db = (g * a).sum(0)."))
register(OpInfo("diagonal", "indexing", lambda x: x.diagonal(1), lambda x: np.diagonal(x, 1).copy(), _one_input((3, 4), "transposed"),
                composed_of="diagonal = x[..., i, i + offset] by advanced indexing: dL/dx = g on the diagonal, 0 elsewhere."))
register(OpInfo("diag", "indexing", lambda x: x.diag(-1), lambda x: np.diag(x, -1), _one_input((3,)),
                composed_of="diag (of a vector) = zeros with out[i - offset, i] = x[i] (IndexPut): dL/dx = g's diagonal."))


# the scatter family, rolls, repeats, grids, einsum, median, cumprod ------------------------------------
def _scatter_reference(x, src, dim, index):
    out = x.copy()
    for position in np.ndindex(index.shape):
        target = list(position)
        target[dim] = index[position]
        out[tuple(target)] = src[position] if np.ndim(src) else src
    return out


def _scatter_samples(rng):
    yield Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (3, 3))), {"dim": 1, "index": np.array([[0, 3], [1, 2], [2, 0]])},
                 name="src larger than index")
    yield Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (2, 4))), {"dim": 0, "index": np.array([[2, 0, 1, 1]])},
                 layout="transposed")
    yield Sample((rng.uniform(-1, 1, (3, 4)), 0.5), {"dim": -1, "index": np.array([[1], [0], [3]])}, name="value")


register(OpInfo("scatter", "indexing", lambda x, src, dim, index: x.scatter(dim, tg.from_numpy(index), src),
                lambda x, src, dim, index: _scatter_reference(x, src, dim % x.ndim, index), _scatter_samples,
                composed_of="scatter = IndexPut at the key (arange, ..., index at dim, ..., arange): dL/dx = g where "
                "nothing was written, 0 where src was; dL/dsrc = g.gather(dim, index).",
                errors=lambda: [ErrorCase(lambda: tg.zeros(3, 4).scatter(1, tg.tensor([[5]]), 1.0), RuntimeError,
                                          "index 5 is out of bounds for dimension 1 with size 4"),
                                ErrorCase(lambda: tg.zeros(3, 4).scatter(1, tg.tensor([[0]]), tg.ones(1, 1, dtype=tg.float64)),
                                          RuntimeError, "Expected self.dtype to be equal to src.dtype")]))


def _scatter_reduce_reference(x, src, dim, index, reduce, include_self=True):
    values = {position: [x[position]] if include_self else [] for position in np.ndindex(x.shape)}
    for position in np.ndindex(index.shape):
        target = list(position)
        target[dim] = index[position]
        values[tuple(target)].append(src[position])
    reduce_line = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
    out = x.copy()
    for position, line in values.items():
        out[position] = reduce_line(line) if line else x[position]
    return out


def _scatter_reduce_samples(rng):
    index = np.array([[0, 0, 2], [1, 3, 3]])
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            yield Sample((rng.uniform(-1, 1, (2, 4)), rng.uniform(-1, 1, (2, 3))),
                         {"dim": 1, "index": index, "reduce": reduce, "include_self": include_self},
                         name=f"{reduce}, include_self={include_self}")
    yield Sample((np.array([[0.5, 1.0], [2.0, 0.0]]), np.array([[0.5, 0.0], [2.0, 3.0]])),
                 {"dim": 0, "index": np.array([[0, 1], [0, 1]]), "reduce": "amax"}, name="ties share the gradient")
    yield Sample((np.array([[0.5, 0.0], [2.0, 0.0]]), np.array([[0.0, 0.0], [2.0, 3.0]])),
                 {"dim": 0, "index": np.array([[0, 1], [0, 1]]), "reduce": "prod"}, name="prod with zeros")


register(OpInfo("scatter_reduce", "indexing",
                lambda x, src, dim, index, **k: x.scatter_reduce(dim, tg.from_numpy(index), src, **k),
                _scatter_reduce_reference, _scatter_reduce_samples,
                composed_of=indexing.scatter_reduce.__doc__.split("\n\n")[1].strip(),
                errors=lambda: [ErrorCase(lambda: tg.zeros(3, 4).scatter_reduce(1, tg.tensor([[0]]), tg.ones(1, 1), "foo"),
                                          RuntimeError, "reduce argument must be either sum, prod, mean, amax or amin, got foo")]))


def _index_add_reference(x, source, dim, index, alpha=1):
    out = x.copy()
    np.add.at(np.moveaxis(out, dim, 0), index, alpha * np.moveaxis(source, dim, 0))
    return out


register(OpInfo("index_add", "indexing", lambda x, source, dim, index, **k: x.index_add(dim, tg.from_numpy(index), source, **k),
                _index_add_reference,
                lambda rng: [Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (3, 3))), {"dim": 1, "index": np.array([0, 3, 0])},
                                    name="repeated index"),
                             Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (2, 4))),
                                    {"dim": 0, "index": np.array([2, -1]), "alpha": 2.0}, layout="transposed", name="alpha")],
                composed_of=indexing.index_add.__doc__.split("\n\n")[1].strip(),
                errors=lambda: [ErrorCase(lambda: tg.zeros(3).index_add_(0, tg.tensor([0, 5]), tg.ones(2)), IndexError,
                                          "index out of range in self"),
                                ErrorCase(lambda: tg.zeros(3).index_add_(0, tg.tensor([0, 1]), tg.ones(3)), RuntimeError,
                                          r"Number of indices \(2\) should be equal to source.size\(dim\): \(3\)")]))


def _index_fill_reference(x, dim, index, value):
    out = x.copy()
    np.moveaxis(out, dim, 0)[index] = value
    return out


register(OpInfo("index_fill", "indexing", lambda x, dim, index, value: x.index_fill(dim, tg.from_numpy(index), value),
                _index_fill_reference,
                lambda rng: [Sample((rng.uniform(-1, 1, (3, 4)),), {"dim": 1, "index": np.array([0, 3, 0]), "value": 2.5}),
                             Sample((rng.uniform(-1, 1, (3, 4)),), {"dim": 0, "index": np.array(1), "value": -1.0},
                                    layout="transposed", name="0-d index")],
                composed_of="index_fill = IndexPut of value at x[:, ..., index]: dL/dx = g off the filled slices, 0 on them.",
                errors=lambda: [ErrorCase(lambda: tg.zeros(3).index_fill_(0, tg.tensor([0, 5]), 1), RuntimeError,
                                          "out of DATA bounds")]))


def _index_put_reference(x, values, rows, accumulate=False):
    out = x.copy()
    if accumulate:
        np.add.at(out, (rows,), values)
    else:
        out[rows] = values
    return out


register(OpInfo("index_put", "indexing",
                lambda x, values, rows, **k: x.index_put((tg.from_numpy(rows),), values, **k), _index_put_reference,
                lambda rng: [Sample((rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (2, 3))), {"rows": np.array([3, 0])}),
                             Sample((rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (3,))),
                                    {"rows": np.array([1, 1, 2]), "accumulate": True}, name="accumulate repeated rows")],
                composed_of="index_put = IndexPut at x[indices] (accumulate=True: index_add at the selected elements, "
                "so dL/dx = g and dL/dvalues = g[indices], summed over broadcasting)."))


def _masked_scatter_reference(x, mask, source):
    out = x.copy()
    out[mask] = source.reshape(-1)[:mask.sum()]
    return out


register(OpInfo("masked_scatter", "indexing",
                lambda x, source, mask: x.masked_scatter(tg.from_numpy(mask), source),
                lambda x, source, mask: _masked_scatter_reference(x, np.broadcast_to(mask, x.shape), source),
                lambda rng: [Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (3, 4))),
                                    {"mask": rng.uniform(-1, 1, (3, 4)) > 0}),
                             Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (13,))),
                                    {"mask": np.array([True, False, True, True])}, name="broadcast mask, longer source")],
                composed_of=indexing.masked_scatter.__doc__.split("\n\n")[1].strip(),
                errors=lambda: [ErrorCase(lambda: tg.zeros(3).masked_scatter_(tg.tensor([True, True, True]), tg.ones(2)),
                                          RuntimeError, "Number of elements of source < number of ones in mask"),
                                ErrorCase(lambda: tg.zeros(3).masked_scatter_(tg.tensor([1, 1, 1]), tg.ones(3)),
                                          RuntimeError, "only supports boolean masks, but got mask with dtype Long")]))


def _take_along_dim_reference(x, indices, dim=None):
    if dim is None:
        return np.take_along_axis(x.reshape(-1), indices.reshape(-1), 0)
    shape = np.broadcast_shapes(x.shape[:dim] + (1,) + x.shape[dim + 1:], indices.shape[:dim] + (1,) + indices.shape[dim + 1:])
    return np.take_along_axis(np.broadcast_to(x, shape[:dim] + x.shape[dim:dim + 1] + shape[dim + 1:]),
                              np.broadcast_to(indices, shape[:dim] + indices.shape[dim:dim + 1] + shape[dim + 1:]), dim)


register(OpInfo("take_along_dim", "indexing",
                lambda x, indices, **k: x.take_along_dim(tg.from_numpy(indices), **k), _take_along_dim_reference,
                lambda rng: [Sample((rng.uniform(-1, 1, (3, 4)),), {"indices": np.array([11, 0, 5, 5])}, name="flattened"),
                             Sample((rng.uniform(-1, 1, (3, 4)),), {"indices": np.array([[3, 0], [1, 1], [2, 2]]), "dim": 1},
                                    layout="transposed"),
                             Sample((rng.uniform(-1, 1, (3, 1)),), {"indices": np.array([[0, 0, 0]]), "dim": 0},
                                    name="broadcast both")],
                composed_of="take_along_dim = gather after expanding x and indices to one shape apart from dim "
                "(Gather's rule, then Expand's: the gradient sums the copies)."))
register(OpInfo("repeat_interleave", "indexing", lambda x, **k: x.repeat_interleave(**k),
                lambda x, repeats, dim=None: np.repeat(x, repeats, axis=dim),
                lambda rng: [Sample((rng.uniform(-1, 1, (2, 3)),), {"repeats": 2}, name="flattened"),
                             Sample((rng.uniform(-1, 1, (2, 3)),), {"repeats": [1, 0, 3], "dim": 1}, layout="transposed",
                                    name="a count per column")],
                composed_of="repeat_interleave = index_select at each position repeated: dL/dx sums the gradients of "
                "the copies (AdvancedIndex's rule).",
                errors=lambda: [ErrorCase(lambda: tg.ones(3).repeat_interleave(tg.tensor([1, 2])), RuntimeError,
                                          "repeats must have the same size as input along dim"),
                                ErrorCase(lambda: tg.ones(3).repeat_interleave(tg.tensor([1, -2, 1])), RuntimeError,
                                          "repeats can not be negative")]))
register(OpInfo("roll", "indexing", lambda x, **k: x.roll(**k), lambda x, shifts, dims=None: np.roll(x, shifts, dims),
                lambda rng: [Sample((rng.uniform(-1, 1, (2, 3)),), {"shifts": 1}, name="flattened"),
                             Sample((rng.uniform(-1, 1, (3, 4)),), {"shifts": (1, -5), "dims": (0, 1)}, layout="transposed"),
                             Sample((rng.uniform(-1, 1, (0, 4)),), {"shifts": 2, "dims": 0}, name="empty")],
                composed_of="roll = index_select at (i - shift) mod n along each dim: the gradient rolls back by -shift.",
                errors=lambda: [ErrorCase(lambda: tg.ones(3, 2).roll((1, 2), (0,)), RuntimeError,
                                          "shifts and dimensions must align. shifts: 2, dims:1")]))


def _meshgrid_samples(rng):
    for indexing_name in ("ij", "xy"):
        yield Sample((rng.uniform(-1, 1, (2,)), rng.uniform(-1, 1, (3,)), rng.uniform(-1, 1, (4,))),
                     {"indexing": indexing_name}, name=indexing_name)


register(OpInfo("meshgrid", "views", lambda *xs, indexing: tg.meshgrid(*xs, indexing=indexing),
                lambda *xs, indexing: tuple(np.meshgrid(*xs, indexing=indexing)), _meshgrid_samples,
                composed_of="meshgrid: grid k = input k reshaped to lie along its dim, then expanded: the gradient "
                "sums the copies (Expand's rule).",
                errors=lambda: [ErrorCase(lambda: tg.meshgrid(tg.ones(2), tg.ones(3), indexing="foo"), RuntimeError,
                                          'indexing must be one of "xy" or "ij", but received: foo')]))

EINSUM_EQUATIONS = [("ij,jk->ik", (3, 4), (4, 2)), ("bij,bjk->bik", (2, 3, 4), (2, 4, 2)), ("ij->ji", (3, 4)),
                    ("ii", (3, 3)), ("ii->i", (3, 3)), ("i,j->ij", (3,), (4,)), ("ijk->j", (2, 3, 4)), ("ij", (2, 3)),
                    ("...ij->...ji", (2, 3, 4)), ("...j,j->...", (2, 3, 4), (4,)), ("i,i", (4,), (4,)),
                    ("bn,anm,bm->ba", (2, 3), (4, 3, 2), (2, 2))]


def _einsum_samples(rng):
    for equation, *shapes in EINSUM_EQUATIONS:
        yield Sample(tuple(rng.uniform(-1, 1, shape) for shape in shapes), {"equation": equation}, name=equation)
    yield Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (4, 5))), {"equation": "ij,jk"}, layout="transposed",
                 name="implicit output")


register(OpInfo("einsum", "linalg", lambda *xs, equation: tg.einsum(equation, *xs),
                lambda *xs, equation: np.asarray(np.einsum(equation, *xs)), _einsum_samples,
                composed_of=einsum.__doc__.split("\n\n")[1].strip(),
                errors=lambda: [ErrorCase(lambda: tg.einsum("ij,jk->ik", tg.ones(2, 3), tg.ones(4, 5)), RuntimeError,
                                          "subscript j has size 4 for operand 1 which does not broadcast with previously "
                                          "seen size 3"),
                                ErrorCase(lambda: tg.einsum("ij->ik", tg.ones(2, 3)), RuntimeError,
                                          "output subscript k does not appear in the equation for any input operand"),
                                ErrorCase(lambda: tg.einsum("ijk", tg.ones(2, 3)), RuntimeError,
                                          r"the number of subscripts in the equation \(3\) does not match")]))


def _lower_median(x, dim=None, keepdim=False):
    if dim is None:
        return np.sort(x.reshape(-1))[(x.size - 1) // 2]
    return np.take(np.sort(x, axis=dim), [(x.shape[dim] - 1) // 2], axis=dim) if keepdim else \
        np.take(np.sort(x, axis=dim), (x.shape[dim] - 1) // 2, axis=dim)


register(OpInfo("median", "reduction", lambda x, **k: x.median(**k) if "dim" not in k else x.median(**k).values,
                _lower_median,
                lambda rng: [Sample((rng.uniform(-2, 2, (3, 5)),), name="all elements, odd count"),
                             Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 1}, name="even count: the lower one"),
                             Sample((rng.uniform(-2, 2, (3, 4)),), {"dim": 0, "keepdim": True}, layout="transposed")],
                composed_of="median: indices = the lower median's position along dim (a stable sort on the host, no "
                "gradient); values = x.gather(dim, indices), so dL/dx = g at the chosen element, 0 elsewhere.",
                errors=lambda: [ErrorCase(lambda: tg.ones(0, 2).median(0), IndexError, "non-zero size")]))
register(OpInfo("cumprod", "reduction", lambda x, dim: x.cumprod(dim), lambda x, dim: np.cumprod(x, dim),
                lambda rng: [Sample((rng.uniform(-2, 2, (3, 5)),), {"dim": 1}),
                             Sample((rng.uniform(-2, 2, (2, 3, 4)),), {"dim": 0}, layout="transposed"),
                             Sample((np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, 2.0]]),), {"dim": 1},
                                    name="zeros (one, and two per row)"),
                             Sample((rng.uniform(-2, 2, (0, 3)),), {"dim": 0}, name="empty")],
                composed_of=scan.cumprod.__doc__.split("\n\n")[1].strip(),
                errors=lambda: [ErrorCase(lambda: tg.ones(2, 3).cumprod(2), IndexError, "Dimension out of range")]))


def _prod_samples(rng):
    yield from _reduction_samples(rng)
    yield Sample((np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, 2.0]]),), {"dim": 1},
                 name="zeros (one, and two per row)")
    yield Sample((np.array([[1.5, -2.0], [0.0, 3.0]]),), {"dim": None}, name="one zero in all")
    yield Sample((rng.uniform(-2, 2, (0, 3)),), {"dim": 0}, name="empty")


register(OpInfo("prod", "reduction", lambda x, **k: x.prod(**k),
                lambda x, dim=None, keepdim=False: np.prod(x, axis=_numpy_dim(dim), keepdims=keepdim), _prod_samples,
                composed_of=inspect.cleandoc(scan.prod.__doc__.split("\n\n")[1]), errors=_bad_dim(lambda x, dim: x.prod(dim))))

"""Registry entries for the operations of `teachgrad.nn.functional`: activations, padding, im2col,
convolution, pooling, normalisation, embedding and losses.

Each numpy reference below is written independently of the implementation: convolution and
pooling as plain loops over output positions and kernel taps, losses from their textbook
formulas. Class weights and other inputs that get no gradient are passed as keyword arguments
(numpy arrays there are not turned into leaves).
"""

from __future__ import annotations

import math

import numpy as np

import teachgrad as tg
from teachgrad.functions import elementwise, fused, im2col, nn_functions, padding
from teachgrad.nn import functional as F
from teachgrad.registry.core import ErrorCase, OpInfo, Sample, register


def _like(x, value):
    """A keyword array as a tensor of x's dtype (None stays None)."""
    return None if value is None else tg.tensor(value, dtype=x.dtype, device=x.device)


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    return {"mean": np.mean, "sum": np.sum}[reduction](loss) if reduction != "none" else loss


# activations -----------------------------------------------------------------------------------
def _activation_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)),))
    yield Sample((rng.uniform(-2, 2, (2, 3, 2)),), layout="transposed")
    yield Sample((rng.uniform(-2, 2, (3, 4)),), layout="sliced")


register(OpInfo("leaky_relu", "nn.activation", lambda x: F.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x),
                _activation_samples, nn_functions.LeakyReLU))
register(OpInfo("elu", "nn.activation", lambda x: F.elu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * (np.exp(np.minimum(x, 0)) - 1)),
                _activation_samples, nn_functions.ELU))
def _gelu_samples(rng):
    yield from _activation_samples(rng)
    yield Sample((np.array([-8.0, -3.0, -0.5, 0.0, 0.5, 3.0, 8.0]),), name="at 0 and saturated")


register(OpInfo("gelu", "nn.activation", F.gelu, lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2))),
                _gelu_samples, elementwise.GELU))
register(OpInfo("gelu_tanh", "nn.activation", lambda x: F.gelu(x, approximate="tanh"),
                lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))), _activation_samples,
                composed_of="gelu(approximate='tanh'):  out = 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)));\n"
                            "the gradient flows through Mul, Add and Tanh.",
                errors=lambda: [ErrorCase(lambda: F.gelu(tg.ones(2), approximate="fast"), ValueError, "approximate")]))
register(OpInfo("silu", "nn.activation", F.silu, lambda x: x / (1 + np.exp(-x)), _activation_samples,
                composed_of="silu:  out = x * sigmoid(x); the gradient flows through Mul and Sigmoid."))
register(OpInfo("softplus", "nn.activation", lambda x: F.softplus(x, beta=2.0, threshold=3.0),
                lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * np.minimum(x, 1.5))) / 2), _activation_samples,
                composed_of="softplus:  out = x where beta * x > threshold, else log(1 + exp(beta * x)) / beta;\n"
                            "the gradient flows through Where, Log, Exp (of min(beta * x, threshold))."))



def _away_from(points, low, high):
    """Samples in [low, high] kept at least 0.05 from the kinks in `points` (finite differences)."""
    def samples(rng):
        def draw(shape):
            x = rng.uniform(low, high, shape)
            for point in points:
                near = np.abs(x - point) < 0.05
                x[near] = point + np.where(x[near] >= point, 0.1, -0.1)
            return x
        yield Sample((draw((3, 4)),))
        yield Sample((draw((2, 3, 2)),), layout="transposed")
        yield Sample((draw((3, 4)),), layout="sliced")
    return samples


register(OpInfo("hardtanh", "nn.activation", lambda x: F.hardtanh(x, -0.5, 1.0), lambda x: np.minimum(np.maximum(x, -0.5), 1.0),
                _away_from((-0.5, 1.0), -2, 2),
                composed_of="hardtanh:  out = clamp(x, min_val, max_val); the gradient flows through Clamp\n"
                            "(1 strictly inside [min_val, max_val], 0 outside).",
                errors=lambda: [ErrorCase(lambda: F.hardtanh(tg.ones(2), 2.0, 1.0), ValueError, "min_val cannot be greater")]))
register(OpInfo("relu6", "nn.activation", F.relu6, lambda x: np.minimum(np.maximum(x, 0.0), 6.0), _away_from((0.0, 6.0), -2, 8),
                composed_of="relu6:  out = clamp(x, 0, 6) (hardtanh(x, 0, 6)); the gradient flows through Clamp."))
register(OpInfo("mish", "nn.activation", F.mish, lambda x: x * np.tanh(np.log1p(np.exp(x))), _activation_samples,
                composed_of="mish:  out = x * tanh(softplus(x)); the gradient flows through Mul, Tanh and softplus's\n"
                            "Where, Log, Exp."))
register(OpInfo("logsigmoid", "nn.activation", F.logsigmoid, lambda x: -np.log1p(np.exp(-x)), _activation_samples,
                composed_of="logsigmoid:  out = min(x, 0) - log(1 + exp(-|x|)) (= log(sigmoid(x)) = -softplus(-x));\n"
                            "the gradient flows through Clamp, Log, Exp, Neg and Abs."))


def _normalize_reference(x, p=2.0, dim=1, eps=1e-12):
    norm = np.sum(np.abs(x) ** p, axis=dim, keepdims=True) ** (1.0 / p)
    return x / np.maximum(norm, eps)


def _normalize_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)),))
    yield Sample((rng.uniform(-2, 2, (2, 3, 2)),), {"p": 1.0, "dim": -1}, layout="transposed", name="p=1")
    yield Sample((rng.uniform(0.5, 2, (3, 4)),), {"p": 3.0, "dim": 0}, layout="sliced", name="p=3")
    yield Sample((rng.uniform(-1, 1, (3, 4)) * 1e-3,), {"eps": 1.0}, name="eps clamps")
    yield Sample((np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]]),), {"eps": 1e-3}, name="a zero vector")


register(OpInfo("normalize", "nn.normalization", F.normalize, _normalize_reference, _normalize_samples,
                composed_of="normalize:  out = x / max(||x||_p, eps) along dim; the gradient flows through Div,\n"
                            "Clamp and Norm (whose gradient at a zero vector is 0, so there dL/dx = g / eps)."))


def _cosine_reference(x1, x2, dim=1, eps=1e-8):
    n1 = np.maximum(np.sqrt(np.sum(x1 * x1, axis=dim, keepdims=True)), eps)
    n2 = np.maximum(np.sqrt(np.sum(x2 * x2, axis=dim, keepdims=True)), eps)
    return np.sum((x1 / n1) * (x2 / n2), axis=dim)


def _cosine_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))))
    yield Sample((rng.uniform(-2, 2, (2, 3, 2)), rng.uniform(-2, 2, (3, 2))), {"dim": -1}, layout="transposed", name="broadcast")
    yield Sample((rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))), {"dim": 0}, layout="sliced", name="dim=0")
    yield Sample((np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]]), np.array([[1.0, 2.0, -2.0], [0.0, 0.0, 0.0]])),
                 {"eps": 1e-3}, name="zero vectors")


register(OpInfo("cosine_similarity", "nn.normalization", F.cosine_similarity, _cosine_reference, _cosine_samples,
                composed_of="cosine_similarity:  out = sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)), dim);\n"
                            "each clamp is straight-through (n + (max(n, eps) - n).detach(), as PyTorch's in-place\n"
                            "clamp), so the gradient flows through Sum, Mul, Div and the norms (Norm) unclamped."))

# padding and im2col ------------------------------------------------------------------------------
def _pad_reference(x, pad, mode="constant", value=0.0):
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    grown = [(max(a, 0), max(b, 0)) for a, b in widths]
    numpy_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    extra = {"constant_values": value} if mode == "constant" else {}
    out = np.pad(x, grown, mode=numpy_mode, **extra)
    return out[tuple(slice(max(-a, 0), out.shape[d] - max(-b, 0)) for d, (a, b) in enumerate(widths))]


def _pad_samples(rng):
    yield Sample((rng.uniform(-1, 1, (2, 3, 4)),), {"pad": (1, 2)}, name="constant last dim")
    yield Sample((rng.uniform(-1, 1, (2, 3, 4)),), {"pad": (1, -1, 2, 0), "value": 0.5}, layout="transposed", name="crop")
    for mode in ("reflect", "replicate", "circular"):
        yield Sample((rng.uniform(-1, 1, (1, 3, 4)),), {"pad": (2, 1, 1, 2), "mode": mode}, layout="sliced", name=mode)


register(OpInfo("pad", "nn.convolution", F.pad, _pad_reference, _pad_samples, padding.Pad,
                errors=lambda: [ErrorCase(lambda: F.pad(tg.ones(2, 3), (1,)), RuntimeError, "divisible by 2"),
                                ErrorCase(lambda: F.pad(tg.ones(2, 3), (3, 3), mode="reflect"), RuntimeError, "less than the size"),
                                ErrorCase(lambda: F.pad(tg.ones(2, 3), (1, 1), mode="wrap"), NotImplementedError, "padding mode")]))


def _unfold_reference(x, kernel_size, dilation=1, padding=0, stride=1):
    kh, kw = kernel_size
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, w = x.shape
    out_h, out_w = (h - dilation * (kh - 1) - 1) // stride + 1, (w - dilation * (kw - 1) - 1) // stride + 1
    cols = np.zeros((n, c, kh, kw, out_h, out_w), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dilation, i * dilation + stride * (out_h - 1) + 1, stride)
            columns = slice(j * dilation, j * dilation + stride * (out_w - 1) + 1, stride)
            cols[:, :, i, j] = x[:, :, rows, columns]
    return cols.reshape(n, c * kh * kw, out_h * out_w)


def _unfold_samples(rng):
    yield Sample((rng.uniform(-1, 1, (1, 2, 4, 4)),), {"kernel_size": (2, 2)})
    yield Sample((rng.uniform(-1, 1, (2, 1, 5, 4)),), {"kernel_size": (2, 3), "dilation": 2, "padding": 1, "stride": 2},
                 layout="transposed")


register(OpInfo("unfold", "nn.convolution", F.unfold, _unfold_reference, _unfold_samples, im2col.Unfold,
                errors=lambda: [ErrorCase(lambda: F.unfold(tg.ones(1, 1, 2, 2), 3), RuntimeError, "smaller than the kernel")]))


# convolution -----------------------------------------------------------------------------------
def _conv_reference(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Direct convolution: out[n, o, p] = bias[o] + sum over c in o's group and taps j of w[o, c, j] * x[n, c, p*s + j*d]."""
    dims = weight.ndim - 2
    stride, dilation = (stride,) * dims if isinstance(stride, int) else stride, (dilation,) * dims if isinstance(dilation, int) else dilation
    kernel = weight.shape[2:]
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        widths = [(t // 2, t - t // 2) for t in totals]
    else:
        widths = [(p, p) for p in ((padding,) * dims if isinstance(padding, int) else padding)]
    x = np.pad(x, [(0, 0), (0, 0)] + widths)
    out_sizes = [(x.shape[2 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(dims)]
    out_channels, group_in = weight.shape[:2]
    per_group = out_channels // groups
    out = np.zeros((x.shape[0], out_channels, *out_sizes), dtype=x.dtype)
    for o in range(out_channels):
        channels = range((o // per_group) * group_in, (o // per_group + 1) * group_in)
        for position in np.ndindex(*out_sizes):
            total = np.zeros(x.shape[0], dtype=x.dtype)
            for c_index, c in enumerate(channels):
                for tap in np.ndindex(*kernel):
                    coords = tuple(position[i] * stride[i] + tap[i] * dilation[i] for i in range(dims))
                    total += weight[(o, c_index) + tap] * x[(slice(None), c) + coords]
            out[(slice(None), o) + position] = total + (bias[o] if bias is not None else 0)
    return out


def _conv2d_samples(rng):
    yield Sample((rng.uniform(-1, 1, (1, 2, 4, 4)), rng.uniform(-1, 1, (3, 2, 2, 2)), rng.uniform(-1, 1, 3)), name="plain")
    yield Sample((rng.uniform(-1, 1, (2, 2, 5, 4)), rng.uniform(-1, 1, (2, 2, 3, 2)), None),
                 {"stride": (2, 1), "padding": 1, "dilation": (1, 2)}, layout="transposed", name="stride-padding-dilation")
    yield Sample((rng.uniform(-1, 1, (1, 4, 4, 4)), rng.uniform(-1, 1, (2, 2, 2, 2)), rng.uniform(-1, 1, 2)),
                 {"groups": 2, "padding": "same"}, layout="sliced", name="groups-same")


def _conv1d_samples(rng):
    yield Sample((rng.uniform(-1, 1, (2, 2, 6)), rng.uniform(-1, 1, (3, 2, 3)), rng.uniform(-1, 1, 3)),
                 {"stride": 2, "padding": 1, "dilation": 2}, layout="transposed")
    yield Sample((rng.uniform(-1, 1, (1, 2, 5)), rng.uniform(-1, 1, (2, 2, 2)), None), {"padding": "same"}, name="same-even")


_CONV_RULE = """convolution as im2col:  cols = Unfold(pad(x))              (N, C*K, L)
                        out[n, g, o, l] = sum_r w[g, o, r] * cols[n, g, r, l]   (grouped batched matmul)
                        out += bias[o]
backward: through MatMul (dL/dw = sum_n g @ cols^T, dL/dcols = w^T @ g), then Unfold's col2im
          (scatter_add into x's shape) and Pad (the interior of the gradient); dL/dbias = sum of g over n, l."""

register(OpInfo("conv2d", "nn.convolution", F.conv2d, _conv_reference, _conv2d_samples, composed_of=_CONV_RULE,
                errors=lambda: [ErrorCase(lambda: F.conv2d(tg.ones(1, 3, 4, 4), tg.ones(2, 2, 2, 2)), RuntimeError, "to have 2 channels"),
                                ErrorCase(lambda: F.conv2d(tg.ones(2, 4), tg.ones(2, 2, 2, 2)), RuntimeError, "Expected 3D"),
                                ErrorCase(lambda: F.conv2d(tg.ones(1, 2, 4, 4), tg.ones(2, 2, 2, 2), stride=2, padding="same"),
                                          ValueError, "strided"),
                                ErrorCase(lambda: F.conv2d(tg.ones(1, 2, 2, 2), tg.ones(2, 2, 3, 3)), RuntimeError, "Kernel size")]))
register(OpInfo("conv1d", "nn.convolution", F.conv1d, _conv_reference, _conv1d_samples, composed_of=_CONV_RULE,
                errors=lambda: [ErrorCase(lambda: F.conv1d(tg.ones(1, 4, 5), tg.ones(3, 2, 2), groups=2), RuntimeError, "divisible")]))


# pooling ---------------------------------------------------------------------------------------
def _pool_windows(x, kernel, stride, padding, dilation, ceil_mode, fill):
    """(window values (N, C, *out, K), window sizes) by direct slicing, PyTorch's output-size rule."""
    dims = len(kernel)
    outs = []
    for i in range(dims):
        size, span = x.shape[2 + i], x.shape[2 + i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1
        out = (span + (stride[i] - 1 if ceil_mode else 0)) // stride[i] + 1
        if ceil_mode and (out - 1) * stride[i] >= size + padding[i]:
            out -= 1
        outs.append(out)
    big = np.pad(x, [(0, 0), (0, 0)] + [(p, p + k * d + s) for p, k, d, s in zip(padding, kernel, dilation, stride)],
                 constant_values=fill)
    values = np.zeros(x.shape[:2] + tuple(outs) + (int(np.prod(kernel)),), dtype=x.dtype)
    for position in np.ndindex(*outs):
        for t, tap in enumerate(np.ndindex(*kernel)):
            coords = tuple(position[i] * stride[i] + tap[i] * dilation[i] for i in range(dims))
            values[(slice(None), slice(None)) + position + (t,)] = big[(slice(None), slice(None)) + coords]
    return values, outs


def _max_pool_reference(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    dims = x.ndim - 2
    as_tuple = lambda v: (v,) * dims if isinstance(v, int) else tuple(v)
    kernel = as_tuple(kernel_size)
    values, _ = _pool_windows(x, kernel, as_tuple(stride if stride is not None else kernel_size), as_tuple(padding),
                              as_tuple(dilation), ceil_mode, -np.inf)
    return values.max(axis=-1)


def _avg_pool_reference(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    dims = x.ndim - 2
    as_tuple = lambda v: (v,) * dims if isinstance(v, int) else tuple(v)
    kernel, stride = as_tuple(kernel_size), as_tuple(stride if stride is not None else kernel_size)
    padding = as_tuple(padding)
    values, outs = _pool_windows(x, kernel, stride, padding, (1,) * dims, ceil_mode, 0.0)
    counts = np.ones(outs)
    for i in range(dims):
        start = np.arange(outs[i]) * stride[i] - padding[i]
        end = np.minimum(start + kernel[i], x.shape[2 + i] + padding[i])
        size = end - start if count_include_pad else np.minimum(end, x.shape[2 + i]) - np.maximum(start, 0)
        counts = counts * size.reshape([-1 if j == i else 1 for j in range(dims)])
    return values.sum(axis=-1) / counts


def _max_pool2d_samples(rng):
    yield Sample((rng.uniform(-1, 1, (1, 2, 4, 4)),), {"kernel_size": 2})
    yield Sample((rng.uniform(-1, 1, (2, 1, 5, 5)),), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
                 layout="transposed", name="padding-ceil")
    yield Sample((rng.uniform(-1, 1, (1, 2, 5, 4)),), {"kernel_size": (2, 2), "stride": 1, "dilation": (2, 1)}, layout="sliced",
                 name="dilation")


def _avg_pool2d_samples(rng):
    yield Sample((rng.uniform(-1, 1, (1, 2, 4, 4)),), {"kernel_size": 2})
    yield Sample((rng.uniform(-1, 1, (2, 1, 5, 5)),), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
                 layout="transposed", name="padding-ceil")
    yield Sample((rng.uniform(-1, 1, (1, 2, 5, 4)),), {"kernel_size": (3, 2), "stride": (2, 1), "padding": 1,
                                                        "count_include_pad": False}, layout="sliced", name="exclude-pad")


def _pool1d_samples(rng):
    yield Sample((rng.uniform(-1, 1, (2, 2, 7)),), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True})
    yield Sample((rng.uniform(-1, 1, (1, 3, 6)),), {"kernel_size": 2}, layout="transposed")


register(OpInfo("max_pool2d", "nn.pooling", F.max_pool2d, _max_pool_reference, _max_pool2d_samples,
                composed_of="max pooling as im2col:  cols = Unfold(pad(x, -inf)) viewed as (N, C, K, L);  out = max over K\n"
                            "backward: max's rule (g to the first largest tap of each window), then col2im (scatter_add).",
                errors=lambda: [ErrorCase(lambda: F.max_pool2d(tg.ones(1, 1, 4, 4), 2, padding=2), RuntimeError, "at most half"),
                                ErrorCase(lambda: F.max_pool2d(tg.ones(1, 1, 1, 1), 2), RuntimeError, "too small")]))
register(OpInfo("max_pool1d", "nn.pooling", F.max_pool1d, _max_pool_reference, _pool1d_samples,
                composed_of="max pooling as im2col (see max_pool2d)."))
register(OpInfo("avg_pool2d", "nn.pooling", F.avg_pool2d, _avg_pool_reference, _avg_pool2d_samples,
                composed_of="average pooling as im2col:  cols = Unfold(pad(x, 0)) viewed as (N, C, K, L);\n"
                            "out = sum over K / window size (PyTorch's count_include_pad rule)\n"
                            "backward: g / window size to every tap, then col2im (scatter_add).",
                errors=lambda: [ErrorCase(lambda: F.avg_pool2d(tg.ones(1, 1, 4, 4), 2, divisor_override=0), RuntimeError, "not zero")]))
register(OpInfo("avg_pool1d", "nn.pooling", F.avg_pool1d, _avg_pool_reference, _pool1d_samples,
                composed_of="average pooling as im2col (see avg_pool2d)."))


def _adaptive_reference(x, output_size):
    sizes = (output_size,) * (x.ndim - 2) if isinstance(output_size, int) else output_size
    out = np.zeros(x.shape[:2] + tuple(sizes), dtype=x.dtype)
    for position in np.ndindex(*sizes):
        window = tuple(slice(i * n // o, -(-(i + 1) * n // o)) for i, n, o in zip(position, x.shape[2:], sizes))
        out[(slice(None), slice(None)) + position] = x[(slice(None), slice(None)) + window].mean(axis=tuple(range(2, x.ndim)))
    return out


def _adaptive_samples(rng):
    yield Sample((rng.uniform(-1, 1, (1, 2, 5, 4)),), {"output_size": (3, 2)})
    yield Sample((rng.uniform(-1, 1, (2, 1, 4, 4)),), {"output_size": 1}, layout="transposed", name="global")


register(OpInfo("adaptive_avg_pool2d", "nn.pooling", F.adaptive_avg_pool2d, _adaptive_reference, _adaptive_samples,
                composed_of="adaptive average pooling: window i of each dim is [floor(i*n/o), ceil((i+1)*n/o));\n"
                            "window sums are matmuls with 0/1 membership matrices, divided by the window sizes;\n"
                            "backward: through MatMul and Div."))


# normalisation and embedding ---------------------------------------------------------------------
def _batch_norm_reference(x, weight, bias, eps=1e-5):
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    normalized = (x - x.mean(axis=dims, keepdims=True)) / np.sqrt(x.var(axis=dims, keepdims=True) + eps)
    return normalized * weight.reshape(shape) + bias.reshape(shape)


def _batch_norm_samples(rng):
    yield Sample((rng.uniform(-1, 1, (4, 3)), rng.uniform(0.5, 1.5, 3), rng.uniform(-1, 1, 3)))
    yield Sample((rng.uniform(-1, 1, (2, 2, 3, 2)), rng.uniform(0.5, 1.5, 2), rng.uniform(-1, 1, 2)), layout="transposed")


register(OpInfo("batch_norm", "nn.normalization", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                _batch_norm_reference, _batch_norm_samples,
                composed_of="batch norm (training):  out = (x - mean) * rsqrt(var + eps) * weight + bias, mean and\n"
                            "biased var over all dims but 1; the gradient flows through Mean, Var, Sqrt, Div, Mul, Add.",
                errors=lambda: [ErrorCase(lambda: F.batch_norm(tg.ones(1, 3), None, None, training=True), ValueError, "more than 1 value")]))


def _layer_norm_reference(x, weight, bias, normalized_shape, eps=1e-5):
    dims = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    return (x - x.mean(axis=dims, keepdims=True)) / np.sqrt(x.var(axis=dims, keepdims=True) + eps) * weight + bias


def _layer_norm_samples(rng):
    yield Sample((rng.uniform(-1, 1, (3, 4)), rng.uniform(0.5, 1.5, 4), rng.uniform(-1, 1, 4)), {"normalized_shape": (4,)})
    yield Sample((rng.uniform(-1, 1, (2, 3, 2)), rng.uniform(0.5, 1.5, (3, 2)), rng.uniform(-1, 1, (3, 2))),
                 {"normalized_shape": (3, 2)}, layout="transposed")


register(OpInfo("layer_norm", "nn.normalization", lambda x, w, b, normalized_shape: F.layer_norm(x, normalized_shape, w, b),
                _layer_norm_reference, _layer_norm_samples,
                composed_of="layer norm:  out = (x - mean) * rsqrt(var + eps) * weight + bias over the last dims;\n"
                            "the gradient flows through Mean, Var, Sqrt, Div, Mul, Add.",
                errors=lambda: [ErrorCase(lambda: F.layer_norm(tg.ones(2, 3), (4,)), RuntimeError, "normalized_shape")]))


def _embedding_samples(rng):
    yield Sample((np.array([[0, 2, 2], [4, 1, 0]]), rng.uniform(-1, 1, (5, 3))))
    # (a padding row that is looked up gets no gradient on purpose, which finite differences would contradict:
    #  tests/nn/test_layers.py checks that case)
    yield Sample((np.array([3, 3, 1]), rng.uniform(-1, 1, (4, 2))), {"padding_idx": 0}, layout="transposed", name="padding_idx")


def _embedding_reference(index, weight, padding_idx=None):
    return weight[index]


register(OpInfo("embedding", "nn.sparse", F.embedding, _embedding_reference, _embedding_samples, nn_functions.EmbeddingLookup,
                errors=lambda: [ErrorCase(lambda: F.embedding(tg.tensor([5]), tg.ones(3, 2)), IndexError, "out of range"),
                                ErrorCase(lambda: F.embedding(tg.tensor([0.0]), tg.ones(3, 2)), RuntimeError, "int64")]))


# losses ----------------------------------------------------------------------------------------
def _regression_samples(rng):
    for reduction in ("mean", "sum", "none"):
        yield Sample((rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))), {"reduction": reduction}, name=reduction)
    yield Sample((rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))), layout="transposed")


def _bad_reduction(fn):
    return lambda: [ErrorCase(lambda: fn(tg.ones(2), tg.ones(2), reduction="avg"), ValueError, "not a valid value")]


register(OpInfo("mse_loss", "nn.loss", F.mse_loss, lambda x, t, reduction="mean": _reduce((x - t) ** 2, reduction),
                _regression_samples, nn_functions.MseLoss, errors=_bad_reduction(F.mse_loss)))
register(OpInfo("l1_loss", "nn.loss", F.l1_loss, lambda x, t, reduction="mean": _reduce(np.abs(x - t), reduction),
                _regression_samples, composed_of="l1:  |x - t|, reduced; through Sub, Abs, Mean/Sum.", errors=_bad_reduction(F.l1_loss)))


def _smooth_l1_reference(x, t, reduction="mean", beta=1.0):
    d = np.abs(x - t)
    return _reduce(np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def _huber_reference(x, t, reduction="mean", delta=1.0):
    d = np.abs(x - t)
    return _reduce(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def _smooth_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))), {"beta": 0.5})
    yield Sample((rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))), {"reduction": "none"}, layout="transposed")


def _huber_samples(rng):
    yield Sample((rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))), {"delta": 0.5})
    yield Sample((rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))), {"reduction": "sum"}, layout="transposed")


register(OpInfo("smooth_l1_loss", "nn.loss", F.smooth_l1_loss, _smooth_l1_reference, _smooth_samples,
                nn_functions.SmoothL1Loss))
register(OpInfo("huber_loss", "nn.loss", F.huber_loss, _huber_reference, _huber_samples, nn_functions.HuberLoss))


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _nll_reference(logp, target, weight=None, ignore_index=-100, reduction="mean"):
    """loss_i = -w[t_i] * logp[i, t_i] (0 for ignored); mean divides by the sum of w[t_i] over kept samples."""
    classes = logp.shape[1]
    weight = np.ones(classes) if weight is None else weight
    kept = target != ignore_index
    safe = np.where(kept, target, 0)
    picked = np.take_along_axis(logp, np.expand_dims(safe, 1), axis=1).squeeze(1)
    w = np.where(kept, weight[safe], 0.0)
    loss = -w * picked
    return loss.sum() / w.sum() if reduction == "mean" else _reduce(loss, reduction)


def _cross_entropy_reference(x, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """PyTorch's formulas, written out (see F.cross_entropy's docstring)."""
    logp = _log_softmax(x, 1)
    classes = x.shape[1]
    w = np.ones(classes) if weight is None else weight
    w_shape = (1, classes) + (1,) * (x.ndim - 2)
    if target.dtype.kind == "f":
        q = target * (1 - label_smoothing) + label_smoothing / classes
        per_sample = -(logp * q * w.reshape(w_shape)).sum(axis=1)
        return per_sample.sum() / (x.size / classes) if reduction == "mean" else _reduce(per_sample, reduction)
    nll = _nll_reference(logp, target, weight, ignore_index, reduction)
    kept = target != ignore_index
    smooth = np.where(kept, -(logp * w.reshape(w_shape)).sum(axis=1), 0.0)
    if reduction == "mean":
        smooth = smooth.sum() / w[np.where(kept, target, 0)][kept].sum()
    else:
        smooth = _reduce(smooth, reduction)
    return (1 - label_smoothing) * nll + label_smoothing / classes * smooth


def _class_weight_op(fn):
    return lambda x, t, weight=None, **k: fn(x, t, weight=_like(x, weight), **k)


def _nll_samples(rng):
    yield Sample((_log_softmax(rng.uniform(-2, 2, (4, 3)), 1), np.array([0, 2, 1, 2])))
    yield Sample((_log_softmax(rng.uniform(-2, 2, (4, 3)), 1), np.array([0, -100, 1, 2])),
                 {"weight": rng.uniform(0.5, 2, 3), "reduction": "sum"}, layout="transposed", name="weight-ignore")
    yield Sample((_log_softmax(rng.uniform(-2, 2, (2, 3, 2)), 1), np.array([[0, 2], [1, 1]])), {"reduction": "none"}, name="N-d")


def _cross_entropy_samples(rng):
    logits = lambda *shape: rng.uniform(-2, 2, shape)
    yield Sample((logits(4, 3), np.array([0, 2, 1, 2])), name="indices")
    yield Sample((logits(4, 3), np.array([0, -100, 1, 2])), {"weight": rng.uniform(0.5, 2, 3), "label_smoothing": 0.2},
                 layout="transposed", name="weight-ignore-smoothing")
    yield Sample((logits(4, 3), np.array([0, 1, 1, 2])), {"weight": rng.uniform(0.5, 2, 3), "ignore_index": 1,
                                                          "label_smoothing": 0.1, "reduction": "sum"}, name="ignore-class-sum")
    yield Sample((logits(2, 3, 2), np.array([[0, 2], [1, -100]])), {"label_smoothing": 0.3, "reduction": "none"}, name="N-d")
    yield Sample((logits(3, 4), rng.dirichlet(np.ones(4), size=3)), {"weight": rng.uniform(0.5, 2, 4), "label_smoothing": 0.1},
                 name="probabilities")


register(OpInfo("nll_loss", "nn.loss", _class_weight_op(F.nll_loss), _nll_reference, _nll_samples, nn_functions.NllLoss,
                errors=lambda: [ErrorCase(lambda: F.nll_loss(tg.zeros(2, 3), tg.tensor([0, 3])), IndexError, "out of bounds"),
                                ErrorCase(lambda: F.nll_loss(tg.zeros(2, 3), tg.tensor([0, 1, 2])), ValueError, "batch_size"),
                                ErrorCase(lambda: F.nll_loss(tg.zeros(2, 3), tg.tensor([0.0, 1.0])), RuntimeError, "int64")]))
register(OpInfo("cross_entropy", "nn.loss", _class_weight_op(F.cross_entropy), _cross_entropy_reference, _cross_entropy_samples,
                composed_of="cross entropy:  log_softmax over the class dim (LogSoftmax), then nll_loss; with label\n"
                            "smoothing eps: (1 - eps) * nll + eps / C * (-sum_c w_c log_softmax_c) reduced like nll;\n"
                            "probability targets q: -sum_c w_c q_c log_softmax_c.",
                errors=lambda: [ErrorCase(lambda: F.cross_entropy(tg.zeros(2, 3), tg.zeros(2, 4)), RuntimeError, "probability targets"),
                                ErrorCase(lambda: F.cross_entropy(tg.zeros(2, 3), tg.tensor([0, 1]), label_smoothing=1.5),
                                          RuntimeError, "label_smoothing")]))


def _bce_reference(x, t, weight=None, reduction="mean"):
    loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log(1 - x), -100))
    return _reduce(loss * (1 if weight is None else weight), reduction)


def _bce_samples(rng):
    yield Sample((rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(0, 1, (3, 4))))
    yield Sample((rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(0, 1, (3, 4))), {"weight": rng.uniform(0.5, 2, (3, 4)), "reduction": "none"},
                 layout="transposed", name="weight")


def _bce_logits_reference(x, t, weight=None, reduction="mean", pos_weight=None):
    log_sigmoid, log_one_minus = -np.logaddexp(0, -x), -np.logaddexp(0, x)
    pos = 1 if pos_weight is None else pos_weight
    loss = -(pos * t * log_sigmoid + (1 - t) * log_one_minus)
    return _reduce(loss * (1 if weight is None else weight), reduction)


def _bce_logits_samples(rng):
    yield Sample((rng.uniform(-3, 3, (3, 4)), rng.uniform(0, 1, (3, 4))))
    yield Sample((rng.uniform(-3, 3, (3, 4)), rng.uniform(0, 1, (3, 4))),
                 {"weight": rng.uniform(0.5, 2, (3, 4)), "pos_weight": rng.uniform(0.5, 3, 4), "reduction": "sum"},
                 layout="transposed", name="weights")


register(OpInfo("binary_cross_entropy", "nn.loss", lambda x, t, weight=None, **k: F.binary_cross_entropy(x, t, _like(x, weight), **k),
                _bce_reference, _bce_samples, nn_functions.BinaryCrossEntropy,
                errors=lambda: [ErrorCase(lambda: F.binary_cross_entropy(tg.tensor([1.5]), tg.tensor([1.0])), RuntimeError, "between 0 and 1"),
                                ErrorCase(lambda: F.binary_cross_entropy(tg.tensor([0.5]), tg.tensor([[1.0]])), ValueError, "target size")]))
register(OpInfo("binary_cross_entropy_with_logits", "nn.loss",
                lambda x, t, weight=None, pos_weight=None, **k: F.binary_cross_entropy_with_logits(
                    x, t, _like(x, weight), pos_weight=_like(x, pos_weight), **k),
                _bce_logits_reference, _bce_logits_samples, nn_functions.BinaryCrossEntropyWithLogits,
                errors=lambda: [ErrorCase(lambda: F.binary_cross_entropy_with_logits(tg.ones(2), tg.ones(3)), ValueError, "same as input size")]))


# fused forms used by F.linear (2-D input) and F.cross_entropy (2-D logits, class indices) --------
def _fused_cross_entropy_samples(rng):
    logits = lambda *shape: rng.uniform(-2, 2, shape)  # noqa: E731
    yield Sample((logits(5, 4), np.array([0, 3, 1, 2, 2])), name="mean")
    yield Sample((logits(4, 3), np.array([0, -100, 1, 2])), {"weight": rng.uniform(0.5, 2, 3)}, layout="transposed",
                 name="weight-ignore")
    yield Sample((logits(4, 3), np.array([0, 1, 1, 2])), {"reduction": "sum"}, name="sum")
    yield Sample((logits(4, 3), np.array([2, 1, 0, 2])), {"weight": rng.uniform(0.5, 2, 3), "reduction": "none"}, name="none")


register(OpInfo("cross_entropy_fused", "nn.loss", _class_weight_op(F.cross_entropy), _cross_entropy_reference,
                _fused_cross_entropy_samples, fused.CrossEntropy,
                errors=lambda: [ErrorCase(lambda: F.cross_entropy(tg.zeros(2, 3), tg.tensor([0, 5])), IndexError, "out of bounds")]))


def _linear_samples(rng):
    yield Sample((rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2,))), name="2-D (fused)")
    yield Sample((rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2,))), layout="transposed",
                 name="2-D, non-contiguous")
    yield Sample((rng.uniform(-1, 1, (2, 4, 3)), rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2,))), name="3-D (composed)")


register(OpInfo("linear", "nn.linear", lambda x, w, b: F.linear(x, w, b), lambda x, w, b: x @ w.T + b, _linear_samples,
                fused.Linear,
                errors=lambda: [ErrorCase(lambda: F.linear(tg.ones(2, 3), tg.ones(4, 5)), RuntimeError, "in_features"),
                                ErrorCase(lambda: F.linear(tg.ones(2, 3), tg.ones(4, 3, dtype=tg.float64)), RuntimeError, "same dtype")]))

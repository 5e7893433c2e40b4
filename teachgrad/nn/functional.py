"""`teachgrad.nn.functional`: the layers and losses of `teachgrad.nn` as plain functions (PyTorch's `F`).

Everything here is a composition of tensor operations and a few Functions
(`functions/nn_functions.py`, `functions/padding.py`, `functions/im2col.py`), so the gradient of
each is the chain rule through documented backward rules. How each is composed is written in
its docstring.

Convolution and pooling follow *im2col*: `Unfold` gathers every sliding window into a column
(N, C*K, L); a convolution is then one (grouped, batched) matrix product with the weight, max
pooling a max over the K taps, average pooling a sum over the taps divided by the window size.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from teachgrad.autograd.grad_mode import is_grad_enabled
from teachgrad.dtypes import bool_, int64
from teachgrad.functions import fused
from teachgrad.functions.inplace import write as write_in_place
from teachgrad.functions.elementwise import GELU
from teachgrad.functions.im2col import Unfold, output_size, window_offsets
from teachgrad.functions.nn_functions import (
    ELU,
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    EmbeddingLookup,
    HuberLoss,
    LeakyReLU,
    MseLoss,
    NllLoss,
    SmoothL1Loss,
    reduce_loss,
)
from teachgrad.functions.padding import NUMPY_MODES, Pad
from teachgrad.random import resolve
from teachgrad.strides import contiguous_strides, numel
from teachgrad.tensor import Tensor

# activations ---------------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    return input.relu_() if inplace else input.relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope * x (the Function `LeakyReLU`)."""
    if inplace:
        return write_in_place(input, lambda t: LeakyReLU.apply(t, negative_slope))
    return LeakyReLU.apply(input, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1) (the Function `ELU`)."""
    if inplace:
        return write_in_place(input, lambda t: ELU.apply(t, alpha))
    return ELU.apply(input, alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (exact, erf form), or with approximate='tanh':
    0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))).
    """
    if approximate == "none":
        return GELU.apply(input)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2.0 / math.pi)
        return input * 0.5 * (1.0 + inner.tanh())
    raise ValueError(f"approximate argument must be either 'none' or 'tanh', got {approximate!r}")


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    if inplace:
        return write_in_place(input, lambda t: t * t.sigmoid())
    return input * input.sigmoid()


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, or x where beta * x > threshold (PyTorch's linear region)."""
    scaled = input * beta
    smooth = (scaled.clamp(max=threshold).exp() + 1.0).log() / beta
    return input.where(scaled > threshold, smooth)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """min(max(x, min_val), max_val): x clamped to [min_val, max_val] (the gradient flows through Clamp)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return write_in_place(input, lambda t: t.clamp(min_val, max_val))
    return input.clamp(min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), i.e. hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)), softplus(x) = log(1 + exp(x)) (linear above 20, as in `softplus`)."""
    if inplace:
        return write_in_place(input, lambda t: t * softplus(t).tanh())
    return input * softplus(input).tanh()


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -log(1 + exp(-x)), computed stably as min(x, 0) - log(1 + exp(-|x|))."""
    return input.clamp(max=0.0) - ((-input.abs()).exp() + 1.0).log()


def _softmax_dim(name: str, ndim: int) -> int:
    """PyTorch's legacy choice when `dim` is not given (with its warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
                  stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """exp(x - max) / sum(exp(x - max)) along dim."""
    x = input.to(dtype) if dtype is not None else input
    return x.softmax(dim if dim is not None else _softmax_dim("softmax", input.ndim))


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """x - max - log(sum(exp(x - max))) along dim."""
    x = input.to(dtype) if dtype is not None else input
    return x.log_softmax(dim if dim is not None else _softmax_dim("log_softmax", input.ndim))


# linear, padding, dropout -----------------------------------------------------------------------


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight^T + bias, with weight of shape (out_features, in_features)."""
    if input.shape[-1:] != weight.shape[-1:]:
        raise RuntimeError(
            f"linear: input's last dim ({input.shape[-1] if input.ndim else 'none'}) must equal weight's in_features "
            f"({weight.shape[-1]}): input {list(input.shape)}, weight {list(weight.shape)}"
        )
    if input.ndim == 2 and bias is not None:
        return fused.Linear.apply(input, weight, bias)  # one graph node (PyTorch's addmm) for the common case
    out = input @ weight.t()
    return out + bias if bias is not None else out


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad) // 2 dims: pad = (last_before, last_after, prev_before, prev_after, ...).

    Modes 'constant' (fill with value, default 0), 'reflect', 'replicate', 'circular'; negative
    amounts crop. One gather, the Function `Pad`.
    """
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError(f"Padding length must be divisible by 2, got {len(pad)} values: {pad}")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be at most twice the number of dims ({input.ndim}), got {len(pad)} values")
    if mode not in NUMPY_MODES:
        raise NotImplementedError(f"pad: unknown padding mode {mode!r}; teachgrad has {', '.join(NUMPY_MODES)}")
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"Padding mode {mode!r} doesn't take in value argument")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    for d, (before, after) in enumerate(widths):
        size = input.shape[d]
        if mode == "reflect" and (before >= size or after >= size) and (before or after):
            raise RuntimeError(f"pad: reflect padding ({before}, {after}) must be less than the size {size} of dimension {d}")
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError(f"pad: circular padding ({before}, {after}) wraps around more than once in dimension {d} of size {size}")
        if mode == "replicate" and size == 0 and (before or after):
            raise RuntimeError(f"pad: cannot replicate-pad the empty dimension {d}")
        if size + before + after < 0:
            raise RuntimeError(f"pad: the padded size of dimension {d} would be negative ({size} + {before} + {after})")
    return Pad.apply(input, tuple(widths), mode, 0.0 if value is None else value)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p); identity when not training.

    The mask is drawn from teachgrad's default generator (`teachgrad.manual_seed`).
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    keep = resolve(None).uniform(input.shape) >= p
    mask = input.new_tensor(keep / (1.0 - p) if p < 1.0 else np.zeros(input.shape))
    return input.mul_(mask) if inplace else input * mask


# convolution and pooling ------------------------------------------------------------------------


def _ntuple(value: Any, n: int, name: str) -> tuple:
    """An int repeated n times, or a sequence of n ints."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    values = tuple(int(v) for v in value)
    if len(values) == 1 and n > 1:
        values = values * n
    if len(values) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return values


def _batched(name: str, input: Tensor, spatial_dims: int) -> tuple[Tensor, bool]:
    """Accept (C, *spatial) or (N, C, *spatial); return the batched tensor and whether it was."""
    if input.ndim == spatial_dims + 2:
        return input, True
    if input.ndim == spatial_dims + 1:
        return input.unsqueeze(0), False
    raise RuntimeError(
        f"Expected {spatial_dims + 1}D (unbatched) or {spatial_dims + 2}D (batched) input to {name}, "
        f"but got input of size: {list(input.shape)}"
    )


def _conv_padding(padding: Any, dims: int, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """(before, after) per spatial dim for padding given as int, tuple, 'valid' or 'same'.

    'same' pads dilation * (kernel - 1) in total, the extra element (for even kernels) after,
    as PyTorch does.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * dims
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((total // 2, total - total // 2) for total in totals)
        raise ValueError(f"Invalid padding string {padding!r}, should be one of ['valid', 'same']")
    amounts = _ntuple(padding, dims, "padding")
    if any(p < 0 for p in amounts):
        raise RuntimeError(f"negative padding is not supported, got padding={amounts}")
    return tuple((p, p) for p in amounts)


def _conv(name: str, dims: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
          dilation: Any, groups: int) -> Tensor:
    """N-d convolution (cross-correlation, like PyTorch) as pad + Unfold + grouped matmul + bias.

        cols = Unfold(pad(x))                                  (N, C*K, L)
        out[n, g, o, l] = sum_r weight[g, o, r] * cols[n, g, r, l]     r runs over (C/groups)*K
        out = out viewed as (N, O, *out_spatial) + bias[o]
    """
    x, batched = _batched(name, input, dims)
    if weight.ndim != dims + 2:
        raise RuntimeError(f"{name}: expected a {dims + 2}-D weight (out_channels, in_channels / groups, *kernel_size), "
                           f"got weight of size {list(weight.shape)}")
    out_channels, group_channels = weight.shape[0], weight.shape[1]
    kernel = tuple(weight.shape[2:])
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if out_channels % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(weight.shape)} instead")
    if x.shape[1] != group_channels * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
                           f"to have {group_channels * groups} channels, but got {x.shape[1]} channels instead")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{out_channels} elements, but got bias of size {list(bias.shape)} instead")
    stride, dilation = _ntuple(stride, dims, "stride"), _ntuple(dilation, dims, "dilation")
    if any(s <= 0 for s in stride) or any(d <= 0 for d in dilation):
        raise RuntimeError(f"{name}: stride and dilation must be positive, got stride={stride}, dilation={dilation}")
    widths = _conv_padding(padding, dims, kernel, stride, dilation)
    if any(w for pair in widths for w in pair):
        x = Pad.apply(x, ((0, 0), (0, 0)) + widths, "constant", 0.0)
    spatial = tuple(x.shape[2:])
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(size < r for size, r in zip(spatial, reach)):
        raise RuntimeError(f"{name}: calculated padded input size per channel: {spatial}. Kernel size (with dilation): "
                           f"{reach}. Kernel size can't be greater than actual input size")
    out_spatial = tuple(output_size(size, k, s, d) for size, k, s, d in zip(spatial, kernel, stride, dilation))
    cols = Unfold.apply(x, kernel, stride, dilation)
    batch, taps, positions = x.shape[0], group_channels * numel(kernel), cols.shape[2]
    cols = cols.reshape(batch, groups, taps, positions)
    w = weight.reshape(groups, out_channels // groups, taps)
    out = (w @ cols).reshape((batch, out_channels) + out_spatial)
    if bias is not None:
        out = out + bias.reshape((out_channels,) + (1,) * dims)
    return out if batched else out.squeeze(0)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-d convolution of (N, C, L) by weight (O, C / groups, k): pad + Unfold + matmul (see `_conv`)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-d convolution of (N, C, H, W) by weight (O, C / groups, kh, kw): pad + Unfold + matmul (see `_conv`)."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Sliding 2-d windows of a (N, C, H, W) tensor as columns (N, C * kh * kw, L): im2col (the Function `Unfold`)."""
    if input.ndim != 4:
        raise NotImplementedError(f"Input Error: Only 4D input Tensors are supported (got {input.ndim}D)")
    kernel, dilation = _ntuple(kernel_size, 2, "kernel_size"), _ntuple(dilation, 2, "dilation")
    padding, stride = _ntuple(padding, 2, "padding"), _ntuple(stride, 2, "stride")
    x = Pad.apply(input, ((0, 0), (0, 0)) + tuple((p, p) for p in padding), "constant", 0.0) if any(padding) else input
    for size, k, d in zip(x.shape[2:], kernel, dilation):
        if size < d * (k - 1) + 1:
            raise RuntimeError(f"unfold: the padded input {list(x.shape)} is smaller than the kernel {kernel} (dilation {dilation})")
    return Unfold.apply(x, kernel, stride, dilation)


def _pooled_size(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size; in ceil mode a last window must start inside input or left padding."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


class _PoolGeometry:
    """Kernel, stride, padding, dilation and output size of a pooling call, checked like PyTorch."""

    def __init__(self, name: str, x: Tensor, dims: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                 ceil_mode: bool, half_of_effective_kernel: bool) -> None:
        self.kernel = _ntuple(kernel_size, dims, "kernel_size")
        no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
        self.stride = self.kernel if no_stride else _ntuple(stride, dims, "stride")
        self.padding, self.dilation = _ntuple(padding, dims, "padding"), _ntuple(dilation, dims, "dilation")
        if any(v <= 0 for v in self.kernel + self.stride + self.dilation):
            raise RuntimeError(f"{name}: kernel_size, stride and dilation must be positive, got kernel_size={self.kernel}, "
                               f"stride={self.stride}, dilation={self.dilation}")
        for k, p, d in zip(self.kernel, self.padding, self.dilation):
            limit = ((k - 1) * d + 1) // 2 if half_of_effective_kernel else k // 2
            if p < 0 or p > limit:
                raise RuntimeError(f"{name}: pad should be at most half of effective kernel size, but got pad={p}, "
                                   f"kernel_size={k} and dilation={d}")
        self.spatial = tuple(x.shape[2:])
        self.out = tuple(_pooled_size(*args, ceil_mode) for args in zip(self.spatial, self.kernel, self.stride, self.padding, self.dilation))
        if any(o <= 0 for o in self.out):
            raise RuntimeError(f"{name}: given input size {tuple(x.shape[1:])}, calculated output size "
                               f"{(x.shape[1],) + self.out} is too small")

    def widths(self) -> tuple:
        """(before, after) padding per spatial dim: `padding` on both sides, plus what ceil mode's last window needs."""
        widths = []
        for size, k, s, p, d, o in zip(self.spatial, self.kernel, self.stride, self.padding, self.dilation, self.out):
            needed = (o - 1) * s + d * (k - 1) + 1
            widths.append((p, p + max(0, needed - (size + 2 * p))))
        return tuple(widths)

    def windows(self, x: Tensor, fill: float) -> Tensor:
        """The padded input's windows as (N, C, K, L): Unfold of pad(x, fill)."""
        widths = self.widths()
        if any(w for pair in widths for w in pair):
            x = Pad.apply(x, ((0, 0), (0, 0)) + widths, "constant", fill)
        cols = Unfold.apply(x, self.kernel, self.stride, self.dilation)
        return cols.reshape(x.shape[0], x.shape[1], numel(self.kernel), cols.shape[2])


def _max_pool(name: str, dims: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, return_indices: bool) -> Any:
    """Max pooling: pad with -inf, Unfold, max over the K taps of each window.

        out[n, c, l] = max_k cols[n, c, k, l]
    (the gradient goes to the first largest element of each window, through `max`'s backward)
    """
    x, batched = _batched(name, input, dims)
    geometry = _PoolGeometry(name, x, dims, kernel_size, stride, padding, dilation, ceil_mode, True)
    values, taps = geometry.windows(x, -math.inf).max(dim=2)
    out = values.reshape(tuple(x.shape[:2]) + geometry.out)
    if not return_indices:
        return out if batched else out.squeeze(0)
    indices = _max_indices(taps, geometry).reshape(out.shape)
    return (out, indices) if batched else (out.squeeze(0), indices.squeeze(0))


def _max_indices(taps: Tensor, geometry: _PoolGeometry) -> Tensor:
    """The flat index (row-major over the input's spatial dims) of each window's chosen tap."""
    padded = tuple(size + sum(pair) for size, pair in zip(geometry.spatial, geometry.widths()))
    strides = contiguous_strides(geometry.spatial)
    table = window_offsets(padded, strides, geometry.kernel, geometry.stride, geometry.dilation)
    table = table - sum(p * s for p, s in zip(geometry.padding, strides))
    chosen = taps._host_array()
    flat = table[chosen, np.arange(table.shape[1])]
    return taps.new_tensor(flat)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Largest value of each (dilated) window: pad with -inf + Unfold + max over taps."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_divisors(geometry: _PoolGeometry, count_include_pad: bool) -> np.ndarray:
    """Window sizes (L,), PyTorch's rule: per dim, window o spans [o*s - p, min(o*s - p + k, size + p));
    with count_include_pad its length counts padding, otherwise only the part inside [0, size).
    """
    counts = np.ones(1, dtype=np.int64)
    for size, k, s, p, o in zip(geometry.spatial, geometry.kernel, geometry.stride, geometry.padding, geometry.out):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)
        inside = np.minimum(end, size) - np.maximum(start, 0)
        counts = np.multiply.outer(counts, end - start if count_include_pad else inside).reshape(-1)
    return counts


def _avg_pool(name: str, dims: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: int | None) -> Tensor:
    """Average pooling: pad with 0, Unfold, sum over the K taps, divide by the window size.

        out[n, c, l] = sum_k cols[n, c, k, l] / divisor[l]
    """
    x, batched = _batched(name, input, dims)
    geometry = _PoolGeometry(name, x, dims, kernel_size, stride, padding, 1, ceil_mode, False)
    sums = geometry.windows(x, 0.0).sum(dim=2)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{name}: divisor must be not zero")
        divisor = float(divisor_override)
    else:
        divisor = sums.new_tensor(_avg_divisors(geometry, count_include_pad))
    out = (sums / divisor).reshape(tuple(x.shape[:2]) + geometry.out)
    return out if batched else out.squeeze(0)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean of each window: pad with 0 + Unfold + sum over taps / window size."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def _adaptive_avg_pool(name: str, dims: int, input: Tensor, output_size: Any) -> Tensor:
    """Average over windows i = [floor(i * size / out), ceil((i + 1) * size / out)) in each dim.

    Per dim, the window sums are a matmul with the 0/1 membership matrix M (out, size); then
    every output is divided by its window's size:
        out = (x @_d M_d^T for each spatial dim d) / prod_d count_d
    """
    x, batched = _batched(name, input, dims)
    sizes = (output_size,) * dims if isinstance(output_size, (int, np.integer)) or output_size is None else tuple(output_size)
    if len(sizes) != dims:
        raise ValueError(f"{name}: output_size must be an int or a tuple of {dims} values, got {output_size!r}")
    sizes = tuple(x.shape[2 + d] if s is None else int(s) for d, s in enumerate(sizes))
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"{name}: output_size must be positive, got {sizes}")
    counts = np.ones(1, dtype=np.int64)
    out = x
    for d, out_size in enumerate(sizes):
        size = x.shape[2 + d]
        starts = (np.arange(out_size) * size) // out_size
        ends = -((-(np.arange(out_size) + 1) * size) // out_size)
        membership = (np.arange(size)[None, :] >= starts[:, None]) & (np.arange(size)[None, :] < ends[:, None])
        axis = 2 + d
        out = (out.transpose(axis, -1) @ x.new_tensor(membership.T.astype(np.float64))).transpose(axis, -1)
        counts = np.multiply.outer(counts, ends - starts).reshape(-1)
    out = out / out.new_tensor(counts.reshape(sizes))
    return out if batched else out.squeeze(0)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed output size (window edges floor(i*size/out) .. ceil((i+1)*size/out))."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


# normalisation and embedding ----------------------------------------------------------------------


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) over the batch and spatial dims.

    training:  mean, var = batch mean and *biased* batch variance (used to normalise);
               running_mean = (1 - momentum) * running_mean + momentum * mean
               running_var  = (1 - momentum) * running_var  + momentum * var * n / (n - 1)   (unbiased)
    otherwise: mean, var = running_mean, running_var
    out = (x - mean) / sqrt(var + eps) * weight + bias      (per channel)
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input with at least 2 dims (N, C, ...), got {list(input.shape)}")
    channels = input.shape[1]
    for what, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"batch_norm: {what} should contain {channels} elements not {t.numel()}")
    dims = (0,) + tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        mean = input.mean(dims)
        var = input.var(dims, correction=0)
        if running_mean is not None:
            running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
        if running_var is not None:
            running_var.mul_(1 - momentum).add_(var.detach() * (momentum * count / (count - 1)))
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be given when training=False")
        mean, var = running_mean, running_var
    out = (input - mean.reshape(shape)) * (var.reshape(shape) + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the last len(normalized_shape) dims: (x - mean) / sqrt(biased var + eps) * weight + bias."""
    normalized_shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    count = len(normalized_shape)
    if count == 0 or tuple(input.shape[input.ndim - count:]) != normalized_shape or input.ndim < count:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(input.shape)}")
    dims = tuple(range(input.ndim - count, input.ndim))
    mean = input.mean(dims, keepdim=True)
    var = input.var(dims, keepdim=True, correction=0)
    out = (input - mean) * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """x / max(||x||_p, eps) along dim (each slice scaled to unit p-norm; tiny slices divided by eps).

    Composed like PyTorch's: input / input.norm(p, dim, keepdim=True).clamp(min=eps), so the
    gradient flows through Div, Clamp and the norm.
    """
    if out is not None:
        raise NotImplementedError("normalize: the out= argument is not supported in teachgrad")
    return input / input.norm(p, dim, keepdim=True).clamp(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2, dim) / (max(||x1||_2, eps) * max(||x2||_2, eps)), x1 and x2 broadcast together.

    PyTorch 2.x clamps each norm separately and divides each input by its own norm before the sum:
        out = sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)), dim)
    Its clamp is done in place without recording it, so the gradient treats each norm as the
    unclamped ||x||; teachgrad does the same with the straight-through form
    n + (max(n, eps) - n).detach() (value clamped, gradient that of n).
    """
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    if len(shape) == 0:
        raise IndexError("cosine_similarity: expected inputs with at least one dimension, got 0-dimensional inputs")
    a, b = x1.expand(*shape), x2.expand(*shape)

    def clamped_norm(x: Tensor) -> Tensor:
        n = x.norm(2, dim, keepdim=True)
        return n + (n.clamp(min=eps) - n).detach()

    return ((a / clamped_norm(a)) * (b / clamped_norm(b))).sum(dim)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of weight (num_embeddings, embedding_dim) picked by the integer tensor input (the Function `EmbeddingLookup`)."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("teachgrad's embedding does not support max_norm, scale_grad_by_freq or sparse")
    if input.dtype is not int64:
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have scalar type int64 (Long); but got {input.dtype} instead")
    if weight.ndim != 2:
        raise RuntimeError(f"'weight' must be 2-D, got a weight of size {list(weight.shape)}")
    if padding_idx is not None:
        if not -weight.shape[0] <= padding_idx < weight.shape[0]:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % weight.shape[0]
    return EmbeddingLookup.apply(weight, input, padding_idx)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """out[..., k] = 1 where tensor[...] == k, else 0 (int64, shape tensor.shape + (num_classes,))."""
    if tensor.dtype is not int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    values = tensor._host_array()
    if values.size and values.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if not values.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(values.max()) + 1
    elif values.size and values.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return tensor.new_tensor((values[..., None] == np.arange(num_classes)).astype(np.int64))


# losses -------------------------------------------------------------------------------------------


def _legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str, stacklevel: int = 3) -> str:
    """PyTorch's deprecated size_average/reduce arguments, turned into a reduction string."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction instead.", stacklevel=stacklevel)
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """The reduction a loss call asked for, checked: "none", "mean" or "sum" (every loss starts here)."""
    reduction = _legacy_reduction(size_average, reduce, reduction, stacklevel=4)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _check_no_grad(name: str, **arguments: Tensor | None) -> None:
    """PyTorch's refusal of a loss argument that gets no gradient (a weight) but requires one."""
    for argument, value in arguments.items():
        if value is not None and value.requires_grad and is_grad_enabled():
            raise RuntimeError(f"The function '{name}' is not differentiable with respect to argument '{argument}'. "
                               "This input cannot have requires_grad True.")


def _warn_shape(name: str, input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"{name}: Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
                      stacklevel=3)


def _weighted_reduce(loss: Tensor, weight: Tensor | None, reduction: str, input: Tensor) -> Tensor:
    """Reduce an elementwise loss; with `weight` (input's shape), mean divides by the weights' sum."""
    if weight is None:
        return reduce_loss(loss, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum()
    return reduce_loss(loss, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """(input - target) ** 2, reduced: the Function `MseLoss`, or, with a weight, composed (as in PyTorch)."""
    _warn_shape("mse_loss", input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is None:
        return MseLoss.apply(input, target, reduction)
    diff = input - target
    return _weighted_reduce(diff * diff, weight, reduction, input)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """|input - target|, reduced."""
    _warn_shape("l1_loss", input, target)
    return _weighted_reduce((input - target).abs(), weight, _reduction(size_average, reduce, reduction), input)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 * d**2 / beta where |d| < beta, else |d| - 0.5 * beta   (d = input - target): the Function
    `SmoothL1Loss`; beta = 0 gives the L1 loss, composed (as in PyTorch)."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_shape("smooth_l1_loss", input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta == 0.0:
        return reduce_loss((input - target).abs(), reduction)
    return SmoothL1Loss.apply(input, target, beta, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 * d**2 where |d| < delta, else delta * (|d| - 0.5 * delta)   (d = input - target): the Function
    `HuberLoss`; with a weight, PyTorch's composition: HuberLoss unreduced, times weight, then reduced
    (the mean divides by the number of elements, not by the weights' sum as mse_loss and l1_loss do)."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    reduction = _reduction(None, None, reduction)
    _warn_shape("huber_loss", input, target)
    if weight is None:
        return HuberLoss.apply(input, target, delta, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    return reduce_loss(HuberLoss.apply(input, target, delta, "none") * weight, reduction)


def _class_targets(name: str, input: Tensor, target: Tensor, ignore_index: int) -> tuple[np.ndarray, np.ndarray]:
    """The targets as a numpy array (ignored entries replaced by class 0) and the ignore mask, checked."""
    if target.dtype is not int64:
        raise RuntimeError(f"{name}: expected target of dtype int64 (class indices), got {target.dtype}")
    batched_input = input.ndim >= 2
    expected = (input.shape[0],) + tuple(input.shape[2:]) if batched_input else ()
    if tuple(target.shape) != expected:
        if batched_input and target.ndim >= 1 and target.shape[0] != input.shape[0]:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]}).")
        raise RuntimeError(f"{name}: expected target of shape {list(expected)} for input of shape {list(input.shape)}, "
                           f"got {list(target.shape)}")
    classes = input.shape[1] if batched_input else input.shape[0]
    values = target._host_array()
    ignored = values == ignore_index
    bad = values[~ignored & ((values < 0) | (values >= classes))]
    if bad.size:
        raise IndexError(f"Target {int(bad[0])} is out of bounds.")
    return np.where(ignored, 0, values), ignored


def _sample_weights(name: str, input: Tensor, target: Tensor, weight: Tensor | None,
                    ignore_index: int) -> tuple[np.ndarray, np.ndarray]:
    """Checked class indices (ignored ones as class 0) and each sample's weight w[t_i] (0 if ignored)."""
    classes, ignored = _class_targets(name, input, target, ignore_index)
    class_count = input.shape[1] if input.ndim >= 2 else input.shape[0]
    if weight is not None and tuple(weight.shape) != (class_count,):
        raise RuntimeError(f"weight tensor should be defined either for all {class_count} classes or no classes but got weight tensor of shape: {list(weight.shape)}")
    class_weights = weight.detach()._host_array() if weight is not None else np.ones(class_count)
    return classes, np.where(ignored, 0.0, class_weights[classes])


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of log-probabilities input (N, C, ...) at class indices target (N, ...).

        loss_i = -w[t_i] * input[i, t_i]      (w[t_i] = 0 where t_i == ignore_index)
        mean: sum_i loss_i / sum_i w[t_i]     sum: sum_i loss_i     none: loss_i
    The Function `NllLoss` on (N, C) or (C,); input (N, C, d1, ...) is first moved to (N * d1 * ..., C).
    The class weights get no gradient.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if input.ndim < 1:
        raise ValueError(f"nll_loss: expected input of at least 1 dim, got {list(input.shape)}")
    picked_classes, weights = _sample_weights("nll_loss", input, target, weight, ignore_index)
    if input.ndim <= 2:
        return NllLoss.apply(input, picked_classes, weights, reduction)
    rows = input.permute(0, *range(2, input.ndim), 1).reshape(-1, input.shape[1])
    loss = NllLoss.apply(rows, picked_classes.reshape(-1), weights.reshape(-1), reduction)
    return loss.reshape(target.shape) if reduction == "none" else loss


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
                  ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """log_softmax over the class dim followed by the negative log likelihood (PyTorch's formulas).

    Class-index targets (int64, input's shape without the class dim), with eps = label_smoothing:
        nll     = nll_loss(log_softmax(x), t, weight, ignore_index, reduction)
        smooth_i = -sum_c w_c * log_softmax(x)_ic      (0 where t_i is ignored; w = 1 without weight)
        smooth  = mean: sum_i smooth_i / sum_i w[t_i] (ignored excluded)   sum: sum   none: smooth_i
        loss    = (1 - eps) * nll + eps / C * smooth
    Probability targets (float, input's shape):
        q = t * (1 - eps) + eps / C
        loss_i = -sum_c w_c * q_ic * log_softmax(x)_ic
        mean: sum_i loss_i / (number of samples)    (not normalised by the weights)
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.ndim < 1:
        raise ValueError(f"cross_entropy: expected input of at least 1 dim, got {list(input.shape)}")
    if input.ndim == 2 and not target.dtype.is_floating_point and label_smoothing == 0.0:
        picked_classes, sample_weights = _sample_weights("cross_entropy", input, target, weight, ignore_index)
        return fused.CrossEntropy.apply(input, picked_classes, sample_weights, reduction)
    class_dim = 1 if input.ndim >= 2 else 0
    classes = input.shape[class_dim]
    log_probs = input.log_softmax(class_dim)
    weight_shape = (classes,) + (1,) * (input.ndim - class_dim - 1)
    if target.dtype.is_floating_point:
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"cross_entropy: probability targets must have the input's shape {list(input.shape)}, "
                               f"got {list(target.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        products = log_probs * target
        if weight is not None:
            products = products * weight.reshape(weight_shape)
        if reduction == "mean":
            return -products.sum() / (input.numel() / classes)
        return reduce_loss(-products.sum(class_dim), reduction)
    nll = nll_loss(log_probs, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return nll
    picked_classes, ignored = _class_targets("cross_entropy", input, target, ignore_index)
    weighted = log_probs * weight.reshape(weight_shape) if weight is not None else log_probs
    smooth = (-weighted.sum(class_dim)).masked_fill(input.new_tensor(ignored, dtype=bool_), 0.0)
    if reduction == "mean":
        if weight is not None:
            norm = float(weight.detach()._host_array()[picked_classes[~ignored]].sum())
        else:
            norm = float((~ignored).sum())
        smooth = smooth.sum() / norm
    else:
        smooth = reduce_loss(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
                         reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """-w * (t * log(x) + (1 - t) * log(1 - x)), logs clamped to >= -100, reduced (the Function `BinaryCrossEntropy`)."""
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is "
                         "deprecated. Please ensure they have the same size.")
    _check_no_grad("binary_cross_entropy", weight=weight)
    return BinaryCrossEntropy.apply(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """BCE of sigmoid(x) computed stably from the logits x (PyTorch's formula; the Function
    `BinaryCrossEntropyWithLogits`):

        m = max(-x, 0)
        lw = 1 + (pos_weight - 1) * t           (1 without pos_weight)
        loss = (1 - t) * x + lw * (log(exp(-m) + exp(-x - m)) + m),   times weight, reduced
    """
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _check_no_grad("binary_cross_entropy_with_logits", weight=weight, pos_weight=pos_weight)
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)

"""teachgrad: an autograd library to learn deep learning internals from.

Import order follows the layers: dtypes and index math, kernels, autograd, Tensor and its
Functions, creation functions; `nn`, `optim` and data build on those.
"""

__version__ = "0.1.0"

from math import e, inf, nan, pi

from teachgrad import autograd
from teachgrad.autograd.grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from teachgrad.kernels import available_backends, backend, get_backend, set_backend
from teachgrad.creation import (
    arange, as_tensor, bernoulli, cat, concat, concatenate, empty, empty_like, eye, from_numpy, full, full_like,
    hstack, linspace, logspace, normal, ones, ones_like, rand, rand_like, randint, randn, randn_like, randperm, stack,
    tensor, vstack, where, zeros, zeros_like,
)
from teachgrad.device import device, get_default_device, set_default_device
from teachgrad.dtypes import bool_ as bool
from teachgrad.dtypes import dtype, float32, float64, get_default_dtype, int64, promote_types, set_default_dtype
from teachgrad.dtypes import float32 as float
from teachgrad.dtypes import float64 as double
from teachgrad.dtypes import int64 as long
from teachgrad.operations import *  # noqa: F401,F403  (the function forms of tensor methods)
from teachgrad.random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from teachgrad.scalar import Scalar
from teachgrad.tensor import Size, Tensor
from teachgrad import accelerator, backends, cuda, return_types, utils, viz
from teachgrad import nn, optim
from teachgrad.serialization import load, save

"""Every registered operation: forward vs numpy, gradients vs finite differences, bad input, backends."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

import teachgrad as tg
from teachgrad.autograd import gradcheck, gradgradcheck
from teachgrad.autograd.function import Function
from teachgrad.registry import all_ops
from teachgrad.registry.second_order import NO_SECOND_DERIVATIVE
from teachgrad.registry.samples import is_float_array, make_leaves, run

OPS = all_ops()
# var/std samples with N - correction <= 0 warn, as PyTorch and numpy do: expected here
pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom")
DIFFERENTIABLE = [op for op in OPS if op.differentiable]
OTHER_BACKENDS = [name for name in tg.available_backends() if name != "reference"]
TOLERANCE = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-12)}


def samples(op, seed=0):
    return list(op.samples(np.random.default_rng(seed)))


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_forward_matches_numpy(op, dtype_name):
    dtype = getattr(tg, dtype_name)
    for sample in samples(op):
        got = run(op, sample, *make_leaves(sample, dtype))
        numpy_args = [v.astype(dtype.numpy) if is_float_array(v) else v for v in sample.args]
        expected = op.reference(*numpy_args, **sample.kwargs)
        expected = expected if isinstance(expected, tuple) else (expected,)
        assert len(got) == len(expected), sample.name
        for g, e in zip(got, expected):
            assert tuple(g.shape) == np.shape(e), f"{op.name} {sample.name}: shape {tuple(g.shape)} != {np.shape(e)}"
            np.testing.assert_allclose(g.detach().numpy(), e, err_msg=f"{op.name} {sample.name}", **TOLERANCE[dtype_name])


@pytest.mark.parametrize("op", DIFFERENTIABLE, ids=lambda op: op.name)
def test_gradients_match_finite_differences(op):
    for sample in [s for s in samples(op, seed=1) if s.gradcheck]:
        leaves = make_leaves(sample, tg.float64, requires_grad=True)
        if not any(getattr(leaf, "requires_grad", False) for leaf in leaves):
            continue
        assert gradcheck(lambda *xs: run(op, sample, *xs), leaves, eps=1e-6, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("op", DIFFERENTIABLE, ids=lambda op: op.name)
def test_second_derivatives_match_finite_differences_or_refuse(op):
    refused = []
    for sample in [s for s in samples(op, seed=1) if s.gradcheck and s.gradgradcheck]:
        leaves = make_leaves(sample, tg.float64, requires_grad=True)
        if not any(getattr(leaf, "requires_grad", False) for leaf in leaves):
            continue
        try:
            assert gradgradcheck(lambda *xs: run(op, sample, *xs), leaves, eps=1e-6, atol=1e-5, rtol=1e-3)
        except RuntimeError as error:
            if "once_differentiable" not in str(error):
                raise
            refused.append(sample.name)
    # an op without a second derivative must say why (and refuse, never answer wrongly); others must not refuse
    assert bool(refused) == (op.name in NO_SECOND_DERIVATIVE), refused


@pytest.mark.parametrize("op", [op for op in OPS if list(op.errors())], ids=lambda op: op.name)
def test_bad_input_raises_a_clear_error(op):
    for case in op.errors():
        with pytest.raises(case.error, match=case.match):
            case.call()


def _forward_backward(op, sample, backend_name):
    """Outputs and input gradients of sum(out * w) for a fixed random w, on one backend."""
    with tg.backend(backend_name):
        leaves = make_leaves(sample, tg.float64, requires_grad=op.differentiable)
        outs = run(op, sample, *leaves)
        values = [o.detach().numpy().copy() for o in outs]
        differentiable = [o for o in outs if o.requires_grad]
        if differentiable:
            rng = np.random.default_rng(7)
            loss = sum((o * tg.tensor(rng.uniform(-1, 1, tuple(o.shape)))).sum() for o in differentiable)
            loss.backward()
        grads = [leaf.grad.numpy().copy() for leaf in leaves if getattr(leaf, "grad", None) is not None]
    return values, grads


@pytest.mark.parametrize("backend_name", OTHER_BACKENDS)
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_backend_agrees_with_reference(op, backend_name):
    for sample in samples(op, seed=2):
        expected_values, expected_grads = _forward_backward(op, sample, "reference")
        values, grads = _forward_backward(op, sample, backend_name)
        for got, want in zip(values + grads, expected_values + expected_grads):
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=f"{op.name} {sample.name}")
        assert len(grads) == len(expected_grads)


def test_every_registered_operation_documents_its_rule():
    undocumented = [op.name for op in OPS if "backward" not in op.rule() and not op.composed_of]
    assert not undocumented


# Functions the registry does not list, each with the reason and what tests it instead.
EXEMPT = {
    "teachgrad.functions.device.ToDevice": "moves a tensor between the CPU and CUDA, and there is no CUDA on the "
    "CPU-only path the registry runs; tests/cuda/simulated/test_device_cuda.py checks its forward and backward "
    "both ways under numba's CUDA simulator",
    "teachgrad.functions.views.SliceBackward": "basic indexing's backward (Index), run only by backward; the "
    "getitem entry's gradgradcheck differentiates it (its sliced samples go through it)",
    "teachgrad.functions.take.Take": "the backward of Pad (and of PutAdd), run only by backward; the pad, conv and "
    "pooling entries' gradgradcheck differentiates it",
    "teachgrad.functions.take.PutAdd": "the backward of Unfold and Pad (and of Take), run only by backward; the "
    "unfold, pad, conv and pooling entries' gradgradcheck differentiates it",
    "teachgrad.autograd.function.DelayedError": "passes values through and refuses to be differentiated; "
    "tests/test_higher_order.py checks it refuses, and every registry entry without a second derivative refuses",
}
EXEMPT_MODULES = {
    "teachgrad.scalar": "the micrograd-sized Scalar engine: its Functions act on Python floats, not tensors, and "
    "tests/test_scalar.py checks each one's value and gradient against finite differences",
}


def _function_classes() -> dict[str, type]:
    """Every Function subclass defined in the teachgrad package (all its modules imported first)."""
    for module in pkgutil.walk_packages(tg.__path__, "teachgrad."):
        importlib.import_module(module.name)
    found, pending = {}, list(Function.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("teachgrad."):
            found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def test_every_function_is_registered_or_exempt_with_a_reason():
    registered = {op.function for op in OPS if op.function is not None}
    missing = [name for name, cls in _function_classes().items()
               if cls not in registered and name not in EXEMPT and cls.__module__ not in EXEMPT_MODULES]
    assert not missing, f"register these Functions in teachgrad/registry (or exempt them, with the reason): {missing}"


def test_every_exemption_names_an_unregistered_function():
    classes = _function_classes()
    registered = {op.function for op in OPS if op.function is not None}
    stale = [name for name in EXEMPT if name not in classes or classes[name] in registered]
    assert not stale
    assert all(any(cls.__module__ == module for cls in classes.values()) for module in EXEMPT_MODULES)

"""Tensors on device "cuda" (numba's simulator): moving, creating, copying out, mixing devices."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import teachgrad as tg
from teachgrad import nn, optim


def test_cuda_is_available_under_the_simulator():
    assert tg.cuda.is_available()
    assert tg.cuda.device_count() == 1
    assert tg.cuda.current_device() == 0
    assert tg.cuda.get_device_name() == "numba CUDA simulator"
    tg.cuda.synchronize()


def test_cuda_is_a_device_not_a_cpu_backend():
    assert "cuda" not in tg.available_backends()
    with pytest.raises(ValueError, match="unknown backend 'cuda'"):
        tg.set_backend("cuda")


def test_to_cuda_and_back_keeps_values_dtype_and_shape():
    for dtype in (tg.float32, tg.float64, tg.int64, tg.bool):
        x = tg.tensor(np.arange(6).reshape(2, 3) % 4, dtype=dtype)
        y = x.to("cuda")
        assert y.device == tg.device("cuda", 0) and str(y.device) == "cuda:0" and y.is_cuda
        assert y.dtype is dtype and y.shape == x.shape
        back = y.cpu()
        assert back.device == tg.device("cpu") and not back.is_cuda
        np.testing.assert_array_equal(back.numpy(), x.numpy())


def test_cuda_and_cpu_methods_and_device_objects():
    x = tg.arange(4.0)
    assert x.cuda().device == tg.device("cuda:0")
    assert x.cuda(0).device == tg.device("cuda:0")
    assert x.to(tg.device("cuda")).device == tg.device("cuda:0")
    assert x.to(device="cuda", dtype=tg.float64).dtype is tg.float64
    y = x.cuda()
    assert y.cuda() is y and y.to("cuda") is y  # already there: no copy
    assert x.cpu() is x


def test_moving_a_view_copies_only_its_elements_in_row_major_order():
    x = tg.arange(12.0).reshape(3, 4)
    view = x.t()[1:, ::2]
    on_gpu = view.cuda()
    assert on_gpu.is_contiguous()
    np.testing.assert_array_equal(on_gpu.cpu().numpy(), view.numpy())
    np.testing.assert_array_equal(x.cuda().t()[1:, ::2].cpu().numpy(), view.numpy())


def test_views_on_the_device_share_its_storage():
    y = tg.zeros(3, 4, device="cuda")
    y[1].fill_(5.0)
    y[:, 2] += 1.0
    expected = np.zeros((3, 4), np.float32)
    expected[1] = 5.0
    expected[:, 2] += 1.0
    np.testing.assert_array_equal(y.cpu().numpy(), expected)


def test_creation_functions_make_tensors_on_the_requested_device():
    makers = [
        lambda: tg.zeros(2, 3, device="cuda"), lambda: tg.ones(2, device="cuda"), lambda: tg.full((2,), 7, device="cuda"),
        lambda: tg.tensor([[1, 2], [3, 4]], device="cuda"), lambda: tg.arange(5, device="cuda"),
        lambda: tg.linspace(0, 1, 5, device="cuda"), lambda: tg.eye(3, device="cuda"), lambda: tg.rand(2, 2, device="cuda"),
        lambda: tg.randn(3, device="cuda"), lambda: tg.randint(0, 5, (4,), device="cuda"), lambda: tg.empty(2, device="cuda"),
        lambda: tg.zeros_like(tg.ones(2), device="cuda"), lambda: tg.ones_like(tg.ones(2, device="cuda")),
        lambda: tg.randperm(4, device="cuda"), lambda: tg.as_tensor(np.ones(3), device="cuda"),
    ]
    for make in makers:
        assert make().device == tg.device("cuda:0")
    tg.manual_seed(3)
    on_gpu = tg.randn(4, device="cuda").cpu().numpy()
    tg.manual_seed(3)
    np.testing.assert_array_equal(on_gpu, tg.randn(4).numpy())  # the same draws on both devices


def test_new_tensors_from_a_cuda_tensor_are_on_cuda():
    y = tg.ones(2, 3, device="cuda")
    for t in (y.new_zeros(2), y.new_ones((1, 2)), y.new_full((2,), 3.0), y.new_empty(4), y.new_tensor([1.0, 2.0]),
              y * 2, 2 + y, y.sum(), y.t().contiguous(), y.clone(), y.detach(), y.data):
        assert t.device == tg.device("cuda:0"), t


def test_item_tolist_numpy_and_printing_copy_to_the_host():
    y = tg.tensor([[1.5, -2.0], [3.0, 4.0]], device="cuda")
    assert y[0, 1].item() == -2.0
    assert y.tolist() == [[1.5, -2.0], [3.0, 4.0]]
    assert float(y.sum()) == 6.5 and bool(y[1, 1] > 3)
    assert repr(y) == "tensor([[ 1.5000, -2.0000],\n        [ 3.0000,  4.0000]], device='cuda:0')"
    np.testing.assert_array_equal(np.asarray(y), [[1.5, -2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        y.numpy()
    np.testing.assert_array_equal(y.numpy(force=True), [[1.5, -2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(y.cpu().numpy(), [[1.5, -2.0], [3.0, 4.0]])


def test_mixing_devices_in_one_operation_raises_pytorchs_error():
    a, b = tg.ones(2), tg.ones(2, device="cuda")
    message = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
    for call in (lambda: a + b, lambda: b * a, lambda: tg.ones(2, 2) @ tg.ones(2, 2, device="cuda"),
                 lambda: tg.where(a > 0, a, b)):
        with pytest.raises(RuntimeError, match=message):
            call()
    with pytest.raises(RuntimeError, match=message):
        b.add_(a)


def test_gradients_flow_back_through_a_move_to_the_device():
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x.cuda()
    assert y.grad_fn is not None and not y.is_leaf
    (y * y).sum().backward()
    assert x.grad.device == tg.device("cpu")
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0, 6.0])


def test_gradients_flow_back_through_a_move_to_the_cpu():
    w = tg.tensor([1.0, -2.0, 3.0], device="cuda", requires_grad=True)
    y = w.cpu()
    assert y.grad_fn is not None and y.device == tg.device("cpu")
    (y * y).sum().backward()
    assert w.grad.device == tg.device("cuda:0")
    np.testing.assert_array_equal(w.grad.cpu().numpy(), [2.0, -4.0, 6.0])


class BackwardOnTheCpu(tg.autograd.Function):
    """y = 2x, with a backward that wrongly returns its gradient on the CPU."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return (grad * 2).cpu()


def test_custom_backward_returning_a_gradient_on_another_device_raises_naming_both():
    x = tg.ones(2, device="cuda", requires_grad=True)
    y = BackwardOnTheCpu.apply(x)
    # PyTorch's message (torch/csrc/autograd/engine.cpp validate_outputs)
    with pytest.raises(RuntimeError, match="^Function BackwardOnTheCpuBackward returned an invalid gradient at index 0 "
                                           "- expected device cuda:0 but got cpu$"):
        y.sum().backward()


def test_leaves_on_the_device_get_gradients_on_the_device():
    w = tg.randn(3, 2, device="cuda", requires_grad=True)
    assert w.is_leaf
    loss = (tg.ones(4, 3, device="cuda") @ w).relu().sum()
    loss.backward()
    assert w.grad.device == tg.device("cuda:0")
    w_cpu = w.detach().cpu().requires_grad_()
    (tg.ones(4, 3) @ w_cpu).relu().sum().backward()
    np.testing.assert_allclose(w.grad.cpu().numpy(), w_cpu.grad.numpy(), rtol=1e-6)


def test_cross_entropy_with_targets_on_the_device():
    logits = tg.randn(5, 3)
    targets = tg.tensor([0, 2, 1, 1, 0])
    want = nn.functional.cross_entropy(logits, targets).item()
    got = nn.functional.cross_entropy(logits.cuda(), targets.cuda())
    assert got.device == tg.device("cuda:0")
    assert got.item() == pytest.approx(want, rel=1e-6)


def test_indexing_with_index_tensors_on_the_device():
    x = tg.arange(12.0, device="cuda").reshape(3, 4)
    rows = tg.tensor([2, 0], device="cuda")
    np.testing.assert_array_equal(x[rows].cpu().numpy(), [[8, 9, 10, 11], [0, 1, 2, 3]])
    np.testing.assert_array_equal(x[x > 9].cpu().numpy(), [10, 11])
    np.testing.assert_array_equal(x.gather(1, tg.tensor([[0], [3], [1]], device="cuda")).cpu().numpy(), [[0], [7], [9]])


def test_module_to_cuda_moves_parameters_and_buffers():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    weight = model[0].weight
    assert model.to("cuda") is model
    assert model[0].weight is weight  # the same Parameter objects, now on the device
    assert all(p.device == tg.device("cuda:0") for p in model.parameters())
    assert all(b.device == tg.device("cuda:0") for b in model.buffers())
    out = model(tg.randn(5, 3, device="cuda"))
    assert out.device == tg.device("cuda:0")
    model.cpu()
    assert all(p.device == tg.device("cpu") for p in model.parameters())
    assert all(b.device == tg.device("cpu") for b in model.buffers())


def test_a_model_on_the_device_can_be_deep_copied_pickled_and_saved(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).cuda()
    model(tg.randn(4, 3, device="cuda"))  # running statistics (buffers) change
    twin = copy.deepcopy(model)
    for original, copied in zip(model.state_dict().values(), twin.state_dict().values()):
        assert copied.device == tg.device("cuda:0") and copied._storage is not original._storage
        np.testing.assert_array_equal(copied.cpu().numpy(), original.cpu().numpy())
    with tg.no_grad():
        twin[0].weight.fill_(0.0)
    assert model[0].weight.abs().sum().item() > 0  # the copy has its own storage
    restored = pickle.loads(pickle.dumps(model[1].running_mean))
    np.testing.assert_array_equal(restored.cpu().numpy(), model[1].running_mean.cpu().numpy())
    tg.save(model.state_dict(), tmp_path / "model.pt")
    loaded = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    loaded.load_state_dict(tg.load(tmp_path / "model.pt"))
    np.testing.assert_array_equal(loaded[0].weight.detach().numpy(), model[0].weight.detach().cpu().numpy())


def test_optimizers_update_parameters_on_the_device_in_place():
    for make in (lambda p: optim.SGD(p, lr=0.1, momentum=0.9), lambda p: optim.Adam(p, lr=0.1),
                 lambda p: optim.RMSprop(p, lr=0.1), lambda p: optim.Adagrad(p, lr=0.1)):
        tg.manual_seed(0)
        w_cpu = nn.Parameter(tg.randn(3))
        w_gpu = nn.Parameter(w_cpu.detach().cuda())
        opt_cpu, opt_gpu = make([w_cpu]), make([w_gpu])
        for _ in range(3):
            for w, opt in ((w_cpu, opt_cpu), (w_gpu, opt_gpu)):
                opt.zero_grad()
                (w * w).sum().backward()
                opt.step()
        assert w_gpu.device == tg.device("cuda:0")
        np.testing.assert_allclose(w_gpu.detach().cpu().numpy(), w_cpu.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_moving_to_a_device_that_does_not_exist_is_an_error():
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        tg.ones(2).to("cuda:1")


def test_accelerator_is_cuda_under_the_simulator():
    assert tg.accelerator.is_available() is True
    assert tg.accelerator.current_accelerator() == tg.device("cuda")
    assert tg.accelerator.device_count() == 1


def test_creation_functions_use_the_default_device_when_given_none():
    tg.set_default_device("cuda")  # the suite's fixture restores the CPU
    made = [tg.zeros(2), tg.tensor([1.0]), tg.arange(3), tg.randn(2), tg.as_tensor(np.ones(2)), tg.eye(2)]
    assert all(t.device == tg.device("cuda") for t in made)
    assert tg.zeros(2, device="cpu").device == tg.device("cpu")  # an explicit device wins
    assert tg.from_numpy(np.ones(2)).device == tg.device("cpu")  # shares the array's memory, as in PyTorch

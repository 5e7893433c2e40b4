"""Module semantics: registration, traversal, state dicts, hooks, modes, dtype, repr and containers."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import teachgrad as tg
from teachgrad import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.bn = nn.BatchNorm2d(2)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(8, 3))
        self.scale = nn.Parameter(tg.ones(1))
        self.register_buffer("steps", tg.zeros(1))
        self.register_buffer("cache", tg.zeros(2), persistent=False)

    def forward(self, x):
        return self.head(self.bn(self.conv(x)).relu()) * self.scale


# registration and traversal ----------------------------------------------------------------------


def test_assigning_parameters_and_modules_registers_them_in_order():
    net = Net()
    assert [name for name, _ in net.named_parameters()] == [
        "scale", "conv.weight", "conv.bias", "bn.weight", "bn.bias", "head.1.weight", "head.1.bias"]
    assert list(dict(net.named_children())) == ["conv", "bn", "head"]


def test_named_modules_lists_every_module_depth_first_with_dotted_names():
    assert [name for name, _ in Net().named_modules()] == ["", "conv", "bn", "head", "head.0", "head.1"]


def test_buffers_include_non_persistent_ones_but_state_dict_does_not():
    net = Net()
    assert [name for name, _ in net.named_buffers()] == [
        "steps", "cache", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]
    assert "cache" not in net.state_dict() and "steps" in net.state_dict()


def test_a_shared_parameter_is_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, layer)
    assert len(list(model.parameters())) == 2


def test_plain_tensor_attributes_are_not_parameters():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.constant = tg.ones(2)

    assert list(M().parameters()) == [] and M().constant.tolist() == [1.0, 1.0]


def test_assigning_a_plain_tensor_to_a_parameter_name_is_refused():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        layer.weight = tg.ones(2, 2)


def test_parameters_before_module_init_are_refused():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tg.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Broken()


def test_unknown_attribute_raises_attribute_error_naming_the_class():
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        _ = nn.Linear(2, 2).wieght


def test_register_buffer_refuses_a_name_already_used_by_a_parameter():
    with pytest.raises(KeyError, match="already exists"):
        nn.Linear(2, 2).register_buffer("weight", tg.ones(1))


def test_deleting_an_attribute_unregisters_it():
    layer = nn.Linear(2, 2)
    del layer.bias
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_apply_visits_children_before_the_parent():
    seen = []
    nn.Sequential(nn.Linear(1, 1), nn.ReLU()).apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential"]


def test_parameter_shares_storage_with_its_data_and_requires_grad():
    data = tg.zeros(2)
    param = nn.Parameter(data)
    with tg.no_grad():
        param.add_(1.0)
    assert param.requires_grad and param.is_leaf and data.tolist() == [1.0, 1.0]
    assert type(param * 2) is tg.Tensor


def test_parameter_repr_says_parameter_containing():
    assert repr(nn.Parameter(tg.tensor([1.0]))).startswith("Parameter containing:\ntensor([1.], requires_grad=True)")


# modes and gradients -----------------------------------------------------------------------------


def test_train_and_eval_set_the_mode_on_every_submodule():
    net = Net().eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_train_refuses_a_non_boolean_mode():
    with pytest.raises(ValueError, match="boolean"):
        Net().train("no")


def test_zero_grad_sets_gradients_to_none_or_to_zeros():
    layer = nn.Linear(2, 1)
    layer(tg.ones(1, 2)).sum().backward()
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad.tolist() == [[0.0, 0.0]]
    layer.zero_grad()
    assert layer.weight.grad is None


def test_requires_grad_false_freezes_every_parameter():
    net = Net().requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_float64_converts_parameters_and_float_buffers_but_not_integer_buffers():
    net = Net()
    weight = net.conv.weight
    net.to(tg.float64)
    assert net.conv.weight is weight and weight.dtype is tg.float64
    assert net.bn.running_mean.dtype is tg.float64 and net.bn.num_batches_tracked.dtype is tg.int64
    assert net(tg.ones(1, 1, 4, 4, dtype=tg.float64)).dtype is tg.float64


# state dict --------------------------------------------------------------------------------------


def test_state_dict_round_trip_restores_every_value():
    source, target = Net(), Net()
    source.bn(tg.randn(2, 2, 2, 2))
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        assert a.equal(b), name


def test_state_dict_values_are_detached_and_share_storage_with_the_parameters():
    layer = nn.Linear(2, 2)
    weight = layer.state_dict()["weight"]
    assert not weight.requires_grad
    with tg.no_grad():
        layer.weight.fill_(3.0)
    assert weight.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_load_state_dict_copies_in_place_so_the_parameter_objects_stay():
    layer, other = nn.Linear(2, 2), nn.Linear(2, 2)
    weight = layer.weight
    layer.load_state_dict(other.state_dict())
    assert layer.weight is weight and weight.equal(other.weight)


def test_load_state_dict_strict_reports_missing_and_unexpected_keys():
    state = nn.Linear(2, 2).state_dict()
    state["extra"] = tg.ones(1)
    del state["bias"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "bias"(.|\n)*Unexpected key\\(s\\) in state_dict: "extra"'):
        nn.Linear(2, 2).load_state_dict(state)
    result = nn.Linear(2, 2).load_state_dict(state, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]


def test_load_state_dict_shape_mismatch_names_the_key_even_when_not_strict():
    state = nn.Linear(3, 2).state_dict()
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        nn.Linear(2, 2).load_state_dict(state, strict=False)


def test_deepcopy_gives_an_independent_model():
    net = Net()
    twin = copy.deepcopy(net)
    with tg.no_grad():
        twin.conv.weight.fill_(0.0)
    assert not net.conv.weight.equal(twin.conv.weight)
    assert isinstance(twin.conv.weight, nn.Parameter)


# hooks -------------------------------------------------------------------------------------------


def test_forward_pre_hook_can_replace_the_input_and_forward_hook_the_output():
    layer = nn.Identity()
    layer.register_forward_pre_hook(lambda module, args: (args[0] * 2,))
    layer.register_forward_hook(lambda module, args, output: output + 1)
    assert layer(tg.tensor([1.0])).tolist() == [3.0]


def test_forward_hook_sees_the_module_input_and_output():
    seen = []
    layer = nn.ReLU()
    layer.register_forward_hook(lambda module, args, output: seen.append((module, args[0].tolist(), output.tolist())))
    layer(tg.tensor([-1.0, 2.0]))
    assert seen == [(layer, [-1.0, 2.0], [0.0, 2.0])]


def test_removed_hooks_no_longer_run():
    calls = []
    layer = nn.Identity()
    handle = layer.register_forward_hook(lambda *args: calls.append(1))
    layer(tg.ones(1))
    handle.remove()
    layer(tg.ones(1))
    assert calls == [1]


# repr --------------------------------------------------------------------------------------------


def test_repr_prints_the_module_tree_like_pytorch():
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Sequential(nn.Linear(16, 4, bias=False), nn.Dropout(0.2)), nn.BatchNorm1d(4))
    assert repr(model) == """Sequential(
  (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  (1): ReLU()
  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (3): Flatten(start_dim=1, end_dim=-1)
  (4): Sequential(
    (0): Linear(in_features=16, out_features=4, bias=False)
    (1): Dropout(p=0.2, inplace=False)
  )
  (5): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
)"""


def test_layer_reprs_match_pytorch():
    assert repr(nn.Conv2d(2, 4, 3, padding="same", groups=2, bias=False)) == \
        "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=same, groups=2, bias=False)"
    assert repr(nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2)) == \
        "Conv1d(2, 4, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,))"
    assert repr(nn.LayerNorm(4)) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert repr(nn.Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"
    assert repr(nn.LeakyReLU(0.2, inplace=True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AdaptiveAvgPool2d((2, None))) == "AdaptiveAvgPool2d(output_size=(2, None))"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"


def test_module_list_repr_compresses_repeated_modules():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()])
    assert repr(layers) == "ModuleList(\n  (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)\n  (2): ReLU()\n)"


# containers --------------------------------------------------------------------------------------


def test_sequential_applies_its_modules_in_order():
    model = nn.Sequential(nn.Flatten(0), nn.ReLU())
    assert model(tg.tensor([[-1.0, 2.0]])).tolist() == [0.0, 2.0]


def test_sequential_indexing_slicing_len_iteration_and_append():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    model = nn.Sequential(a, b)
    model.append(c)
    assert len(model) == 3 and model[0] is a and model[-1] is c and list(model) == [a, b, c]
    tail = model[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c]
    del model[0]
    assert list(dict(model.named_children())) == ["0", "1"] and model[0] is b


def test_sequential_from_an_ordered_dict_keeps_the_names():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert [name for name, _ in model.named_parameters()] == ["fc.weight", "fc.bias"] and isinstance(model.act, nn.ReLU)


def test_sequential_index_out_of_range_raises_index_error():
    with pytest.raises(IndexError):
        nn.Sequential(nn.ReLU())[1]


def test_module_list_registers_its_modules_and_has_no_forward():
    layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    layers.append(nn.Linear(1, 2))
    assert len(layers) == 4 and len(list(layers.parameters())) == 8 and isinstance(layers[1:], nn.ModuleList)
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        layers(tg.ones(1))


def test_module_dict_registers_modules_under_their_keys():
    layers = nn.ModuleDict({"encoder": nn.Linear(2, 3), "act": nn.ReLU()})
    layers["decoder"] = nn.Linear(3, 2)
    assert list(layers.keys()) == ["encoder", "act", "decoder"] and "act" in layers
    assert [name for name, _ in layers.named_parameters()] == ["encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias"]


def test_a_module_with_no_forward_says_so():
    with pytest.raises(NotImplementedError, match="Module \\[Module\\] is missing"):
        nn.Module()(tg.ones(1))


def test_model_gradients_reach_every_parameter():
    net = Net()
    net(tg.randn(2, 1, 4, 4)).sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())
    assert np.isfinite(np.concatenate([p.grad.numpy().ravel() for p in net.parameters()])).all()

"""save/load: tensors and nested state dicts round-trip through a safe npz + JSON file; bad files give clear errors."""

from __future__ import annotations

import errno
import io
import json
import math
import os
import stat
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import teachgrad as tg
from teachgrad import nn, optim
from teachgrad.serialization import load, save


def test_tensors_of_every_dtype_and_shape_round_trip(tmp_path):
    path = tmp_path / "tensors.tg"
    tensors = [tg.tensor([[1.5, -2.0]]), tg.tensor([1.0, 2.0], dtype=tg.float64), tg.tensor([3, 4]), tg.tensor([True, False]),
               tg.tensor(7.0), tg.zeros(0, 3)]
    save(tensors, path)
    loaded = load(path)
    for original, copy in zip(tensors, loaded):
        assert copy.dtype is original.dtype and tuple(copy.shape) == tuple(original.shape)
        assert copy.tolist() == original.tolist()


def test_a_non_contiguous_view_is_saved_by_value(tmp_path):
    view = tg.arange(6.0).reshape(2, 3).t()
    save(view, tmp_path / "view.tg")
    assert load(tmp_path / "view.tg").tolist() == view.tolist()


def test_nested_structures_of_numbers_strings_and_containers_round_trip(tmp_path):
    obj = {"epoch": 3, "lr": 0.5, "nan": math.nan, "inf": -math.inf, "name": "net", "flag": True, "none": None,
           "betas": (0.9, 0.999), "list": [1, [2.5, "x"]], 4: "int key", "ordered": OrderedDict([("b", 1), ("a", 2)])}
    save(obj, tmp_path / "obj.tg")
    loaded = load(tmp_path / "obj.tg")
    assert math.isnan(loaded.pop("nan")) and math.isnan(obj.pop("nan"))
    assert loaded == obj
    assert isinstance(loaded["betas"], tuple) and isinstance(loaded["ordered"], OrderedDict)


def test_requires_grad_and_parameters_are_restored(tmp_path):
    save({"p": nn.Parameter(tg.ones(2)), "t": tg.ones(2, requires_grad=True)}, tmp_path / "p.tg")
    loaded = load(tmp_path / "p.tg")
    assert isinstance(loaded["p"], nn.Parameter) and loaded["t"].requires_grad


def test_a_model_state_dict_round_trips_into_a_fresh_model(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 2))
    model(tg.randn(2, 1, 4, 4))
    save(model.state_dict(), tmp_path / "model.tg")
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 2))
    fresh.load_state_dict(load(tmp_path / "model.tg"))
    model.eval()
    fresh.eval()
    x = tg.randn(1, 1, 4, 4)
    assert fresh(x).equal(model(x))
    assert fresh[1].num_batches_tracked.item() == 1


def test_training_resumed_from_a_checkpoint_matches_uninterrupted_training(tmp_path):
    x, y = tg.randn(8, 3), tg.randn(8, 1)

    def train(model, optimizer, scheduler, steps):
        for _ in range(steps):
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()

    def make(seed):
        tg.manual_seed(seed)
        model = nn.Linear(3, 1)
        optimizer = optim.Adam(model.parameters(), lr=0.1)
        return model, optimizer, optim.lr_scheduler.MultiStepLR(optimizer, [1, 3], gamma=0.5)

    model, optimizer, scheduler = make(0)
    train(model, optimizer, scheduler, 2)
    save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp_path / "ck.tg")
    train(model, optimizer, scheduler, 3)

    resumed, resumed_optimizer, resumed_scheduler = make(1)
    checkpoint = load(tmp_path / "ck.tg")
    resumed.load_state_dict(checkpoint["model"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed_scheduler.load_state_dict(checkpoint["scheduler"])
    train(resumed, resumed_optimizer, resumed_scheduler, 3)
    assert resumed.weight.equal(model.weight) and resumed.bias.equal(model.bias)
    assert resumed_scheduler.get_last_lr() == scheduler.get_last_lr()


def test_save_and_load_accept_file_objects():
    buffer = io.BytesIO()
    save({"w": tg.ones(2)}, buffer)
    buffer.seek(0)
    assert load(buffer)["w"].tolist() == [1.0, 1.0]


def test_the_file_is_an_npz_archive_that_loads_without_pickle(tmp_path):
    save({"w": tg.ones(2)}, tmp_path / "w.tg")
    with np.load(tmp_path / "w.tg", allow_pickle=False) as archive:
        assert sorted(archive.files) == ["__teachgrad__", "t0"]
        assert archive["t0"].tolist() == [1.0, 1.0]


def test_saving_an_arbitrary_object_is_refused_naming_where_it_is(tmp_path):
    with pytest.raises(TypeError, match="cannot save an object of type object at obj\\['model'\\]\\[1\\]"):
        save({"model": [1, object()]}, tmp_path / "bad.tg")


def _fill_the_disk_half_way(handle, **arrays):
    """Stand-in for np.savez on a full disk: some bytes get written, then the write fails."""
    handle.write(b"PK\x03\x04 half an archive")
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_save_that_fails_half_way_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "model.tg"
    save({"w": tg.arange(3.0)}, path)
    monkeypatch.setattr(np, "savez", _fill_the_disk_half_way)
    with pytest.raises(OSError, match="No space left on device"):
        save({"w": tg.zeros(3)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(load(path)["w"].numpy(), [0.0, 1.0, 2.0])


def test_a_save_that_fails_half_way_leaves_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr(np, "savez", _fill_the_disk_half_way)
    with pytest.raises(OSError):
        save({"w": tg.zeros(3)}, tmp_path / "model.tg")
    assert list(tmp_path.iterdir()) == []


def test_a_new_file_gets_the_mode_the_umask_allows_like_open(tmp_path):
    previous = os.umask(0o027)
    try:
        save(tg.ones(1), tmp_path / "new.tg")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.tg").stat().st_mode) == 0o640


def test_an_overwritten_file_keeps_its_mode(tmp_path):
    path = tmp_path / "private.tg"
    save(tg.ones(1), path)
    path.chmod(0o600)
    save(tg.zeros(1), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_loading_a_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.tg"):
        load(tmp_path / "missing.tg")


def test_loading_a_truncated_file_names_it(tmp_path):
    path = tmp_path / "cut.tg"
    save({"w": tg.ones(100)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="cut.tg' is truncated or damaged"):
        load(path)


def test_loading_an_empty_file_names_it(tmp_path):
    (tmp_path / "empty.tg").write_bytes(b"")
    with pytest.raises(RuntimeError, match="empty.tg' is empty"):
        load(tmp_path / "empty.tg")


def test_loading_a_foreign_file_names_it(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(RuntimeError, match="notes.txt' is not a teachgrad file"):
        load(tmp_path / "notes.txt")


def test_loading_a_zip_that_is_not_a_teachgrad_file_names_it(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.ones(2))
    with pytest.raises(RuntimeError, match="plain.npz' is a zip archive but not a teachgrad file"):
        load(tmp_path / "plain.npz")


def test_loading_never_unpickles_an_object_array(tmp_path):
    path = tmp_path / "evil.tg"
    with zipfile.ZipFile(path, "w") as archive:
        structure = b'{"format": "teachgrad", "version": 1, "root": {"type": "ndarray", "key": "t0"}}'
        archive.writestr("__teachgrad__.npy", _npy_bytes(np.frombuffer(structure, dtype=np.uint8)))
        archive.writestr("t0.npy", _npy_bytes(np.array([object()], dtype=object)))
    with pytest.raises(RuntimeError, match="evil.tg' is damaged: array 't0' has dtype object"):
        load(path)


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _crafted(path, root, arrays=None, header=None):
    """Write a teachgrad-like archive whose structure record is `header` (or one holding `root`)."""
    header = {"format": "teachgrad", "version": 1, "root": root} if header is None else header
    with zipfile.ZipFile(path, "w") as archive:
        structure = json.dumps(header).encode("utf-8")
        archive.writestr("__teachgrad__.npy", _npy_bytes(np.frombuffer(structure, dtype=np.uint8)))
        for key, data in (arrays or {}).items():
            archive.writestr(f"{key}.npy", data)
    return path


def _tensor_node(dtype="float32", **fields):
    return {"type": "tensor", "key": "t0", "dtype": dtype, "requires_grad": False, "parameter": False, **fields}


def test_loading_a_dict_whose_key_is_a_list_names_the_bad_key(tmp_path):
    key = {"type": "list", "items": []}
    path = _crafted(tmp_path / "keys.tg", {"type": "dict", "items": [[key, {"type": "none"}]]})
    with pytest.raises(RuntimeError, match=r"keys.tg' is damaged: the 'dict' entry has a key \[\], which cannot be a dict key"):
        load(path)


def test_loading_a_dict_whose_key_is_a_tuple_of_lists_names_the_bad_key(tmp_path):
    key = {"type": "tuple", "items": [{"type": "list", "items": []}]}
    path = _crafted(tmp_path / "keys.tg", {"type": "dict", "items": [[key, {"type": "none"}]]})
    with pytest.raises(RuntimeError, match="keys.tg' is damaged: the 'dict' entry has a key"):
        load(path)


@pytest.mark.parametrize("header", [[1, 2], "teachgrad", 7])
def test_loading_a_structure_record_that_is_not_an_object_says_it_is_not_a_teachgrad_file(tmp_path, header):
    path = _crafted(tmp_path / "header.tg", None, header=header)
    with pytest.raises(RuntimeError, match="header.tg' is not a teachgrad file"):
        load(path)


def test_loading_a_structure_record_with_a_text_version_names_the_version(tmp_path):
    path = _crafted(tmp_path / "version.tg", None, header={"format": "teachgrad", "version": "1", "root": {"type": "none"}})
    with pytest.raises(RuntimeError, match="version.tg' is damaged: its structure record has version '1'"):
        load(path)


def test_loading_an_entry_that_is_not_an_object_names_it(tmp_path):
    path = _crafted(tmp_path / "entry.tg", {"type": "list", "items": [5]})
    with pytest.raises(RuntimeError, match="entry.tg' is damaged: its structure holds 5 where an entry"):
        load(path)


def test_loading_a_structure_nested_too_deeply_says_so(tmp_path):
    root = {"type": "none"}
    for _ in range(5000):
        root = {"type": "list", "items": [root]}
    path = tmp_path / "deep.tg"
    with zipfile.ZipFile(path, "w") as archive:  # (json.dumps itself cannot write this depth)
        structure = '{"format": "teachgrad", "version": 1, "root": ' + '{"type": "list", "items": [' * 5000 \
            + '{"type": "none"}' + "]}" * 5000 + "}"
        archive.writestr("__teachgrad__.npy", _npy_bytes(np.frombuffer(structure.encode(), dtype=np.uint8)))
    with pytest.raises(RuntimeError, match="deep.tg' is damaged: its structure is nested too deeply"):
        load(path)


def test_loading_an_array_that_declares_a_huge_shape_names_the_shape_without_allocating_it(tmp_path):
    data = _npy_bytes(np.zeros(4, np.float32))  # 16 bytes of data; the header gets a 1e12 shape, same length
    data = data.replace(b"'shape': (4,), }" + b" " * 12, b"'shape': (1000000000000,), }")
    path = _crafted(tmp_path / "huge.tg", _tensor_node(), {"t0": data})
    with pytest.raises(RuntimeError, match=r"huge.tg' is damaged: array 't0' declares shape \(1000000000000,\) "
                                           r"of float32 \(4000000000000 bytes\) but holds 16 bytes"):
        load(path)


def test_loading_an_int_entry_holding_a_string_names_it(tmp_path):
    path = _crafted(tmp_path / "int.tg", {"type": "int", "value": "12"})
    with pytest.raises(RuntimeError, match="int.tg' is damaged: the 'int' entry has value='12', expected type int"):
        load(path)


def test_loading_an_int_entry_holding_a_bool_names_it(tmp_path):
    path = _crafted(tmp_path / "int.tg", {"type": "int", "value": True})
    with pytest.raises(RuntimeError, match="int.tg' is damaged: the 'int' entry has value=True"):
        load(path)


def test_loading_a_float_entry_that_is_not_a_number_names_it(tmp_path):
    path = _crafted(tmp_path / "float.tg", {"type": "float", "value": "one"})
    with pytest.raises(RuntimeError, match="float.tg' is damaged: the 'float' entry holds 'one', which is not a number"):
        load(path)


def test_loading_a_tensor_with_an_unknown_dtype_names_it(tmp_path):
    path = _crafted(tmp_path / "dtype.tg", _tensor_node(dtype="float128"), {"t0": _npy_bytes(np.ones(2, np.float32))})
    with pytest.raises(RuntimeError, match="dtype.tg' is damaged: the 'tensor' entry names an unknown dtype 'float128'"):
        load(path)


def test_loading_a_float_array_declared_int64_names_both_dtypes(tmp_path):
    path = _crafted(tmp_path / "cast.tg", _tensor_node(dtype="int64"), {"t0": _npy_bytes(np.full(2, 1.5, np.float64))})
    with pytest.raises(RuntimeError, match="cast.tg' is damaged: array 't0' holds float64 values but is declared int64"):
        load(path)


def test_loading_a_tensor_whose_requires_grad_is_not_a_bool_names_it(tmp_path):
    node = _tensor_node(requires_grad="yes")
    path = _crafted(tmp_path / "flag.tg", node, {"t0": _npy_bytes(np.ones(2, np.float32))})
    with pytest.raises(RuntimeError, match="flag.tg' is damaged: the 'tensor' entry has requires_grad='yes', expected type bool"):
        load(path)


def test_loading_a_tensor_whose_key_names_no_array_says_it_is_missing(tmp_path):
    path = _crafted(tmp_path / "missing.tg", _tensor_node(key=["t0"]))
    with pytest.raises(RuntimeError, match=r"missing.tg' is damaged: the 'tensor' entry has key=\['t0'\], expected type str"):
        load(path)


def test_loading_a_string_array_as_an_ndarray_is_refused(tmp_path):
    path = _crafted(tmp_path / "text.tg", {"type": "ndarray", "key": "t0"}, {"t0": _npy_bytes(np.array(["a"]))})
    with pytest.raises(RuntimeError, match="text.tg' is damaged: array 't0' has dtype <U1"):
        load(path)


def test_loading_a_compressed_array_is_refused_before_decompressing_it(tmp_path):
    path = tmp_path / "packed.tg"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # (a zip bomb is compressed)
        root = json.dumps({"format": "teachgrad", "version": 1, "root": {"type": "ndarray", "key": "t0"}}).encode()
        archive.writestr("__teachgrad__.npy", _npy_bytes(np.frombuffer(root, dtype=np.uint8)), zipfile.ZIP_STORED)
        archive.writestr("t0.npy", _npy_bytes(np.zeros(1000, np.float32)))
    with pytest.raises(RuntimeError, match="packed.tg' is damaged: array 't0' is stored compressed"):
        load(path)

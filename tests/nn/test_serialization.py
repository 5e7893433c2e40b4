"""save/load: tensors and nested state dicts round-trip through a safe npz + JSON file; bad files give clear errors."""

from __future__ import annotations

import io
import math
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
    with pytest.raises(RuntimeError, match="evil.tg' is truncated or damaged"):
        load(path)


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()

"""`save` and `load`: tensors and nested containers of them in a safe file format.

A teachgrad file is a numpy `.npz` archive (a zip of `.npy` arrays):

    __teachgrad__   a uint8 array holding UTF-8 JSON: {"format": "teachgrad", "version": 1, "root": node}
    t0, t1, ...     one array per tensor (or numpy array) in the saved object

A node describes one value: {"type": "tensor", "key": "t0", "dtype": "float32", "requires_grad": false,
"parameter": false}, {"type": "dict", "items": [[key node, value node], ...]}, {"type": "list",
"items": [...]}, and likewise "ordereddict", "counter", "tuple", "int", "float" (as text, so inf
and nan survive), "bool", "str", "none", "dtype", "ndarray". Loading reads arrays with `allow_pickle=False` and rebuilds containers
from JSON, so a file can never run code. Tensors are saved by value: views come back as copies,
and two names for one tensor come back as two tensors.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections import Counter, OrderedDict
from typing import Any, BinaryIO

import numpy as np

from teachgrad import dtypes
from teachgrad.creation import tensor as make_tensor
from teachgrad.nn.parameter import Parameter
from teachgrad.tensor import Tensor

FORMAT, VERSION, STRUCTURE = "teachgrad", 1, "__teachgrad__"
_ZIP_MAGIC = b"PK\x03\x04"


def _describe(f: Any) -> str:
    return repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else repr(getattr(f, "name", f))


class _Encoder:
    """Turn an object into JSON nodes, collecting its arrays under keys t0, t1, ..."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _array(self, array: np.ndarray) -> str:
        key = f"t{len(self.arrays)}"
        self.arrays[key] = np.array(array, order="C")  # (np.ascontiguousarray would make 0-d arrays 1-d)
        return key

    def encode(self, obj: Any, where: str) -> dict:
        if isinstance(obj, Tensor):
            return {"type": "tensor", "key": self._array(obj.detach()._host_array()), "dtype": obj.dtype.name,
                    "requires_grad": bool(obj.requires_grad), "parameter": isinstance(obj, Parameter)}
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind not in "biuf":
                raise TypeError(f"teachgrad.save: cannot save a numpy array of dtype {obj.dtype} at {where}")
            return {"type": "ndarray", "key": self._array(obj)}
        if obj is None:
            return {"type": "none"}
        if isinstance(obj, (bool, np.bool_)):
            return {"type": "bool", "value": bool(obj)}
        if isinstance(obj, (int, np.integer)):
            return {"type": "int", "value": int(obj)}
        if isinstance(obj, (float, np.floating)):
            return {"type": "float", "value": repr(float(obj))}
        if isinstance(obj, str):
            return {"type": "str", "value": obj}
        if isinstance(obj, dtypes.dtype):
            return {"type": "dtype", "value": obj.name}
        if isinstance(obj, dict):
            items = [[self.encode(k, f"{where} (a key)"), self.encode(v, f"{where}[{k!r}]")] for k, v in obj.items()]
            kind = "ordereddict" if isinstance(obj, OrderedDict) else "counter" if isinstance(obj, Counter) else "dict"
            return {"type": kind, "items": items}
        if isinstance(obj, (list, tuple)):
            return {"type": "list" if isinstance(obj, list) else "tuple",
                    "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        raise TypeError(
            f"teachgrad.save: cannot save an object of type {type(obj).__name__} at {where}; teachgrad saves tensors, "
            "numpy arrays, numbers, strings, None and dicts/lists/tuples of them (a safe format, no pickle)"
        )


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Save tensors, numbers, strings and nested dicts/lists/tuples of them (e.g. a state_dict) to f.

    f is a path or a binary file object. The file is a numpy .npz archive plus a JSON
    description of the structure; no Python object is pickled.
    """
    encoder = _Encoder()
    root = encoder.encode(obj, "obj")
    structure = json.dumps({"format": FORMAT, "version": VERSION, "root": root})
    arrays = dict(encoder.arrays, **{STRUCTURE: np.frombuffer(structure.encode("utf-8"), dtype=np.uint8)})
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as handle:  # (np.savez on a path would append ".npz")
            np.savez(handle, **arrays)
    else:
        np.savez(f, **arrays)


class _Decoder:
    def __init__(self, archive: Any, name: str) -> None:
        self.archive, self.name = archive, name

    def _array(self, key: str) -> np.ndarray:
        if key not in self.archive.files:
            raise RuntimeError(f"teachgrad.load: {self.name} is damaged: its structure names array {key!r}, which is missing")
        return self.archive[key]

    def decode(self, node: dict) -> Any:
        kind = node.get("type")
        if kind == "tensor":
            array = self._array(node["key"])
            t = make_tensor(array, dtype=dtypes.from_name(node["dtype"]))
            if node.get("parameter"):
                return Parameter(t, requires_grad=node.get("requires_grad", True))
            return t.requires_grad_(True) if node.get("requires_grad") else t
        if kind == "ndarray":
            return self._array(node["key"])
        if kind == "none":
            return None
        if kind in ("bool", "int", "str"):
            return node["value"]
        if kind == "float":
            return float(node["value"])
        if kind == "dtype":
            return dtypes.from_name(node["value"])
        if kind in ("dict", "ordereddict", "counter"):
            pairs = [(self.decode(k), self.decode(v)) for k, v in node["items"]]
            return {"dict": dict, "ordereddict": OrderedDict, "counter": Counter}[kind](dict(pairs))
        if kind == "list":
            return [self.decode(v) for v in node["items"]]
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        raise RuntimeError(f"teachgrad.load: {self.name} contains an entry of unknown type {kind!r} (saved by a newer teachgrad?)")


def load(f: str | os.PathLike | BinaryIO, map_location: Any = None, weights_only: bool = True, **kwargs: Any) -> Any:
    """Load an object saved by `teachgrad.save`. Never executes code from the file.

    map_location may be None or "cpu" (the only device); weights_only is accepted for PyTorch
    compatibility: loading is always restricted to data. Raises FileNotFoundError for a missing
    file and RuntimeError naming the file when it is empty, truncated, damaged or not a teachgrad file.
    """
    if map_location not in (None, "cpu") and str(map_location) != "cpu":
        raise RuntimeError(f"teachgrad.load: map_location={map_location!r} is not supported; only 'cpu' exists")
    name = _describe(f)
    if isinstance(f, (str, os.PathLike)):
        if not os.path.exists(f):
            raise FileNotFoundError(f"teachgrad.load: no such file: {name}")
        with open(f, "rb") as handle:
            data = handle.read()
    else:
        data = f.read()
    if not data:
        raise RuntimeError(f"teachgrad.load: {name} is empty (0 bytes); it is not a file saved by teachgrad.save")
    if not data.startswith(_ZIP_MAGIC):
        raise RuntimeError(f"teachgrad.load: {name} is not a teachgrad file (it does not start like the npz archive "
                           "that teachgrad.save writes; teachgrad never reads pickled files)")
    try:
        archive = np.load(io.BytesIO(data), allow_pickle=False)
        if STRUCTURE + ".npy" not in zipfile.ZipFile(io.BytesIO(data)).namelist():
            raise RuntimeError(f"teachgrad.load: {name} is a zip archive but not a teachgrad file (it has no "
                               f"{STRUCTURE} record; files from torch.save or np.savez cannot be read)")
        header = json.loads(bytes(archive[STRUCTURE]).decode("utf-8"))
        if header.get("format") != FORMAT:
            raise RuntimeError(f"teachgrad.load: {name} is not a teachgrad file (its structure record has format {header.get('format')!r})")
        if header.get("version", 0) > VERSION:
            raise RuntimeError(f"teachgrad.load: {name} was written by a newer teachgrad (format version {header['version']})")
        return _Decoder(archive, name).decode(header["root"])
    except RuntimeError:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, KeyError, UnicodeDecodeError) as error:
        # (json.JSONDecodeError is a ValueError; an array that would need unpickling raises ValueError in np.load)
        raise RuntimeError(f"teachgrad.load: {name} is truncated or damaged and cannot be read ({type(error).__name__}: {error})") from None

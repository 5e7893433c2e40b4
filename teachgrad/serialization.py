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
import math
import os
import zipfile
from collections import Counter, OrderedDict
from typing import Any, BinaryIO

import numpy as np

from teachgrad import dtypes
from teachgrad.creation import tensor as make_tensor
from teachgrad.nn.parameter import Parameter
from teachgrad.tensor import Tensor
from teachgrad.utils.files import write_atomically

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
    description of the structure; no Python object is pickled. A path is written atomically
    (a temporary file, then a rename), so a save that fails leaves the previous file whole.
    """
    encoder = _Encoder()
    root = encoder.encode(obj, "obj")
    structure = json.dumps({"format": FORMAT, "version": VERSION, "root": root})
    arrays = dict(encoder.arrays, **{STRUCTURE: np.frombuffer(structure.encode("utf-8"), dtype=np.uint8)})
    if isinstance(f, (str, os.PathLike)):
        write_atomically(f, lambda temporary: _savez(temporary, arrays))
    else:
        np.savez(f, **arrays)


def _savez(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as handle:  # (np.savez on a path would append ".npz")
        np.savez(handle, **arrays)


class _Decoder:
    """Rebuild the saved object from its JSON nodes, checking every field against the format above."""

    def __init__(self, archive: Any, name: str, size: int) -> None:
        self.archive, self.name, self.size = archive, name, size

    def damaged(self, problem: str) -> RuntimeError:
        return RuntimeError(f"teachgrad.load: {self.name} is damaged: {problem}")

    def field(self, node: dict, name: str, kind: type) -> Any:
        """node[name], which must be exactly of type `kind` (a bool is not an int here)."""
        value = node.get(name)
        if type(value) is not kind:
            raise self.damaged(f"the {node['type']!r} entry has {name}={_short(value)}, expected type {kind.__name__}")
        return value

    def _array(self, key: str, kinds: str) -> np.ndarray:
        """Array `key`, after checking that its declared shape fits its bytes and its dtype kind is in `kinds`."""
        member = f"{key}.npy"
        if member not in self.archive.zip.namelist():
            raise self.damaged(f"its structure names array {key!r}, which is missing")
        info = self.archive.zip.getinfo(member)
        if info.compress_type != zipfile.ZIP_STORED or info.file_size > self.size:
            raise self.damaged(f"array {key!r} is stored compressed or claims {info.file_size} bytes in a file of "
                               f"{self.size} bytes (teachgrad.save stores arrays uncompressed)")
        with self.archive.zip.open(member) as stream:
            version = np.lib.format.read_magic(stream)
            read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
            if version not in read_header:
                raise self.damaged(f"array {key!r} has npy format version {version}, expected 1.0 or 2.0")
            shape, _, array_dtype = read_header[version](stream)
            stored = info.file_size - stream.tell()
        if array_dtype.kind not in kinds:
            raise self.damaged(f"array {key!r} has dtype {array_dtype}, which teachgrad.save never writes there")
        declared = math.prod(shape) * array_dtype.itemsize
        if declared != stored:
            raise self.damaged(f"array {key!r} declares shape {shape} of {array_dtype} ({declared} bytes) "
                               f"but holds {stored} bytes")
        return self.archive[key]

    def _dtype(self, node: dict) -> dtypes.dtype:
        name = self.field(node, "dtype" if node["type"] == "tensor" else "value", str)
        try:
            return dtypes.from_name(name)
        except TypeError:
            raise self.damaged(f"the {node['type']!r} entry names an unknown dtype {_short(name)}") from None

    def _tensor(self, node: dict) -> Tensor:
        declared = self._dtype(node)
        array = self._array(self.field(node, "key", str), "biuf")
        if array.dtype != declared.numpy:
            raise self.damaged(f"array {node['key']!r} holds {array.dtype} values but is declared {declared.name}")
        requires_grad, parameter = self.field(node, "requires_grad", bool), self.field(node, "parameter", bool)
        t = make_tensor(array, dtype=declared)
        if parameter:
            return Parameter(t, requires_grad=requires_grad)
        return t.requires_grad_(True) if requires_grad else t

    def _items(self, node: dict) -> list:
        return [self.decode(v) for v in self.field(node, "items", list)]

    def _pairs(self, node: dict) -> list:
        pairs = []
        for item in self.field(node, "items", list):
            if type(item) is not list or len(item) != 2:
                raise self.damaged(f"the {node['type']!r} entry holds {_short(item)}, expected a [key, value] pair")
            key = self.decode(item[0])
            try:
                hash(key)
            except TypeError:
                raise self.damaged(f"the {node['type']!r} entry has a key {_short(key)}, which cannot be a dict key") from None
            pairs.append((key, self.decode(item[1])))
        return pairs

    def decode(self, node: Any) -> Any:
        if type(node) is not dict or type(node.get("type")) is not str:
            raise self.damaged(f"its structure holds {_short(node)} where an entry {{\"type\": ...}} belongs")
        kind = node["type"]
        if kind == "tensor":
            return self._tensor(node)
        if kind == "ndarray":
            return self._array(self.field(node, "key", str), "biuf")
        if kind == "none":
            return None
        if kind in ("bool", "int", "str"):
            return self.field(node, "value", {"bool": bool, "int": int, "str": str}[kind])
        if kind == "float":
            text = self.field(node, "value", str)
            try:
                return float(text)
            except ValueError:
                raise self.damaged(f"the 'float' entry holds {_short(text)}, which is not a number") from None
        if kind == "dtype":
            return self._dtype(node)
        if kind in ("dict", "ordereddict", "counter"):
            return {"dict": dict, "ordereddict": OrderedDict, "counter": Counter}[kind](dict(self._pairs(node)))
        if kind == "list":
            return self._items(node)
        if kind == "tuple":
            return tuple(self._items(node))
        raise RuntimeError(f"teachgrad.load: {self.name} contains an entry of unknown type {kind!r} (saved by a newer teachgrad?)")


def _short(value: Any) -> str:
    """repr(value), cut to 60 characters for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
        decoder = _Decoder(archive, name, len(data))
        header = json.loads(bytes(decoder._array(STRUCTURE, "u")).decode("utf-8"))
        if type(header) is not dict or header.get("format") != FORMAT:
            found = header.get("format") if type(header) is dict else header
            raise RuntimeError(f"teachgrad.load: {name} is not a teachgrad file (its structure record holds format {_short(found)})")
        if type(header.get("version")) is not int or "root" not in header:
            raise decoder.damaged(f"its structure record has version {_short(header.get('version'))} and "
                                  f"{'a' if 'root' in header else 'no'} root; expected an int version and a root")
        if header["version"] > VERSION:
            raise RuntimeError(f"teachgrad.load: {name} was written by a newer teachgrad (format version {header['version']})")
        return decoder.decode(header["root"])
    except RecursionError:  # (a RuntimeError itself, so caught first)
        raise RuntimeError(f"teachgrad.load: {name} is damaged: its structure is nested too deeply to read") from None
    except RuntimeError:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, KeyError, UnicodeDecodeError) as error:
        # (json.JSONDecodeError is a ValueError; an array that would need unpickling raises ValueError in np.load)
        raise RuntimeError(f"teachgrad.load: {name} is truncated or damaged and cannot be read ({type(error).__name__}: {error})") from None

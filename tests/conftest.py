"""Fixtures for the whole suite: every test starts from, and leaves, the same global state; a local MNIST mirror."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import teachgrad as tg


@pytest.fixture(autouse=True)
def global_state_is_restored():
    """Grad mode, the CPU backend, the default dtype and device and the random seed are global state."""
    backend, default_dtype, default_device = tg.get_backend(), tg.get_default_dtype(), tg.get_default_device()
    tg.manual_seed(0)
    assert tg.is_grad_enabled()
    yield
    leaked_grad_mode = not tg.is_grad_enabled()
    tg.set_grad_enabled(True)
    tg.set_backend(backend)
    tg.set_default_dtype(default_dtype)
    tg.set_default_device(default_device)
    assert not leaked_grad_mode, "the test left grad mode disabled"


class _MirrorHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the files of a folder; under /cut/ a file is cut off half way, as by a dropped connection."""

    def log_message(self, format, *args) -> None:
        pass  # keep the test output clean

    def do_GET(self) -> None:
        if not self.path.startswith("/cut/"):
            return super().do_GET()
        data = Path(self.translate_path(self.path.removeprefix("/cut"))).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[:len(data) // 2])


@dataclass
class MnistMirror:
    """A local MNIST mirror: `url` serves the four small files that `resources` lists with their MD5."""

    folder: Path
    url: str
    resources: list
    images: dict
    labels: dict


@pytest.fixture
def mnist_mirror(tmp_path):
    """An HTTP server on 127.0.0.1 (no internet) serving small generated MNIST files from `folder`."""
    folder = tmp_path / "served"
    folder.mkdir()
    rng = np.random.default_rng(0)
    images = {train: rng.integers(0, 256, (size, 28, 28), dtype=np.uint8) for train, size in ((True, 6), (False, 4))}
    labels = {True: np.array([5, 0, 4, 1, 9, 2], np.uint8), False: np.array([7, 2, 1, 0], np.uint8)}
    resources = []
    for train, prefix in ((True, "train"), (False, "t10k")):
        for kind, array in (("images-idx3", images[train]), ("labels-idx1", labels[train])):
            name = f"{prefix}-{kind}-ubyte.gz"
            header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">i4").tobytes()  # IDX, by hand
            data = gzip.compress(header + array.tobytes())
            (folder / name).write_bytes(data)
            resources.append((name, hashlib.md5(data).hexdigest()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_MirrorHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield MnistMirror(folder, f"http://127.0.0.1:{server.server_address[1]}/", resources, images, labels)
    server.shutdown()
    server.server_close()
    thread.join()

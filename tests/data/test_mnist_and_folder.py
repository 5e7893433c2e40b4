"""MNIST/FashionMNIST IDX readers and ImageFolder, on small files the tests write."""

import gzip
import socket

import numpy as np
import pytest
from PIL import Image
from teachgrad.datasets import MNIST, FashionMNIST, ImageFolder, read_idx, write_idx

import teachgrad

IMAGES = np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)
LABELS = np.array([5, 0, 9], dtype=np.uint8)


def idx_bytes(array, code):
    """An IDX file written by hand: magic, sizes (big-endian int32), values."""
    return bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">i4").tobytes() + array.tobytes()


def place(folder, gz=False, train=True):
    folder.mkdir(parents=True, exist_ok=True)
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte") if train else \
            ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    for name, array in zip(names, (IMAGES, LABELS)):
        data = idx_bytes(array, 0x08)
        if gz:
            with gzip.open(folder / f"{name}.gz", "wb") as f:
                f.write(data)
        else:
            (folder / name).write_bytes(data)


def test_read_idx_reads_a_hand_written_file(tmp_path):
    (tmp_path / "a.idx").write_bytes(idx_bytes(np.array([[1, -2]], ">i4"), 0x0C))
    array = read_idx(tmp_path / "a.idx")
    assert array.shape == (1, 2) and array.tolist() == [[1, -2]]


def test_write_idx_then_read_idx_round_trips_floats(tmp_path):
    values = np.array([[0.5, -1.25]], np.float32)
    write_idx(tmp_path / "f.idx.gz", values)
    assert np.array_equal(read_idx(tmp_path / "f.idx.gz"), values)


def test_read_idx_rejects_a_truncated_file(tmp_path):
    (tmp_path / "bad").write_bytes(idx_bytes(LABELS, 0x08)[:-1])
    with pytest.raises(ValueError, match="header says shape"):
        read_idx(tmp_path / "bad")


def test_read_idx_names_a_file_whose_header_is_cut_short(tmp_path):
    (tmp_path / "bad").write_bytes(idx_bytes(IMAGES, 0x08)[:9])
    with pytest.raises(ValueError, match=r"bad: truncated IDX file: its header declares 3 dimensions \(16 bytes"):
        read_idx(tmp_path / "bad")


def test_read_idx_names_a_file_with_a_wrong_magic_number(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x1f\x8b\x08\x00" + bytes(20))
    with pytest.raises(ValueError, match="bad: not an IDX file \\(bad magic number 1f8b0800"):
        read_idx(tmp_path / "bad")


def test_read_idx_names_an_empty_file(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(ValueError, match="empty: not an IDX file \\(bad magic number missing"):
        read_idx(tmp_path / "empty")


def test_read_idx_names_a_gz_file_that_is_not_gzip(tmp_path):
    (tmp_path / "labels.gz").write_bytes(idx_bytes(LABELS, 0x08))
    with pytest.raises(ValueError, match="labels.gz: damaged gzip file, cannot decompress it"):
        read_idx(tmp_path / "labels.gz")


def test_read_idx_names_a_gz_file_that_is_cut_short(tmp_path):
    (tmp_path / "labels.gz").write_bytes(gzip.compress(idx_bytes(IMAGES, 0x08))[:100])
    with pytest.raises(ValueError, match="labels.gz: damaged gzip file, cannot decompress it"):
        read_idx(tmp_path / "labels.gz")


def test_read_idx_names_a_gz_file_with_corrupted_data(tmp_path):
    data = bytearray(gzip.compress(idx_bytes(IMAGES, 0x08)))
    data[20:40] = bytes(20)
    (tmp_path / "labels.gz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="labels.gz: damaged gzip file, cannot decompress it"):
        read_idx(tmp_path / "labels.gz")


def test_mnist_items_are_grayscale_images_and_int_labels(tmp_path):
    place(tmp_path)
    img, label = MNIST(tmp_path)[2]
    assert img.mode == "L" and np.array_equal(np.array(img), IMAGES[2]) and label == 9


def test_mnist_reads_gzip_files(tmp_path):
    place(tmp_path, gz=True)
    assert MNIST(tmp_path).targets.tolist() == [5, 0, 9]


def test_mnist_finds_files_in_torchvisions_raw_folder(tmp_path):
    place(tmp_path / "MNIST" / "raw")
    assert len(MNIST(tmp_path)) == 3


def test_mnist_train_false_reads_the_test_files(tmp_path):
    place(tmp_path, train=False)
    assert len(MNIST(tmp_path, train=False)) == 3


def test_mnist_data_is_an_int64_tensor(tmp_path):
    place(tmp_path)
    data = MNIST(tmp_path).data
    assert data.shape == (3, 28, 28) and data.dtype == teachgrad.int64


def test_missing_files_name_the_files_and_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError) as raised:
        MNIST(tmp_path)
    message = str(raised.value)
    assert "train-images-idx3-ubyte" in message and "t10k-labels-idx1-ubyte" in message
    assert str(tmp_path / "MNIST" / "raw") in message


def test_missing_files_suggest_download_true(tmp_path):
    with pytest.raises(FileNotFoundError, match="Pass download=True to download them"):
        MNIST(tmp_path)


# download=True, from a local HTTP server (the mnist_mirror fixture); no test reaches the internet --------

@pytest.fixture
def mirrors(mnist_mirror, monkeypatch):
    """Point MNIST at the local mirror; the test passes the list of mirror URLs to try, in order."""
    monkeypatch.setattr(MNIST, "resources", mnist_mirror.resources)
    return lambda *urls: monkeypatch.setattr(MNIST, "mirrors", list(urls))


def closed_port_url():
    """The URL of a port nothing listens on: connecting is refused, as when offline."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_download_fetches_the_files_into_the_raw_folder(tmp_path, mnist_mirror, mirrors):
    mirrors(mnist_mirror.url)
    ds = MNIST(tmp_path, train=False, download=True)
    assert np.array_equal(ds.images, mnist_mirror.images[False]) and ds.targets.tolist() == [7, 2, 1, 0]
    assert sorted(p.name for p in (tmp_path / "MNIST" / "raw").iterdir()) == sorted(n for n, _ in mnist_mirror.resources)


def test_download_keeps_no_file_whose_checksum_does_not_match(tmp_path, mnist_mirror, mirrors):
    (mnist_mirror.folder / "changed").mkdir()
    for name, _ in mnist_mirror.resources:
        (mnist_mirror.folder / "changed" / name).write_bytes(gzip.compress(idx_bytes(LABELS, 0x08)))
    mirrors(mnist_mirror.url + "changed/")
    with pytest.raises(RuntimeError, match="could not download train-images-idx3-ubyte.gz from any mirror .*changed/"
                                           "train-images-idx3-ubyte.gz: checksum mismatch: its MD5 is [0-9a-f]{32}, "
                                           f"expected {mnist_mirror.resources[0][1]}"):
        MNIST(tmp_path, download=True)
    assert not list((tmp_path / "MNIST" / "raw").iterdir())


def test_download_passes_over_a_mirror_serving_a_corrupt_file(tmp_path, mnist_mirror, mirrors):
    (mnist_mirror.folder / "corrupt").mkdir()
    for name, _ in mnist_mirror.resources:
        data = bytearray((mnist_mirror.folder / name).read_bytes())
        data[20:40] = bytes(20)
        (mnist_mirror.folder / "corrupt" / name).write_bytes(bytes(data))
    mirrors(mnist_mirror.url + "corrupt/", mnist_mirror.url)
    assert np.array_equal(MNIST(tmp_path, download=True).images, mnist_mirror.images[True])


def test_download_passes_over_a_transfer_cut_short(tmp_path, mnist_mirror, mirrors):
    mirrors(mnist_mirror.url + "cut/", mnist_mirror.url)
    assert MNIST(tmp_path, download=True).targets.tolist() == mnist_mirror.labels[True].tolist()


def test_download_passes_over_a_mirror_without_the_file(tmp_path, mnist_mirror, mirrors):
    mirrors(mnist_mirror.url + "nothing-here/", mnist_mirror.url)
    assert len(MNIST(tmp_path, download=True)) == 6


def test_download_offline_says_what_failed_and_what_to_do(tmp_path, mirrors):
    url = closed_port_url()
    mirrors(url)
    with pytest.raises(RuntimeError) as raised:
        MNIST(tmp_path, download=True)
    message = str(raised.value)
    assert f"could not download train-images-idx3-ubyte.gz from any mirror ({url}train-images-idx3-ubyte.gz: " in message
    assert "Connection refused" in message and f"place the file in {tmp_path / 'MNIST' / 'raw'} yourself" in message


def test_download_does_not_fetch_files_already_there(tmp_path, mirrors):
    place(tmp_path)
    place(tmp_path, train=False)
    mirrors(closed_port_url())
    assert MNIST(tmp_path, download=True).targets.tolist() == [5, 0, 9]


def test_fashion_mnist_downloads_into_its_own_raw_folder(tmp_path, mnist_mirror, monkeypatch):
    monkeypatch.setattr(FashionMNIST, "resources", mnist_mirror.resources)
    monkeypatch.setattr(FashionMNIST, "mirrors", [mnist_mirror.url])
    FashionMNIST(tmp_path, download=True)
    assert len(list((tmp_path / "FashionMNIST" / "raw").iterdir())) == 4


# ImageFolder ----------------------------------------------------------------------------------

def make_folder(root):
    for name, value in (("cat", 10), ("dog", 200)):
        (root / name / "more").mkdir(parents=True)
        Image.new("RGB", (4, 3), (value, 0, 0)).save(root / name / "a.png")
        Image.new("L", (4, 3), value).save(root / name / "more" / "b.jpg")
        (root / name / "notes.txt").write_text("not an image")
    return root


def test_image_folder_classes_are_the_sorted_folder_names(tmp_path):
    ds = ImageFolder(make_folder(tmp_path))
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}


def test_image_folder_samples_are_the_images_under_each_class_folder(tmp_path):
    ds = ImageFolder(make_folder(tmp_path))
    assert [(p.split("/")[-1], t) for p, t in ds.samples] == [("a.png", 0), ("b.jpg", 0), ("a.png", 1), ("b.jpg", 1)]


def test_image_folder_items_are_rgb_images_and_class_indices(tmp_path):
    img, target = ImageFolder(make_folder(tmp_path))[2]
    assert img.mode == "RGB" and img.getpixel((0, 0)) == (200, 0, 0) and target == 1


def test_a_corrupt_image_raises_an_error_naming_the_file(tmp_path):
    make_folder(tmp_path)
    (tmp_path / "cat" / "a.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(OSError, match="a.png"):
        ImageFolder(tmp_path)[0]


def test_a_class_folder_without_images_is_an_error(tmp_path):
    make_folder(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        ImageFolder(tmp_path)


def test_a_root_without_class_folders_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        ImageFolder(tmp_path)

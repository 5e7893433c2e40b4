"""make_grid and save_image (teachgrad.utils, as torchvision.utils), read_image and decode_image
(teachgrad.io, as torchvision.io).

torchvision is not installed here: the expected grids are built with numpy slices in the tests,
following torchvision's documented layout (padding around and between the images, nrow per
row, floor(x * 255 + 0.5) when saving), and the expected decoded pixels are pillow's.
"""

import io

import numpy as np
import pytest
from PIL import Image

import teachgrad
import teachgrad.io as tio
from teachgrad.utils import make_grid, save_image

RNG = np.random.default_rng(15)
BATCH = RNG.random((3, 3, 2, 4)).astype(np.float32)  # 3 images, 3 channels, 2 x 4
RGB = RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8)


def grid_of(images, nrow, padding, pad_value):
    """The reference layout: images left to right, nrow per row, `padding` pixels around each."""
    count, channels, height, width = images.shape
    columns, rows = min(nrow, count), -(-count // min(nrow, count))
    grid = np.full((channels, rows * (height + padding) + padding, columns * (width + padding) + padding),
                   pad_value, dtype=images.dtype)
    for k in range(count):
        top, left = padding + (k // columns) * (height + padding), padding + (k % columns) * (width + padding)
        grid[:, top:top + height, left:left + width] = images[k]
    return grid


# make_grid --------------------------------------------------------------------------------------

def test_make_grid_tiles_the_batch_with_padding_between_and_around():
    out = make_grid(teachgrad.as_tensor(BATCH), nrow=2, padding=1, pad_value=0.5)
    assert tuple(out.shape) == (3, 2 * 3 + 1, 2 * 5 + 1)
    np.testing.assert_array_equal(out.numpy(), grid_of(BATCH, 2, 1, 0.5))


def test_make_grid_defaults_to_eight_per_row_and_padding_2():
    out = make_grid(teachgrad.as_tensor(BATCH))
    np.testing.assert_array_equal(out.numpy(), grid_of(BATCH, 8, 2, 0.0))


def test_make_grid_of_a_list_equals_make_grid_of_the_stacked_batch():
    out = make_grid([teachgrad.as_tensor(image) for image in BATCH], nrow=2)
    np.testing.assert_array_equal(out.numpy(), grid_of(BATCH, 2, 2, 0.0))


def test_make_grid_repeats_one_channel_to_three():
    gray = BATCH[:, :1]
    out = make_grid(teachgrad.as_tensor(gray), padding=0)
    np.testing.assert_array_equal(out.numpy(), grid_of(np.concatenate([gray] * 3, axis=1), 8, 0, 0.0))


def test_make_grid_of_a_single_image_returns_it_without_padding():
    out = make_grid(teachgrad.as_tensor(BATCH[0]), padding=5)
    np.testing.assert_array_equal(out.numpy(), BATCH[0])


def test_make_grid_normalize_maps_the_batch_min_and_max_to_0_and_1():
    out = make_grid(teachgrad.as_tensor(BATCH * 4 - 1), normalize=True, padding=0).numpy()
    scaled = BATCH * 4 - 1
    expected = (scaled - scaled.min()) / (scaled.max() - scaled.min())
    np.testing.assert_allclose(out, grid_of(expected, 8, 0, 0.0), atol=1e-6)


def test_make_grid_normalize_with_value_range_clamps_to_it():
    out = make_grid(teachgrad.as_tensor(BATCH), normalize=True, value_range=(0.25, 0.75), padding=0).numpy()
    expected = (np.clip(BATCH, 0.25, 0.75) - 0.25) / 0.5
    np.testing.assert_allclose(out, grid_of(expected, 8, 0, 0.0), atol=1e-6)


def test_make_grid_scale_each_normalizes_every_image_on_its_own():
    out = make_grid(teachgrad.as_tensor(BATCH), normalize=True, scale_each=True, padding=0).numpy()
    expected = np.stack([(image - image.min()) / (image.max() - image.min()) for image in BATCH])
    np.testing.assert_allclose(out, grid_of(expected, 8, 0, 0.0), atol=1e-6)


def test_make_grid_rejects_a_value_range_that_is_not_a_tuple():
    with pytest.raises(TypeError, match=r"value_range has to be a tuple \(min, max\)"):
        make_grid(teachgrad.as_tensor(BATCH), normalize=True, value_range=[0, 1])


def test_make_grid_rejects_a_list_holding_something_else():
    with pytest.raises(TypeError, match="tensor or list of tensors expected, got a list containing"):
        make_grid([teachgrad.as_tensor(BATCH[0]), BATCH[1]])


def test_make_grid_is_reachable_where_torchvision_utils_is_renamed():
    assert teachgrad.utils.make_grid is make_grid and teachgrad.utils.save_image is save_image


# save_image -------------------------------------------------------------------------------------

def test_save_image_writes_the_grid_rounded_to_8_bits(tmp_path):
    path = tmp_path / "grid.png"
    save_image(teachgrad.as_tensor(BATCH), path, nrow=2, padding=1)
    expected = np.floor(grid_of(BATCH, 2, 1, 0.0) * 255 + 0.5).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(np.array(Image.open(path)), expected)


def test_save_image_clamps_values_outside_0_to_1(tmp_path):
    path = tmp_path / "one.png"
    save_image(teachgrad.tensor([[[-0.5, 0.5, 1.5]]]), path)
    assert np.array(Image.open(path)).tolist() == [[[0, 0, 0], [128, 128, 128], [255, 255, 255]]]


def test_save_image_to_a_file_object_takes_the_format():
    buffer = io.BytesIO()
    save_image(teachgrad.as_tensor(BATCH[0]), buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


# read_image, decode_image -----------------------------------------------------------------------

@pytest.fixture
def rgb_png(tmp_path):
    path = tmp_path / "rgb.png"
    Image.fromarray(RGB).save(path)
    return path


def test_read_image_returns_channels_first_values_0_to_255(rgb_png):
    out = tio.read_image(str(rgb_png))
    assert tuple(out.shape) == (3, 5, 7) and out.dtype == teachgrad.int64  # no uint8 dtype yet
    assert out.tolist() == RGB.transpose(2, 0, 1).tolist()


def test_read_image_gray_mode_is_pillow_luma(rgb_png):
    out = tio.read_image(rgb_png, tio.ImageReadMode.GRAY)
    assert out.tolist() == [np.array(Image.fromarray(RGB).convert("L")).tolist()]


def test_read_image_rgb_alpha_mode_adds_an_opaque_alpha(rgb_png):
    out = tio.read_image(rgb_png, "RGB_ALPHA")
    assert out.shape[0] == 4 and out[3].tolist() == np.full((5, 7), 255).tolist()


def test_read_image_expands_a_palette_to_rgb(tmp_path):
    path = tmp_path / "palette.png"
    Image.fromarray(RGB).convert("P").save(path)
    expected = np.array(Image.open(path).convert("RGB")).transpose(2, 0, 1)
    assert tio.read_image(path).tolist() == expected.tolist()


def test_read_image_keeps_one_channel_for_a_gray_file(tmp_path):
    path = tmp_path / "gray.png"
    Image.fromarray(RGB[..., 1]).save(path)
    assert tio.read_image(path).tolist() == [RGB[..., 1].tolist()]


def test_decode_image_of_read_file_equals_read_image(rgb_png):
    data = tio.read_file(rgb_png)
    assert data.tolist() == list(rgb_png.read_bytes())
    assert tio.decode_image(data).tolist() == tio.read_image(rgb_png).tolist()


def test_read_image_applies_the_exif_orientation_when_asked(tmp_path):
    path = tmp_path / "turned.png"
    exif = Image.Exif()
    exif[0x0112] = 3  # orientation 3: the picture is stored upside down
    Image.fromarray(RGB).save(path, exif=exif)
    assert tio.read_image(path).tolist() == RGB.transpose(2, 0, 1).tolist()
    turned = tio.read_image(path, apply_exif_orientation=True)
    assert turned.tolist() == RGB[::-1, ::-1].transpose(2, 0, 1).tolist()

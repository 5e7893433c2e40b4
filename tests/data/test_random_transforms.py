"""RandomApply/Choice/Order, RandomGrayscale, Five/TenCrop, GaussianBlur, RandomAffine,
RandomPerspective and RandomErasing.

torchvision is not installed here, so the expected pixels are derived independently: numpy
slices and rotations written in the tests, pillow's own functions with the same parameters,
and torchvision's documented formulas (the Gaussian kernel, sigma's default, the erased
rectangle) evaluated in float64 with plain loops.
"""

import math

import numpy as np
import pytest
from PIL import Image

import teachgrad
import teachgrad.transforms as T
import teachgrad.transforms.functional as F

RNG = np.random.default_rng(15)
RGB = RNG.integers(0, 256, (6, 8, 3), dtype=np.uint8)  # H x W x C
SQUARE = RNG.integers(0, 256, (6, 6, 3), dtype=np.uint8)


def chw(array):
    """An HxWxC uint8 array as teachgrad's CxHxW int64 tensor (what pil_to_tensor returns)."""
    return teachgrad.as_tensor(array.transpose(2, 0, 1).astype(np.int64))


def values(x):
    """Pixels of a pillow image (HxWxC) or of a tensor (CxHxW) as a numpy array."""
    return np.array(x) if isinstance(x, Image.Image) else x.numpy()


def shifted(array, dx, dy, fill):
    """array (..., H, W) moved dx right and dy down, `fill` where nothing lands."""
    out = np.empty_like(array)
    out[...] = np.asarray(fill).reshape((-1, 1, 1))[..., :, :] if np.ndim(fill) else fill
    h, w = array.shape[-2:]
    out[..., dy:, dx:] = array[..., :h - dy, :w - dx]
    return out


def add(name):
    return T.Lambda(lambda log: log + [name])


# RandomApply, RandomChoice, RandomOrder -------------------------------------------------------

def test_random_apply_with_p_one_applies_every_transform_in_order():
    assert T.RandomApply([add("a"), add("b")], p=1.0)([]) == ["a", "b"]


def test_random_apply_with_p_zero_returns_the_input():
    assert T.RandomApply([add("a"), add("b")], p=0.0)([]) == []


def test_random_apply_repr_lists_p_then_the_transforms():
    # torchvision's format: the class name, p on its own line, one line per transform
    expected = "RandomApply(\n    p=0.3\n    Grayscale(num_output_channels=1)\n)"
    assert repr(T.RandomApply([T.Grayscale()], p=0.3)) == expected


def test_random_order_applies_every_transform_once():
    assert sorted(T.RandomOrder([add("a"), add("b"), add("c")])([])) == ["a", "b", "c"]


def test_random_order_draws_different_orders_and_repeats_after_manual_seed():
    order = T.RandomOrder([add("a"), add("b"), add("c")])
    teachgrad.manual_seed(3)
    first = [tuple(order([])) for _ in range(20)]
    teachgrad.manual_seed(3)
    assert [tuple(order([])) for _ in range(20)] == first
    assert len(set(first)) > 1


def test_random_choice_applies_exactly_one_transform():
    choice = T.RandomChoice([add("a"), add("b"), add("c")])
    assert all(len(choice([])) == 1 for _ in range(10))


def test_random_choice_follows_the_weights():
    choice = T.RandomChoice([add("a"), add("b"), add("c")], p=[0.0, 2.0, 0.0])
    assert {tuple(choice([])) for _ in range(20)} == {("b",)}


def test_random_choice_rejects_weights_that_are_not_a_sequence():
    with pytest.raises(TypeError, match="Argument p should be a sequence"):
        T.RandomChoice([add("a")], p=1.0)


def test_random_transforms_reject_transforms_that_are_not_a_sequence():
    with pytest.raises(TypeError, match="Argument transforms should be a sequence"):
        T.RandomOrder(add("a"))


# RandomGrayscale --------------------------------------------------------------------------------

def test_random_grayscale_keeps_three_channels_of_pillow_luma():
    img = Image.fromarray(RGB)
    gray = np.array(img.convert("L"))
    assert values(T.RandomGrayscale(p=1.0)(img)).tolist() == np.dstack([gray, gray, gray]).tolist()


def test_random_grayscale_of_a_gray_image_stays_one_channel():
    img = Image.fromarray(RGB[..., 0])
    assert T.RandomGrayscale(p=1.0)(img).mode == "L"


def test_random_grayscale_with_p_zero_returns_the_image():
    img = Image.fromarray(RGB)
    assert T.RandomGrayscale(p=0.0)(img) is img


# FiveCrop, TenCrop ------------------------------------------------------------------------------

def test_five_crop_returns_the_corners_then_the_center():
    crops = T.FiveCrop((3, 4))(Image.fromarray(RGB))  # image 6 x 8: center offsets (1.5 -> 2, 2)
    expected = [RGB[:3, :4], RGB[:3, 4:], RGB[3:, :4], RGB[3:, 4:], RGB[2:5, 2:6]]
    assert [values(c).tolist() for c in crops] == [e.tolist() for e in expected]


def test_five_crop_of_a_tensor_matches_the_image_crops():
    crops = T.FiveCrop(3)(chw(RGB))
    expected = T.FiveCrop(3)(Image.fromarray(RGB))
    assert [values(c).tolist() for c in crops] == [chw(values(e)).tolist() for e in expected]


def test_five_crop_larger_than_the_image_is_an_error():
    with pytest.raises(ValueError, match=r"Requested crop size \(7, 2\) is bigger than input size \(6, 8\)"):
        T.FiveCrop((7, 2))(Image.fromarray(RGB))


def test_ten_crop_adds_the_five_crops_of_the_mirrored_image():
    crops = T.TenCrop(3)(Image.fromarray(RGB))
    mirrored = T.FiveCrop(3)(Image.fromarray(RGB[:, ::-1]))
    assert len(crops) == 10
    assert [values(c).tolist() for c in crops[5:]] == [values(m).tolist() for m in mirrored]


def test_ten_crop_with_vertical_flip_mirrors_top_to_bottom():
    crops = T.TenCrop(3, vertical_flip=True)(chw(RGB))
    mirrored = T.FiveCrop(3)(chw(RGB[::-1]))
    assert [values(c).tolist() for c in crops[5:]] == [values(m).tolist() for m in mirrored]


# GaussianBlur -----------------------------------------------------------------------------------

def blurred_reference(array, kernel_size, sigma):
    """torchvision's documented blur in float64 with plain loops: kernel exp(-x**2 / (2 sigma**2))
    normalised, x = -(k-1)/2..(k-1)/2, k2d[y, x] = ky[y] kx[x], reflect padding (no edge repeat)."""
    def kernel(k, s):
        pdf = [math.exp(-0.5 * ((i - (k - 1) / 2) / s) ** 2) for i in range(k)]
        return [p / sum(pdf) for p in pdf]

    def mirror(i, n):
        return -i if i < 0 else 2 * (n - 1) - i if i >= n else i

    kx, ky = kernel(kernel_size[0], sigma[0]), kernel(kernel_size[1], sigma[1])
    channels, height, width = array.shape
    out = np.zeros(array.shape)
    for c in range(channels):
        for y in range(height):
            for x in range(width):
                out[c, y, x] = sum(ky[a] * kx[b] * array[c, mirror(y + a - len(ky) // 2, height),
                                                          mirror(x + b - len(kx) // 2, width)]
                                   for a in range(len(ky)) for b in range(len(kx)))
    return out


def test_gaussian_blur_of_a_float_tensor_follows_the_documented_formula():
    image = RNG.random((3, 6, 8)).astype(np.float32)
    out = F.gaussian_blur(teachgrad.as_tensor(image), [3, 5], [0.8, 1.3])
    np.testing.assert_allclose(out.numpy(), blurred_reference(image.astype(np.float64), [3, 5], [0.8, 1.3]),
                               atol=1e-6)


def test_gaussian_blur_of_a_pillow_image_rounds_the_blurred_values():
    out = F.gaussian_blur(Image.fromarray(RGB), [5, 3], [1.5, 0.6])
    expected = np.round(blurred_reference(RGB.transpose(2, 0, 1).astype(np.float64), [5, 3], [1.5, 0.6]))
    assert out.mode == "RGB"
    np.testing.assert_array_equal(values(out).transpose(2, 0, 1), expected)


def test_gaussian_blur_sigma_defaults_to_0_15_k_plus_0_35():
    image = chw(RGB)
    assert F.gaussian_blur(image, 5).tolist() == F.gaussian_blur(image, 5, 0.15 * 5 + 0.35).tolist()


def test_gaussian_blur_rejects_an_even_kernel_size():
    with pytest.raises(ValueError, match="Kernel size value should be an odd and positive number"):
        T.GaussianBlur(4)


def test_gaussian_blur_transform_with_one_sigma_blurs_with_it():
    image = chw(RGB)
    assert T.GaussianBlur(3, sigma=0.7)(image).tolist() == F.gaussian_blur(image, [3, 3], [0.7, 0.7]).tolist()


def test_gaussian_blur_draws_sigma_from_its_range():
    assert all(0.5 <= T.GaussianBlur.get_params(0.5, 0.9) < 0.9 for _ in range(20))


# affine -----------------------------------------------------------------------------------------

def test_affine_rotation_by_90_degrees_of_a_square_image_is_a_clockwise_rot90():
    # torchvision's affine rotates about (w/2, h/2), clockwise (unlike rotate): np.rot90 with k=-1
    out = F.affine(Image.fromarray(SQUARE), 90.0, [0, 0], 1.0, 0.0)
    assert values(out).tolist() == np.rot90(SQUARE, k=-1).tolist()


def test_affine_rotation_of_a_square_tensor_is_a_clockwise_rot90():
    out = F.affine(chw(SQUARE), 90.0, [0, 0], 1.0, 0.0)
    assert out.tolist() == np.rot90(chw(SQUARE).numpy(), k=-1, axes=(1, 2)).tolist()


def test_affine_translation_moves_the_image_and_fills_with_fill():
    out = F.affine(Image.fromarray(RGB), 0.0, [2, 1], 1.0, 0.0, fill=(7, 8, 9))
    expected = shifted(RGB.transpose(2, 0, 1), 2, 1, [7, 8, 9]).transpose(1, 2, 0)
    assert values(out).tolist() == expected.tolist()


@pytest.mark.parametrize("interpolation", [F.InterpolationMode.NEAREST, F.InterpolationMode.BILINEAR])
def test_affine_translation_of_a_tensor_fills_each_channel(interpolation):
    out = F.affine(chw(RGB), 0.0, [2, 1], 1.0, 0.0, interpolation, fill=[7.0, 8.0, 9.0])
    assert out.tolist() == shifted(chw(RGB).numpy(), 2, 1, [7, 8, 9]).tolist()


def test_affine_of_a_tensor_refuses_bicubic():
    with pytest.raises(ValueError, match="Interpolation mode 'bicubic' is unsupported with Tensor input"):
        F.affine(chw(RGB), 10.0, [0, 0], 1.0, 0.0, F.InterpolationMode.BICUBIC)


def test_random_affine_with_a_fixed_angle_rotates_by_it():
    out = T.RandomAffine(degrees=(90, 90))(Image.fromarray(SQUARE))
    assert values(out).tolist() == np.rot90(SQUARE, k=-1).tolist()


def test_random_affine_draws_translations_within_the_fractions_of_the_size():
    for _ in range(20):
        angle, (tx, ty), scale, shear = T.RandomAffine.get_params([-5, 5], [0.1, 0.2], [0.8, 1.2], [-3, 3, -4, 4],
                                                                 [50, 30])
        assert -5 <= angle < 5 and abs(tx) <= 5 and abs(ty) <= 6 and 0.8 <= scale < 1.2
        assert -3 <= shear[0] < 3 and -4 <= shear[1] < 4


def test_random_affine_rejects_translations_beyond_one():
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(0.5, 1.5))


def test_random_affine_repr_shows_only_what_differs_from_the_defaults():
    assert repr(T.RandomAffine(10, scale=(0.9, 1.1))) == "RandomAffine(degrees=[-10.0, 10.0], scale=(0.9, 1.1))"


# perspective ------------------------------------------------------------------------------------

CORNERS = [[0, 0], [7, 0], [7, 5], [0, 5]]  # of the 6 x 8 image


def test_perspective_moving_every_corner_by_the_same_step_translates_the_image():
    # nearest: the solved coefficients are a translation up to ~1e-16, which bilinear may round off by a level
    moved = [[x + 2, y + 1] for x, y in CORNERS]
    out = F.perspective(Image.fromarray(RGB), CORNERS, moved, F.InterpolationMode.NEAREST, fill=0)
    expected = shifted(RGB.transpose(2, 0, 1), 2, 1, 0).transpose(1, 2, 0)
    assert values(out).tolist() == expected.tolist()


@pytest.mark.parametrize("interpolation", [F.InterpolationMode.NEAREST, F.InterpolationMode.BILINEAR])
def test_perspective_of_a_tensor_moving_every_corner_translates_it(interpolation):
    moved = [[x + 2, y + 1] for x, y in CORNERS]
    out = F.perspective(chw(RGB), CORNERS, moved, interpolation, fill=[5.0])
    assert out.tolist() == shifted(chw(RGB).numpy(), 2, 1, 5).tolist()


def test_perspective_coefficients_take_the_endpoints_back_to_the_startpoints():
    endpoints = [[1, 2], [6, 0], [7, 4], [2, 5]]
    a, b, c, d, e, f, g, h = F._get_perspective_coeffs(CORNERS, endpoints)
    for (x, y), (u, v) in zip(endpoints, CORNERS):
        denominator = g * x + h * y + 1
        assert (a * x + b * y + c) / denominator == pytest.approx(u, abs=1e-4)
        assert (d * x + e * y + f) / denominator == pytest.approx(v, abs=1e-4)


def test_random_perspective_with_no_distortion_returns_the_same_pixels():
    out = T.RandomPerspective(distortion_scale=0.0, p=1.0)(chw(RGB))
    assert out.tolist() == chw(RGB).tolist()


def test_random_perspective_moves_each_corner_inwards_by_at_most_the_distortion():
    # distortion 0.5 of half of 8 x 6: x moves by at most 2, y by at most 1
    start, end = T.RandomPerspective.get_params(8, 6, 0.5)
    assert start == CORNERS
    for (x, y), (u, v) in zip(start, end):
        assert abs(u - x) <= 2 and abs(v - y) <= 1
        assert 0 <= u <= 7 and 0 <= v <= 5


def test_random_perspective_with_p_zero_returns_the_image():
    img = Image.fromarray(RGB)
    assert T.RandomPerspective(p=0.0)(img) is img


# RandomErasing ----------------------------------------------------------------------------------

def erased_region(before, after):
    """(rows, cols) where the two CxHxW arrays differ, checking that they form one rectangle."""
    changed = (before != after).any(axis=0)
    rows, cols = np.nonzero(changed.any(axis=1))[0], np.nonzero(changed.any(axis=0))[0]
    assert changed[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].all()
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


BRIGHT = chw(RGB.astype(np.int64) // 2 + 10)  # no pixel is 0


def test_random_erasing_sets_one_rectangle_to_the_value():
    out = T.RandomErasing(p=1.0)(BRIGHT).numpy()
    rows, cols = erased_region(BRIGHT.numpy(), out)
    assert (out[:, rows, cols] == 0).all()


def test_random_erasing_rectangle_has_the_requested_area_and_ratio():
    # torchvision's rule: h = round(sqrt(A r)), w = round(sqrt(A / r)), A = area * s
    out = T.RandomErasing(p=1.0, scale=(0.25, 0.25), ratio=(1.0, 1.0))(BRIGHT).numpy()
    rows, cols = erased_region(BRIGHT.numpy(), out)
    side = round(math.sqrt(6 * 8 * 0.25))
    assert (rows.stop - rows.start, cols.stop - cols.start) == (side, side)


def test_random_erasing_with_one_value_per_channel():
    out = T.RandomErasing(p=1.0, value=[1, 2, 3])(BRIGHT).numpy()
    rows, cols = erased_region(BRIGHT.numpy(), out)
    assert [np.unique(out[c, rows, cols]).tolist() for c in range(3)] == [[1], [2], [3]]


def test_random_erasing_random_values_repeat_after_manual_seed():
    image = teachgrad.zeros(3, 6, 8)
    teachgrad.manual_seed(5)
    first = T.RandomErasing(p=1.0, value="random")(image)
    teachgrad.manual_seed(5)
    assert T.RandomErasing(p=1.0, value="random")(image).tolist() == first.tolist()
    assert first.abs().sum().item() > 0


def test_random_erasing_inplace_writes_into_the_input():
    image = BRIGHT.float()
    out = T.RandomErasing(p=1.0, inplace=True)(image)
    assert out is image and (image.numpy() == 0).any()


def test_random_erasing_that_never_fits_returns_the_same_pixels():
    # ratio 10: h = round(sqrt(48 * 10)) = 22 > 6 in every try
    out = T.RandomErasing(p=1.0, scale=(1.0, 1.0), ratio=(10.0, 10.0))(BRIGHT)
    assert out.tolist() == BRIGHT.tolist()


def test_random_erasing_rejects_a_value_per_channel_of_the_wrong_length():
    with pytest.raises(ValueError, match="either a single value or 3 \\(number of input channels\\)"):
        T.RandomErasing(p=1.0, value=[1, 2])(BRIGHT)


def test_random_erasing_rejects_a_pillow_image():
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        T.RandomErasing(p=1.0)(Image.fromarray(RGB))


def test_random_erasing_rejects_a_scale_outside_0_to_1():
    with pytest.raises(ValueError, match="Scale should be between 0 and 1"):
        T.RandomErasing(scale=(0.5, 1.5))


# seeds ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("transform", [
    T.RandomAffine(30, translate=(0.2, 0.2), scale=(0.8, 1.2), shear=10),
    T.RandomPerspective(p=1.0),
    T.GaussianBlur(3),
    T.RandomErasing(p=1.0),
], ids=lambda t: type(t).__name__)
def test_random_transforms_repeat_after_manual_seed(transform):
    image = chw(RGB).float()
    teachgrad.manual_seed(11)
    first = transform(image)
    teachgrad.manual_seed(11)
    assert transform(image).tolist() == first.tolist()

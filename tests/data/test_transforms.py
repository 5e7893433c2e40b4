"""Transforms on fixed images. Expected pixels of pillow images were produced by torchvision 0.29
(pillow 13) on the same images and are written out here; expected float tensors are computed in
each test from the formula torchvision documents (numpy in float32, the stdlib's colorsys for HSV)."""

import colorsys

import numpy as np
import pytest
from PIL import Image

import teachgrad
import teachgrad.transforms as T
import teachgrad.transforms.functional as F

RGB = np.array([
    [[0, 37, 74], [111, 148, 185], [222, 3, 40], [77, 114, 151], [188, 225, 6], [43, 80, 117]],
    [[154, 191, 228], [9, 46, 83], [120, 157, 194], [231, 12, 49], [86, 123, 160], [197, 234, 15]],
    [[52, 89, 126], [163, 200, 237], [18, 55, 92], [129, 166, 203], [240, 21, 58], [95, 132, 169]],
    [[206, 243, 24], [61, 98, 135], [172, 209, 246], [27, 64, 101], [138, 175, 212], [249, 30, 67]],
    [[104, 141, 178], [215, 252, 33], [70, 107, 144], [181, 218, 255], [36, 73, 110], [147, 184, 221]],
], dtype=np.uint8)  # 5 x 6 x 3
GRAY = np.array([
    [0, 23, 46, 69, 92, 115],
    [138, 161, 184, 207, 230, 253],
    [20, 43, 66, 89, 112, 135],
    [158, 181, 204, 227, 250, 17],
    [40, 63, 86, 109, 132, 155],
], dtype=np.uint8)  # 5 x 6
SMALL = RGB[:2, :3]  # 2 x 3 x 3


def rgb():
    return Image.fromarray(RGB)


def gray():
    return Image.fromarray(GRAY)


def small():
    return Image.fromarray(SMALL)


def pixels(img):
    return np.array(img).tolist()


def channels_first(image: np.ndarray) -> np.ndarray:
    """ToTensor's documented result: (C, H, W) float32 in [0, 1]."""
    return image.transpose(2, 0, 1).astype(np.float32) / np.float32(255)


# conversions ------------------------------------------------------------------------------------

def test_to_tensor_gives_channels_first_float32_divided_by_255():
    t = T.ToTensor()(small())
    assert t.shape == (3, 2, 3) and t.dtype == teachgrad.float32
    assert np.array_equal(t.numpy(), channels_first(SMALL))


def test_pil_to_tensor_keeps_the_raw_values_as_int64():
    t = T.PILToTensor()(small())
    assert t.dtype == teachgrad.int64 and t.numpy().tolist() == SMALL.transpose(2, 0, 1).tolist()


def test_to_pil_image_multiplies_floats_by_255_and_truncates():
    img = T.ToPILImage()(teachgrad.tensor([[[0.0, 0.5, 0.999], [1.0, 0.25, 0.1]]]))
    assert img.mode == "L" and pixels(img) == [[0, 127, 254], [255, 63, 25]]


def test_to_pil_image_undoes_to_tensor():
    assert pixels(T.ToPILImage()(T.ToTensor()(rgb()))) == RGB.tolist()


def test_to_pil_image_rejects_integer_tensors_outside_0_to_255():
    with pytest.raises(ValueError, match="0..255"):
        T.ToPILImage()(teachgrad.tensor([[[0, 300]]]))


def test_normalize_subtracts_the_mean_and_divides_by_the_std_per_channel():
    out = T.Normalize([0.5, 0.4, 0.3], [0.2, 0.25, 0.5])(T.ToTensor()(small()))
    mean, std = np.float32([0.5, 0.4, 0.3])[:, None, None], np.float32([0.2, 0.25, 0.5])[:, None, None]
    expected = (channels_first(SMALL) - mean) / std  # torchvision: out[c] = (in[c] - mean[c]) / std[c]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_normalize_rejects_a_zero_std():
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize([0.5], [0.0])(teachgrad.zeros(1, 2, 2))


# geometry -----------------------------------------------------------------------------------

def test_resize_to_height_and_width_uses_pillow_bilinear():
    out = T.Resize((3, 4))(rgb())
    assert pixels(out) == [[[67, 104, 141], [137, 81, 118], [147, 107, 95], [122, 159, 72]],
                           [[108, 145, 147], [91, 122, 159], [141, 99, 136], [163, 111, 113]],
                           [[149, 186, 99], [126, 163, 151], [103, 140, 177], [149, 117, 154]]]


def test_resize_with_an_int_sets_the_shorter_side_and_keeps_the_aspect_ratio():
    out = T.Resize(2)(gray())  # 5 x 6 -> 2 x int(2 * 6 / 5) = 2 x 2
    assert pixels(out) == [[97, 151], [117, 148]]


def test_resize_nearest():
    out = T.Resize((3, 4), interpolation=T.InterpolationMode.NEAREST)(gray())
    assert pixels(out) == [[0, 46, 69, 115], [20, 66, 89, 135], [40, 86, 109, 155]]


def test_resize_of_a_tensor_is_refused_with_a_clear_message():
    with pytest.raises(TypeError, match="apply it to the PIL image before ToTensor"):
        T.Resize(2)(teachgrad.zeros(1, 4, 4))


def test_center_crop_rounds_half_offsets_to_even():
    out = T.CenterCrop(4)(gray())  # top = round(0.5) = 0, left = round(1.0) = 1
    assert pixels(out) == [[23, 46, 69, 92], [161, 184, 207, 230], [43, 66, 89, 112], [181, 204, 227, 250]]


def test_center_crop_larger_than_the_image_pads_with_zeros():
    out = T.CenterCrop((7, 8))(gray())
    assert pixels(out) == [[0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 23, 46, 69, 92, 115, 0],
                           [0, 138, 161, 184, 207, 230, 253, 0], [0, 20, 43, 66, 89, 112, 135, 0],
                           [0, 158, 181, 204, 227, 250, 17, 0], [0, 40, 63, 86, 109, 132, 155, 0],
                           [0, 0, 0, 0, 0, 0, 0, 0]]


def test_center_crop_of_a_tensor_matches_the_image_crop():
    out = T.CenterCrop(3)(T.PILToTensor()(gray()))
    assert out.numpy()[0].tolist() == [[184, 207, 230], [66, 89, 112], [204, 227, 250]]


def test_pad_constant_fills_every_channel():
    out = np.array(T.Pad(1, fill=(1, 2, 3))(rgb()))
    assert out.shape == (7, 8, 3)
    assert out[0, 0].tolist() == [1, 2, 3] and out[1:-1, 1:-1].tolist() == RGB.tolist()


def test_pad_reflect_mirrors_without_the_border_pixel():
    out = T.Pad((1, 2), padding_mode="reflect")(gray())
    assert pixels(out)[:3] == [[43, 20, 43, 66, 89, 112, 135, 112], [161, 138, 161, 184, 207, 230, 253, 230],
                               [23, 0, 23, 46, 69, 92, 115, 92]]


def test_pad_symmetric_mirrors_with_the_border_pixel():
    out = T.Pad((2, 1, 0, 1), padding_mode="symmetric")(gray())
    assert pixels(out)[:3] == [[23, 0, 0, 23, 46, 69, 92, 115], [23, 0, 0, 23, 46, 69, 92, 115],
                               [161, 138, 138, 161, 184, 207, 230, 253]]


def test_pad_edge_repeats_the_border_pixel():
    out = T.Pad(1, padding_mode="edge")(gray())
    assert pixels(out)[0] == [0, 0, 23, 46, 69, 92, 115, 115]


def test_pad_negative_crops():
    out = T.Pad((-1, 1, 1, 0), padding_mode="reflect")(gray())
    assert pixels(out)[:2] == [[161, 184, 207, 230, 253, 230], [23, 46, 69, 92, 115, 92]]


def test_pad_of_a_tensor_matches_the_image_pad():
    out = F.pad(T.PILToTensor()(gray()), (2, 1, 0, 1), padding_mode="symmetric")
    assert out.numpy()[0].tolist()[:2] == [[23, 0, 0, 23, 46, 69, 92, 115], [23, 0, 0, 23, 46, 69, 92, 115]]


def test_horizontal_flip_mirrors_left_to_right():
    assert pixels(T.RandomHorizontalFlip(p=1.0)(small())) == SMALL[:, ::-1].tolist()


def test_vertical_flip_mirrors_top_to_bottom():
    assert pixels(T.RandomVerticalFlip(p=1.0)(small())) == SMALL[::-1].tolist()


def test_flip_with_p_zero_returns_the_image_unchanged():
    img = small()
    assert T.RandomHorizontalFlip(p=0.0)(img) is img


def test_horizontal_flip_of_a_tensor_reverses_the_last_dimension():
    out = F.hflip(teachgrad.tensor([[[1.0, 2.0, 3.0]]]))
    assert out.tolist() == [[[3.0, 2.0, 1.0]]]


def test_rotation_uses_pillow_rotate_with_nearest_by_default():
    out = T.RandomRotation((30, 30))(gray())
    assert pixels(out) == [[0, 46, 69, 230, 253, 0], [23, 46, 207, 207, 112, 135], [138, 161, 66, 89, 250, 17],
                           [20, 43, 204, 204, 109, 132], [0, 158, 181, 86, 109, 0]]


def test_rotation_with_expand_enlarges_the_canvas_and_fills_it():
    out = np.array(F.rotate(rgb(), 30.0, T.InterpolationMode.BILINEAR, expand=True, fill=[9, 8, 7]))
    assert out.shape == (9, 8, 3)
    assert out[0, 0].tolist() == [9, 8, 7] and out[3, 2].tolist() == [149, 76, 113]


def test_rotation_angle_is_drawn_from_the_degrees_range():
    teachgrad.manual_seed(0)
    angles = [T.RandomRotation.get_params([-10.0, 20.0]) for _ in range(100)]
    assert -10.0 <= min(angles) and max(angles) < 20.0 and max(angles) - min(angles) > 20


def test_rotation_rejects_negative_degrees():
    with pytest.raises(ValueError, match="must be positive"):
        T.RandomRotation(-5)


def test_random_crop_returns_a_region_of_the_image():
    teachgrad.manual_seed(0)
    out = np.array(T.RandomCrop(3)(gray()))
    matches = [(i, j) for i in range(3) for j in range(4) if np.array_equal(GRAY[i:i + 3, j:j + 3], out)]
    assert out.shape == (3, 3) and matches


def test_random_crop_padding_adds_a_border_before_cropping():
    assert T.RandomCrop((5, 6), padding=2)(gray()).size == (6, 5)
    teachgrad.manual_seed(1)
    crops = {np.array(T.RandomCrop((5, 6), padding=2)(gray())).tobytes() for _ in range(20)}
    assert len(crops) > 1


def test_random_crop_pad_if_needed_pads_a_small_image():
    out = np.array(T.RandomCrop((7, 10), pad_if_needed=True)(gray()))
    assert out.shape == (7, 10)
    assert out.sum() == GRAY.astype(int).sum()  # padded with zeros on both sides, nothing cut


def test_random_crop_larger_than_the_image_without_padding_is_an_error():
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(8)(gray())


def test_random_resized_crop_of_the_whole_square_image_is_a_resize():
    img = Image.fromarray(RGB[:5, :5])
    out = T.RandomResizedCrop(3, scale=(1.0, 1.0), ratio=(1.0, 1.0))(img)
    assert pixels(out) == pixels(img.resize((3, 3), Image.Resampling.BILINEAR))


def test_random_resized_crop_has_the_requested_size():
    assert T.RandomResizedCrop((4, 2))(rgb()).size == (2, 4)


def test_random_transforms_repeat_after_manual_seed():
    pipeline = T.Compose([T.RandomCrop(3), T.RandomRotation(40), T.ColorJitter(0.5, 0.5, 0.5, 0.2)])
    teachgrad.manual_seed(7)
    first = [pixels(pipeline(rgb())) for _ in range(3)]
    teachgrad.manual_seed(7)
    assert [pixels(pipeline(rgb())) for _ in range(3)] == first


# color --------------------------------------------------------------------------------------

def test_grayscale_uses_pillow_luma():
    assert pixels(T.Grayscale()(rgb()))[0] == [30, 141, 73, 107, 189, 73]


def test_grayscale_with_three_channels_repeats_the_gray_value():
    out = np.array(T.Grayscale(3)(rgb()))
    assert out.shape == (5, 6, 3) and out[0, 1].tolist() == [141, 141, 141]


def test_grayscale_of_a_tensor_weights_rgb_by_0_2989_0_587_0_114():
    out = T.Grayscale()(T.ToTensor()(small()))
    r, g, b = channels_first(SMALL)
    np.testing.assert_allclose(out.numpy(), [0.2989 * r + 0.587 * g + 0.114 * b], rtol=1e-6)


def test_brightness_scales_and_clips():
    assert pixels(F.adjust_brightness(small(), 1.5)) == [[[0, 55, 111], [166, 222, 255], [255, 4, 60]],
                                                          [[231, 255, 255], [13, 69, 124], [180, 235, 255]]]


def test_contrast_blends_with_the_mean_gray():
    assert pixels(F.adjust_contrast(small(), 0.5)) == [[[51, 70, 88], [107, 125, 144], [162, 53, 71]],
                                                        [[128, 147, 165], [56, 74, 93], [111, 130, 148]]]


def test_saturation_blends_with_the_grayscale_image():
    assert pixels(F.adjust_saturation(small(), 0.3)) == [[[21, 32, 43], [132, 143, 154], [117, 52, 63]],
                                                          [[175, 186, 197], [30, 41, 52], [141, 152, 163]]]


def test_hue_shifts_the_hsv_hue_channel():
    assert pixels(F.adjust_hue(small(), 0.2)) == [[[50, 0, 74], [161, 111, 185], [222, 219, 3]],
                                                   [[205, 155, 228], [60, 9, 83], [171, 120, 194]]]


def test_negative_hue_wraps_around():
    assert pixels(F.adjust_hue(small(), -0.3)) == [[[23, 74, 0], [134, 185, 111], [9, 3, 222]],
                                                    [[177, 228, 155], [32, 83, 9], [143, 194, 120]]]


def test_hue_of_a_tensor_rotates_the_hue():
    out = F.adjust_hue(T.ToTensor()(small()), 0.2)
    hsv = [[colorsys.rgb_to_hsv(*pixel) for pixel in row] for row in SMALL / 255.0]
    expected = [[colorsys.hsv_to_rgb((h + 0.2) % 1.0, s, v) for h, s, v in row] for row in hsv]
    np.testing.assert_allclose(out.numpy(), np.transpose(expected, (2, 0, 1)), atol=1e-6)  # float32 vs float64


def test_color_jitter_with_a_fixed_factor_equals_that_adjustment():
    assert pixels(T.ColorJitter(brightness=(1.5, 1.5))(small())) == pixels(F.adjust_brightness(small(), 1.5))


def test_color_jitter_applies_the_adjustments_in_a_random_order():
    teachgrad.manual_seed(0)
    orders = {tuple(T.ColorJitter.get_params(None, None, None, None)[0]) for _ in range(30)}
    assert len(orders) > 1 and all(sorted(order) == [0, 1, 2, 3] for order in orders)


def test_color_jitter_rejects_a_hue_beyond_half_a_turn():
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.7)


# composition --------------------------------------------------------------------------------

def test_compose_applies_the_transforms_in_order():
    pipeline = T.Compose([T.CenterCrop(2), T.ToTensor(), T.Lambda(lambda t: t * 255)])
    assert pipeline(gray()).numpy().round().tolist() == [[[66.0, 89.0], [204.0, 227.0]]]  # top = round(1.5) = 2


def test_lambda_rejects_a_non_callable():
    with pytest.raises(TypeError, match="lambd should be callable"):
        T.Lambda(3)


def test_normalize_inplace_writes_into_the_given_tensor():
    t = teachgrad.tensor([[[1.0, 3.0]]])
    out = T.Normalize([1.0], [2.0], inplace=True)(t)
    assert out is t and t.tolist() == [[[0.0, 1.0]]]

"""RGB to YUV 4:2:0 for the MP4 writer, against BT.601's formulas and ffmpeg's own conversion."""

import subprocess

import imageio_ffmpeg
import numpy as np
import pytest

from nodenet.errors import ShapeError
from nodenet.video import yuv420p


def bt601(rgb):
    """Y, U, V in BT.601's limited range, in floating point."""
    r, g, b = (rgb[..., k].astype(float) / 255 for k in range(3))
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    return 16 + 219 * luma, 128 + 224 * 0.5 * (b - luma) / 0.886, 128 + 224 * 0.5 * (r - luma) / 0.701


def test_planes_follow_bt601_to_within_one_level():
    rgb = np.random.default_rng(0).integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
    planes = yuv420p(rgb).astype(int)
    y, u, v = bt601(rgb)
    blocks = rgb.reshape(3, 2, 4, 2, 3).mean(axis=(1, 3))         # each 2x2 block's mean colour
    _, block_u, block_v = bt601(blocks)
    assert planes.shape == (6 * 8 * 3 // 2,)
    assert np.abs(planes[:48] - y.ravel()).max() <= 1
    assert np.abs(planes[48:60] - block_u.ravel()).max() <= 1
    assert np.abs(planes[60:] - block_v.ravel()).max() <= 1


def test_white_black_and_grey_have_no_colour():
    for level, luma in ((255, 235), (0, 16), (128, 126)):
        assert yuv420p(np.full((2, 4, 3), level, np.uint8)).tolist() == [luma] * 8 + [128] * 4


def test_planes_match_ffmpegs_conversion(tmp_path):
    rng = np.random.default_rng(1)
    rgb = np.full((48, 64, 3), 255, np.uint8)
    rgb[8:40, 10:50] = rng.integers(0, 256, size=3, dtype=np.uint8)   # a flat patch, as frames mostly are
    rgb[20:30, 30:60] = rng.integers(0, 256, size=(10, 30, 3), dtype=np.uint8)
    converted = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                                "-s", "64x48", "-i", "-", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
                               input=rgb.tobytes(), capture_output=True, check=True).stdout
    ffmpeg, ours = np.frombuffer(converted, np.uint8).astype(int), yuv420p(rgb).astype(int)
    assert ffmpeg.shape == ours.shape
    assert np.abs(ffmpeg[:48 * 64] - ours[:48 * 64]).max() <= 1
    # ffmpeg filters colour across blocks; on flat parts both give the same
    flat_u = ffmpeg[48 * 64:48 * 64 + 24 * 32].reshape(24, 32)[7:17, 7:14]
    assert np.abs(flat_u - ours[48 * 64:48 * 64 + 24 * 32].reshape(24, 32)[7:17, 7:14]).max() <= 1


@pytest.mark.parametrize("shape, dtype", [((3, 4, 3), np.uint8), ((4, 5, 3), np.uint8), ((4, 4), np.uint8),
                                          ((4, 4, 4), np.uint8), ((4, 4, 3), np.int64), ((4, 4, 3), np.float64)])
def test_odd_sides_other_shapes_or_other_numbers_are_named(shape, dtype):
    with pytest.raises(ShapeError, match=rf"uint8 picture with even sides, not {np.dtype(dtype)} of shape "
                                         rf"\({shape[0]}, {shape[1]}.*size in even numbers"):
        yuv420p(np.zeros(shape, dtype))

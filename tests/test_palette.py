"""GIF palettes: exact for few colours, at least as close as Pillow's quantiser on frames."""

import numpy as np
import pytest
from PIL import Image

from nodenet.errors import ShapeError
from nodenet.palette import quantize
from nodenet.render import Canvas, Scene


def psnr(picture, reference):
    return 10 * np.log10(255 ** 2 / ((picture.astype(float) - reference) ** 2).mean())


def test_up_to_256_colours_in_different_bins_are_kept_exactly():
    rng = np.random.default_rng(0)
    bins = rng.choice(1 << 16, size=256, replace=False)
    # a colour inside each chosen bin: 5 bits of red, 6 of green, 5 of blue, then any low bits
    colours = np.stack([(bins >> 11) << 3, ((bins >> 5) & 63) << 2, (bins & 31) << 3], axis=1)
    colours += rng.integers(0, [8, 4, 8], size=(256, 3))
    picture = colours[rng.integers(0, 256, size=(30, 40))].astype(np.uint8)
    indices, palette = quantize(picture)
    assert indices.shape == (30, 40) and indices.dtype == palette.dtype == np.uint8
    assert len(palette) == len(np.unique(picture.reshape(-1, 3), axis=0))
    assert np.array_equal(palette[indices], picture)


def test_one_colour_is_one_entry():
    indices, palette = quantize(np.full((3, 5, 3), (12, 200, 7), np.uint8))
    assert palette.tolist() == [[12, 200, 7]] and (indices == 0).all()


def test_a_frame_gets_256_colours_at_least_as_close_as_pillows_quantiser(golden_tracer):
    frame = Canvas(Scene.from_tracer(golden_tracer)).rgb(golden_tracer.frames[9])
    indices, palette = quantize(frame)
    pillow = np.asarray(Image.fromarray(frame).quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                                        dither=Image.Dither.NONE).convert("RGB"))
    assert len(palette) == 256 and indices.max() == 255
    assert psnr(palette[indices], frame) >= max(psnr(pillow, frame), 40.0)
    assert (palette[indices] == frame).all(axis=2).mean() > 0.9        # white and the flat fills stay exact


@pytest.mark.parametrize("picture", [np.zeros((4, 4)), np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4, 3)),
                                     np.zeros((0, 4, 3), np.uint8)])
def test_other_arrays_are_named(picture):
    with pytest.raises(ShapeError, match=rf"\(height, width, 3\) uint8 array of at least one pixel, "
                                         rf"not {picture.dtype} of shape"):
        quantize(picture)

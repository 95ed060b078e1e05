"""Lines stroked into pixels: exact coverage, one blend per pixel, dashes, and Agg as the reference."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from nodenet.errors import ShapeError
from nodenet.layout import link_path
from nodenet.strokes import DASH, Strokes


def white(height, width):
    return np.full((height, width, 4), 255, np.uint8)


def test_an_opaque_line_covers_exactly_the_pixels_within_half_its_width():
    pixels = white(9, 20)
    Strokes([[(2.0, 4.0), (18.0, 4.0)]]).draw(pixels, [2.0], [(1, 0, 0, 1)])
    red = (pixels[:, :, 1] == 0) & (pixels[:, :, 0] == 255)
    untouched = (pixels == 255).all(axis=2)
    # rows 3 and 4 lie within 1 of y = 4, and so do columns 2 to 17; the caps are round
    assert red[3:5, 2:18].all() and not red[3:5, [1, 18]].any()
    assert untouched[:3].all() and untouched[5:].all() and untouched[:, 0].all() and untouched[:, 19].all()
    # a pixel of the cap is partly covered: its centre is 0.707 from the end, 0.793 inside the edge,
    # so the red is blended over white with alpha 203/256
    assert pixels[3, 1, 1] == pixels[4, 18, 1] == (255 * (256 - 203) + 128) >> 8


def test_horizontal_and_vertical_lines_are_snapped_to_the_pixels_as_agg_snaps_them():
    pixels = white(12, 12)
    # width 3 is odd: the line moves to the pixel centre right of (below) the nearest pixel edge
    Strokes([[(1.0, 4.4), (10.0, 4.4)], [(7.6, 1.0), (7.6, 10.0)]]).draw(pixels, [3.0, 2.0], [(0, 0, 0, 1)] * 2)
    dark = pixels[:, :, 0] == 0
    assert dark[3:6, 3].all() and not dark[[2, 6], 3].any()        # y = 4.4 drawn at 4.5: rows 3 to 5
    assert dark[9, 7:9].all() and not dark[9, [6, 9]].any()         # width 2, even: x = 7.6 drawn at 8


def test_a_translucent_polyline_blends_each_pixel_once_where_its_segments_overlap():
    pixels = white(12, 30)
    zigzag = [(3.5, 5.5), (26.5, 5.5), (3.5, 6.5), (26.5, 5.5)]     # folds back over itself twice
    Strokes([zigzag]).draw(pixels, [3.0], [(0, 0, 0, 0.5)])
    assert pixels[5, 10, 0] == pixels[6, 10, 0] == (255 * 128 + 128) >> 8 == 128
    assert pixels[:, :, 0].min() == 128


def test_lines_are_drawn_in_order_and_width_zero_is_not_drawn():
    pixels = white(5, 12)
    strokes = Strokes([[(1.0, 2.0), (11.0, 2.0)]] * 3)        # snapped to y = 2.5
    strokes.draw(pixels, [1.0, 1.0, 0.0], [(1, 0, 0, 1), (0, 0, 1, 1), (0, 1, 0, 1)])
    assert pixels[2, 5].tolist() == [0, 0, 255, 255]


def test_a_line_thinner_than_a_pixel_is_one_pixel_and_fainter_by_its_width():
    pixels = white(5, 12)
    Strokes([[(1.0, 2.0), (11.0, 2.0)]]).draw(pixels, [0.5], [(0, 0, 0, 1)])     # snapped to y = 2.5
    assert pixels[2, 5, 0] == (255 * 128 + 128) >> 8
    assert (pixels[[1, 3], 5, 0] == 255).all()


def test_dashes_follow_matplotlibs_pattern_with_round_caps():
    width, on, off = 6.0, DASH[0] * 6.0, DASH[1] * 6.0
    reach = width / 2 + 0.5                  # half the width, and half a pixel of antialiasing
    pixels = white(10, 120)
    Strokes([[(0.0, 5.0), (119.0, 5.0)]]).draw(pixels, [width], [(0, 0, 0, 1)], dashed=[True])
    # row 4's pixel centres lie 0.5 above the line; along it, none lies on the edge of a cap
    phase = (np.arange(100) + 0.5) % (on + off)
    beyond = np.where(phase > on, np.minimum(phase - on, on + off - phase), 0.0)
    gap = np.hypot(beyond, 0.5) > reach
    assert gap.sum() == 8
    assert ((pixels[4, :100, 0] == 255) == gap).all()
    assert (pixels[4, :100][phase < on, 0] == 0).all()


def test_strokes_look_like_aggs_lines():
    rng = np.random.default_rng(1)
    paths = [rng.uniform(0.05, 0.95, (2, 2)) for _ in range(12)]
    paths += [link_path((0.1, 0.2), (0.9, 0.3), 3), link_path((0.05, 0.5), (0.95, 0.6), 2)]
    paths += [np.array([(0.1, y), (0.9, y)]) for y in (0.13, 0.61, 0.87)] + [np.array([(0.42, 0.1), (0.42, 0.9)])]
    widths = rng.uniform(0.3, 12, len(paths))
    colors = np.column_stack([rng.uniform(0, 1, (len(paths), 3)), rng.uniform(0.2, 1, len(paths))])
    dashed = [i % 4 == 0 for i in range(len(paths))]
    figure = Figure(figsize=(3.2, 2.4), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1), xlim=(0, 1), ylim=(0, 1))
    ax.set_axis_off()
    ax.add_collection(LineCollection(paths, linewidths=widths, colors=colors, capstyle="round",
                                     linestyles=["--" if d else "-" for d in dashed]))
    figure.canvas.draw()
    agg = np.asarray(figure.canvas.buffer_rgba())[:, :, :3].astype(int)
    pixels = white(240, 320)
    Strokes([ax.transData.transform(p) * (1, -1) + (0, 240) for p in paths], scale=100 / 72).draw(
        pixels, widths, colors, dashed=dashed)
    difference = np.abs(pixels[:, :, :3].astype(int) - agg)
    assert (agg < 200).mean() > 0.08                # the lines darken a tenth of the picture
    assert difference.mean() < 0.4
    assert (difference.max(axis=2) > 48).mean() < 0.001


def test_huge_coordinates_draw_the_part_in_the_picture():
    pixels = white(12, 16)
    strokes = Strokes([[(5, 5), (5, 1e19)], [(-1e30, 2), (1e30, 2)], [(1e30, 8), (2e30, 8)]])
    strokes.draw(pixels, [2.0, 2.0, 2.0], [(0, 0, 0, 1)] * 3)
    dark = pixels[:, :, 0] == 0
    assert dark[5:, 4:6].all() and dark[1:3].all() and not dark[3:5, 6:].any() and not dark[7:9, 7:].any()


def agg_and_strokes(path, width_px, shape):
    """A dashed black line drawn by Agg and by Strokes on white, both as red channels."""
    height, width = shape
    figure = Figure(figsize=(width / 100, height / 100), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1), xlim=(0, width), ylim=(height, 0))
    ax.set_axis_off()
    ax.add_collection(LineCollection([path], linewidths=[width_px * 72 / 100], colors="k", capstyle="round",
                                     linestyles="--"))
    figure.canvas.draw()
    pixels = white(height, width)
    Strokes([path], scale=100 / 72).draw(pixels, [width_px * 72 / 100], [(0, 0, 0, 1)], dashed=[True])
    return np.asarray(figure.canvas.buffer_rgba())[:, :, 0].astype(int), pixels[:, :, 0].astype(int)


@pytest.mark.parametrize("path", [
    [(5.0, 6.3), (46.9, 6.3)],                  # ends 0.5 px before its third dash would start
    [(5.0, 6.3), (21.5, 6.3), (58.0, 7.5)],     # bends 1.7 px into a gap
])
def test_dashes_end_and_bend_as_aggs_do(path):
    agg, ours = agg_and_strokes(np.array(path), 4.0, (12, 60))
    assert (agg < 128).sum() > 60
    assert (np.abs(agg - ours) > 48).sum() == 0


def test_lines_with_numbers_that_are_not_finite_are_not_drawn():
    pixels = white(6, 12)
    strokes = Strokes([[(1, 2), (10, 2)], [(1, 3), (10, 3)], [(1, 4), (10, 4)], [(1, np.nan), (10, 4)]])
    strokes.draw(pixels, [2.0, np.inf, 2.0, 2.0], [(0, 0, 0, 1), (0, 0, 0, 1), (np.nan, 0, 0, 1), (0, 0, 0, 1)])
    drawn = (pixels[:, :, 0] < 255).any(axis=1)
    assert drawn.tolist() == [False, True, True, False, False, False]       # only the first line, rows 1 and 2


def test_bad_pixels_or_widths_are_named():
    strokes = Strokes([[(0, 0), (1, 1)]])
    with pytest.raises(ShapeError, match=r"pixels must be a C-contiguous \(height, width, 4\) uint8 array, "
                                         r"not float64 of shape \(4, 4, 4\)"):
        strokes.draw(np.zeros((4, 4, 4)), [1.0], [(0, 0, 0, 1)])
    with pytest.raises(ShapeError, match="not uint8 of shape"):
        strokes.draw(white(4, 8)[:, ::2], [1.0], [(0, 0, 0, 1)])
    with pytest.raises(ShapeError, match="1 lines need 1 widths, not 2: give one width per line"):
        strokes.draw(white(4, 4), [1.0, 2.0], [(0, 0, 0, 1)] * 2)

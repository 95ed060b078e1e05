"""Links stroked straight into a picture's pixels, by compiled loops.

matplotlib's Agg renderer strokes a 640×480 frame's 105 links, and their glows, in 5 to
8 ms: most of a frame's drawing. These loops draw the same lines in about a quarter of
that, into the same RGBA buffer, so Agg can draw the neurons over them.

A line is every pixel whose centre lies within half its width (plus half a pixel of
antialiasing) of the polyline: round caps and joins, as matplotlib draws links. Coverage
falls from 1 to 0 over the pixel at the edge; a line thinner than a pixel is drawn one
pixel wide and fainter by its width, as Agg's coverage makes it. A dashed line follows
matplotlib's ``"--"`` pattern (3.7 on, 1.6 off, in line widths), each dash with round
caps. The picture is taken to be opaque, as Agg's canvas is: each line's colour is
blended over the pixels' colour with the line's alpha, and the alpha channel is left as
it is. Each line covers a pixel once, even where its segments meet. A line made only of
horizontal and vertical segments is snapped to the pixels as Agg snaps it: its points
are rounded to the nearest pixel edge, and moved on by half a pixel if its width rounds
to an odd number of pixels.

Examples
--------
>>> import numpy as np
>>> pixels = np.full((5, 9, 4), 255, np.uint8)
>>> Strokes([np.array([[0.0, 2.0], [9.0, 2.0]])]).draw(pixels, [1.0], [(0, 0, 0, 1)])
>>> pixels[:, 4, 0].tolist()                # 1 pixel wide, snapped to the centres of row 2
[255, 255, 0, 255, 255]
"""

import numpy as np
from numba import njit

from .errors import ShapeError

__all__ = ["Strokes", "DASH"]

DASH = (3.7, 1.6)       # matplotlib's "--": on and off, in line widths


class Strokes:
    """Polylines in pixel coordinates (x right, y down), drawn into RGBA pictures.

    ``paths`` holds one (n, 2) array per line; ``scale`` is pixels per width unit
    (``dpi / 72`` for widths in points, as matplotlib gives them).

    Examples
    --------
    >>> import numpy as np
    >>> strokes = Strokes([np.array([[1.0, 1.0], [7.0, 1.0]])], scale=2.0)
    >>> pixels = np.full((4, 8, 4), 255, np.uint8)
    >>> strokes.draw(pixels, [1.0], [(1, 0, 0, 1)])
    >>> pixels[0:3, 3, 1].tolist()              # 2 pixels wide, centred on y = 1
    [0, 0, 255]
    """

    def __init__(self, paths, scale=1.0):
        paths = [np.asarray(path, dtype=float) for path in paths]
        self.scale = scale
        self.points = np.concatenate(paths) if paths else np.zeros((0, 2))
        self.starts = np.cumsum([0] + [len(path) for path in paths])
        steps = [np.hypot(*np.diff(path, axis=0).T) for path in paths]
        self.arcs = np.concatenate([np.concatenate([[0.0], np.cumsum(step)]) for step in steps]) if paths \
            else np.zeros(0)
        self.rectilinear = np.array([bool((np.abs(np.diff(path, axis=0)).min(axis=1) < 1e-4).all())
                                     for path in paths], dtype=bool)
        self.finite = np.array([bool(np.isfinite(path).all()) for path in paths], dtype=bool)
        self._cover = np.zeros(0, dtype=np.float32)     # each line's coverage of each pixel, back to 0 after it
        self._touched = np.zeros(0, dtype=np.int32)

    def draw(self, pixels, widths, colors, dashed=None):
        """Stroke every line, in order, into ``pixels`` ((height, width, 4) uint8, changed in place).

        ``widths`` in width units, ``colors`` RGBA in [0, 1]; lines where ``dashed`` is
        true are dashed. A line of width 0 is not drawn, nor one whose width, colour or
        points are not finite numbers.
        """
        widths = np.asarray(widths, dtype=float) * self.scale
        if pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.dtype != np.uint8 or not pixels.flags.c_contiguous:
            raise ShapeError(f"pixels must be a C-contiguous (height, width, 4) uint8 array, not {pixels.dtype} "
                             f"of shape {pixels.shape}: draw into np.ascontiguousarray(pixels, dtype=np.uint8)")
        if widths.shape != (len(self.starts) - 1,):
            raise ShapeError(f"{len(self.starts) - 1} lines need {len(self.starts) - 1} widths, "
                             f"not {widths.shape[0] if widths.ndim else 'a scalar'}: give one width per line")
        dashes = np.zeros((len(widths), 2))
        if dashed is not None:
            dashes[np.asarray(dashed, dtype=bool)] = DASH
        colors = np.asarray(colors, dtype=float).reshape(len(widths), 4)
        widths = np.where(self.finite & np.isfinite(widths) & np.isfinite(colors).all(axis=1), widths, 0.0)
        colors = np.clip(np.nan_to_num(colors), 0.0, 1.0)
        rgb = np.rint(colors[:, :3] * 255).astype(np.int32)
        if self._cover.size != pixels.shape[0] * pixels.shape[1]:
            self._cover = np.zeros(pixels.shape[0] * pixels.shape[1], dtype=np.float32)
            self._touched = np.zeros(self._cover.size, dtype=np.int32)
        _stroke(pixels.reshape(-1, 4), pixels.shape[1], self.points, self.starts, self.arcs, self.rectilinear,
                widths, rgb, colors[:, 3], dashes * widths[:, None], self._cover, self._touched)


@njit(cache=True)
def _stroke(flat, width, points, starts, arcs, rectilinear, widths, rgb, alphas, dashes, cover, touched):
    for k in range(len(widths)):
        if widths[k] <= 0.0 or alphas[k] <= 0.0:
            continue
        reach = max(widths[k], 1.0) / 2 + 0.5
        alpha = alphas[k] * min(widths[k], 1.0)
        # a straight solid line cannot cover a pixel twice, so it is blended as it goes
        direct = starts[k + 1] - starts[k] == 2 and dashes[k, 0] == 0.0
        # as Agg does, lines of only horizontal and vertical segments are snapped to the pixels
        snap = (0.5 if int(np.floor(widths[k] + 0.5)) % 2 else 0.0) if rectilinear[k] else -1.0
        n = 0
        for s in range(starts[k], starts[k + 1] - 1):
            ax, ay, bx, by = points[s, 0], points[s, 1], points[s + 1, 0], points[s + 1, 1]
            if snap >= 0.0:
                ax, ay = np.floor(ax + 0.5) + snap, np.floor(ay + 0.5) + snap
                bx, by = np.floor(bx + 0.5) + snap, np.floor(by + 0.5) + snap
            n = _segment(flat, width, ax, ay, bx, by, arcs[s], reach, dashes[k], direct, rgb[k], alpha,
                         cover, touched, n)
        for j in range(n):
            i = touched[j]
            _blend(flat, i, rgb[k], alpha * cover[i])
            cover[i] = 0.0


@njit(cache=True)
def _segment(flat, width, ax, ay, bx, by, arc, reach, dash, direct, rgb, alpha, cover, touched, n):
    """Cover the pixels near segment a-b, or blend them at once if ``direct``; return the count touched so far."""
    height = flat.shape[0] // width
    dx, dy = bx - ax, by - ay
    length = np.sqrt(dx * dx + dy * dy)
    ux, uy = (dx / length, dy / length) if length > 0 else (1.0, 0.0)
    if min(ay, by) - reach >= height or max(ay, by) + reach < 0 or min(ax, bx) - reach >= width \
            or max(ax, bx) + reach < 0:
        return n                    # wholly outside the picture
    # the rows and columns within reach, clamped to the picture before they become integers
    y0, y1 = _within(min(ay, by) - reach, 0, height - 1), _within(max(ay, by) + reach, 0, height - 1)
    left, right = _within(min(ax, bx) - reach, 0, width - 1), _within(max(ax, bx) + reach, 0, width - 1)
    for y in range(y0, y1 + 1):
        x0, x1 = left, right
        if abs(uy) > 1e-6:        # only the stretch of this row within reach of the line
            centre = ax + dx * (y + 0.5 - ay) / dy
            spread = reach / abs(uy)
            x0, x1 = _within(centre - spread, left, right + 1), _within(centre + spread, left - 1, right)
        along = (x0 + 0.5 - ax) * ux + (y + 0.5 - ay) * uy
        across = (x0 + 0.5 - ax) * uy - (y + 0.5 - ay) * ux
        for x in range(x0, x1 + 1):
            beyond = _beyond(along, length, arc, dash)
            distance = np.sqrt(beyond * beyond + across * across) if beyond > 0.0 else abs(across)
            along += ux
            across += uy
            coverage = min(reach - distance, 1.0)
            if coverage <= 0.0:
                continue
            i = y * width + x
            if direct:
                _blend(flat, i, rgb, alpha * coverage)
                continue
            if cover[i] == 0.0:
                touched[n] = i
                n += 1
            cover[i] = max(cover[i], coverage)
    return n


@njit(cache=True)
def _within(value, low, high):
    """``floor(value)`` as an integer, clamped to [low, high] first, so that huge values cannot overflow."""
    return int(min(max(np.floor(value), low), high))


@njit(cache=True)
def _beyond(along, length, arc, dash):
    """How far along the line a point at ``along`` on a segment of ``length`` is from the nearest drawn part of it.

    ``arc`` is the segment's start along the whole line; ``dash`` its on and off lengths
    (0 for a solid line). A segment that lies wholly in a gap is never near.
    """
    clamped = min(max(along, 0.0), length)
    if dash[0] == 0.0:
        return abs(along - clamped)
    period = dash[0] + dash[1]
    phase = (arc + clamped) % period
    if phase <= dash[0]:
        return abs(along - clamped)
    before, after = clamped - (phase - dash[0]), clamped + (period - phase)     # the dash ends around the gap
    nearest = 1e9
    if before >= 0.0:
        nearest = abs(along - before)
    if after <= length:
        nearest = min(nearest, abs(along - after))
    return nearest


@njit(cache=True)
def _blend(flat, i, rgb, alpha):
    """Pixel ``i`` becomes ``alpha`` of ``rgb`` over what it was, in 1/256 steps."""
    over = np.int32(alpha * 256.0 + 0.5)
    for c in range(3):
        flat[i, c] = np.uint8((np.int32(flat[i, c]) * (256 - over) + rgb[c] * over + 128) >> 8)

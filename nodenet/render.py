"""Drawing frames with matplotlib: one set of artists, updated from frame to frame.

A :class:`Scene` holds what stays the same over a trace: the neurons and links, their
places, and the colour scales (fixed over the whole trace, so frames are comparable).
:class:`FrameArtists` draws frames of a scene on an Axes; ``draw(frame)`` only changes
the properties of artists it made once.

How a frame looks:

- links: colour by sign (blue +, red -), width by |weight|; frozen links dashed;
  links in ``frame.changes`` glow amber, more for larger changes, and the largest few
  changes are written on them;
- neurons: filled by ``out`` in forward frames, ringed by ``delta`` in backward and
  update frames (red +, blue -); the focus of an op frame has an orange ring, and the
  neurons its push or pull has not reached yet in this step are grey;
- title: phase, step, epoch and loss; caption: the event's formula with its numbers;
- with a :class:`~nodenet.boundary.Boundary`, the output over the plane of the two
  inputs is drawn beside the network (orange low, blue high), with the samples on it.

Examples
--------
>>> import nodenet as nn
>>> net = nn.layered([2, 2, 1], seed=0)
>>> tracer = nn.Tracer(net, detail="step")
>>> _ = net.train([[0, 1]], [[1]], epochs=2, lr=0.5, tracer=tracer)
>>> canvas = Canvas(Scene.from_tracer(tracer))
>>> canvas.rgb(tracer.frames[0]).shape
(480, 640, 3)
"""

import dataclasses
import io
import re
import textwrap
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps, font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from PIL import Image, ImageDraw, ImageFont

from .layout import RADIUS_OF_GAP, depths, link_paths, positions, radius
from .strokes import Strokes
from .tracer import snapshot

__all__ = ["Scene", "FrameText", "frame_text", "fit_caption", "LinkLooks", "link_looks", "FrameArtists", "Canvas",
           "draw_frame", "network_png"]

POSITIVE, NEGATIVE = np.array(to_rgba("#2166ac")), np.array(to_rgba("#b2182b"))
GLOW, FOCUS = "#ffb000", "#ff6d00"
OUT_MAP, DELTA_MAP = colormaps["YlGn"], colormaps["RdBu_r"]
BOUNDARY_MAP = LinearSegmentedColormap.from_list("boundary", ["#f59322", "#f7f7f7", "#0877bd"])
LABELLED_CHANGES = 3
# where a change's label goes along its link, in order of preference: off the middle, where
# the links of a layer that cross each other meet, and off the neurons' values at the ends
LABEL_SHARES = (0.65, 0.4, 0.75, 0.3)
ARC_CLEARANCE = 0.03        # between an arc and the neurons it passes, in units of y
CAPTION_WIDTH, CAPTION_LINES = 84, 3
LEGEND = ("links: blue +, red −, width |w|, dashed frozen, amber changed · neurons: fill out, ring δ, "
          "grey not reached yet")
WAITING_FACE, WAITING_EDGE = "#f0f0f0", "#a6a6a6"
# pixel sizes at 480 pixels high: family, weight, size
FONTS = {"title": ("DejaVu Sans", "normal", 15), "caption": ("DejaVu Sans Mono", "normal", 11),
         "legend": ("DejaVu Sans", "normal", 9), "name": ("DejaVu Sans", "bold", 12),
         "value": ("DejaVu Sans", "normal", 10), "change": ("DejaVu Sans", "normal", 11)}
FORWARD_PHASES = ("forward", "loss")


@dataclass(frozen=True)
class Scene:
    """What stays the same over a trace: neurons, links, places and colour scales.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([2, 1], seed=0)
    >>> scene = Scene.of(net, [nn.snapshot(net)])
    >>> scene.pos["o1"], scene.tallest
    ((1.0, 0.5), 3)
    """

    neuron_names: tuple
    kinds: tuple
    outputs: tuple
    link_ids: tuple
    frozen: tuple
    pos: dict
    spans: tuple
    max_weight: float
    max_delta: float
    out_range: tuple
    boundary: object = None
    forward: tuple = ()     # the computing neurons in the orders they push and pull
    backward: tuple = ()
    max_change: float = 1.0     # the largest |dw| of a link between two frames
    wave: bool = False          # whether steps ran in the wave order (see nodenet.training)
    samples: tuple = ()         # per frame: (which sample of its step it shows, the step's samples)

    @classmethod
    def from_tracer(cls, tracer, boundary=None):
        """The scene of a tracer's network, scaled to all of the tracer's frames."""
        scene = cls.of(tracer.network, tracer.frames, boundary)
        kinds = [event.kind for event in tracer.events]
        # in the wave order a neuron's uplinks update right after it pulls, before the next pull
        wave = any(kind == "update" and after == "pull" for kind, after in zip(kinds, kinds[1:]))
        return dataclasses.replace(scene, wave=wave, samples=_samples(tracer))

    @classmethod
    def of(cls, network, frames, boundary=None):
        """The scene of ``network``, scaled to ``frames``; ``boundary``: a Boundary to draw beside it."""
        depth = depths(network)
        weights = np.concatenate([f.links["weight"] for f in frames])
        deltas = np.concatenate([f.neurons["delta"] for f in frames])
        outs = np.concatenate([f.neurons["out"] for f in frames])
        return cls(
            tuple(n.name for n in network.neurons), tuple(n.kind for n in network.neurons),
            tuple(n.output for n in network.neurons), network.link_ids,
            tuple(link.frozen for link in network.links), positions(network),
            tuple(depth[dst] - depth[src] for src, dst in network.link_ids),
            _scale(weights), _scale(deltas), (float(min(outs.min(), 0.0)), float(max(outs.max(), 1.0))),
            boundary, tuple(n.name for n in network.forward_order if n.computing),
            tuple(n.name for n in network.backward_order if n.computing),
            _scale(np.array([change for f in frames for change in f.changes.values()])))

    def waiting(self, frame):
        """Which neurons an op frame's push or pull (or, in the wave order, update) has not reached yet in its step
        (their numbers are the last step's), as a boolean per neuron.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1, 1], bias=False, seed=0)
        >>> tracer = nn.Tracer(net, detail="op")
        >>> _ = net.train([[1.0]], [[0.0]], epochs=1, lr=0.1, tracer=tracer)
        >>> scene = Scene.from_tracer(tracer)
        >>> tracer.frames[0].focus, scene.waiting(tracer.frames[0]).tolist()     # i1, h1, o1
        ('h1', [False, False, True])
        """
        order = {"forward": self.forward, "backward": self.backward}.get(frame.phase, ())
        focus = frame.focus
        if self.wave and frame.phase == "update" and isinstance(focus, tuple):
            order, focus = self.backward, focus[0]      # the link's source has just pulled
        if not isinstance(focus, str) or focus not in order:
            return np.zeros(len(self.neuron_names), dtype=bool)
        later = set(order[order.index(focus) + 1:])
        return np.array([name in later for name in self.neuron_names])

    def sample(self, frame):
        """Which sample of its mini-batch step an op or phase frame shows, and the step's samples; (1, 1) online.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], seed=0)
        >>> tracer = nn.Tracer(net, detail="phase")
        >>> _ = net.train([[0.0], [1.0]], [[1.0], [0.0]], epochs=1, lr=0.1, batch_size=2, tracer=tracer)
        >>> scene = Scene.from_tracer(tracer)
        >>> [(frame.phase, scene.sample(frame)[0]) for frame in tracer.frames]   # of 2
        [('forward', 1), ('loss', 1), ('backward', 1), ('forward', 2), ('loss', 2), ('backward', 2), ('update', 2)]
        """
        if frame.detail in ("op", "phase") and frame.index < len(self.samples):
            return self.samples[frame.index]
        return 1, 1

    @property
    def tallest(self):
        """The most neurons in one column."""
        columns = {}
        for x, _ in self.pos.values():
            columns[x] = columns.get(x, 0) + 1
        return max(columns.values())


@dataclass(frozen=True)
class FrameText:
    """The words of a frame and where they go (data coordinates of the frame's Axes)."""

    title: str
    caption: list
    names: list       # (x, y, text) inside each neuron
    values: list      # (x, y, text) under each neuron: out or delta
    changes: list     # (x, y, text) on the links that changed most


def _samples(tracer):
    """(sample, samples of its step) of each of ``tracer``'s frames, counted by the loss events."""
    per_step = {}
    for event in tracer.events:
        if event.kind == "loss":
            per_step[event.step] = per_step.get(event.step, 0) + 1
    seen, samples = {}, []
    for frame in tracer.frames:
        for event in frame.events:
            if event.kind == "loss":
                seen[event.step] = seen.get(event.step, 0) + 1
        taken = seen.get(frame.step, 0)       # a forward frame shows the sample after the last loss taken
        count = max(1, per_step.get(frame.step, 1))
        samples.append((min(taken + 1 if frame.phase == "forward" else max(taken, 1), count), count))
    return tuple(samples)


def frame_text(scene, frame, paths):
    """The :class:`FrameText` of ``frame``; ``paths`` are the links' drawn points."""
    loss = "loss n/a" if frame.loss is None else f"{'mean ' if frame.detail == 'epoch' else ''}loss {frame.loss:.6g}"
    sample, samples = scene.sample(frame)
    if frame.loss is not None and samples > 1 and not (frame.phase == "forward" and sample == 1):
        # a mini-batch step: the loss is the last sample's taken so far
        loss = f"sample {sample - 1 if frame.phase == 'forward' else sample}'s " + loss
    elif frame.loss is not None and (frame.detail == "state" or frame.phase == "forward"):
        loss = "last step's " + loss            # this step's loss is not taken yet, or was before its update
    if frame.detail == "state":
        title = f"after {frame.step} step{'' if frame.step == 1 else 's'} · {loss}"
    else:
        where = f" · sample {sample} of {samples}" if samples > 1 else ""
        title = f"{frame.phase} · step {frame.step}{where} · epoch {frame.epoch} · {loss}"
    caption = fit_caption(frame.caption)
    places = [scene.pos[name] for name in scene.neuron_names]
    values = []
    if scene.tallest <= 5:
        forward = frame.phase in FORWARD_PHASES
        waiting = scene.waiting(frame)
        for (x, y), kind, out, delta, later in zip(places, scene.kinds, frame.neurons["out"],
                                                  frame.neurons["delta"], waiting):
            shown = f"out {out + 0.0:.3g}" if forward or kind != "computing" else f"δ {delta + 0.0:.3g}"   # no -0
            values.append((x, y - 0.1, shown.split()[0] + " not yet" if later else shown))
    largest = sorted(frame.changes, key=lambda link: -abs(frame.changes[link]))[:LABELLED_CHANGES]
    changes, taken = [], places + [place[:2] for place in values]
    for link in largest:
        x, y = _label_place(paths[scene.link_ids.index(link)], taken)
        changes.append((x, y, f"Δw {frame.changes[link]:+.3g}"))
        taken.append((x, y))
    return FrameText(title, caption, _names(scene), values, changes)


def _label_place(path, taken):
    """Where on ``path`` to write its change: past the middle, where links that cross there do not meet, and
    clear of the places ``taken`` (neurons and words)."""
    places = [_along(path, share) for share in LABEL_SHARES]

    def room(place):        # over 1 where the label's box is clear of everything taken
        return min((max(abs(place[0] - x) / 0.13, abs(place[1] - y) / 0.07) for x, y in taken), default=np.inf)

    clear = [place for place in places if room(place) > 1]
    return clear[0] if clear else max(places, key=room)


def _along(path, share):
    """The point ``share`` of the way along ``path`` (by its points: an arc's are spaced evenly in x)."""
    if len(path) == 2:
        return tuple(float(v) for v in path[0] + share * (path[1] - path[0]))
    return tuple(float(v) for v in path[round(share * (len(path) - 1))])


def fit_caption(caption, width=CAPTION_WIDTH, lines=CAPTION_LINES):
    """``caption``'s formulas (parted by "; ") in at most ``lines`` lines of ``width``, each formula kept.

    A formula that will not fit loses terms of its sums, not its result: the longest is
    cut first, down to ``lhs = ... = result`` if need be. Formulas that still take more
    lines share them.

    Examples
    --------
    >>> fit_caption("net = 1 * 2 + 3 * 4 + 5 * 6 + 7 * 8 = 100; out = linear(100) = 100", width=40, lines=2)
    ['net = 1 * 2 + ... (3 more terms) = 100', 'out = linear(100) = 100']
    """
    parts = caption.split("; ")
    wrapped = [textwrap.wrap(part, width) for part in parts]
    shortest = [False] * len(parts)
    while sum(map(len, wrapped)) > lines and not all(shortest):
        longest = max((k for k in range(len(parts)) if not shortest[k]), key=lambda k: len(wrapped[k]))
        shorter = _shortened(parts[longest], width, len(wrapped[longest]) - 1)
        if shorter is None:
            shortest[longest] = True
        else:
            parts[longest], wrapped[longest] = shorter, textwrap.wrap(shorter, width)
    if sum(map(len, wrapped)) <= lines:
        return [line for part in wrapped for line in part]
    if width < 8:
        return textwrap.wrap("; ".join(parts), width)[:lines]
    return textwrap.wrap("; ".join(parts), width, max_lines=lines, placeholder=" ...")


def _shortened(formula, width, lines):
    """``formula`` shortened to fit ``lines`` lines of ``width`` if it can be, else as short as it gets; None if
    it cannot be shortened.

    The last terms of its longest sum are counted instead of shown, then of the next; the
    result and a note after it in parentheses are kept whole.
    """
    note = ""
    if formula.endswith(")") and " (" in formula:
        head, _, tail = formula.rpartition(" (")
        if tail.count("(") + 1 == tail.count(")"):          # a note of its own, not the end of a term
            formula, note = head, " (" + tail
    sides = [side.split(" + ") for side in formula.split(" = ")]
    hidden = [0] * len(sides)
    for k, terms in enumerate(sides):
        more = re.fullmatch(r"\.\.\. \((\d+) more terms\)", terms[-1])
        if more and len(terms) > 1:
            hidden[k] = int(more.group(1))
            terms.pop()

    def text():
        return " = ".join(" + ".join(terms + ([f"... ({more} more terms)"] if more else []))
                          for terms, more in zip(sides, hidden)) + note

    given = text()
    while len(textwrap.wrap(text(), width)) > lines:
        sums = [k for k in range(1, len(sides) - 1) if len(sides[k]) > 1]       # not the left side, not the result
        if not sums:
            break
        longest = max(sums, key=lambda k: len(" + ".join(sides[k])))
        sides[longest].pop()
        hidden[longest] += 1
    shorter = text()
    if len(textwrap.wrap(shorter, width)) > lines and len(sides) > 2:
        shorter = f"{' + '.join(sides[0])} = ... = {' + '.join(sides[-1])}{note}"
    return shorter if len(shorter) < len(given) else None


@dataclass(frozen=True)
class LinkLooks:
    """How every link of a frame is drawn: RGBA colours and widths in points, of the links and their glows."""

    colors: np.ndarray
    widths: np.ndarray
    glow_colors: np.ndarray
    glow_widths: np.ndarray


def link_looks(scene, frame):
    """The :class:`LinkLooks` of ``frame``: colour by sign, width by |weight|, glow by |dw|; an update frame's link
    glows orange.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([1, 1], bias=False, seed=0)
    >>> frame = nn.snapshot(net)
    >>> looks = link_looks(Scene.of(net, [frame]), frame)
    >>> looks.widths.tolist(), looks.glow_widths.tolist()     # the widest link; nothing changed
    ([5.6], [0.0])
    """
    weights = frame.links["weight"]
    share = np.clip(np.abs(weights) / scene.max_weight, 0, 1)
    colors = np.where((weights >= 0)[:, None], POSITIVE, NEGATIVE)
    colors[:, 3] = 0.25 + 0.75 * share
    widths = 0.6 + 5.0 * share
    dw = np.array([abs(frame.changes.get(link, 0.0)) for link in scene.link_ids])
    moved = np.sqrt(np.clip(dw / scene.max_change, 0, 1))       # on the trace's scale; small changes still show
    glow = np.tile(to_rgba(GLOW), (len(dw), 1))
    glow[:, 3] = 0.2 + 0.6 * moved
    glow_widths = np.where(dw > 0, widths + 3 + 8 * moved, 0.0)
    if isinstance(frame.focus, tuple) and frame.focus in scene.link_ids:       # an update frame's link
        k = scene.link_ids.index(frame.focus)
        glow[k], glow_widths[k] = to_rgba(FOCUS), max(glow_widths[k], widths[k] + 6)
    return LinkLooks(colors, widths, glow, glow_widths)


def _names(scene):
    if scene.tallest > 12:
        return []
    return [(*scene.pos[name], name) for name in scene.neuron_names]


class FrameArtists:
    """The artists of one scene on one Axes; :meth:`draw` updates them for a frame.

    With ``text=False`` only the links and neurons are drawn; :class:`Canvas` writes the
    words itself, from the same :func:`frame_text`.
    """

    def __init__(self, ax, scene, text=True):
        self.ax, self.scene = ax, scene
        neuron_radius = radius(scene.tallest)
        self.paths = link_paths(scene.pos, scene.link_ids, scene.spans, clearance=neuron_radius + ARC_CLEARANCE)
        ax.set_xlim(-0.08, 1.08)
        ax.set_ylim(-0.17, max([1.1] + [path[:, 1].max() + 0.05 for path in self.paths]))
        ax.set_axis_off()
        self.styles = ["--" if frozen else "-" for frozen in scene.frozen]
        self.glow = LineCollection(self.paths, capstyle="round", zorder=1)
        self.links = LineCollection(self.paths, linestyles=self.styles, capstyle="round", zorder=2)
        ax.add_collection(self.glow)
        ax.add_collection(self.links)
        xy = np.array([scene.pos[name] for name in scene.neuron_names])
        points_per_y = ax.bbox.height / np.ptp(ax.get_ylim()) * 72 / ax.figure.dpi
        points_per_x = ax.bbox.width / np.ptp(ax.get_xlim()) * 72 / ax.figure.dpi
        columns = len({x for x, _ in scene.pos.values()})
        column_gap = points_per_x / (columns - 1) if columns > 1 else np.inf
        # a marker's area in points²: neighbours in a column, and in a row, never touch
        diameter = 2 * min(neuron_radius * points_per_y, RADIUS_OF_GAP * column_gap)
        self.ring = min(5.0, diameter / 5)      # a delta ring's most width over the 1-point edge
        self.size = max(diameter - self.ring - 1, diameter / 4) ** 2     # the edge's half lies outside, all round
        self.neurons = ax.scatter(xy[:, 0], xy[:, 1], s=self.size, zorder=3)
        self.focus = ax.scatter([0], [0], s=self.size * 2.2, facecolors="none", edgecolors=FOCUS,
                                linewidths=3, zorder=4)
        self.texts = _TextArtists(ax) if text else None

    def draw(self, frame):
        """Show ``frame``; return the artists."""
        artists = self.draw_links(frame) + self.draw_neurons(frame)
        if self.texts is not None:
            artists += self.texts.draw(frame_text(self.scene, frame, self.paths))
        return artists

    def draw_links(self, frame):
        """Show ``frame``'s links, those that changed over the others; return their artists (glows, then links)."""
        looks = link_looks(self.scene, frame)
        order = np.argsort(looks.glow_widths > 0, kind="stable")        # the changed links last
        self.glow.set_color(looks.glow_colors)
        self.glow.set_linewidth(looks.glow_widths)
        self.links.set_segments([self.paths[k] for k in order])
        self.links.set_linestyles([self.styles[k] for k in order])
        self.links.set_color(looks.colors[order])
        self.links.set_linewidth(looks.widths[order])
        return [self.glow, self.links]

    def draw_neurons(self, frame):
        """Show ``frame``'s neurons and its focus; return their artists."""
        outs, deltas = frame.neurons["out"], frame.neurons["delta"]
        faces = OUT_MAP(_unit(outs, *self.scene.out_range))
        faces[np.array(self.scene.kinds) == "bias"] = to_rgba("#d9d9d9")
        waiting = self.scene.waiting(frame)
        if frame.phase in FORWARD_PHASES:
            faces[waiting] = to_rgba(WAITING_FACE)      # in backward frames their outs are this step's
            edges, widths = np.tile(to_rgba("#404040"), (len(outs), 1)), np.ones(len(outs))
        else:
            # on a square-root scale, so that a hidden neuron's small delta still shows beside an output's
            share = np.sqrt(np.clip(np.abs(deltas) / self.scene.max_delta, 0, 1))
            edges = DELTA_MAP(0.5 + 0.5 * np.sign(deltas) * share)
            widths = 1.0 + self.ring * share
            widths[waiting] = 1.0
        edges[waiting] = to_rgba(WAITING_EDGE)
        self.neurons.set_facecolor(faces)
        self.neurons.set_edgecolor(edges)
        self.neurons.set_linewidth(widths)
        focus = frame.focus if isinstance(frame.focus, str) else None
        self.focus.set_visible(focus is not None)
        if focus is not None:
            self.focus.set_offsets([self.scene.pos[focus]])
        return [self.neurons, self.focus]


class _TextArtists:
    """matplotlib Text artists for a :class:`FrameText`, made once and reused."""

    def __init__(self, ax):
        self.ax = ax
        self.title = ax.set_title("", fontsize=11)
        self.caption = ax.text(0.5, -0.02, "", transform=ax.transAxes, ha="center", va="top",
                               fontsize=8, family="monospace")
        self.pools = {"names": [], "values": [], "changes": []}

    def draw(self, text):
        self.title.set_text(text.title)
        self.caption.set_text("\n".join(text.caption))
        drawn = [self.title, self.caption]
        for kind, items in (("names", text.names), ("values", text.values), ("changes", text.changes)):
            pool = self.pools[kind]
            while len(pool) < len(items):
                pool.append(self._new(kind))
            for artist, item in zip(pool, items + [None] * (len(pool) - len(items))):
                artist.set_visible(item is not None)
                if item is not None:
                    artist.set_position(item[:2])
                    artist.set_text(item[2])
            drawn += pool
        return drawn

    def _new(self, kind):
        if kind == "names":
            return self.ax.text(0, 0, "", ha="center", va="center", fontsize=9, zorder=5, weight="bold")
        if kind == "values":
            return self.ax.text(0, 0, "", ha="center", va="top", fontsize=7, zorder=5)
        return self.ax.text(0, 0, "", fontsize=8, ha="center", va="center", zorder=6,
                            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=GLOW, lw=1))


class BoundaryArtists:
    """The output over the plane of the two inputs, with the samples on it, on its own Axes."""

    def __init__(self, ax, boundary):
        self.boundary = boundary
        norm = Normalize(*boundary.value_range)
        self.image = ax.imshow(np.zeros((boundary.resolution,) * 2), origin="lower", extent=boundary.extent,
                               cmap=BOUNDARY_MAP, norm=norm, aspect="auto", interpolation="bilinear")
        few = len(boundary.targets) <= 20
        self.samples = ax.scatter(boundary.inputs[:, 0], boundary.inputs[:, 1], c=boundary.targets,
                                  cmap=BOUNDARY_MAP, norm=norm, s=70 if few else 14, edgecolors="#222222",
                                  linewidths=1.2 if few else 0.5)
        ax.set_xticks([])
        ax.set_yticks([])
        self.shapes = [self.image, self.samples]

    def draw(self, frame):
        """Show the output for ``frame``'s weights; return the artists."""
        self.image.set_data(self.boundary.values(frame.links["weight"]))
        return self.shapes


class Canvas:
    """Frames drawn to pixels at a fixed size, fast enough for long animations.

    matplotlib draws the neurons (artists made once, updated per frame) over links
    stroked by :class:`~nodenet.strokes.Strokes`, four times quicker than Agg strokes
    them; the words are written with Pillow in matplotlib's own DejaVu fonts, because
    matplotlib's Agg text costs about 10 ms a line, a hundred times the rest of a frame.
    """

    def __init__(self, scene, size=(640, 480), dpi=100):
        self.size = size
        self.figure = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
        FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_axes((0.02, 0.16, 0.96, 0.77) if scene.boundary is None
                                       else (0.01, 0.16, 0.6, 0.77))
        self.artists = FrameArtists(self.ax, scene, text=False)
        # Agg would take most of a frame to stroke the links: they are drawn by Strokes instead
        self.artists.glow.remove()
        self.artists.links.remove()
        paths = [self.ax.transData.transform(path) * (1, -1) + (0, size[1]) for path in self.artists.paths]
        self.strokes = Strokes(paths, scale=dpi / 72)
        self.board = None
        if scene.boundary is not None:
            side = 0.34 * size[0] / size[1]
            board_ax = self.figure.add_axes((0.635, 0.55 - side / 2, 0.34, side))
            self.board = (board_ax, BoundaryArtists(board_ax, scene.boundary))
            names = [n.name for n in scene.boundary.network.inputs + scene.boundary.network.outputs]
            left, top = board_ax.bbox.x0, size[1] - board_ax.bbox.y1
        self.scale = size[1] / 480
        self.fonts = {key: ImageFont.truetype(font_manager.findfont(FontProperties(family=family, weight=weight)),
                                              max(8, round(points * self.scale)))
                      for key, (family, weight, points) in FONTS.items()}
        # words that never change are drawn once, then stamped onto every frame
        self.stamps = [self._stamp(self._pixels(x, y), name, "name", "mm", outline=2)   # readable on any fill
                       for x, y, name in _names(scene)]
        self.stamps.append(self._stamp((4, size[1] - 4), LEGEND, "legend", "ld", fill="#555555"))
        if self.board is not None:
            words = "{2} over {0} → and {1} ↑".format(*names)
            self.stamps.append(self._stamp((left + board_ax.bbox.width / 2, top - 4), words, "value", "md"))
        # only the links and neurons change: draw the rest once, then blit it back per frame
        dynamic = [self.artists.neurons, self.artists.focus] + (self.board[1].shapes if self.board else [])
        for artist in dynamic:
            artist.set_visible(False)
        self.figure.canvas.draw()
        self.background = self.figure.canvas.copy_from_bbox(self.figure.bbox)
        for artist in dynamic:
            artist.set_visible(True)

    def rgb(self, frame):
        """Draw ``frame`` and return the picture as an (height, width, 3) uint8 array."""
        canvas = self.figure.canvas
        canvas.restore_region(self.background)
        looks = link_looks(self.artists.scene, frame)
        pixels = np.asarray(canvas.buffer_rgba())
        self.strokes.draw(pixels, looks.glow_widths, looks.glow_colors)
        changed = looks.glow_widths > 0         # drawn last, over the links that did not change
        self.strokes.draw(pixels, np.where(changed, 0.0, looks.widths), looks.colors, dashed=self.artists.scene.frozen)
        if changed.any():
            self.strokes.draw(pixels, np.where(changed, looks.widths, 0.0), looks.colors,
                              dashed=self.artists.scene.frozen)
        for artist in self.artists.draw_neurons(frame):
            if artist.get_visible():
                self.ax.draw_artist(artist)
        if self.board is not None:
            board_ax, board = self.board
            for artist in board.draw(frame):
                board_ax.draw_artist(artist)
        image = Image.frombuffer("RGBA", self.size, self.figure.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        image = image.convert("RGB")
        self._write(image, frame_text(self.artists.scene, frame, self.artists.paths))
        return np.asarray(image)

    def _write(self, image, text):
        for stamp, corner in self.stamps:
            image.paste(stamp, corner, stamp)
        draw = ImageDraw.Draw(image)
        width, height = self.size
        draw.text((width / 2, 6 * self.scale), text.title, font=self.fonts["title"], fill="black", anchor="mt")
        draw.multiline_text((width / 2, height * 0.85), "\n".join(text.caption), font=self.fonts["caption"],
                            fill="black", anchor="ma", align="center", spacing=2)
        for x, y, words in text.values:
            draw.text(self._pixels(x, y), words, font=self.fonts["value"], fill="black", anchor="ma")
        for x, y, words in text.changes:
            at = self._pixels(x, y)
            box = draw.textbbox(at, words, font=self.fonts["change"], anchor="mm")
            draw.rounded_rectangle([box[0] - 3, box[1] - 2, box[2] + 3, box[3] + 2], radius=3,
                                   fill="white", outline=GLOW)
            draw.text(at, words, font=self.fonts["change"], fill="black", anchor="mm")

    def _pixels(self, x, y):
        px, py = self.ax.transData.transform((x, y))
        return px, self.size[1] - py

    def _stamp(self, at, words, font, anchor, fill="black", outline=0):
        left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox(
            at, words, font=self.fonts[font], anchor=anchor, stroke_width=outline)
        left, top = int(left) - 1, int(top) - 1
        stamp = Image.new("RGBA", (int(right) - left + 2, int(bottom) - top + 2), (0, 0, 0, 0))
        ImageDraw.Draw(stamp).text((at[0] - left, at[1] - top), words, font=self.fonts[font], fill=fill,
                                   anchor=anchor, stroke_width=outline, stroke_fill="white")
        return stamp, (left, top)


def draw_frame(ax, frame, scene):
    """Draw one frame on ``ax`` (new artists each call); return the artists.

    Examples
    --------
    >>> import nodenet as nn
    >>> from matplotlib.figure import Figure
    >>> net = nn.layered([2, 1], seed=0)
    >>> frame = nn.snapshot(net)
    >>> artists = draw_frame(Figure().add_subplot(), frame, Scene.of(net, [frame]))
    >>> len(artists) > 5
    True
    """
    return FrameArtists(ax, scene).draw(frame)


def network_png(network, size=(480, 360)):
    """A PNG picture of the network's current state, as bytes."""
    frame = snapshot(network)
    buffer = io.BytesIO()
    Image.fromarray(Canvas(Scene.of(network, [frame]), size=size).rgb(frame)).save(buffer, format="PNG")
    return buffer.getvalue()


def _unit(values, low, high):
    """``values`` mapped from [low, high] to [0, 1], as ``Normalize(low, high)`` maps them, without masked arrays.

    Examples
    --------
    >>> _unit(np.array([0.0, 0.5, 2.0]), 0.0, 1.0).tolist()
    [0.0, 0.5, 2.0]
    """
    return (np.asarray(values, dtype=float) - low) / (high - low)


def _scale(values):
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0

"""Where to draw each neuron and link: columns by topological depth.

Inputs stand in column 0; a computing neuron one column right of its deepest source;
a bias neuron one column left of its nearest target, below the other neurons of that
column. Within a column neurons keep the order they were added, top to bottom. A link
that skips columns is drawn as an arc over the neurons it passes, so it hides neither
behind them nor behind the links between them.

Examples
--------
>>> import nodenet as nn
>>> pos = positions(nn.layered([2, 2, 1], seed=0))
>>> pos["i1"], pos["b2"], pos["o1"]
((0.0, 1.0), (0.5, 0.0), (1.0, 0.5))
"""

import numpy as np

__all__ = ["depths", "positions", "link_path", "link_paths", "radius"]

ARC_POINTS = 24
# a neuron's radius, in the units of y (the unit square's height), at most; and as a
# share of the gap between neighbours in the tallest column, so that neighbours never touch
RADIUS, RADIUS_OF_GAP = 0.072, 0.42
WIDTH_OF_Y = 0.55       # a length in y is about this much in x, as frames draw the unit square
ARC_STAGGER = 0.03      # how much more each arc into the same neuron bows than the one before


def depths(network):
    """The column of every neuron, by name.

    Examples
    --------
    >>> import nodenet as nn
    >>> depths(nn.layered([2, 3, 1], seed=0))["h2"]
    1
    """
    depth = {}
    for neuron in network.forward_order:
        sources = [link.src for link in neuron.downlinks if link.src.kind != "bias"]
        depth[neuron.name] = 1 + max((depth[s.name] for s in sources), default=0) if neuron.computing else 0
    for neuron in network.neurons:
        if neuron.kind == "bias" and neuron.uplinks:
            depth[neuron.name] = max(0, min(depth[link.dst.name] for link in neuron.uplinks) - 1)
    return depth


def positions(network):
    """(x, y) of every neuron in the unit square: x by column, y from the top.

    Examples
    --------
    >>> import nodenet as nn
    >>> positions(nn.layered([1, 1], bias=False, seed=0))
    {'i1': (0.0, 0.5), 'o1': (1.0, 0.5)}
    """
    depth = depths(network)
    columns = {}
    for neuron in sorted(network.neurons, key=lambda n: (n.kind == "bias", n.index)):
        columns.setdefault(depth[neuron.name], []).append(neuron.name)
    width = max(columns) or 1
    tallest = max(len(names) for names in columns.values())
    pos = {}
    for column, names in columns.items():
        for row, name in enumerate(names):
            y = 0.5 if tallest == 1 else 1 - (row + (tallest - len(names)) / 2) / (tallest - 1)
            pos[name] = (column / width, float(y))
    return {neuron.name: pos[neuron.name] for neuron in network.neurons}


def radius(tallest):
    """A neuron's radius in units of y, for a tallest column of ``tallest`` neurons.

    Examples
    --------
    >>> radius(3), round(radius(11), 3)
    (0.072, 0.042)
    """
    return RADIUS if tallest < 2 else min(RADIUS, RADIUS_OF_GAP / (tallest - 1))


def link_path(start, end, span, bow=None):
    """The points of a link's line: straight between neighbouring columns, an arc otherwise.

    ``span`` is the number of columns the link crosses. An arc bows upwards by ``bow`` at
    its middle, by default ``0.04 * span``.

    Examples
    --------
    >>> link_path((0, 0), (1, 0), span=1).tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    >>> link_path((0, 0), (1, 0), span=2).shape
    (24, 2)
    """
    start, end = np.asarray(start, float), np.asarray(end, float)
    if span <= 1:
        return np.array([start, end])
    bow = 0.04 * span if bow is None else bow
    middle = (start + end) / 2 + np.array([0.0, 2 * bow])      # a quadratic Bezier's control point
    t = np.linspace(0, 1, ARC_POINTS)[:, None]
    return (1 - t) ** 2 * start + 2 * (1 - t) * t * middle + t ** 2 * end


def link_paths(pos, link_ids, spans, clearance):
    """Every link's points (:func:`link_path`); each arc bows just enough to pass ``clearance`` above or below
    every neuron of the columns it crosses, and at least its default bow, raised by ``ARC_STAGGER`` for each
    arc into the same neuron with a shorter span, or of the same span from a lower source.

    Examples
    --------
    >>> pos = {"a": (0.0, 0.5), "b": (0.5, 0.5), "c": (1.0, 0.5)}
    >>> arc = link_paths(pos, [("a", "b"), ("a", "c")], [1, 2], clearance=0.1)[1]
    >>> round(float(arc[:, 1].max() - 0.5), 2)        # over b, not through it
    0.1
    """
    places = np.array(list(pos.values()))
    # arcs that end at the same neuron bow a little more each, so that none runs along another
    arcs = sorted((span, pos[src][1], k) for k, ((src, _), span) in enumerate(zip(link_ids, spans)) if span > 1)
    rank, seen = {}, {}
    for _, _, k in arcs:
        end = link_ids[k][1]
        rank[k], seen[end] = seen.get(end, 0), seen.get(end, 0) + 1
    paths = []
    for k, ((src, dst), span) in enumerate(zip(link_ids, spans)):
        (x0, y0), (x1, y1) = pos[src], pos[dst]
        passed = places[(places[:, 0] > min(x0, x1)) & (places[:, 0] < max(x0, x1))]
        least = 0.04 * span + ARC_STAGGER * rank.get(k, 0)
        paths.append(link_path((x0, y0), (x1, y1), span, _bow(x0, y0, x1, y1, span, passed, clearance, least)))
    return paths


def _bow(x0, y0, x1, y1, span, passed, clearance, least):
    """The least bow from ``least`` up that keeps the arc ``clearance`` from each neuron in ``passed``."""
    if span <= 1:
        return None
    if not len(passed):
        return least
    # each neuron is checked at its middle and its sides: where the arc climbs steeply, a side is nearer
    xs = np.concatenate([passed[:, 0] + side * clearance * WIDTH_OF_Y for side in (-1, 0, 1)])
    t = (xs - x0) / (x1 - x0)
    inside = (t > 0) & (t < 1)                      # a side can reach past an end where columns are close
    t, ys = t[inside], np.tile(passed[:, 1], 3)[inside]
    lift = 4 * t * (1 - t)                          # an arc's height over its chord, per unit of bow
    below = ys - (y0 + t * (y1 - y0))               # each neuron's height over the chord
    # the arc is `clearance` from a neuron while bow * lift stays out of below ± clearance
    lows, highs = (below - clearance) / lift, (below + clearance) / lift
    bow = least
    for low, high in sorted(zip(lows, highs)):
        if low < bow < high:
            bow = high
    return float(bow)

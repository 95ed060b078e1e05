"""Where to draw each neuron and link: columns by topological depth.

Inputs stand in column 0; a computing neuron one column right of its deepest source;
a bias neuron one column left of its nearest target, below the other neurons of that
column. Within a column neurons keep the order they were added, top to bottom. A link
that skips columns is drawn as an arc, so it does not hide behind the links it passes.

Examples
--------
>>> import nodenet as nn
>>> pos = positions(nn.layered([2, 2, 1], seed=0))
>>> pos["i1"], pos["b2"], pos["o1"]
((0.0, 1.0), (0.5, 0.0), (1.0, 0.5))
"""

import numpy as np

__all__ = ["depths", "positions", "link_path"]

ARC_POINTS = 24


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


def link_path(start, end, span):
    """The points of a link's line: straight between neighbouring columns, an arc otherwise.

    ``span`` is the number of columns the link crosses; arcs bow upwards, more for longer
    spans.

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
    middle = (start + end) / 2 + np.array([0.0, 0.08 * span])
    t = np.linspace(0, 1, ARC_POINTS)[:, None]
    return (1 - t) ** 2 * start + 2 * (1 - t) * t * middle + t ** 2 * end

"""Layered networks in one call, with deterministic names.

Names: inputs ``i1 .. in``; outputs ``o1 .. om``; with one hidden layer its neurons are
``h1 .. hk``, with several, hidden layer L has ``hL_1 .. hL_k``; each computing layer
gets one bias neuron, ``b1`` for the first computing layer, ``b2`` for the next, and so
on. Links are created layer by layer, for each neuron of a layer its downlinks from the
layer below in order, then the layer's bias links. With ``layered([2, 2, 2])`` this gives
the names and link order of the classic worked example (w1 = i1 -> h1, w2 = i2 -> h1, ...).

Examples
--------
>>> import nodenet as nn
>>> net = nn.layered([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> [n.name for n in net.neurons]
['i1', 'i2', 'b1', 'h1', 'h2', 'h3', 'b2', 'o1']
>>> [f"{l.src.name}->{l.dst.name}" for l in net.links[:3]]
['i1->h1', 'i2->h1', 'i1->h2']
"""

import numpy as np

from .checks import check_count, check_flag
from .errors import SettingError
from .network import Network

__all__ = ["layered", "layer_names", "MAX_NEURONS", "MAX_LINKS"]

MAX_NEURONS = 100_000
MAX_LINKS = 5_000_000


def layered(sizes, *, activation="sigmoid", output_activation=None, loss="half_sse", seed=0,
            bias=True, freeze_bias=False):
    """Build a fully connected layered network.

    Parameters
    ----------
    sizes : sequence of int
        Neurons per layer, inputs first, outputs last: ``[2, 4, 1]``.
    activation : str
        Activation of the hidden neurons.
    output_activation : str, optional
        Activation of the outputs; defaults to ``activation``.
    loss, seed
        As for :class:`Network`.
    bias : bool
        Give every computing layer a bias neuron.
    freeze_bias : bool
        Make the bias links frozen.

    Weights are drawn from ``net.rng`` uniformly in +-sqrt(6 / (fan_in + fan_out))
    (Glorot); bias weights start at 0.

    Examples
    --------
    >>> net = layered([2, 2, 2], seed=0)
    >>> len(net.links), [n.name for n in net.outputs]
    (12, ['o1', 'o2'])
    """
    sizes = _check_sizes(sizes)
    bias, freeze_bias = check_flag(bias, "bias"), check_flag(freeze_bias, "freeze_bias")
    net = Network(loss=loss, seed=seed)
    names = layer_names(sizes)
    for name in names[0]:
        net.add_input(name)
    for depth, layer in enumerate(names[1:], start=1):
        is_output = depth == len(names) - 1
        bias_name = f"b{depth}" if bias else None
        if bias:
            net.add_bias(bias_name)
        act = (output_activation or activation) if is_output else activation
        for name in layer:
            net.add_neuron(name, activation=act, output=is_output)
        _connect_layer(net, names[depth - 1], layer, bias_name, freeze_bias)
    return net


def layer_names(sizes):
    """Return the neuron names of each layer of ``layered(sizes)``.

    Examples
    --------
    >>> layer_names([2, 2, 3, 1])
    [['i1', 'i2'], ['h1_1', 'h1_2'], ['h2_1', 'h2_2', 'h2_3'], ['o1']]
    """
    hidden = sizes[1:-1]
    names = [[f"i{j}" for j in range(1, sizes[0] + 1)]]
    for layer, size in enumerate(hidden, start=1):
        prefix = "h" if len(hidden) == 1 else f"h{layer}_"
        names.append([f"{prefix}{j}" for j in range(1, size + 1)])
    names.append([f"o{j}" for j in range(1, sizes[-1] + 1)])
    return names


def _connect_layer(net, below, layer, bias_name, freeze_bias):
    limit = np.sqrt(6.0 / (len(below) + len(layer)))
    for dst in layer:
        for src in below:
            net.connect(src, dst, weight=net.rng.uniform(-limit, limit))
    if bias_name:
        for dst in layer:
            net.connect(bias_name, dst, weight=0.0, frozen=freeze_bias)


def _check_sizes(sizes):
    try:
        sizes = list(sizes)
    except TypeError:
        raise SettingError(f"sizes must be a list of layer sizes like [2, 4, 1], got {sizes!r}") from None
    if len(sizes) < 2:
        raise SettingError(f"sizes needs at least an input and an output layer, like [2, 1], got {sizes!r}")
    for size in sizes:
        check_count(size, "every layer size")
    links = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    if sum(sizes) > MAX_NEURONS or links > MAX_LINKS:
        raise SettingError(f"layered({sizes}) would have {sum(sizes)} neurons and {links} links; nodenet "
                           f"draws every neuron and keeps every link's history, so it builds at most "
                           f"{MAX_NEURONS} neurons and {MAX_LINKS} links in one call")
    return sizes

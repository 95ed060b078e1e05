"""Small 2-D datasets for a network with one sigmoid output, as in the TensorFlow playground.

``truth_table(gate)`` gives the four rows of a logic gate. ``circle``, ``xor``, ``gauss``
and ``spiral`` give ``n`` points ``X`` of shape (n, 2), with coordinates within about
[-1, 1], and their labels ``Y`` of shape (n, 1), 0.0 or 1.0: ``n // 2`` points of class 1
and the rest of class 0, in shuffled order. Everything follows from ``seed``; ``noise`` is
the standard deviation of gaussian noise added to each coordinate. The noise is drawn
last, so one seed gives the same points, in the same order, at every noise level.

Examples
--------
>>> import nodenet.datasets as ds
>>> ds.names()
['circle', 'xor', 'gauss', 'spiral']
>>> X, Y = ds.make("spiral", n=100, noise=0.05, seed=1)
>>> X.shape, Y.shape, int(Y.sum())
((100, 2), (100, 1), 50)
"""

import numbers

import numpy as np

from .checks import as_number
from .errors import SettingError
from .registry import Registry

__all__ = ["truth_table", "circle", "xor", "gauss", "spiral", "make", "names"]

INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])

INNER_RADIUS = 0.5          # circle: class 1 lies within this radius
RING = (0.7, 1.0)           # circle: class 0 lies in this ring
MARGIN = 0.05               # xor: no point closer than this to an axis
CENTRE = 0.5                # gauss: the blobs sit at (+CENTRE, +CENTRE) and (-CENTRE, -CENTRE)
SPREAD = 0.15               # gauss: standard deviation of a blob before noise
TURNS = 1.75                # spiral: how many times each arm winds round the origin

_gates = Registry("gate")
_datasets = Registry("dataset")


def truth_table(gate):
    """Return the inputs ``X`` (4, 2) and targets ``Y`` (4, 1) of a two-input logic gate.

    Parameters
    ----------
    gate : str
        One of "and", "or", "xor", "nand", "nor", "xnor".

    Examples
    --------
    >>> X, Y = truth_table("xor")
    >>> X
    array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    >>> Y.ravel()
    array([0., 1., 1., 0.])
    >>> truth_table("nxor")
    Traceback (most recent call last):
    ...
    nodenet.errors.UnknownNameError: unknown gate 'nxor' (did you mean 'xor'?); known gates: and, or, ...
    """
    rule = _gates.get(gate)
    a, b = INPUTS.T.astype(bool)
    return INPUTS.copy(), rule(a, b).astype(float).reshape(-1, 1)


def circle(n=200, *, noise=0.0, seed=0):
    """Return ``n`` points: class 1 in a disc round the origin, class 0 in a ring round it.

    Without noise class 1 lies within radius 0.5 and class 0 between radii 0.7 and 1.

    Examples
    --------
    >>> X, Y = circle(n=6, seed=1)
    >>> X.shape, Y.shape, int(Y.sum())
    ((6, 2), (6, 1), 3)
    """
    return _dataset(_circle_points, n, noise, seed)


def xor(n=200, *, noise=0.0, seed=0):
    """Return ``n`` points of the square: class 1 where ``x * y > 0``, class 0 where it is < 0.

    Without noise no point lies closer than 0.05 to an axis, so no label is a toss-up.

    Examples
    --------
    >>> X, Y = xor(n=5, seed=2)
    >>> bool(np.all((X[:, 0] * X[:, 1] > 0) == Y[:, 0]))
    True
    """
    return _dataset(_xor_points, n, noise, seed)


def gauss(n=200, *, noise=0.0, seed=0):
    """Return ``n`` points in two gaussian blobs: class 1 round (0.5, 0.5), class 0 round (-0.5, -0.5).

    Each blob has a standard deviation of 0.15 before noise, cut off 0.5 from its centre.

    Examples
    --------
    >>> X, Y = gauss(n=100, seed=0)
    >>> X[Y[:, 0] == 1].mean(axis=0).round(1)
    array([0.5, 0.5])
    """
    return _dataset(_gauss_points, n, noise, seed)


def spiral(n=200, *, noise=0.0, seed=0):
    """Return ``n`` points on two interleaved spirals; class 0 is class 1 turned half a turn.

    Each arm winds 1.75 times round the origin, from radius 0 out to radius 1, with its
    points evenly spaced along it.

    Examples
    --------
    >>> X, Y = spiral(n=4)
    >>> np.hypot(X[:, 0], X[:, 1]).round(2), Y.ravel()
    (array([0.25, 0.25, 0.75, 0.75]), array([1., 0., 0., 1.]))
    """
    return _dataset(_spiral_points, n, noise, seed)


def make(name, n=200, *, noise=0.0, seed=0):
    """Return the dataset called ``name`` (one of :func:`names`) as ``(X, Y)``.

    Examples
    --------
    >>> X, Y = make("circle", n=10, noise=0.1, seed=3)
    >>> X.shape, Y.shape
    ((10, 2), (10, 1))
    >>> make("spirals")
    Traceback (most recent call last):
    ...
    nodenet.errors.UnknownNameError: unknown dataset 'spirals' (did you mean 'spiral'?); known datasets: circle, xor, gauss, spiral
    """
    return _datasets.get(name)(n, noise=noise, seed=seed)


def names():
    """Return the names of the datasets that :func:`make` knows.

    Examples
    --------
    >>> names()
    ['circle', 'xor', 'gauss', 'spiral']
    """
    return _datasets.names()


def _dataset(points, n, noise, seed):
    n, noise, seed = _check_n(n), _check_noise(noise), _check_seed(seed)
    rng = np.random.default_rng(seed)
    counts = {0.0: n - n // 2, 1.0: n // 2}
    X = np.concatenate([points(rng, label, count) for label, count in counts.items()])
    Y = np.repeat(list(counts), list(counts.values())).reshape(-1, 1)
    order = rng.permutation(n)
    # the noise comes last, so that it is the only thing a change of noise changes
    return X[order] + rng.normal(0.0, noise, size=(n, 2)), Y[order]


def _circle_points(rng, label, count):
    # radius uniform, not area uniform: points crowd the centre, as in the playground
    radius = rng.uniform(0.0, INNER_RADIUS, count) if label else rng.uniform(*RING, count)
    angle = rng.uniform(0.0, 2 * np.pi, count)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def _xor_points(rng, label, count):
    size = rng.uniform(MARGIN, 1.0, (count, 2))
    sign = rng.choice([-1.0, 1.0], count)
    return size * np.column_stack([sign, sign if label else -sign])


def _gauss_points(rng, label, count):
    # the cut-off keeps every noise-free point inside the square and in its own quadrant
    offset = np.clip(rng.normal(0.0, SPREAD, (count, 2)), -CENTRE, CENTRE)
    return (CENTRE if label else -CENTRE) + offset


def _spiral_points(rng, label, count):
    # half a step out from the origin, so that the two arms never share a point
    radius = (np.arange(count) + 0.5) / count
    angle = 2 * np.pi * TURNS * radius + (0.0 if label else np.pi)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def _check_n(n):
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 2:
        raise SettingError(f"n must be a whole number >= 2 (at least one point of each class), got {n!r}")
    return int(n)


def _check_noise(noise):
    value = as_number(noise)
    if value is None or not 0 <= value < np.inf:
        raise SettingError(f"noise must be a finite number >= 0 (a standard deviation such as 0.1), "
                           f"got {noise!r}")
    return value


def _check_seed(seed):
    # unlike checks.check_seed, no None: a dataset must be the same on every run
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise SettingError(f"seed must be a whole number >= 0, got {seed!r}")
    return int(seed)


_gates.register("and", np.logical_and)
_gates.register("or", np.logical_or)
_gates.register("xor", np.logical_xor)
_gates.register("nand", lambda a, b: ~(a & b))
_gates.register("nor", lambda a, b: ~(a | b))
_gates.register("xnor", lambda a, b: a == b)

_datasets.register("circle", circle)
_datasets.register("xor", xor)
_datasets.register("gauss", gauss)
_datasets.register("spiral", spiral)

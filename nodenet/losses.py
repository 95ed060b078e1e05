"""Loss functions by name: per-output terms and dE/d(out).

A loss compares a sample's outputs ``o`` with its targets ``t``. ``terms(o, t)`` gives one
term per output (they add up to the sample's loss) and ``error(o, t)`` gives dE/d(out)
for every output: the error each output neuron starts its pull with. Both take arrays
whose last axis runs over the outputs, so a batch is a 2-D array.

Examples
--------
>>> import nodenet as nn
>>> half_sse = nn.loss("half_sse")
>>> round(half_sse.value([0.75136507, 0.772928465], [0.01, 0.99]), 9)
0.298371109
>>> nn.loss_names()
['half_sse', 'mse', 'bce', 'softmax_ce']
"""

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .registry import Registry

__all__ = ["Loss", "loss", "loss_names"]

# bce is undefined at o = 0 or 1, which a sigmoid reaches in float64 when |net| > ~37;
# clipping to the nearest floats inside (0, 1) changes nothing short of that
BCE_LOW = np.finfo(float).tiny
BCE_HIGH = 1.0 - np.finfo(float).epsneg

_registry = Registry("loss", plural="losses")


@dataclass(frozen=True)
class Loss:
    """A named loss: ``terms(o, t)`` per output and ``error(o, t)`` = dE/d(out)."""

    name: str
    terms: Callable
    error: Callable

    def value(self, outputs, targets):
        """The loss of one sample (a float), or of each sample of a 2-D batch (an array).

        Examples
        --------
        >>> loss("mse").value([1.0, 2.0], [0.0, 0.0])
        2.5
        """
        total = np.sum(self.terms(np.asarray(outputs, float), np.asarray(targets, float)), axis=-1)
        return float(total) if np.ndim(total) == 0 else total

    def __repr__(self):
        return f"Loss({self.name!r})"


def loss(name):
    """Return the loss registered as ``name``.

    Examples
    --------
    >>> loss("bce")
    Loss('bce')
    """
    return _registry.get(name)


def loss_names():
    """Return the names of all registered losses.

    Examples
    --------
    >>> "softmax_ce" in loss_names()
    True
    """
    return _registry.names()


def _elementwise(function):
    """The ``math`` function applied to each element of an array.

    numpy's own exp and log run SIMD loops that may differ from the C library in the last
    bit, by processor; ``math`` calls the C library, as the compiled kernels do, so both
    schedules give the same bits on every machine.
    """
    each = np.frompyfunc(function, 1, 1)
    return lambda values: np.asarray(each(values), dtype=float)


_exp, _log, _log1p = _elementwise(math.exp), _elementwise(math.log), _elementwise(math.log1p)


def _log_softmax(o):
    shifted = o - np.max(o, axis=-1, keepdims=True)
    return shifted - _log(np.sum(_exp(shifted), axis=-1, keepdims=True))


def _clip(o):
    return np.clip(o, BCE_LOW, BCE_HIGH)


def _register_builtins():
    _registry.register("half_sse", Loss(
        "half_sse",
        lambda o, t: 0.5 * (t - o) ** 2,
        lambda o, t: o - t))
    _registry.register("mse", Loss(
        "mse",
        lambda o, t: (t - o) ** 2 / o.shape[-1],
        lambda o, t: 2.0 * (o - t) / o.shape[-1]))
    _registry.register("bce", Loss(
        "bce",
        lambda o, t: -(t * _log(_clip(o)) + (1.0 - t) * _log1p(-_clip(o))),
        lambda o, t: (_clip(o) - t) / (_clip(o) * (1.0 - _clip(o)))))
    # softmax is applied inside the loss: the outputs are logits (linear output neurons)
    _registry.register("softmax_ce", Loss(
        "softmax_ce",
        lambda o, t: -t * _log_softmax(o),
        lambda o, t: _exp(_log_softmax(o)) * np.sum(t, axis=-1, keepdims=True) - t))


_register_builtins()

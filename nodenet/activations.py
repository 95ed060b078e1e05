"""Activation functions by name, each with its derivative.

An activation is a function ``f(net) -> out`` and its derivative ``f'(net)``, given both
``net`` and ``out`` so that the derivatives of sigmoid and tanh read as in the textbook
(``out * (1 - out)``, ``1 - out**2``). Both take floats or numpy arrays.

Examples
--------
>>> import nodenet as nn
>>> sigmoid = nn.activation("sigmoid")
>>> round(float(sigmoid.f(0.3775)), 9)
0.593269992
>>> nn.activation_names()[:6]
['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear', 'softplus']
"""

import decimal
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import SettingError
from .registry import Registry

__all__ = ["Activation", "activation", "activation_names", "exp_nonpositive", "register_activation"]

LEAKY_SLOPE = 0.01

_registry = Registry("activation")


@dataclass(frozen=True)
class Activation:
    """A named activation: ``f(net)`` and ``derivative(net, out)``.

    Examples
    --------
    >>> square = Activation("square", lambda net: net * net, lambda net, out: 2 * net)
    >>> square.f(3.0), square.derivative(3.0, 9.0)
    (9.0, 6.0)
    """

    name: str
    f: Callable
    derivative: Callable

    def __repr__(self):
        return f"Activation({self.name!r})"


def activation(name):
    """Return the activation registered as ``name``.

    Examples
    --------
    >>> activation("tanh")
    Activation('tanh')
    """
    return _registry.get(name)


def activation_names():
    """Return the names of all registered activations, built-in ones first.

    Examples
    --------
    >>> "relu" in activation_names()
    True
    """
    return _registry.names()


def register_activation(name, f, derivative):
    """Register a custom activation under ``name``.

    Parameters
    ----------
    name : str
        The name neurons refer to (``add_neuron(..., activation=name)``); saved networks
        store this name, so register it again before loading such a network.
    f : callable
        ``f(net) -> out``, for floats and numpy arrays.
    derivative : callable
        ``derivative(net, out) -> f'(net)``, for floats and numpy arrays.

    The built-in names cannot be replaced; registering a custom name again replaces it.

    Examples
    --------
    >>> register_activation("cube", lambda net: net ** 3, lambda net, out: 3 * net ** 2)
    >>> activation("cube").derivative(2.0, 8.0)
    12.0
    """
    if name in BUILT_IN:
        raise SettingError(f"{name!r} is a built-in activation and cannot be replaced; "
                           "register yours under another name")
    for what, function in (("f", f), ("derivative", derivative)):
        if not callable(function):
            raise SettingError(f"the {what} of activation {name!r} must be a function, got {function!r}")
    _registry.register(name, Activation(name, f, derivative))


# Each built-in is written twice: for one float with the math module (the sigmoid with
# exp_nonpositive), as the engine and the compiled kernels (nodenet.kernels) run it, and
# for numpy arrays, as predict() runs it.

def _powers_of_two_32nds():
    """2^(j/32) for j = 0..31 as pairs of floats (hi, lo): hi the nearest to it, lo the nearest to the rest.

    Worked out in decimal arithmetic, so they are the same on every machine.
    """
    context = decimal.Context(prec=50)
    exact = [context.power(decimal.Decimal(2), decimal.Decimal(j) / 32) for j in range(32)]
    return tuple((float(value), float(context.subtract(value, decimal.Decimal(float(value))))) for value in exact)


_EXP_TABLE = _powers_of_two_32nds()
_EXP_LOWEST = -745.2                            # e^x rounds to 0 below about -745.13
_EXP_32_BY_LN2 = 46.16624130844683              # 32 / ln 2
_EXP_LN2_BY_32_HI = 0.02166084938653512         # ln 2 / 32 to 32 bits (0x1.62e42feep-6): n * it is exact
_EXP_LN2_BY_32_LO = 5.9631716539705866e-12      # the rest of ln 2 / 32
_EXP_ROUND = 6755399441055744.0                 # 1.5 * 2^52: adding it rounds to a whole number
_EXP_TWO_TO_MINUS_64 = 5.421010862427522e-20    # 2^-64: times 2^(k + 64), normal and exact, then this


def _exp_table(j):
    """2^(j/32) as (hi, lo), for j = 0..31 (compiled, look-ups in two arrays: nodenet.kernels)."""
    return _EXP_TABLE[j]


def _power_of_two(m):
    """2^m, exactly, for a whole m from -1022 to 1023 (compiled, made from its bits: nodenet.kernels)."""
    return math.ldexp(1.0, m)


def exp_nonpositive(x):
    """e^x for x <= 0, in adds, multiplies and a table look-up: the same bits on every machine.

    x = (32k + j) ln 2 / 32 + r with |r| <= ln 2 / 64, and e^x = 2^k 2^(j/32) e^r, with
    e^r from its Taylor series to r^6 and 2^(j/32) held in two floats. 2^k is applied as
    2^(k + 64), exactly, then 2^-64, which rounds once, also below the smallest normal
    float. Within 0.6 ulp of the exact value (1 ulp for results below the smallest normal
    float); 0 below about -745.13, NaN for NaN. Written with plain float operations only,
    so that compiled (nodenet.kernels, nodenet.lanes) it gives the same bits as in Python.

    Examples
    --------
    >>> exp_nonpositive(0.0), exp_nonpositive(-1.0), exp_nonpositive(-800.0)
    (1.0, 0.36787944117144233, 0.0)
    """
    z = x if x >= _EXP_LOWEST else _EXP_LOWEST
    whole = (z * _EXP_32_BY_LN2 + _EXP_ROUND) - _EXP_ROUND
    n = int(whole)
    r = (z - whole * _EXP_LN2_BY_32_HI) - whole * _EXP_LN2_BY_32_LO
    t, t_rest = _exp_table(n & 31)
    series = r + r * r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720)))))
    e = ((t + (t_rest + t * series)) * _power_of_two((n >> 5) + 64)) * _EXP_TWO_TO_MINUS_64
    return e if x == x else x


def _sigmoid(net):
    # exp of -|net| never overflows; either way this is the textbook 1 / (1 + e^-net)
    e = exp_nonpositive(-abs(net))
    return (1.0 if net >= 0 else e) / (1.0 + e)


def _sigmoid_slope(net, out):
    return out * (1.0 - out)


def _tanh(net):
    return math.tanh(net)


def _tanh_slope(net, out):
    return 1.0 - out * out


def _relu(net):
    return net if net > 0 else 0.0


def _step(net, out):
    return 1.0 if net > 0 else 0.0


def _leaky_relu(net):
    return net if net > 0 else LEAKY_SLOPE * net


def _leaky_step(net, out):
    return 1.0 if net > 0 else LEAKY_SLOPE


def _linear(net):
    return net


def _one(net, out):
    return 1.0


def _softplus(net):
    return math.log1p(math.exp(-abs(net))) + (net if net > 0 else 0.0)


def _softplus_slope(net, out):
    # f'(net) = sigmoid(net) = 1 - e^-out, since out = log(1 + e^net)
    return -math.expm1(-out)


def _sigmoids(net):
    e = np.exp(-np.abs(net))
    return np.where(net >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softpluses(net):
    return np.log1p(np.exp(-np.abs(net))) + np.maximum(net, 0.0)


# name: (f, derivative) for one float, then for arrays
SCALAR = {
    "sigmoid": (_sigmoid, _sigmoid_slope),
    "tanh": (_tanh, _tanh_slope),
    "relu": (_relu, _step),
    "leaky_relu": (_leaky_relu, _leaky_step),
    "linear": (_linear, _one),
    "softplus": (_softplus, _softplus_slope),
}
ARRAY = {
    "sigmoid": (_sigmoids, _sigmoid_slope),
    "tanh": (np.tanh, _tanh_slope),
    "relu": (lambda net: np.maximum(net, 0.0), lambda net, out: np.where(net > 0, 1.0, 0.0)),
    "leaky_relu": (lambda net: np.where(net > 0, net, LEAKY_SLOPE * net),
                   lambda net, out: np.where(net > 0, 1.0, LEAKY_SLOPE)),
    "linear": (_linear, lambda net, out: np.ones_like(net)),
    "softplus": (_softpluses, lambda net, out: -np.expm1(-out)),
}
BUILT_IN = tuple(SCALAR)


def _either(scalar, array):
    """One function for floats (``scalar``) and arrays (``array``)."""
    def function(*args):
        return scalar(*args) if isinstance(args[0], float) else array(*args)
    function.__name__ = scalar.__name__
    return function


for _name in BUILT_IN:
    _registry.register(_name, Activation(_name, _either(SCALAR[_name][0], ARRAY[_name][0]),
                                         _either(SCALAR[_name][1], ARRAY[_name][1])))

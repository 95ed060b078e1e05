"""Checks of what a user passes in: data vectors and matrices, training settings."""

import numbers

import numpy as np

from .errors import DataError, SettingError, ShapeError, TopologyError

__all__ = ["as_vector", "as_matrix", "as_weight", "check_name", "check_rates", "check_count"]


def as_vector(values, names, what):
    """Return ``values`` as a finite float vector with one entry per name in ``names``.

    ``what`` ("input" or "target") names the values in messages.

    Examples
    --------
    >>> as_vector([1, 2], ["i1", "i2"], "input")
    array([1., 2.])
    >>> as_vector([1, 2, 3], ["i1", "i2"], "input")
    Traceback (most recent call last):
    ...
    nodenet.errors.ShapeError: expected 2 input values (i1, i2), got 3 values
    """
    vector = _as_floats(values, what)
    if vector.ndim == 0 and len(names) == 1:
        vector = vector.reshape(1)
    if vector.ndim != 1 or vector.size != len(names):
        given = f"{vector.size} values" if vector.ndim == 1 else f"an array of shape {vector.shape}"
        raise ShapeError(f"expected {len(names)} {what} values ({', '.join(names)}), got {given}")
    _check_finite(vector, names, what, row=None)
    return vector


def as_matrix(values, names, what):
    """Return ``values`` as a finite 2-D float array, one row per sample, one column per name.

    Examples
    --------
    >>> as_matrix([[0, 1], [1, 0]], ["i1", "i2"], "input").shape
    (2, 2)
    >>> as_matrix([[0, float("nan")]], ["i1", "i2"], "input")
    Traceback (most recent call last):
    ...
    nodenet.errors.DataError: input i2 of sample 0 is nan: inputs must be finite numbers
    """
    matrix = _as_floats(values, what)
    if matrix.ndim == 1 and len(names) == 1:
        matrix = matrix.reshape(-1, 1)
    if matrix.ndim != 2 or matrix.shape[1] != len(names) or matrix.shape[0] == 0:
        raise ShapeError(f"expected {what}s as an array of shape (samples, {len(names)}) with "
                         f"columns {', '.join(names)}, got shape {matrix.shape}")
    _check_finite(matrix, names, what, row=True)
    return matrix


def as_weight(weight, where):
    """Return ``weight`` as a float, or raise DataError naming the link ``where``.

    Examples
    --------
    >>> as_weight(1, "x -> y")
    1.0
    >>> as_weight("heavy", "x -> y")
    Traceback (most recent call last):
    ...
    nodenet.errors.DataError: the weight of x -> y must be a finite number, got 'heavy'
    """
    if _is_real(weight) and np.isfinite(weight):
        return float(weight)
    raise DataError(f"the weight of {where} must be a finite number, got {weight!r}")


def check_name(name):
    """Raise TopologyError unless ``name`` can name a neuron: a non-empty string without '->'.

    Examples
    --------
    >>> check_name("h1->o1")
    Traceback (most recent call last):
    ...
    nodenet.errors.TopologyError: a neuron name must be a non-empty string without '->', got 'h1->o1'
    """
    if not isinstance(name, str) or not name.strip() or "->" in name:
        raise TopologyError(f"a neuron name must be a non-empty string without '->', got {name!r}")


def check_rates(lr, momentum):
    """Raise SettingError unless ``lr > 0`` and ``0 <= momentum < 1``.

    Examples
    --------
    >>> check_rates(0.0, 0.9)
    Traceback (most recent call last):
    ...
    nodenet.errors.SettingError: lr must be a number > 0, got 0.0
    """
    if not _is_real(lr) or not lr > 0 or not np.isfinite(lr):
        raise SettingError(f"lr must be a number > 0, got {lr!r}")
    if not _is_real(momentum) or not 0 <= momentum < 1:
        raise SettingError(f"momentum must be a number in [0, 1), got {momentum!r}")


def check_count(value, what):
    """Raise SettingError unless ``value`` is a whole number >= 1.

    Examples
    --------
    >>> check_count(0, "epochs")
    Traceback (most recent call last):
    ...
    nodenet.errors.SettingError: epochs must be a whole number >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise SettingError(f"{what} must be a whole number >= 1, got {value!r}")


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _as_floats(values, what):
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"{what}s must be numbers, got {values!r}") from err


def _check_finite(array, names, what, row):
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        where = tuple(bad[0])
        place = f"{what} {names[where[-1]]}" + (f" of sample {where[0]}" if row else "")
        raise DataError(f"{place} is {array[where]}: {what}s must be finite numbers")

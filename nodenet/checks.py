"""Checks of what a user passes in: data vectors and matrices, training settings."""

import numbers
import os
from pathlib import Path

import numpy as np

from .errors import DataError, FileAccessError, SettingError, ShapeError, TopologyError

__all__ = ["as_vector", "as_matrix", "as_number", "as_path", "as_weight", "check_name", "check_rates", "check_count",
           "check_flag", "check_seed", "check_choice"]

# the most steps' history that train() reserves for the whole run before it starts; the
# fast path reserves more a span of epochs at a time (see training), and recording grows it
MAX_RESERVE = 1 << 20


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


def as_number(value):
    """Return ``value`` as a float if it is a real number (not a bool) that fits one, else None.

    Examples
    --------
    >>> as_number(3), as_number(True), as_number("1"), as_number(10 ** 400)
    (3.0, None, None, None)
    """
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        value = value.item()
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        return None
    try:
        return float(value)
    except (OverflowError, TypeError, ValueError):
        return None


def as_weight(weight, where):
    """Return ``weight`` as a finite float, or raise DataError naming the link ``where``.

    Examples
    --------
    >>> as_weight(1, "x -> y")
    1.0
    >>> as_weight("heavy", "x -> y")
    Traceback (most recent call last):
    ...
    nodenet.errors.DataError: the weight of x -> y must be a finite number, got 'heavy'
    """
    value = as_number(weight)
    if value is None or not np.isfinite(value):
        raise DataError(f"the weight of {where} must be a finite number, got {weight!r}")
    return value


def check_name(name):
    """Raise TopologyError unless ``name`` can name a neuron: non-empty text without '->' that files can hold.

    Examples
    --------
    >>> check_name("h1->o1")
    Traceback (most recent call last):
    ...
    nodenet.errors.TopologyError: a neuron name must be a non-empty string without '->', got 'h1->o1'
    """
    if not isinstance(name, str) or not name.strip() or "->" in name:
        raise TopologyError(f"a neuron name must be a non-empty string without '->', got {name!r}")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise TopologyError(f"a neuron name must be text that UTF-8 can write, got {name!r}") from None


def check_rates(lr, momentum):
    """Raise SettingError unless ``lr > 0`` and ``0 <= momentum < 1``.

    Examples
    --------
    >>> check_rates(0.0, 0.9)
    Traceback (most recent call last):
    ...
    nodenet.errors.SettingError: lr must be a number > 0, got 0.0
    """
    value = as_number(lr)
    if value is None or not 0 < value < np.inf:
        raise SettingError(f"lr must be a number > 0, got {lr!r}")
    value = as_number(momentum)
    if value is None or not 0 <= value < 1:
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
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise SettingError(f"{what} must be a whole number >= 1, got {value!r}")


def as_path(path, what="path"):
    """Return ``path`` as a Path, or raise FileAccessError if it is not a non-empty path.

    Examples
    --------
    >>> as_path("runs/net.json").name
    'net.json'
    >>> as_path("")
    Traceback (most recent call last):
    ...
    nodenet.errors.FileAccessError: path must be a file path, got ''
    """
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise FileAccessError(f"{what} must be a file path, got {path!r}")
    return Path(path)


def check_fps(fps):
    """Return ``fps`` as a float, or raise SettingError unless it is from 0.1 to 120 frames per second.

    Examples
    --------
    >>> check_fps(4)
    4.0
    """
    value = as_number(fps)
    if value is None or not 0.1 <= value <= 120:
        raise SettingError(f"fps must be a number of frames per second from 0.1 to 120, got {fps!r}")
    return value


def check_flag(value, what):
    """Return ``value`` if it is True or False, else raise SettingError.

    Examples
    --------
    >>> check_flag("False", "frozen")
    Traceback (most recent call last):
    ...
    nodenet.errors.SettingError: frozen must be True or False, got 'False'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise SettingError(f"{what} must be True or False, got {value!r}")
    return bool(value)


def check_seed(seed):
    """Return ``seed`` as an int >= 0, or None; raise SettingError for anything else.

    Examples
    --------
    >>> check_seed(np.int64(3)), check_seed(None)
    (3, None)
    """
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise SettingError(f"seed must be a whole number >= 0 or None, got {seed!r}")
    return int(seed)


def check_choice(value, choices, what):
    """Return ``value`` if it is one of ``choices``, else raise SettingError listing them.

    Examples
    --------
    >>> check_choice("waves", ("phased", "wave"), "order")
    Traceback (most recent call last):
    ...
    nodenet.errors.SettingError: unknown order 'waves': choose one of phased, wave
    """
    if not isinstance(value, str) or value not in choices:
        raise SettingError(f"unknown {what} {value!r}: choose one of {', '.join(choices)}")
    return value


def _as_floats(values, what):
    try:
        array = np.asarray(values)
    except (TypeError, ValueError, OverflowError) as err:
        raise DataError(f"{what}s must be numbers, got {values!r}") from err
    if array.dtype.kind not in "iuf":
        raise DataError(f"{what}s must be real numbers, got {values!r}")
    return array.astype(float, copy=False)


def _check_finite(array, names, what, row):
    with np.errstate(over="ignore", invalid="ignore"):      # a sum that overflows is looked into below
        if np.isfinite(np.sum(array)):                      # one pass, no copy
            return
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        where = tuple(bad[0])
        place = f"{what} {names[where[-1]]}" + (f" of sample {where[0]}" if row else "")
        raise DataError(f"{place} is {array[where]}: {what}s must be finite numbers")

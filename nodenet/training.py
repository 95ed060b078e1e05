"""Training: steps in either order, mini-batches, epochs and shuffling.

Two orders run an online step, and they give identical numbers:

- ``"phased"``, the textbook order: every neuron pushes, the loss is taken, every neuron
  pulls, then every link updates. Deltas use the old weights.
- ``"wave"``: each neuron updates its uplinks right after it pulls. This is safe because
  a link's weight is read only by its source's pull, which has just happened.

A mini-batch step averages the gradients of its samples and then updates once, so it
runs in the phased order.

Examples
--------
>>> import nodenet as nn
>>> net = nn.layered([2, 2, 1], seed=1)
>>> X, Y = [[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]
>>> losses = nn.training.train(net, X, Y, epochs=3, lr=0.5, momentum=0.9, batch_size=2)
>>> losses.shape
(3,)
"""

import contextlib
import numbers
import signal
import threading

import numpy as np

from . import fastpath
from .checks import MAX_RESERVE, as_vector, check_choice, check_count, check_rates
from .errors import DivergenceError, SettingError
from .state import PREFAULT_AHEAD, prefaulted

__all__ = ["ORDERS", "step", "batch_step", "train", "guarded", "check_finite", "check_order", "steps_per_epoch",
           "epoch_rows", "epoch_losses", "uninterrupted", "divergence", "SCHEDULES"]

ORDERS = ("phased", "wave")
SCHEDULES = ("auto", "node", "fast")


def step(network, inputs, targets, *, lr, momentum=0.0, order="phased"):
    """One online step on one sample in the given order; return its loss before the step.

    Examples
    --------
    >>> import nodenet as nn
    >>> a, b = nn.layered([2, 2, 1], seed=3), nn.layered([2, 2, 1], seed=3)
    >>> step(a, [1, 0], [1], lr=0.5, order="phased") == step(b, [1, 0], [1], lr=0.5, order="wave")
    True
    >>> [link.weight for link in a.links] == [link.weight for link in b.links]
    True
    """
    check_rates(lr, momentum)
    check_order(order, batch_size=1)
    network.validate()
    network._start_history()
    inputs = as_vector(inputs, [n.name for n in network.inputs], "input")
    targets = as_vector(targets, [n.name for n in network.outputs], "target")
    return _online_step(network, inputs, targets, lr, momentum, order)


def batch_step(network, inputs, targets, *, lr, momentum=0.0):
    """One step on a mini-batch: the mean gradient of its samples, then one update.

    ``inputs`` and ``targets`` hold one row per sample and must already be checked
    (:meth:`Network.check_samples`). Return the batch's mean loss before the step.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
    >>> net.link("i1", "o1").weight = 1.0
    >>> batch_step(net, *net.check_samples([[1.0], [3.0]], [[0.0], [0.0]]), lr=0.1)
    2.5
    >>> net.link("i1", "o1").grad
    5.0
    """
    network._start_history()
    with guarded(network):
        grad_sum = np.zeros(len(network.links))
        loss_sum = 0.0
        for x, t in zip(inputs, targets):
            network._forward(x)
            loss_sum += network._backward(t)
            grad_sum += network.state.grad
        network.state.grad[...] = grad_sum / len(inputs)
        network._update_links(network.links, lr, momentum)
        loss = loss_sum / len(inputs)
        check_finite(network, loss)
        network._end_step(loss)
    return loss


def train(network, inputs, targets, *, epochs, lr, momentum=0.0, batch_size=1, shuffle=True,
          order="phased", tracer=None, skip=0, schedule="auto"):
    """Train ``network`` for ``epochs`` passes over the samples; return each epoch's mean loss.

    Parameters
    ----------
    inputs, targets : array_like
        One row per sample; one column per input neuron and per output neuron.
    epochs : int
        Passes over the samples.
    lr : float
        Learning rate, > 0.
    momentum : float
        In [0, 1): the share of a link's last change added to its next one.
    batch_size : int
        Samples per step; 1 is online training. The last batch of an epoch may be smaller.
    shuffle : bool
        Visit the samples in a new order each epoch, drawn from ``network.rng``.
    order : {"phased", "wave"}
        The order of an online step (see the module docs); "wave" needs batch_size 1.
    tracer : Tracer, optional
        Attached to the network for this call: it records every operation.
    skip : int
        Skip the first ``skip`` steps of the first epoch, to finish an epoch that was cut
        short; put ``network.rng`` back to its state at that epoch's start first, so the
        epoch visits the samples in the same order. Its mean loss is then over the
        samples it visits.
    schedule : {"auto", "node", "fast"}
        Who does the arithmetic. "node": the neuron and link objects, one operation at a
        time (the definition of the numbers). "fast": compiled loops over the same arrays
        (:mod:`nodenet.fastpath`), which give the same numbers; it needs built-in
        activations and loss and no tracer. "auto" takes "fast" whenever it can.

    Returns
    -------
    numpy.ndarray
        The mean loss of each epoch, each sample's loss taken before its step.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([1, 1], activation="linear", seed=0)
    >>> train(net, [[0.0], [1.0]], [[1.0], [3.0]], epochs=2, lr=0.1, shuffle=False).round(4)
    array([1.7208, 0.9867])
    """
    check_rates(lr, momentum)
    check_count(epochs, "epochs")
    check_count(batch_size, "batch_size")
    check_order(order, batch_size)
    check_choice(schedule, SCHEDULES, "schedule")
    _check_tracer(tracer, network)
    network.validate()
    inputs, targets = network.check_samples(inputs, targets)
    steps = steps_per_epoch(len(inputs), batch_size)
    if isinstance(skip, bool) or not isinstance(skip, numbers.Integral) or not 0 <= skip < steps:
        raise SettingError(f"skip must be a whole number of steps from 0 to {steps - 1} (an epoch has "
                           f"{steps}), got {skip!r}")
    network._start_history()
    network.history.reserve(min(epochs * steps, MAX_RESERVE))
    with tracer if tracer is not None else contextlib.nullcontext():
        fast = _fast(network, schedule)
        span = _epochs_ahead(network.history, steps) if fast else epochs
        losses = []
        for first in range(0, epochs, span):
            count = min(span, epochs - first)
            ahead = count * steps - (skip if first == 0 else 0)
            with prefaulted(_reserved_room(network.history, ahead) if fast else []):
                losses += [_epoch(network, inputs, targets, lr, momentum, batch_size, shuffle, order,
                                  skip if epoch == 0 else 0, fast) for epoch in range(first, first + count)]
        return np.array(losses)


def _epochs_ahead(history, steps):
    """The epochs whose history pages the fast path asks for in one go: as many as fit in PREFAULT_AHEAD bytes, or one.

    An epoch of ``steps`` steps records at most ``ceil(steps / every)`` of them, whatever
    step it starts at, so the epochs' pages take PREFAULT_AHEAD bytes at most.
    """
    epoch_nbytes = -(-steps // history.every) * history.step_nbytes
    return max(1, PREFAULT_AHEAD // epoch_nbytes)


def _reserved_room(history, steps):
    """Reserve the rows of the next ``steps`` steps, then return them: pages are asked for only in reserved rows."""
    history.reserve(steps)
    return history.room(steps)


def _fast(network, schedule):
    """True if this training takes the fast path; raise if it was asked for and cannot."""
    if schedule == "node":
        return False
    why = fastpath.reason(network)
    if why is not None and schedule == "fast":
        raise SettingError(f"schedule='fast' cannot run here: {why}; use schedule='auto' or 'node'")
    return why is None


def epoch_losses(history, samples, batch_size):
    """The mean loss of each whole epoch in a history that recorded every step, summed as :func:`train` sums.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([1, 1], activation="linear", seed=0)
    >>> losses = net.train([[0.0], [1.0], [2.0]], [[1.0], [3.0], [5.0]], epochs=3, lr=0.05, batch_size=2)
    >>> bool((epoch_losses(net.history, 3, 2) == losses).all())
    True
    """
    per_epoch = steps_per_epoch(samples, batch_size)
    sizes = [batch_size] * (per_epoch - 1) + [samples - batch_size * (per_epoch - 1)]
    values, means = history.loss.tolist(), []
    for start in range(0, len(values) - per_epoch + 1, per_epoch):
        total = 0.0
        for loss, size in zip(values[start:start + per_epoch], sizes):
            total += loss if batch_size == 1 else loss * size
        means.append(total / samples)
    return np.array(means)


def steps_per_epoch(samples, batch_size):
    """The steps of one epoch: one per batch, the last batch possibly smaller.

    Examples
    --------
    >>> steps_per_epoch(10, 4)
    3
    """
    return -(-samples // batch_size)


def epoch_rows(network, samples, shuffle):
    """The order an epoch visits the samples in: a permutation drawn from ``network.rng``, or as given.

    Examples
    --------
    >>> import nodenet as nn
    >>> epoch_rows(nn.layered([1, 1], seed=0), 4, shuffle=False)
    array([0, 1, 2, 3])
    """
    return network.rng.permutation(samples) if shuffle else np.arange(samples)


def _epoch(network, inputs, targets, lr, momentum, batch_size, shuffle, order, skip, fast):
    rows = epoch_rows(network, len(inputs), shuffle)[skip * batch_size:]
    if fast:
        loss_sum = fastpath.run_epoch(network, inputs, targets, rows, lr=lr, momentum=momentum,
                                      batch_size=batch_size)
    else:
        loss_sum = 0.0
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            if batch_size == 1:
                loss_sum += _online_step(network, inputs[batch[0]], targets[batch[0]], lr, momentum, order)
            else:
                loss_sum += batch_step(network, inputs[batch], targets[batch], lr=lr, momentum=momentum) * len(batch)
    network._end_epoch(loss_sum / len(rows))
    return loss_sum / len(rows)


def _online_step(network, inputs, targets, lr, momentum, order):
    with guarded(network):
        network._forward(inputs)
        if order == "wave":
            loss = network._backward(targets, then=lambda n: network._update_links(n.uplinks, lr, momentum))
        else:
            loss = network._backward(targets)
            # deltas use the old weights, so updates wait until the backward pass is complete
            network._update_links(network.links, lr, momentum)
        check_finite(network, loss)
        network._end_step(loss)
    return loss


@contextlib.contextmanager
def guarded(network):
    """Run one step so that it is taken whole or not at all.

    Inside, numpy does not warn about overflow: :func:`check_finite` finds the NaN or
    infinity it leaves and raises DivergenceError instead. Any exception puts back every
    weight, velocity, grad and neuron value, the last loss and the history, and tells the observer
    ("rollback") to forget the step. Ctrl-C is held until the step has ended (recorded in
    the history included), then raised, so the network and its history never disagree.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([1, 1], seed=0)
    >>> try:
    ...     with guarded(net):
    ...         net.link("i1", "o1").weight = 5.0
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> net.link("i1", "o1").weight == nn.layered([1, 1], seed=0).link("i1", "o1").weight
    True
    """
    snapshot, mark = network.state.snapshot(), network.history.mark()
    last = network._last_loss, network._forwarded
    with uninterrupted():
        try:
            with np.errstate(all="ignore"):
                yield
        except BaseException:
            network.state.restore(snapshot)
            network._last_loss, network._forwarded = last
            network.history.rewind(mark)
            if network.observer is not None:
                network.observer("rollback")
            raise


@contextlib.contextmanager
def uninterrupted():
    """Hold Ctrl-C (SIGINT) until the block ends, then raise it; only where Python's own handler is set.

    Examples
    --------
    >>> import os, signal
    >>> previous = signal.signal(signal.SIGINT, signal.default_int_handler)    # Python's own
    >>> try:
    ...     with uninterrupted():
    ...         os.kill(os.getpid(), signal.SIGINT)
    ...         finished = True
    ... except KeyboardInterrupt:
    ...     print("interrupted after", finished)
    interrupted after True
    >>> _ = signal.signal(signal.SIGINT, previous)
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    held = []
    signal.signal(signal.SIGINT, lambda number, frame: held.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if held:
        raise KeyboardInterrupt


def check_finite(network, loss):
    """Raise DivergenceError naming the first neuron or link, in forward order, that is not finite.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
    >>> net.link("i1", "o1").weight = 1e308
    >>> _ = net.forward([10.0])
    >>> check_finite(net, 0.0)
    Traceback (most recent call last):
    ...
    nodenet.errors.DivergenceError: training diverged at step 1: net of neuron o1 is inf; the network is back as it was before step 1. Lower lr or momentum and train again.
    """
    state = network.state
    if np.isfinite(state.out).all() and np.isfinite(state.weight).all() and np.isfinite(loss):
        return
    raise divergence(network, loss)


def divergence(network, loss):
    """The DivergenceError for the step now ending, naming its first number that is not finite.

    Examples
    --------
    >>> import nodenet as nn
    >>> divergence(nn.layered([1, 1], seed=0), float("nan")).step
    1
    """
    step = network.history.step_count + 1
    return DivergenceError(f"training diverged at step {step}: {_first_bad(network, loss)}; the network is "
                           f"back as it was before step {step}. Lower lr or momentum and train again.", step)


def _first_bad(network, loss):
    for neuron in network.forward_order:
        for field in ("net", "out"):
            if not np.isfinite(getattr(neuron, field)):
                return f"{field} of neuron {neuron.name} is {getattr(neuron, field)}"
    for link in network.links:
        if not np.isfinite(link.weight):
            return f"the weight of {link.src.name} -> {link.dst.name} is {link.weight}"
    return f"the loss is {loss}"


def _check_tracer(tracer, network):
    if tracer is not None and getattr(tracer, "network", None) is not network:
        raise SettingError("the tracer watches another network: make it with Tracer(net) for this one")


def check_order(order, batch_size):
    """Raise SettingError unless ``order`` is known and fits ``batch_size``.

    Examples
    --------
    >>> check_order("wave", batch_size=1)
    """
    check_choice(order, ORDERS, "order")
    if order == "wave" and batch_size != 1:
        raise SettingError(f"the wave order updates after each sample, so it needs batch_size 1, "
                           f"got batch_size {batch_size}; use order='phased' for mini-batches")

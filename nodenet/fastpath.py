"""The fast path: training steps run by compiled loops over the network's own arrays.

:func:`nodenet.training.train` takes it whenever no tracer watches (a tracer records
every operation, which only the node-by-node schedule makes) and every activation and
the loss are built-in ones. A :class:`Plan` lays the graph out as index arrays: the
computing neurons in forward and backward order, each neuron's downlinks and uplinks in
the order the objects hold them, each link's ends. The backward order is the forward
order reversed: like ``network.backward_order``, it puts every neuron after the ones its
uplinks lead to, which is all a neuron's error needs, and it costs no second sort.
:mod:`nodenet.kernels` then runs whole steps over ``network.state`` and
``network.history``, so afterwards ``link.weight``, ``neuron.out`` and the history read
as if the objects had done the work. The numbers agree with the node-by-node schedule
to the bit: the kernels run the engine's own scalar activations, each sum in the
objects' order, and each loss as numpy adds it.

Steps stay whole: a step that diverges is undone and raises DivergenceError as in the
node-by-node schedule, and Ctrl-C waits until the running group of steps is recorded.
:func:`nodenet.training.train` asks for the pages the history will be written into
ahead, up to 256 MiB of epochs at a time, by a second thread while the kernels run,
when they take 256 KiB or more (:func:`nodenet.state.prefaulted`).

Examples
--------
>>> import nodenet as nn
>>> net = nn.layered([2, 3, 1], seed=0)
>>> plan = Plan.of(net)
>>> plan.forward.tolist(), plan.backward.tolist()
([3, 4, 5, 7], [7, 5, 4, 3])
>>> reason(nn.layered([2, 1], activation="tanh"))
"""

import numpy as np

from .activations import activation as find_activation
from .losses import loss as find_loss

__all__ = ["Plan", "reason", "run_epoch"]

# a group of steps between which Ctrl-C is taken: about this many link operations (30 to
# 50 ms of online training on a 64-32-10 net), and at most this many steps; each group
# swaps the Ctrl-C handler and copies the state once
GROUP_WORK = 1 << 23
GROUP_STEPS = 1 << 15


def reason(network):
    """Why ``network`` cannot take the fast path, or None if it can.

    Examples
    --------
    >>> import nodenet as nn
    >>> nn.register_activation("cube", lambda net: net ** 3, lambda net, out: 3 * net ** 2)
    >>> print(reason(nn.layered([1, 1], activation="cube")))
    neuron o1 has the custom activation 'cube', which only the node-by-node schedule runs
    """
    if network.observer is not None:
        return "a tracer is watching, and it records every operation, which only the node-by-node schedule makes"
    from .kernels import ACTIVATIONS, LOSSES, MAX_OUTPUTS
    if network.loss.name not in LOSSES or find_loss(network.loss.name) is not network.loss:
        return f"the loss {network.loss.name!r} is not built in"
    if len(network.outputs) > MAX_OUTPUTS:
        return f"the network has {len(network.outputs)} outputs, and the compiled loss takes {MAX_OUTPUTS} at most"
    for neuron in network.neurons:
        if neuron.computing and (neuron.activation.name not in ACTIVATIONS
                                 or find_activation(neuron.activation.name) is not neuron.activation):
            return (f"neuron {neuron.name} has the custom activation {neuron.activation.name!r}, "
                    "which only the node-by-node schedule runs")
    return None


class Plan:
    """The graph of a network as index arrays, in the orders the node-by-node schedule uses."""

    def __init__(self, network):
        from .kernels import groups
        neurons, state = network.neurons, network.state
        index = np.int64
        self.inputs = np.array([n.index for n in network.inputs], dtype=index)
        self.outputs = np.array([n.index for n in network.outputs], dtype=index)
        self.output_of = np.full(len(neurons), -1, dtype=index)
        self.output_of[self.outputs] = np.arange(len(self.outputs))
        self.forward = np.array([n.index for n in network.forward_order if n.computing], dtype=index)
        self.backward = self.forward[::-1].copy()
        self.down_ptr, down_links = state.links_by("dst")
        self.up_ptr, up_links = state.links_by("src")
        # the link indices and each link's ends are unsigned, so that numba leaves out its
        # handling of negative indices where the kernels index with them (about a quarter
        # of an online epoch)
        self.down_links, self.up_links = down_links.astype(np.uint64), up_links.astype(np.uint64)
        self.src, self.dst = state.src.astype(np.uint64), state.dst.astype(np.uint64)
        self.groups = groups(self.forward, self.down_ptr, self.down_links, self.src)

    @classmethod
    def of(cls, network):
        """The network's plan: its graph laid out once per shape, its activations and loss read now.

        A neuron's activation and the network's loss may be swapped on a built network, so
        they are looked up afresh on every call.
        """
        from .kernels import ACTIVATIONS, LOSSES
        if network._plan is None:
            network._plan = cls(network)
        plan = network._plan
        plan.act = np.array([ACTIVATIONS.index(n.activation.name) if n.computing else -1 for n in network.neurons],
                            dtype=np.int64)
        plan.loss = LOSSES.index(network.loss.name)
        return plan

    def graph(self):
        """The arrays :func:`nodenet.kernels.run_steps` takes after the loss sum."""
        return (self.inputs, self.outputs, self.output_of, self.forward, self.groups, self.backward, self.act,
                self.down_ptr, self.down_links, self.up_ptr, self.up_links, self.src, self.dst, self.loss)


def run_epoch(network, inputs, targets, rows, *, lr, momentum, batch_size):
    """Train on the samples ``rows`` in batches of ``batch_size``; return the sum that :func:`train` averages.

    ``inputs`` and ``targets`` must be checked 2-D float arrays and the history started.

    Examples
    --------
    >>> import numpy as np, nodenet as nn
    >>> fast, slow = nn.layered([1, 1], seed=0), nn.layered([1, 1], seed=0)
    >>> X, Y = np.array([[0.5], [1.0]]), np.array([[1.0], [0.0]])
    >>> fast._start_history()
    >>> total = run_epoch(fast, X, Y, np.array([1, 0]), lr=0.5, momentum=0.9, batch_size=1)
    >>> total == sum(slow.step(X[r], Y[r], lr=0.5, momentum=0.9) for r in (1, 0))
    True
    >>> fast.link("i1", "o1").weight == slow.link("i1", "o1").weight
    True
    """
    from .kernels import DIVERGED, run_steps
    from .training import steps_per_epoch, uninterrupted
    plan, state, history = Plan.of(network), network.state, network.history
    steps = steps_per_epoch(len(rows), batch_size)
    if batch_size > 1:
        batch_size = min(batch_size, max(2, len(rows)))     # the same batches, in numbers the kernels take
    group = max(1, min(GROUP_STEPS, GROUP_WORK // max(1, len(network.links) * batch_size)))
    inputs, targets = np.ascontiguousarray(inputs), np.ascontiguousarray(targets)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    settings = (inputs, targets, rows, batch_size, float(lr), float(momentum))
    if not getattr(run_steps, "overloads", True):
        _run(run_steps, network, plan, settings, 0, 0, 0.0)    # compile or load the kernels, Ctrl-C allowed
    loss_sum = 0.0
    history.reserve(steps)
    for first in range(0, steps, group):
        count = min(group, steps - first)
        with uninterrupted():           # Ctrl-C waits until the group's steps are recorded or undone
            kept = state.snapshot(), history.mark(), network._last_loss, network._forwarded
            status, done, loss_sum, loss = _run(run_steps, network, plan, settings, first, count, loss_sum)
            if status == DIVERGED:
                _diverged(network, plan, kept, settings, first, done, loss)
    return loss_sum


def _run(run_steps, network, plan, settings, first, count, loss_sum):
    """Run ``count`` steps from step ``first`` of the epoch.

    Returns the status, the steps done, the loss sum and the last step's loss.
    """
    inputs, targets, rows, batch_size, lr, momentum = settings
    state, history = network.state, network.history
    status, done, loss_sum, step_count, size, loss, sample_loss = run_steps(
        inputs, targets, rows, first * batch_size, count, batch_size, lr, momentum, loss_sum, *plan.graph(),
        state.net, state.out, state.error, state.delta, state.weight, state.grad, state.velocity, state.frozen,
        history.every, history.step_count, len(history), *history.buffers(), history.total_moved)
    history.recorded(step_count, size)
    if done:
        network._forwarded, network._last_loss = True, sample_loss
    return status, done, loss_sum, loss


def _diverged(network, plan, kept, settings, first, done, loss):
    """Name what went bad in step ``done`` of the group, put the network back before that step, and raise."""
    from .kernels import run_steps
    from .training import divergence
    error = divergence(network, loss)
    before, mark, network._last_loss, network._forwarded = kept
    network.state.restore(before)
    network.history.rewind(mark)
    _run(run_steps, network, plan, settings, first, done - 1, 0.0)
    raise error

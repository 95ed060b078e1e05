"""A neuron: pushes its activation forward, pulls its error back.

Examples
--------
>>> import nodenet as nn
>>> net = nn.Network()
>>> x = net.add_input("x")
>>> y = net.add_neuron("y", activation="linear", output=True)
>>> _ = net.connect("x", "y", weight=2.0)
>>> x.out = 3.0
>>> y.push()
>>> y.net, y.out
(6.0, 6.0)
"""

from .state import Slot

__all__ = ["Neuron", "INPUT", "BIAS", "COMPUTING"]

INPUT = "input"
BIAS = "bias"
COMPUTING = "computing"


class Neuron:
    """A node of the network graph.

    ``kind`` is ``"input"`` (its ``out`` is a data value), ``"bias"`` (its ``out`` is 1.0)
    or ``"computing"`` (``out = f(net)`` for its ``activation``). ``uplinks`` are the links
    leaving it (towards the outputs), ``downlinks`` the links entering it.
    Create neurons with :meth:`Network.add_input`, ``add_bias`` and ``add_neuron``.
    """

    net = Slot()
    out = Slot()
    error = Slot()
    delta = Slot()

    def __init__(self, name, kind, state, index, activation=None, output=False):
        self.name = name
        self.kind = kind
        self.activation = activation
        self.output = output
        self.uplinks = []
        self.downlinks = []
        self._state = state
        self.index = index

    @property
    def computing(self):
        """True for neurons with an activation (neither input nor bias)."""
        return self.kind == COMPUTING

    def push(self):
        """Compute ``net`` from the downlinks, then ``out = f(net)``."""
        self.net = sum(link.weight * link.src.out for link in self.downlinks)
        self.out = self.activation.f(self.net)

    def pull(self, loss_error=0.0):
        """Compute ``error`` (the loss term plus the blame of every uplink), then ``delta``.

        ``loss_error`` is dE/d(out) of the loss for an output neuron, 0 otherwise.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
        >>> o1 = net.neuron("o1")
        >>> o1.pull(loss_error=0.25)
        >>> o1.error, o1.delta
        (0.25, 0.25)
        """
        self.error = loss_error + sum(link.blame for link in self.uplinks)
        self.delta = self.error * self.activation.derivative(self.net, self.out)

    def __repr__(self):
        if self.computing:
            role = ", output" if self.output else ""
            return f"Neuron({self.name}, {self.activation.name}{role}, out={self.out:.6g})"
        return f"Neuron({self.name}, {self.kind}, out={self.out:.6g})"

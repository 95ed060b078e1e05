"""A link: a weighted edge ``src -> dst`` that keeps its own momentum.

Examples
--------
>>> import nodenet as nn
>>> net = nn.Network()
>>> _ = net.add_input("x"); _ = net.add_neuron("y", activation="linear", output=True)
>>> link = net.connect("x", "y", weight=0.5)
>>> link.grad = 2.0
>>> link.update(lr=0.1, momentum=0.9)
-0.2
>>> link
Link(x -> y, weight=0.3, velocity=-0.2)
"""

from .checks import check_flag
from .errors import DataError
from .state import Slot

__all__ = ["Link"]


class _Velocity(Slot):
    """A link's velocity, which stays 0 while the link is frozen."""

    def __set__(self, link, value):
        value = self.checked(link, value)
        if value != 0 and link.frozen:
            raise DataError(f"{link.src.name} -> {link.dst.name} is frozen: its velocity stays 0; "
                            "set frozen = False first")
        super().__set__(link, value)


class Link:
    """A directed, weighted edge of the network graph.

    ``grad`` is dE/dw, ``velocity`` the last weight change (its momentum). A frozen link
    never changes and keeps velocity 0. Create links with :meth:`Network.connect`.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
    >>> link = net.link("i1", "o1")
    >>> link.weight = 0.5
    >>> _ = net.forward([2.0]); _ = net.backward([0.0])
    >>> link.grad, link.blame, link.id
    (2.0, 0.5, ('i1', 'o1'))
    """

    weight = Slot()
    grad = Slot()
    velocity = _Velocity()

    def __init__(self, src, dst, state, index):
        self.src = src
        self.dst = dst
        self._state = state
        self.index = index

    @property
    def id(self):
        """The link's name, ``(src name, dst name)``."""
        return (self.src.name, self.dst.name)

    @property
    def frozen(self):
        """True if training never changes this link."""
        return bool(self._state.frozen[self.index])

    @frozen.setter
    def frozen(self, value):
        value = check_flag(value, "frozen")
        if value:
            self.velocity = 0.0
        self._state.frozen[self.index] = value

    @property
    def blame(self):
        """The error this link carries back to its source: ``weight * dst.delta``."""
        return self.weight * self.dst.delta

    def compute_grad(self):
        """Set ``grad = dst.delta * src.out``, dE/dw for the current sample."""
        self.grad = self.dst.delta * self.src.out

    def update(self, lr, momentum=0.0):
        """Apply classical momentum; return the weight change ``dw`` (0 for a frozen link)."""
        state, i = self._state, self.index
        if state.frozen[i]:
            return 0.0
        dw = -lr * state.grad[i] + momentum * state.velocity[i]
        state.weight[i] += dw
        state.velocity[i] = dw
        return float(dw)

    def __repr__(self):
        return (f"Link({self.src.name} -> {self.dst.name}, weight={self.weight:.6g}, "
                f"velocity={self.velocity:.6g}{', frozen' if self.frozen else ''})")

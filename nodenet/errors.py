"""The one exception hierarchy of nodenet.

Every error a user can cause is a :class:`NodenetError`; its message names the bad
thing and how to fix it.

Examples
--------
>>> import nodenet as nn
>>> net = nn.Network()
>>> try:
...     net.neuron("h9")
... except nn.NodenetError as err:
...     print(err)
no neuron named 'h9': the network has no neurons yet; add one with add_input, add_bias or add_neuron
"""

__all__ = [
    "NodenetError",
    "TopologyError",
    "ShapeError",
    "DataError",
    "SettingError",
    "UnknownNameError",
    "FileFormatError",
    "FileAccessError",
    "DivergenceError",
]


class NodenetError(Exception):
    """Base of every error a user of nodenet can cause."""


class TopologyError(NodenetError):
    """The graph is not a valid network: a cycle, an unknown or duplicate neuron, a bad link."""


class ShapeError(NodenetError):
    """Data of the wrong size: the message gives the expected and the given sizes."""


class DataError(NodenetError):
    """Data that cannot be learned from, such as NaN or infinity in inputs or targets."""


class SettingError(NodenetError):
    """A training setting out of range, such as a learning rate <= 0."""


class UnknownNameError(NodenetError):
    """An unknown activation, loss or other registered name; the message lists the known ones."""


class FileFormatError(NodenetError):
    """A file that is missing, corrupt, or of an unknown format version."""


class FileAccessError(NodenetError):
    """A file or directory that cannot be read or written."""


class DivergenceError(DataError):
    """A step produced NaN or infinity; the network is back as it was before that step.

    ``step`` is the number of the step that failed (counted from 1).
    """

    def __init__(self, message, step):
        super().__init__(message)
        self.step = step

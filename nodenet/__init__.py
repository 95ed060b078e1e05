"""nodenet: watch a neural network learn, one operation at a time.

Neurons and links are explicit objects in a networkx graph. Each neuron pushes its
activation forward and pulls its error back through its links; every link keeps its own
momentum.

Examples
--------
>>> import nodenet as nn
>>> net = nn.layered([2, 2, 1], seed=0)
>>> net.forward([0.05, 0.10]).shape
(1,)
"""

from . import datasets, training
from .activations import Activation, activation, activation_names, register_activation
from .history import History
from .errors import (DataError, DivergenceError, FileAccessError, FileFormatError, NodenetError,
                     SettingError, ShapeError, TopologyError, UnknownNameError)
from .io import load, write_graphml
from .layered import layered
from .link import Link
from .losses import Loss, loss, loss_names
from .network import Network
from .neuron import Neuron
from .tracer import Frame, Tracer, snapshot
from .explain import explain
from .scenario import Scenario

__version__ = "0.1.0"

# the drawing modules import matplotlib, so they load on first use: nn.plots.loss(...)
_LAZY = ("plots", "render", "export", "layout")


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'nodenet' has no attribute {name!r}")

__all__ = [
    "Activation", "activation", "activation_names", "register_activation",
    "Loss", "loss", "loss_names",
    "Network", "Neuron", "Link", "layered", "load", "write_graphml", "training",
    "Tracer", "Frame", "History", "snapshot", "Scenario", "datasets", "explain",
    "NodenetError", "TopologyError", "ShapeError", "DataError", "SettingError",
    "UnknownNameError", "FileFormatError", "FileAccessError", "DivergenceError",
]

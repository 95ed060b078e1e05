"""The network: an object graph of neurons and links, and the order that runs it.

Neurons know how to push and pull; the network knows the topological order and loops.

Examples
--------
>>> import nodenet as nn
>>> net = nn.Network(loss="half_sse", seed=0)
>>> for name in ("i1", "i2"):
...     _ = net.add_input(name)
>>> _ = net.add_bias("b1")
>>> _ = net.add_neuron("o1", activation="sigmoid", output=True)
>>> _ = net.connect("i1", "o1", weight=0.4); _ = net.connect("i2", "o1", weight=-0.2)
>>> _ = net.connect("b1", "o1", weight=0.1)
>>> net.forward([1.0, 0.5])
array([0.59868766])
>>> round(net.backward([1.0]), 9)
0.080525797
>>> net.update(lr=0.5)
>>> net.link("i1", "o1")
Link(i1 -> o1, weight=0.44821, velocity=0.0482098)
"""

import heapq

import networkx as nx
import numpy as np

from . import training
from .activations import activation as find_activation
from .checks import as_matrix, as_vector, as_weight, check_flag, check_name, check_rates, check_seed
from .errors import NodenetError, SettingError, ShapeError, TopologyError
from .history import History, link_ids_between
from .link import Link
from .losses import loss as find_loss
from .neuron import BIAS, COMPUTING, INPUT, Neuron
from .state import State

__all__ = ["Network"]

INIT_SCALE = 0.5


class Network:
    """A feed-forward network of explicit neuron and link objects.

    Parameters
    ----------
    loss : str
        The loss by name: ``half_sse``, ``mse``, ``bce`` or ``softmax_ce``.
    seed : int
        Seeds the network's random generator ``rng``, which draws weights that
        :meth:`connect` is not given and shuffles the samples in :meth:`train`.

    Attributes
    ----------
    graph : networkx.DiGraph
        Nodes are neuron names with attribute ``"neuron"``; edges carry ``"link"``.
    state : State
        The numbers of all neurons and links in flat arrays.
    history : History
        Every link's weight, dw and grad after each step, and the loss.
    observer : callable or None
        The one hook through which a :class:`Tracer` watches the engine.

    Examples
    --------
    >>> net = Network(loss="mse", seed=1)
    >>> _ = net.add_input("x"); _ = net.add_neuron("y", activation="linear", output=True)
    >>> _ = net.connect("x", "y", weight=2.0)
    >>> net.forward([1.5]), net.outputs
    (array([3.]), [Neuron(y, linear, output, out=3)])
    """

    def __init__(self, *, loss="half_sse", seed=0):
        self.loss = find_loss(loss)
        self.seed = check_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.graph = nx.DiGraph()
        self.state = State()
        self.neurons = []
        self.links = []
        self.observer = None
        self.history = History()
        self._forward_order = None
        self._backward_order = None
        self._inputs = self._outputs = None
        self._forwarded = False
        self._last_loss = None
        self._plan = None
        self._link_ids = None

    # -- building ---------------------------------------------------------------------

    def add_input(self, name):
        """Add an input neuron; inputs take the data's values in the order they are added.

        Examples
        --------
        >>> Network().add_input("i1")
        Neuron(i1, input, out=0)
        """
        return self._add(name, INPUT)

    def add_bias(self, name):
        """Add a bias neuron, whose ``out`` is always 1.0.

        Examples
        --------
        >>> Network().add_bias("b1")
        Neuron(b1, bias, out=1)
        """
        neuron = self._add(name, BIAS)
        neuron.out = 1.0
        return neuron

    def add_neuron(self, name, activation="sigmoid", output=False):
        """Add a computing neuron; outputs are ordered as they are added.

        Examples
        --------
        >>> Network().add_neuron("o1", activation="tanh", output=True)
        Neuron(o1, tanh, output, out=0)
        """
        return self._add(name, COMPUTING, find_activation(activation), check_flag(output, "output"))

    def connect(self, src, dst, weight=None, frozen=False):
        """Link neuron ``src`` to neuron ``dst`` and return the new :class:`Link`.

        A weight that is not given is drawn uniformly from [-0.5, 0.5) with ``rng``.

        Examples
        --------
        >>> net = Network()
        >>> _ = net.add_input("x"); _ = net.add_neuron("y", output=True)
        >>> net.connect("x", "y", weight=0.25, frozen=True)
        Link(x -> y, weight=0.25, velocity=0, frozen)
        """
        return self._connect(src, dst, weight, frozen)

    def _connect(self, src, dst, weight, frozen, cycles=True):
        # cycles=False: the caller has checked that the links it adds close no cycle
        source, target = self.neuron(src), self.neuron(dst)
        self._check_new_link(source, target, cycles)
        frozen = check_flag(frozen, "frozen")
        if self.history.step_count:
            raise TopologyError(f"cannot link {src} -> {dst}: the history holds {self.history.step_count} "
                                "steps of the current links; save it if you need it, then call "
                                "net.history.clear() before adding links")
        if weight is None:
            weight = self.rng.uniform(-INIT_SCALE, INIT_SCALE)
        weight = as_weight(weight, f"{src} -> {dst}")
        self.history.clear()
        link = Link(source, target, self.state, self.state.add_link(source.index, target.index, weight, frozen))
        source.uplinks.append(link)
        target.downlinks.append(link)
        self.links.append(link)
        self.graph.add_edge(src, dst, link=link)
        self._changed()
        return link

    # -- looking up -------------------------------------------------------------------

    def neuron(self, name):
        """Return the neuron called ``name``.

        Examples
        --------
        >>> net = Network(); _ = net.add_input("i1")
        >>> net.neuron("i1").kind
        'input'
        """
        if name in self.graph:
            return self.graph.nodes[name]["neuron"]
        known = ", ".join(n.name for n in self.neurons[:20]) or "the network has no neurons yet"
        hint = "" if self.neurons else "; add one with add_input, add_bias or add_neuron"
        raise TopologyError(f"no neuron named {name!r}: {known}{hint}")

    def link(self, src, dst):
        """Return the link ``src -> dst``.

        Examples
        --------
        >>> net = Network(); _ = net.add_input("x"); _ = net.add_neuron("y", output=True)
        >>> _ = net.connect("x", "y", weight=1.0)
        >>> net.link("x", "y").weight
        1.0
        """
        self.neuron(src), self.neuron(dst)
        if not self.graph.has_edge(src, dst):
            raise TopologyError(f"no link {src} -> {dst}: create it with connect({src!r}, {dst!r})")
        return self.graph.edges[src, dst]["link"]

    @property
    def inputs(self):
        """The input neurons, in the order their values are given."""
        if self._inputs is None:
            self._inputs = [n for n in self.neurons if n.kind == INPUT]
        return self._inputs

    @property
    def outputs(self):
        """The output neurons, in the order :meth:`forward` returns them."""
        if self._outputs is None:
            self._outputs = [n for n in self.neurons if n.output]
        return self._outputs

    @property
    def link_ids(self):
        """Each link's ``(src, dst)`` names, in the order of :attr:`links`.

        Examples
        --------
        >>> import nodenet as nn
        >>> nn.layered([1, 1], seed=0).link_ids
        (('i1', 'o1'), ('b1', 'o1'))
        """
        if self._link_ids is None:
            self._link_ids = link_ids_between(self._names(self.neurons), self.state.src, self.state.dst)
        return self._link_ids

    @property
    def forward_order(self):
        """All neurons in topological order, ties broken by the order they were added."""
        if self._forward_order is None:
            self._forward_order = [self.neurons[i] for i in _topological(self.state, "src", "dst")]
        return self._forward_order

    @property
    def backward_order(self):
        """All neurons in reverse topological order: every neuron after its uplinks' ends."""
        if self._backward_order is None:
            self._backward_order = [self.neurons[i] for i in _topological(self.state, "dst", "src")]
        return self._backward_order

    def validate(self):
        """Raise TopologyError unless the network can run: outputs declared, no dangling neuron.

        Examples
        --------
        >>> net = Network(); _ = net.add_input("x"); _ = net.add_neuron("y")
        >>> net.validate()
        Traceback (most recent call last):
        ...
        nodenet.errors.TopologyError: no outputs declared: add a neuron with output=True, e.g. add_neuron('o1', output=True)
        """
        if not self.outputs:
            raise TopologyError("no outputs declared: add a neuron with output=True, "
                                "e.g. add_neuron('o1', output=True)")
        for neuron in self.neurons:
            if neuron.computing and not neuron.downlinks:
                raise TopologyError(f"neuron {neuron.name!r} has no downlinks, so nothing feeds it: "
                                    f"connect a neuron into it, e.g. connect(src, {neuron.name!r})")

    # -- running ----------------------------------------------------------------------

    def forward(self, inputs):
        """Push one sample's inputs through the network; return the outputs as an array.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], activation="linear", seed=0)
        >>> net.link("i1", "o1").weight = 3.0
        >>> net.forward([2.0])
        array([6.])
        """
        self.validate()
        inputs = as_vector(inputs, self._names(self.inputs), "input")
        with np.errstate(all="ignore"):
            return self._forward(inputs)

    def backward(self, targets, *, then=None):
        """Pull the errors back for one sample's targets; return this sample's loss.

        Fills every computing neuron's ``error`` and ``delta`` and every link's ``grad``.
        ``then(neuron)``, if given, runs right after a neuron has pulled and its uplinks
        know their grad (the wave schedule updates the uplinks there).

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
        >>> net.link("i1", "o1").weight = 3.0
        >>> _ = net.forward([2.0])
        >>> net.backward([5.0]), net.link("i1", "o1").grad
        (0.5, 2.0)
        """
        if not self._forwarded:
            raise NodenetError("backward() needs the outputs of a forward pass: call forward(inputs) first")
        if then is not None and not callable(then):
            raise SettingError(f"then must be a function of a neuron, got {then!r}")
        targets = as_vector(targets, self._names(self.outputs), "target")
        with np.errstate(all="ignore"):
            return self._backward(targets, then)

    def update(self, lr, momentum=0.0):
        """Change every trainable link by ``dw = -lr * grad + momentum * velocity``.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
        >>> net.link("i1", "o1").grad = 2.0
        >>> net.update(lr=0.25)
        >>> net.link("i1", "o1").velocity
        -0.5
        """
        check_rates(lr, momentum)
        self._start_history()
        with training.guarded(self):
            self._update_links(self.links, lr, momentum)
            training.check_finite(self, 0.0 if self._last_loss is None else self._last_loss)
            self._end_step(self._last_loss)

    def step(self, inputs, targets, *, lr, momentum=0.0, order="phased"):
        """One online training step on one sample; return the sample's loss before the step.

        See :func:`nodenet.training.step` for the two orders.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
        >>> net.link("i1", "o1").weight = 3.0
        >>> net.step([2.0], [5.0], lr=0.1)
        0.5
        >>> net.link("i1", "o1").weight
        2.8
        """
        return training.step(self, inputs, targets, lr=lr, momentum=momentum, order=order)

    def train(self, inputs, targets, *, epochs, lr, momentum=0.0, batch_size=1, shuffle=True,
              order="phased", tracer=None, skip=0, schedule="auto"):
        """Train on samples (one per row); return the mean loss of each epoch as an array.

        See :func:`nodenet.training.train`.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], activation="linear", seed=0)
        >>> losses = net.train([[0.0], [1.0]], [[1.0], [3.0]], epochs=200, lr=0.2)
        >>> bool(losses[-1] < 1e-6), round(net.link("i1", "o1").weight, 4)
        (True, 2.0)
        """
        return training.train(self, inputs, targets, epochs=epochs, lr=lr, momentum=momentum,
                              batch_size=batch_size, shuffle=shuffle, order=order, tracer=tracer, skip=skip,
                              schedule=schedule)

    def evaluate(self, inputs, targets):
        """Return the mean loss over samples, without training.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
        >>> net.link("i1", "o1").weight = 1.0
        >>> net.evaluate([[1.0], [2.0]], [[1.0], [0.0]])
        1.0
        """
        self.validate()
        inputs, targets = self.check_samples(inputs, targets)
        # evaluating is not training: the neurons keep the numbers of the last forward pass
        kept = self.state.snapshot(), self.observer, self._forwarded
        self.observer = None
        try:
            with np.errstate(all="ignore"):
                return float(np.mean([self.loss.value(self._forward(x), t) for x, t in zip(inputs, targets)]))
        finally:
            self.state.restore(kept[0])
            self.observer, self._forwarded = kept[1:]

    def predict(self, inputs, weights=None):
        """Return the outputs for many samples at once (one row each), without training.

        Each neuron pushes all samples in one numpy operation; the neurons keep their
        numbers. ``weights``, if given, replaces the links' weights (in ``net.links``
        order, e.g. a frame's ``links["weight"]``) for this call only.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
        >>> net.link("i1", "o1").weight = 3.0
        >>> net.predict([[1.0], [2.0]])
        array([[3.],
               [6.]])
        >>> net.predict([[1.0]], weights=[-1.0])
        array([[-1.]])
        """
        self.validate()
        inputs = as_matrix(inputs, self._names(self.inputs), "input")
        weights = self.state.weight if weights is None else as_vector(
            weights, [f"{src}->{dst}" for src, dst in (link.id for link in self.links)], "weight")
        outs = [None] * len(self.neurons)
        for neuron, column in zip(self.inputs, inputs.T):
            outs[neuron.index] = column
        with np.errstate(all="ignore"):
            for neuron in self.forward_order:
                if neuron.kind == BIAS:
                    outs[neuron.index] = np.ones(len(inputs))
                elif neuron.computing:
                    net = sum(weights[link.index] * outs[link.src.index] for link in neuron.downlinks)
                    outs[neuron.index] = neuron.activation.f(net)
        return np.column_stack([outs[neuron.index] for neuron in self.outputs])

    def check_samples(self, inputs, targets):
        """Return inputs and targets as 2-D arrays, or raise if their sizes or values are wrong.

        Examples
        --------
        >>> import nodenet as nn
        >>> nn.layered([2, 1], seed=0).check_samples([[0, 1]], [1])[1]
        array([[1.]])
        """
        inputs = as_matrix(inputs, self._names(self.inputs), "input")
        targets = as_matrix(targets, self._names(self.outputs), "target")
        if len(inputs) != len(targets):
            raise ShapeError(
                f"{len(inputs)} input rows but {len(targets)} target rows: give one target row per sample")
        return inputs, targets

    # -- files and networkx -----------------------------------------------------------

    def save(self, path):
        """Save the network as JSON (see :func:`nodenet.io.save`).

        Examples
        --------
        >>> import pathlib, tempfile, nodenet as nn
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.json"
        >>> nn.layered([2, 1], seed=0).save(path)
        >>> nn.load(path).link("i1", "o1").weight == nn.layered([2, 1], seed=0).link("i1", "o1").weight
        True
        """
        from .io import save
        save(self, path)

    def to_networkx(self):
        """Return a plain-data copy of the graph (see :func:`nodenet.io.to_networkx`).

        Examples
        --------
        >>> import nodenet as nn
        >>> sorted(nn.layered([2, 1], seed=0).to_networkx().edges)
        [('b1', 'o1'), ('i1', 'o1'), ('i2', 'o1')]
        """
        from .io import to_networkx
        return to_networkx(self)

    @classmethod
    def from_networkx(cls, graph, *, loss=None, seed=0):
        """Build a network from a DiGraph (see :func:`nodenet.io.from_networkx`)."""
        from .io import from_networkx
        return from_networkx(graph, loss=loss, seed=seed)

    def _repr_png_(self):
        from .render import network_png     # drawing is imported only when asked for
        return network_png(self)

    def __repr__(self):
        sizes = f"{len(self.inputs)} inputs, {len(self.neurons)} neurons, {len(self.links)} links"
        return f"Network({sizes}, loss={self.loss.name})"

    # -- the loops --------------------------------------------------------------------

    # The observer (a Tracer) is told of every operation right after it happens, and of
    # every phase right before it starts; with no observer, no event is made.

    def _forward(self, inputs):
        observer = self.observer
        if observer is not None:
            observer("phase", name="forward")
        for neuron, value in zip(self.inputs, inputs):
            neuron.out = value
        for neuron in self.forward_order:
            if neuron.computing:
                neuron.push()
                if observer is not None:
                    observer("push", neuron)
        self._forwarded = True
        return np.array([neuron.out for neuron in self.outputs])

    def _backward(self, targets, then=None):
        observer = self.observer
        outputs = np.array([neuron.out for neuron in self.outputs])
        if observer is not None:
            observer("phase", name="loss")
            observer("loss", outputs=outputs, targets=targets)
        loss_errors = dict(zip(self.outputs, self.loss.error(outputs, targets)))
        for neuron in self.backward_order:
            if neuron.computing:
                if observer is not None:
                    observer("phase", name="backward")
                neuron.pull(loss_errors.get(neuron, 0.0))
                if observer is not None:
                    observer("pull", neuron, loss_error=loss_errors.get(neuron, 0.0))
            for link in neuron.uplinks:
                link.compute_grad()
            if then is not None:
                then(neuron)
        self._last_loss = self.loss.value(outputs, targets)
        return self._last_loss

    def _start_history(self):
        """Start the history on this network's links, or check that it records them."""
        history, names, state = self.history, self._names(self.neurons), self.state
        if history.records(names, state.src, state.dst):
            return
        if history.step_count:
            raise TopologyError(f"net.history records {history.step_count} steps of other links than this "
                                "network's: save it if you need it, then net.history.clear()")
        history.start_between(names, state.src, state.dst, state.weight)

    def _update_links(self, links, lr, momentum):
        if self.history.initial is None:
            self._start_history()
        observer = self.observer
        if observer is None:
            for link in links:
                link.update(lr, momentum)
            return
        trainable = [link for link in links if not link.frozen]
        if trainable:
            observer("phase", name="update")
        for link in trainable:
            weight, velocity = link.weight, link.velocity
            link.update(lr, momentum)
            observer("update", link, weight=weight, velocity=velocity, lr=lr, momentum=momentum)

    def _end_step(self, loss):
        # update() without a backward pass since the last change has no loss to record
        loss = float("nan") if loss is None else loss
        self.history.record(self.state, loss)
        if self.observer is not None:
            self.observer("step", loss=loss)

    def _end_epoch(self, loss):
        if self.observer is not None:
            self.observer("epoch", loss=loss)

    # -- helpers ----------------------------------------------------------------------

    def _add(self, name, kind, activation=None, output=False):
        check_name(name)
        if name in self.graph:
            raise TopologyError(f"a neuron named {name!r} exists already: give each neuron its own name")
        neuron = Neuron(name, kind, self.state, self.state.add_neuron(), activation, output)
        self.neurons.append(neuron)
        self.graph.add_node(name, neuron=neuron)
        self._changed()
        return neuron

    def _check_new_link(self, src, dst, cycles=True):
        if not dst.computing:
            article = "an" if dst.kind == INPUT else "a"
            raise TopologyError(f"cannot link {src.name} -> {dst.name}: {dst.name!r} is {article} "
                                f"{dst.kind} neuron, and nothing flows into {dst.kind} neurons")
        if self.graph.has_edge(src.name, dst.name):
            raise TopologyError(f"{src.name} -> {dst.name} is linked already: change "
                                f"link({src.name!r}, {dst.name!r}).weight instead")
        if src is dst or (cycles and nx.has_path(self.graph, dst.name, src.name)):
            loop = nx.shortest_path(self.graph, dst.name, src.name) + [dst.name]
            raise TopologyError(f"cannot link {src.name} -> {dst.name}: it would close the cycle "
                                f"{' -> '.join(loop)}, and a feed-forward network has no cycles")

    def _changed(self):
        self._forward_order = self._backward_order = None
        self._inputs = self._outputs = None
        self._forwarded = False
        self._plan = None
        self._link_ids = None

    @staticmethod
    def _names(neurons):
        return [neuron.name for neuron in neurons]


def _topological(state, before, after):
    """Kahn's order of the neurons of ``state``: each after all linked to it, links read ``before`` to ``after``.

    Of the neurons that are ready, the one added first goes first, as in networkx's
    ``lexicographical_topological_sort`` keyed by the order of adding (the tests hold the
    two to each other); this is several times faster on large graphs. When every link
    runs from an earlier neuron to a later one, as when a network is built layer by
    layer, that order is the order of adding: each neuron is ready once all before it
    are done, and none before it is left.
    """
    count, ends = state.n_neurons, getattr(state, after)
    if (getattr(state, before) < ends).all():
        return range(count)
    waiting = np.bincount(ends, minlength=count).tolist()
    pointers, links = state.links_by(before)
    pointers, nexts = pointers.tolist(), ends[links].tolist()
    ready = [neuron for neuron in range(count) if not waiting[neuron]]     # sorted, so a heap
    order = []
    while ready:
        neuron = heapq.heappop(ready)
        order.append(neuron)
        for nxt in nexts[pointers[neuron]:pointers[neuron + 1]]:
            waiting[nxt] -= 1
            if not waiting[nxt]:
                heapq.heappush(ready, nxt)
    return order

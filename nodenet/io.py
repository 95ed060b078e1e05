"""Saving and loading networks (JSON), and networkx interop (GraphML through networkx).

network.json holds the format name and version, the loss, the random generator's state,
the neurons in the order they were added and the links in the order they were created,
each weight and velocity written as the shortest decimal that reads back to the same
float. A loaded network therefore continues training bit for bit like the original.

Examples
--------
>>> import json, nodenet as nn
>>> net = nn.layered([1, 1], activation="linear", seed=0)
>>> data = to_dict(net)
>>> data["format"], data["version"], [n["name"] for n in data["neurons"]]
('nodenet-network', 1, ['i1', 'b1', 'o1'])
>>> copy = from_dict(json.loads(json.dumps(data)))
>>> copy.link("i1", "o1").weight == net.link("i1", "o1").weight
True
"""

import json
import math

import networkx as nx

from .atomic import atomic_write
from .checks import as_number, as_path
from .errors import DataError, FileAccessError, FileFormatError, NodenetError, TopologyError
from .layered import MAX_LINKS, MAX_NEURONS
from .neuron import BIAS, COMPUTING, INPUT
from .network import Network

__all__ = ["FORMAT", "VERSION", "to_dict", "from_dict", "save", "load", "to_networkx",
           "from_networkx", "write_graphml"]

FORMAT = "nodenet-network"
VERSION = 1
KINDS = (INPUT, BIAS, COMPUTING)


def to_dict(network):
    """Return the network as plain JSON-ready data (see the module docs for the layout)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "loss": network.loss.name,
        "seed": network.seed,
        "rng": network.rng.bit_generator.state,
        "neurons": [_neuron_dict(neuron) for neuron in network.neurons],
        "links": [_link_dict(link) for link in network.links],
    }


def from_dict(data, source="network data"):
    """Build a network from :func:`to_dict` data; ``source`` names it in error messages.

    Raises FileFormatError naming the bad field for anything that is not such data.
    """
    try:
        return _build(data)
    except FileFormatError as err:
        raise FileFormatError(f"{source}: {err}") from None
    except NodenetError as err:
        raise FileFormatError(f"{source}: {err}") from err


def save(network, path):
    """Write the network to ``path`` as JSON, atomically.

    Examples
    --------
    >>> import pathlib, tempfile, nodenet as nn
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.json"
    >>> nn.layered([2, 1], seed=0).save(path)
    >>> nn.load(path)
    Network(2 inputs, 4 neurons, 3 links, loss=half_sse)
    """
    text = _dumps(to_dict(network))
    with atomic_write(path) as handle:
        handle.write(text)


def load(path):
    """Read a network written by :func:`save`.

    Raises FileAccessError if the file cannot be read, FileFormatError if it is not a
    network file of a version this nodenet reads.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.json"
    >>> _ = path.write_text('{"format": "nodenet-network", "version": 9}')
    >>> load(path)
    Traceback (most recent call last):
    ...
    nodenet.errors.FileFormatError: '...net.json': format version 9 is not supported: this nodenet reads version 1; save the network again with it
    """
    path = as_path(path, "the network file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileAccessError(f"no network file '{path}': check the path") from None
    except UnicodeDecodeError:
        raise FileFormatError(f"'{path}' is not a text file: expected a nodenet network JSON file") from None
    except OSError as err:
        raise FileAccessError(f"cannot read '{path}': {err.strerror}") from err
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise FileFormatError(f"'{path}' is not valid JSON (line {err.lineno}, column {err.colno}: "
                              f"{err.msg}): expected a nodenet network file") from None
    except (ValueError, RecursionError) as err:
        raise FileFormatError(f"'{path}' is not a nodenet network file: {err}") from None
    return from_dict(data, source=f"'{path}'")


def to_networkx(network):
    """Return a plain-data DiGraph of the network, ready for GraphML or other tools.

    Nodes carry ``kind``, ``index`` and, for computing neurons, ``activation`` and
    ``output``; edges carry ``weight``, ``velocity``, ``frozen`` and ``index``; the graph
    carries ``loss``.

    Examples
    --------
    >>> import nodenet as nn
    >>> G = nn.layered([2, 1], seed=0).to_networkx()
    >>> G.nodes["o1"]["activation"], G.edges["b1", "o1"]["weight"]
    ('sigmoid', 0.0)
    """
    graph = nx.DiGraph(loss=network.loss.name)
    for neuron in network.neurons:
        graph.add_node(neuron.name, **_neuron_dict(neuron), index=neuron.index)
        del graph.nodes[neuron.name]["name"]
    for link in network.links:
        graph.add_edge(link.src.name, link.dst.name, weight=link.weight, velocity=link.velocity,
                       frozen=link.frozen, index=link.index)
    return graph


def from_networkx(graph, *, loss=None, seed=0):
    """Build a network from a networkx DiGraph.

    Node attributes: ``kind`` ("input", "bias" or "computing"; a node without one is an
    input if nothing links into it, computing otherwise), ``activation`` (default
    "sigmoid") and ``output`` (if no node is marked, the computing nodes without
    successors are the outputs). Edge attributes: ``weight`` (drawn from the network's
    rng if missing), ``frozen``, ``velocity``. Nodes are added in the graph's order, edges
    in the order of their ``index`` attribute if they all have one. ``loss`` defaults to
    the graph attribute ``loss``, else "half_sse". Node names become strings.

    Examples
    --------
    >>> import networkx as nx, nodenet as nn
    >>> G = nx.DiGraph([("x", "y", {"weight": 2.0})])
    >>> G.nodes["y"]["activation"] = "linear"
    >>> net = nn.Network.from_networkx(G)
    >>> net.forward([3.0])
    array([6.])
    """
    if not isinstance(graph, nx.DiGraph):
        raise TopologyError(f"from_networkx needs a networkx.DiGraph, got {type(graph).__name__}")
    network = Network(loss=loss or graph.graph.get("loss", "half_sse"), seed=seed)
    marked = any(data.get("output") for _, data in graph.nodes(data=True))
    for node, data in graph.nodes(data=True):
        kind = data.get("kind") or (INPUT if graph.in_degree(node) == 0 else COMPUTING)
        output = bool(data.get("output")) if marked else graph.out_degree(node) == 0
        _add_neuron(network, str(node), kind, data.get("activation", "sigmoid"), output)
    acyclic = nx.is_directed_acyclic_graph(graph)
    for src, dst, data in _edges_in_order(graph):
        _add_link(network, str(src), str(dst), data.get("weight"), data.get("frozen", False),
                  data.get("velocity", 0.0), acyclic)
    return network


def write_graphml(network, path):
    """Write the network as GraphML (through networkx), atomically.

    Examples
    --------
    >>> import pathlib, tempfile, networkx as nx, nodenet as nn
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.graphml"
    >>> write_graphml(nn.layered([2, 1], seed=0), path)
    >>> sorted(nx.read_graphml(path).nodes)
    ['b1', 'i1', 'i2', 'o1']
    """
    with atomic_write(path, "wb") as handle:
        nx.write_graphml(to_networkx(network), handle)


def _neuron_dict(neuron):
    if neuron.computing:
        return {"name": neuron.name, "kind": neuron.kind, "activation": neuron.activation.name,
                "output": neuron.output}
    return {"name": neuron.name, "kind": neuron.kind}


def _link_dict(link):
    for field in ("weight", "velocity", "grad"):
        if not math.isfinite(getattr(link, field)):
            raise DataError(f"cannot save link {link.src.name} -> {link.dst.name}: its {field} is "
                            f"{getattr(link, field)}; only finite numbers can be saved")
    return {"src": link.src.name, "dst": link.dst.name, "weight": link.weight,
            "velocity": link.velocity, "grad": link.grad, "frozen": link.frozen}


def _dumps(data):
    # one neuron or link per line: readable, and diffs of two saves line up
    head = {key: value for key, value in data.items() if key not in ("neurons", "links")}
    lines = ["{"] + [f" {json.dumps(key)}: {json.dumps(value)}," for key, value in head.items()]
    for key in ("neurons", "links"):
        items = ",\n".join(f"  {json.dumps(item, allow_nan=False)}" for item in data[key])
        lines.append(f' "{key}": [\n{items}\n ]' + ("," if key == "neurons" else ""))
    return "\n".join(lines) + "\n}\n"


def _build(data):
    _expect(data, dict, "the file", "an object with format, version, neurons and links")
    if data.get("format") != FORMAT:
        raise FileFormatError(f"format is {data.get('format')!r}, expected {FORMAT!r}: "
                              "this is not a nodenet network file")
    if data.get("version") != VERSION:
        raise FileFormatError(f"format version {data.get('version')!r} is not supported: this "
                              f"nodenet reads version {VERSION}; save the network again with it")
    network = Network(loss=_field(data, "loss", str, "top level"),
                      seed=_field(data, "seed", (int, type(None)), "top level"))
    if "rng" in data:
        _set_rng_state(network, data["rng"])
    neurons, links = _field(data, "neurons", list, "top level"), _field(data, "links", list, "top level")
    if len(neurons) > MAX_NEURONS or len(links) > MAX_LINKS:
        raise FileFormatError(f"it declares {len(neurons)} neurons and {len(links)} links; nodenet loads at most "
                              f"{MAX_NEURONS} neurons and {MAX_LINKS} links")
    for i, item in enumerate(neurons):
        where = f"neurons[{i}]"
        _expect(item, dict, where, "an object with name and kind")
        _add_neuron(network, _field(item, "name", str, where), _field(item, "kind", str, where),
                    item.get("activation", "sigmoid"), item.get("output", False))
    acyclic = _acyclic(links)
    for i, item in enumerate(links):
        where = f"links[{i}]"
        _expect(item, dict, where, "an object with src, dst and weight")
        link = _add_link(network, _field(item, "src", str, where), _field(item, "dst", str, where),
                         _field(item, "weight", (int, float), where), item.get("frozen", False),
                         item.get("velocity", 0.0), acyclic)
        link.grad = _number(item.get("grad", 0.0), f"link {link.src.name} -> {link.dst.name}: grad")
    return network


def _add_neuron(network, name, kind, activation, output):
    if kind == INPUT:
        network.add_input(name)
    elif kind == BIAS:
        network.add_bias(name)
    elif kind == COMPUTING:
        if not isinstance(output, bool):
            raise FileFormatError(f"neuron {name!r}: output must be true or false, got {output!r}")
        network.add_neuron(name, activation=activation, output=output)
    else:
        raise FileFormatError(f"neuron {name!r} has kind {kind!r}: expected one of {', '.join(KINDS)}")


def _acyclic(links):
    """True if the links, as a whole, close no cycle: then each need not be checked as it is added."""
    graph = nx.DiGraph()
    graph.add_edges_from((item.get("src"), item.get("dst")) for item in links if isinstance(item, dict)
                         and isinstance(item.get("src"), str) and isinstance(item.get("dst"), str))
    return nx.is_directed_acyclic_graph(graph)


def _add_link(network, src, dst, weight, frozen, velocity, acyclic):
    if not isinstance(frozen, bool):
        raise FileFormatError(f"link {src} -> {dst}: frozen must be true or false, got {frozen!r}")
    velocity = _number(velocity, f"link {src} -> {dst}: velocity")
    if frozen and velocity != 0:
        raise FileFormatError(f"link {src} -> {dst} is frozen but has velocity {velocity!r}; "
                              "a frozen link keeps velocity 0")
    link = network._connect(src, dst, weight, frozen, cycles=not acyclic)
    link.velocity = velocity
    return link


def _number(value, what):
    number = as_number(value)
    if number is None or not math.isfinite(number):
        raise FileFormatError(f"{what} must be a finite number, got {value!r}")
    return number


def _edges_in_order(graph):
    edges = list(graph.edges(data=True))
    if all(isinstance(data.get("index"), int) for _, _, data in edges):
        edges.sort(key=lambda edge: edge[2]["index"])
    return edges


def _set_rng_state(network, state):
    try:
        network.rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as err:
        raise FileFormatError(f"rng is not a state of numpy's {type(network.rng.bit_generator).__name__} "
                              f"generator ({err}); remove the field to start from the seed") from None


def _field(data, key, types, where):
    if key not in data:
        raise FileFormatError(f"{where}: the field {key!r} is missing")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, types):
        names = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise FileFormatError(f"{where}: {key!r} must be of type {names}, got {value!r}")
    return value


def _expect(value, kind, where, what):
    if not isinstance(value, kind):
        raise FileFormatError(f"{where} must be {what}, got {type(value).__name__}")


def _reject_constant(name):
    raise ValueError(f"{name} is not a number nodenet accepts; weights must be finite")

"""Property tests: random DAGs survive save and load exactly; hostile JSON only ever raises NodenetError."""

import copy
import json
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings, strategies as st

import nodenet as nn
from nodenet.io import from_dict, to_dict
from dags import NoClearSamples, random_dag, random_samples


def quick(examples):
    return settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
FOLDER = Path(tempfile.mkdtemp())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)


def trained(seed, steps):
    net = random_dag(seed)
    try:
        inputs, targets = random_samples(net, seed, n=3)
    except NoClearSamples:      # 18 of the seeds: a kinked neuron that no input (17) or few (1) move
        reject()
    if steps:
        try:
            net.train(inputs, targets, epochs=steps, lr=0.05, momentum=0.9)
        except nn.DivergenceError:  # a few of the seeds: linear neurons that blow up at this rate
            reject()
    return net, inputs, targets


def went_on(net, inputs, targets):
    """Train two more epochs; return the steps done, and the divergence that stopped it, if one did.

    The divergence's message without its step number, which counts the history's steps:
    a loaded network's history starts afresh.
    """
    before = net.history.step_count
    try:
        net.train(inputs, targets, epochs=2, lr=0.05, momentum=0.9)
    except nn.DivergenceError as error:
        return net.history.step_count - before, re.sub(r"step \d+", "step", str(error))
    return net.history.step_count - before, None


@quick(100)
@given(seed=st.integers(0, 10_000), steps=st.integers(0, 3))
def test_random_dags_survive_save_and_load_exactly(seed, steps):
    net, inputs, targets = trained(seed, steps)
    path = FOLDER / f"net{seed}.json"
    net.save(path)
    loaded = nn.load(path)
    assert to_dict(loaded) == to_dict(net)
    for field in ("weight", "velocity", "grad", "frozen"):
        np.testing.assert_array_equal(getattr(loaded.state, field), getattr(net.state, field))
    # and they go on alike, shuffling included, or stop alike where the training diverges
    assert went_on(loaded, inputs, targets) == went_on(net, inputs, targets)
    np.testing.assert_array_equal(loaded.state.weight, net.state.weight)


def load_or_nodenet_error(data):
    """Load ``data``; anything but a network or a NodenetError fails the test."""
    try:
        network = from_dict(data)
    except nn.NodenetError:
        return None
    assert isinstance(network, nn.Network)
    return network


@quick(800)
@given(data=json_values)
def test_random_json_raises_only_nodenet_errors(data):
    load_or_nodenet_error(data)


VALID = [to_dict(trained(seed, 1)[0]) for seed in range(4)]


def places(data, path=()):
    """Every (path, value) inside nested dicts and lists."""
    yield path, data
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield from places(value, path + (key,))


@st.composite
def mutated(draw):
    data = copy.deepcopy(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 3))):
        spots = [path for path, _ in places(data) if path]
        path = draw(st.sampled_from(spots))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    return data


@quick(800)
@given(data=mutated())
def test_mutated_network_files_raise_only_nodenet_errors(data):
    load_or_nodenet_error(data)


@quick(400)
@given(index=st.sampled_from(range(len(VALID))), cut=st.floats(0, 1), junk=st.binary(max_size=20))
def test_truncated_or_garbled_network_files_raise_only_nodenet_errors(index, cut, junk):
    text = json.dumps(VALID[index]).encode()
    path = FOLDER / "cut.json"
    path.write_bytes(text[:int(cut * len(text))] + junk)
    try:
        nn.load(path)
    except nn.NodenetError:
        pass


SUMMARY_DIR = FOLDER / "run"


def summary_run():
    """A real run directory, made once."""
    if not SUMMARY_DIR.exists():
        scenario = nn.Scenario(lambda seed: nn.layered([2, 1], seed=seed), ([[0, 1], [1, 0]], [[1], [0]]),
                               name="tiny", epochs=2, formats=())
        scenario.run(SUMMARY_DIR, quiet=True)
    return json.loads((SUMMARY_DIR / "summary.json").read_text())


@st.composite
def mutated_summaries(draw):
    data = copy.deepcopy(summary_run())
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from([path for path, _ in places(data) if path]))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()):
            parent[path[-1]] = draw(json_values)
        else:
            del parent[path[-1]]
    return data


@quick(300)
@given(data=mutated_summaries())
def test_mutated_summaries_give_info_or_one_error_line(data):
    from nodenet.cli import main
    original = (SUMMARY_DIR / "summary.json").read_text()
    try:
        (SUMMARY_DIR / "summary.json").write_text(json.dumps(data))
        assert main(["info", str(SUMMARY_DIR)]) in (0, 2)      # never a traceback
    finally:
        (SUMMARY_DIR / "summary.json").write_text(original)


def test_a_network_with_no_clear_samples_is_named_instead_of_searched_forever():
    net = random_dag(1381)              # one of the seeds whose kinked neuron no input moves
    with pytest.raises(NoClearSamples, match="no inputs in 200 draws"):
        random_samples(net, 1381)

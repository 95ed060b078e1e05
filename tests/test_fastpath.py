"""The fast path gives the node-by-node schedule's numbers, and keeps its promises."""

import math
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import nodenet as nn
from nodenet import fastpath, kernels
from dags import random_dag, random_samples

STATE_FIELDS = ("weight", "velocity", "grad", "net", "out", "error", "delta")


def twins(seed, samples=10):
    """Two copies of one random DAG (skip links, frozen links, every activation) and its samples."""
    fast, node = random_dag(seed), random_dag(seed)
    inputs, targets = random_samples(fast, seed, n=samples)
    return fast, node, inputs, targets


def worst_difference(a, b):
    """The largest difference between two networks' numbers, read from the objects and the history."""
    worst = 0.0
    for x, y in zip(a.links, b.links):
        worst = max([worst] + [abs(getattr(x, f) - getattr(y, f)) for f in ("weight", "velocity", "grad")])
    for x, y in zip(a.neurons, b.neurons):
        worst = max([worst] + [abs(getattr(x, f) - getattr(y, f)) for f in ("net", "out", "error", "delta")])
    for field in ("weight", "dw", "grad"):
        worst = max(worst, float(np.max(np.abs(a.history.array(field) - b.history.array(field)))))
    worst = max(worst, float(np.max(np.abs(a.history.loss - b.history.loss))))
    return max(worst, float(np.max(np.abs(a.history.total_moved - b.history.total_moved))))


@pytest.mark.parametrize("batch_size", [1, 4, 7])      # 7: a step of four samples a pass, then three
@pytest.mark.parametrize("seed", range(8))
def test_fast_and_node_by_node_agree_over_a_thousand_momentum_steps(seed, batch_size):
    fast, node, inputs, targets = twins(seed)
    epochs = -(-1000 // nn.training.steps_per_epoch(len(inputs), batch_size))
    options = dict(epochs=epochs, lr=0.05, momentum=0.9, batch_size=batch_size)
    fast_losses = fast.train(inputs, targets, schedule="fast", **options)
    node_losses = node.train(inputs, targets, schedule="node", **options)
    assert fast.history.step_count == node.history.step_count >= 1000
    assert worst_difference(fast, node) <= 1e-12
    assert np.max(np.abs(fast_losses - node_losses)) <= 1e-12
    assert fast.history.steps.tolist() == node.history.steps.tolist()
    assert fast.rng.bit_generator.state == node.rng.bit_generator.state
    # the weights went somewhere: agreeing on a standstill would prove nothing
    moved = np.abs(fast.history.array("weight")[-1] - fast.history.initial)
    assert moved.max() > 1e-2


@pytest.mark.parametrize("batch_size", [4, 7, 13])
@pytest.mark.parametrize("seed", range(6))
def test_mini_batches_give_the_node_by_node_numbers_to_the_bit(seed, batch_size):
    fast, node, inputs, targets = twins(seed, samples=30)
    layered = [nn.layered([5, 9, 3], seed=seed) for _ in range(2)]
    X, Y = np.random.default_rng(seed).normal(size=(30, 5)), np.random.default_rng(seed).uniform(size=(30, 3))
    for (a, b), (x, y) in (((fast, node), (inputs, targets)), (layered, (X, Y))):
        assert_trained_alike_to_the_bit(a, b, x, y, epochs=20, lr=0.05, momentum=0.9, batch_size=batch_size)


def assert_trained_alike_to_the_bit(fast, node, inputs, targets, **options):
    """Train ``fast`` on the fast path and ``node`` node by node; their losses, state and history are identical."""
    losses = [net.train(inputs, targets, schedule=schedule, **options)
              for net, schedule in ((fast, "fast"), (node, "node"))]
    assert losses[0].tolist() == losses[1].tolist()
    for field in STATE_FIELDS:
        assert getattr(fast.state, field).tolist() == getattr(node.state, field).tolist(), field
    for field in ("weight", "dw", "grad"):
        assert fast.history.array(field).tolist() == node.history.array(field).tolist(), field
    assert fast.history.loss.tolist() == node.history.loss.tolist()


@pytest.mark.parametrize("batch_size", [8, 13, 32])
def test_sums_in_lanes_give_the_node_by_node_numbers_to_the_bit(batch_size):
    # nine hidden neurons fed by twelve sources: two blocks of four neurons and one left
    # over, a block of eight links and four left over; six outputs fed by ten. Forty
    # samples make batches of 8, of 13 (and one of 1), of 32 and 8: every block and every
    # remainder runs, with eight samples a pass and fewer
    fast, node = (nn.layered([11, 9, 6], seed=3) for _ in range(2))
    plan = fastpath.Plan.of(fast)
    assert plan.groups.tolist() == [0, 9, 15]
    assert [int(plan.down_ptr[n + 1] - plan.down_ptr[n]) for n in plan.forward[[0, -1]]] == [12, 10]
    rng = np.random.default_rng(batch_size)
    X, Y = rng.normal(size=(40, 11)), rng.uniform(size=(40, 6))
    assert_trained_alike_to_the_bit(fast, node, X, Y, epochs=15, lr=0.3, momentum=0.9, batch_size=batch_size)
    assert np.abs(fast.history.array("weight")[-1] - fast.history.initial).max() > 1e-2


def test_the_lane_blocks_sum_in_order_and_leave_the_rest():
    # the blocks of four neurons, on their own: nets for 8 of 13 samples, grads for 8 of
    # 12 links; each sum in the objects' order, from 0.0, as Python adds floats
    net = nn.layered([11, 9, 6], seed=3)
    plan, weight = fastpath.Plan.of(net), net.state.weight
    rng = np.random.default_rng(0)
    four, n = plan.forward[:4], net.state.n_neurons
    links = [plan.down_links[plan.down_ptr[neuron]:plan.down_ptr[neuron + 1]] for neuron in four]
    OUT, NET = rng.normal(size=(n, 16)), np.full((n, 16), 7.0)
    assert kernels._four_nets(four, plan.down_ptr, plan.down_links, plan.src, weight, OUT, NET, 13) == 8
    for neuron, its in zip(four, links):
        for b in range(8):
            s = 0.0
            for link in its:
                s += weight[link] * OUT[plan.src[link], b]
            assert NET[neuron, b] == s
    assert (np.delete(NET, four, axis=0) == 7.0).all() and (NET[four, 8:] == 7.0).all()
    XT, DELTA, sums = rng.normal(size=(16, n)), rng.normal(size=(n, 16)), np.full(len(weight), 7.0)
    assert kernels._four_link_sums(four, plan.down_ptr, DELTA, XT, sums, 12, 13) == 8
    for neuron in four:
        p = plan.down_ptr[neuron]
        for k in range(8):
            s = 0.0
            for b in range(13):
                s += DELTA[neuron, b] * XT[b, k]
            assert sums[p + k] == s
        assert (sums[p + 8:p + 12] == 7.0).all()
    assert (sums[plan.down_ptr[four[-1] + 1]:] == 7.0).all()
    # fewer than four neurons: no block, nothing written
    NET[:], sums[:] = 7.0, 7.0
    assert kernels._four_nets(four[:3], plan.down_ptr, plan.down_links, plan.src, weight, OUT, NET, 13) == 0
    assert kernels._four_link_sums(four[:3], plan.down_ptr, DELTA, XT, sums, 12, 13) == 0
    assert (NET == 7.0).all() and (sums == 7.0).all()


def test_the_wave_order_and_a_thinned_history_agree_too():
    fast, node, inputs, targets = twins(11)
    fast.history, node.history = nn.History(every=3), nn.History(every=3)
    fast.train(inputs, targets, epochs=30, lr=0.05, momentum=0.9, order="wave", schedule="fast")
    node.train(inputs, targets, epochs=30, lr=0.05, momentum=0.9, order="wave", schedule="node")
    assert fast.history.steps.tolist() == list(range(3, 301, 3))
    assert worst_difference(fast, node) <= 1e-12


def test_the_golden_example_on_the_fast_path():
    from golden import INPUTS, LR, TARGETS, golden_network
    fast, node = golden_network(), golden_network()
    fast.train([INPUTS], [TARGETS], epochs=10_000, lr=LR, schedule="fast")
    node.train([INPUTS], [TARGETS], epochs=10_000, lr=LR, schedule="node")
    assert fast.state.weight.tolist() == node.state.weight.tolist()
    assert fast.history.loss.tolist() == node.history.loss.tolist()


def test_the_history_is_complete_at_every_step():
    net = nn.layered([3, 5, 2], seed=0)
    X, Y = np.random.default_rng(0).normal(size=(20, 3)), np.random.default_rng(1).uniform(size=(20, 2))
    net.train(X, Y, epochs=7, lr=0.1, momentum=0.9, schedule="fast")
    history = net.history
    assert history.steps.tolist() == list(range(1, 141))
    assert history.array("weight").shape == (140, len(net.links))
    # each step's weight is the last one's plus its dw, exactly as the update adds them
    before = np.vstack([history.initial, history.array("weight")[:-1]])
    assert (before + history.array("dw") == history.array("weight")).all()
    assert history.array("weight")[-1].tolist() == net.state.weight.tolist()
    assert history.array("grad")[-1].tolist() == net.state.grad.tolist()


def test_auto_takes_the_fast_path_and_a_tracer_the_node_by_node_schedule(monkeypatch):
    calls = []
    real = kernels.run_steps
    monkeypatch.setattr(kernels, "run_steps", lambda *args: calls.append(1) or real(*args))
    net = nn.layered([2, 2, 1], seed=0)
    net.train([[0, 1]], [[1]], epochs=2, lr=0.5)
    assert calls
    calls.clear()
    tracer = nn.Tracer(net, detail="step")
    net.train([[0, 1]], [[1]], epochs=2, lr=0.5, tracer=tracer)
    assert not calls and len(tracer.frames) == 2 and tracer.events


def test_asking_for_the_fast_path_with_a_tracer_changes_nothing():
    net = nn.layered([1, 1], seed=0)
    with pytest.raises(nn.SettingError) as raised:
        net.train([[1.0]], [[0.0]], epochs=1, lr=0.1, schedule="fast", tracer=nn.Tracer(net))
    assert str(raised.value) == ("schedule='fast' cannot run here: a tracer is watching, and it records every "
                                 "operation, which only the node-by-node schedule makes; use schedule='auto' "
                                 "or 'node'")
    assert net.history.step_count == 0 and net.observer is None


def test_what_keeps_a_network_off_the_fast_path():
    nn.register_activation("cube_fast", lambda net: net ** 3, lambda net, out: 3 * net ** 2)
    assert fastpath.reason(nn.layered([1, 1], activation="cube_fast")) == (
        "neuron o1 has the custom activation 'cube_fast', which only the node-by-node schedule runs")
    assert fastpath.reason(nn.layered([1, 129])) == (
        "the network has 129 outputs, and the compiled loss takes 128 at most")
    assert fastpath.reason(nn.layered([1, 128], loss="softmax_ce", output_activation="linear")) is None
    with pytest.raises(nn.SettingError) as raised:
        nn.layered([1, 1]).train([[1.0]], [[0.0]], epochs=1, lr=0.1, schedule="quick")
    assert str(raised.value) == "unknown schedule 'quick': choose one of auto, node, fast"


@pytest.mark.parametrize("group_work", [1, 10_000])
def test_divergence_on_the_fast_path_is_the_node_by_node_divergence(monkeypatch, group_work):
    # group_work 1: every step is a group of its own; 10,000: the bad step is deep in a group
    monkeypatch.setattr(fastpath, "GROUP_WORK", group_work)
    errors, nets = [], []
    for schedule in ("fast", "node"):
        net = nn.layered([1, 1], activation="linear", seed=0)
        with pytest.raises(nn.DivergenceError) as raised:
            net.train([[10.0], [-10.0]], [[1.0], [0.0]], epochs=60, lr=5.0, shuffle=False, schedule=schedule)
        errors.append(str(raised.value))
        nets.append(net)
    assert errors[0] == errors[1]
    assert errors[0].startswith("training diverged at step ")
    fast, node = nets
    for field in STATE_FIELDS:
        assert getattr(fast.state, field).tolist() == getattr(node.state, field).tolist()
    assert fast.history.step_count == node.history.step_count
    assert fast.history.array("weight").tolist() == node.history.array("weight").tolist()
    assert fast.history.total_moved.tolist() == node.history.total_moved.tolist()


def test_ctrl_c_waits_for_the_group_of_steps_to_be_recorded(monkeypatch):
    monkeypatch.setattr(fastpath, "GROUP_WORK", 50)      # 3 steps a group for 13 links
    real, groups = kernels.run_steps, []

    def interrupted(*args):
        groups.append(args[4])
        if len(groups) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return real(*args)

    monkeypatch.setattr(kernels, "run_steps", interrupted)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        net = nn.layered([2, 3, 1], seed=0)
        X = np.random.default_rng(0).normal(size=(8, 2))
        with pytest.raises(KeyboardInterrupt):
            net.train(X, (X[:, :1] > 0) * 1.0, epochs=50, lr=0.5, momentum=0.9)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert groups == [3, 3, 2]
    assert net.history.step_count == len(net.history) == 8
    assert net.history.array("weight")[-1].tolist() == net.state.weight.tolist()
    assert net.history.array("dw")[-1].tolist() == net.state.velocity.tolist()


VALUES = [0.0, -0.0, 1e-300, -1e-300, 0.3775, -0.3775, 1.0, -2.5, 17.0, -17.0, 36.9, -36.9, 40.0, -745.2,
          710.0, -1e308, 1e308, math.inf, -math.inf] + np.random.default_rng(0).normal(0, 10, 200).tolist()


@pytest.mark.parametrize("name", kernels.ACTIVATIONS)
def test_compiled_activations_are_the_engines_to_the_bit(name):
    registered, code = nn.activation(name), kernels.ACTIVATIONS.index(name)
    for net in VALUES:
        out = registered.f(net)
        assert np.array_equal(kernels.activation(code, net), out, equal_nan=True), net
        assert np.array_equal(kernels.derivative(code, net, out), registered.derivative(net, out),
                              equal_nan=True), net


@pytest.mark.parametrize("name", kernels.LOSSES)
@pytest.mark.parametrize("width", [1, 3, 8, 10, 33, 128])
def test_compiled_losses_are_the_registrys_to_the_bit(name, width):
    rng = np.random.default_rng(width)
    loss, code = nn.loss(name), kernels.LOSSES.index(name)
    for samples in (1, 2, 7):                   # one call takes a batch, one sample a row
        O = rng.uniform(0.01, 0.99, (samples, width)) if name == "bce" else rng.normal(0, 3, (samples, width))
        T = rng.dirichlet(np.ones(width), samples) if name == "softmax_ce" else rng.uniform(0, 1, (samples, width))
        terms, error = np.empty(width), np.empty((samples, width))
        loss_sum, last = kernels.loss_error(code, O, T, terms, error)
        values = [loss.value(o, t) for o, t in zip(O, T)]
        for row, (o, t) in enumerate(zip(O, T)):
            assert error[row].tolist() == loss.error(o, t).tolist()
        assert terms.tolist() == loss.terms(O[-1], T[-1]).tolist()
        assert last == values[-1]
        assert loss_sum == sum(values)          # added in order, from 0.0


@pytest.mark.parametrize("n", list(range(0, 129)))
def test_total_adds_as_numpy_sum_does(n):
    values = np.random.default_rng(n).normal(0, 1, n) * 10.0 ** np.random.default_rng(n).integers(-8, 8, n)
    assert kernels.total(values) == float(np.sum(values))


def test_importing_nodenet_does_not_load_the_compiler():
    code = "import sys, nodenet; nodenet.layered([2, 1]).step([0, 1], [1], lr=0.1); print('numba' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_changes_by_hand_between_calls_reach_the_fast_path():
    fast, node, inputs, targets = twins(2)          # bce
    for net, schedule in ((fast, "fast"), (node, "node")):
        net.train(inputs, targets, epochs=5, lr=0.05, momentum=0.9, schedule=schedule)
        hidden = next(n for n in net.neurons if n.computing and not n.output and n.activation.name != "tanh")
        hidden.activation = nn.activation("tanh")
        net.links[0].weight = 0.75
        net.links[1].frozen = not net.links[1].frozen
        net.train(inputs, targets, epochs=5, lr=0.05, momentum=0.9, schedule=schedule)
    assert worst_difference(fast, node) <= 1e-12


def diverging_twins():
    return [nn.layered([1, 1], activation="linear", seed=0) for _ in range(2)]


# one epoch, one group of steps, diverging after a few
DIVERGING = dict(inputs=[[10.0], [-10.0]] * 60, targets=[[1.0], [0.0]] * 60, epochs=1, lr=5.0, shuffle=False)


@pytest.mark.parametrize("call", [1, 2])
def test_ctrl_c_in_a_diverging_group_still_undoes_the_bad_step(monkeypatch, call):
    # call 1: Ctrl-C during the group that diverges; call 2: during the run that redoes its good steps
    real, calls = kernels.run_steps, []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == call:
            os.kill(os.getpid(), signal.SIGINT)
        return real(*args)

    fast, node = diverging_twins()
    monkeypatch.setattr(kernels, "run_steps", interrupted)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(nn.DivergenceError) as fast_error:
            fast.train(schedule="fast", **DIVERGING)
    finally:
        signal.signal(signal.SIGINT, previous)
    with pytest.raises(nn.DivergenceError) as node_error:
        node.train(schedule="node", **DIVERGING)
    assert str(fast_error.value) == str(node_error.value) and len(calls) == 2
    assert fast.state.weight.tolist() == node.state.weight.tolist()
    assert fast.history.step_count == len(fast.history) == node.history.step_count
    assert fast.history.array("weight")[-1].tolist() == fast.state.weight.tolist()


def test_after_a_divergence_both_schedules_keep_the_same_last_loss():
    fast, node = diverging_twins()
    for net, schedule in ((fast, "fast"), (node, "node")):
        with pytest.raises(nn.DivergenceError):
            net.train(schedule=schedule, **DIVERGING)
        net.update(lr=0.01)
    assert fast.history.loss[-1] == node.history.loss[-1]
    assert fast.state.weight.tolist() == node.state.weight.tolist()


def test_a_history_cut_short_while_growing_grows_again(monkeypatch):
    import nodenet.history
    net = nn.layered([2, 3, 1], seed=0)
    X, Y = np.eye(2), [[1.0], [0.0]]
    net.train(X, Y, epochs=2, lr=0.5)
    capacity, real, calls = len(net.history.buffers()[3]), nodenet.history.grown, []

    def grown(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:                 # weight, dw, grad and loss have grown, steps not yet
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(nodenet.history, "grown", grown)
    with pytest.raises(KeyboardInterrupt):
        net.history.reserve(10 * capacity)
    monkeypatch.setattr(nodenet.history, "grown", real)
    assert len(net.history.buffers()[3]) == capacity
    twin = nn.layered([2, 3, 1], seed=0)
    for each, schedule in ((net, "fast"), (twin, "node")):
        each.train(X, Y, epochs=200 if each is net else 202, lr=0.5, schedule=schedule)
    assert net.history.array("weight").tolist() == twin.history.array("weight").tolist()


def test_odd_settings_the_node_by_node_schedule_takes():
    from fractions import Fraction
    fast, node, inputs, targets = twins(4)
    for net, schedule in ((fast, "fast"), (node, "node")):
        net.train(inputs, targets, epochs=3, lr=Fraction(1, 20), momentum=np.float32(0.5), batch_size=2 ** 64,
                  schedule=schedule)
        net.train(inputs, targets, epochs=3, lr=0.05, batch_size=3, schedule=schedule)
        net.update(lr=0.05)            # records the loss of the last sample the training saw
    assert worst_difference(fast, node) <= 1e-12
    assert fast.history.loss[-1] == node.history.loss[-1]


@pytest.mark.parametrize("seed", range(30))
def test_the_orders_are_networkxs_lexicographical_topological_orders(seed):
    import networkx as nx
    net = random_dag(seed)
    for src, dst in np.random.default_rng(seed).integers(0, len(net.neurons), size=(6, 2)):
        a, b = sorted((int(src), int(dst)))              # more links, some skipping far ahead
        names = [n.name for n in net.neurons]
        if a != b and net.neurons[b].computing and not net.graph.has_edge(names[a], names[b]):
            net.connect(names[a], names[b], weight=0.1)
    index = {n.name: n.index for n in net.neurons}
    forward = list(nx.lexicographical_topological_sort(net.graph, key=index.get))
    backward = list(nx.lexicographical_topological_sort(net.graph.reverse(copy=False), key=index.get))
    assert [n.name for n in net.forward_order] == forward
    assert [n.name for n in net.backward_order] == backward


@pytest.mark.parametrize("seed", range(30))
def test_the_orders_hold_when_neurons_are_added_out_of_order(seed):
    import networkx as nx
    rng = np.random.default_rng(seed)
    rank = rng.permutation(12)                  # neuron j sits at depth rank[j]; they are added by j
    net = nn.Network(seed=seed)
    for j in range(12):
        if rank[j] < 3:
            net.add_input(f"n{j}")
        else:
            net.add_neuron(f"n{j}", output=rank[j] >= 9)
    for a, b in rng.integers(0, 12, size=(40, 2)):
        src, dst = (int(a), int(b)) if rank[a] < rank[b] else (int(b), int(a))
        if rank[dst] >= 3 and rank[src] != rank[dst] and not net.graph.has_edge(f"n{src}", f"n{dst}"):
            net.connect(f"n{src}", f"n{dst}", weight=0.1)
    assert any(link.src.index > link.dst.index for link in net.links)     # some run backwards
    key = {n.name: n.index for n in net.neurons}.get
    assert [n.name for n in net.forward_order] == list(nx.lexicographical_topological_sort(net.graph, key=key))
    backward = nx.lexicographical_topological_sort(net.graph.reverse(copy=False), key=key)
    assert [n.name for n in net.backward_order] == list(backward)


def test_a_layer_is_one_group_until_a_skip_link_sets_a_neuron_apart():
    net = nn.layered([3, 4, 2], seed=0)
    assert fastpath.Plan.of(net).groups.tolist() == [0, 4, 6]      # the hidden layer, the outputs
    net.connect("i1", "o2", weight=0.1)
    assert fastpath.Plan.of(net).groups.tolist() == [0, 4, 5, 6]


@pytest.mark.parametrize("seed", range(10))
def test_the_plan_lists_each_neurons_links_as_the_objects_hold_them(seed):
    net = random_dag(seed)
    first = net.neurons[0]
    dst = next(n for n in reversed(net.neurons) if n.computing and not net.graph.has_edge(first.name, n.name))
    net.connect(first.name, dst.name, weight=0.1)       # a link made last, to a neuron made earlier
    plan = fastpath.Plan.of(net)
    assert plan.src.tolist() == [link.src.index for link in net.links]
    assert plan.dst.tolist() == [link.dst.index for link in net.links]
    for neuron in net.neurons:
        i = neuron.index
        down = plan.down_links[plan.down_ptr[i]:plan.down_ptr[i + 1]]
        up = plan.up_links[plan.up_ptr[i]:plan.up_ptr[i + 1]]
        assert down.tolist() == [link.index for link in neuron.downlinks]
        assert up.tolist() == [link.index for link in neuron.uplinks]
    # a group shares its sources, in order, and feeds none of its own members
    for g in range(len(plan.groups) - 1):
        group = [net.neurons[i] for i in plan.forward[plan.groups[g]:plan.groups[g + 1]]]
        sources = [[link.src for link in neuron.downlinks] for neuron in group]
        assert all(feeders == sources[0] for feeders in sources)
        assert not set(group).intersection(sources[0])
        if g:                                   # and no longer run would do
            before = net.neurons[plan.forward[plan.groups[g] - 1]]
            assert [link.src for link in before.downlinks] != sources[0]
    assert plan.groups[0] == 0 and plan.groups[-1] == len(plan.forward)
    # the backward pass takes each neuron after the ones its uplinks lead to
    position = {neuron: k for k, neuron in enumerate(plan.backward.tolist())}
    assert sorted(position) == sorted(plan.forward.tolist())
    for link in net.links:
        if link.src.computing:
            assert position[link.src.index] > position[link.dst.index]

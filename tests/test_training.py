"""The momentum rule, the two online orders, mini-batches and determinism."""

import numpy as np
import pytest

import nodenet as nn
from dags import random_dag, random_samples
from golden import INPUTS, LR, TARGETS, golden_network


def one_link_net():
    """out = w * x + 0.25 (a frozen bias), linear: grad of half_sse is (out - t) * x."""
    net = nn.Network(loss="half_sse")
    net.add_input("x")
    net.add_bias("b")
    net.add_neuron("y", activation="linear", output=True)
    net.connect("x", "y", weight=0.5)
    net.connect("b", "y", weight=0.25, frozen=True)
    return net


def test_momentum_rule_over_three_steps_by_hand():
    # x = 1, t = 0, lr = 0.1, momentum = 0.5:
    # step 1: out 0.75,  grad 0.75,  dw = -0.075                      -> w 0.425
    # step 2: out 0.675, grad 0.675, dw = -0.0675 + 0.5 * -0.075 = -0.105  -> w 0.32
    # step 3: out 0.57,  grad 0.57,  dw = -0.057 + 0.5 * -0.105 = -0.1095 -> w 0.2105
    net = one_link_net()
    w, b = net.link("x", "y"), net.link("b", "y")
    seen = []
    for _ in range(3):
        net.step([1.0], [0.0], lr=0.1, momentum=0.5)
        seen += [w.weight, w.velocity]
    assert seen == pytest.approx([0.425, -0.075, 0.32, -0.105, 0.2105, -0.1095], abs=1e-15)
    assert (b.weight, b.velocity, b.grad) == (0.25, 0.0, 0.57)


def test_frozen_links_never_move_over_momentum_training():
    net = random_dag(3)
    inputs, targets = random_samples(net, 3, n=8)
    frozen = [link for link in net.links if link.frozen]
    before = [link.weight for link in frozen]
    net.train(inputs, targets, epochs=20, lr=0.05, momentum=0.9)
    assert frozen and [link.weight for link in frozen] == before
    assert [link.velocity for link in frozen] == [0.0] * len(frozen)


def test_freezing_a_link_drops_its_momentum():
    net = one_link_net()
    net.step([1.0], [0.0], lr=0.1, momentum=0.5)
    link = net.link("x", "y")
    link.frozen = True
    assert link.velocity == 0.0
    net.step([1.0], [0.0], lr=0.1, momentum=0.5)
    assert link.weight == 0.425


@pytest.mark.parametrize("seed", range(10))
def test_phased_and_wave_orders_give_identical_weights(seed):
    phased, wave = random_dag(seed), random_dag(seed)
    inputs, targets = random_samples(phased, seed, n=5)
    a = phased.train(inputs, targets, epochs=5, lr=0.02, momentum=0.9, order="phased")
    b = wave.train(inputs, targets, epochs=5, lr=0.02, momentum=0.9, order="wave")
    assert a.tolist() == b.tolist()
    assert phased.state.weight.tolist() == wave.state.weight.tolist()
    assert phased.state.velocity.tolist() == wave.state.velocity.tolist()


def test_wave_order_on_the_golden_example_updates_uplinks_after_each_pull():
    net = golden_network()
    pulled, seen_weights = [], {}

    def then(neuron):
        pulled.append(neuron.name)
        seen_weights[neuron.name] = [link.weight for link in neuron.uplinks]
        for link in neuron.uplinks:
            link.update(LR)

    net.forward(INPUTS)
    net.backward(TARGETS, then=then)
    # reverse topological order, ties by the order the neurons were added (b2 before h1)
    assert pulled == ["o1", "o2", "b2", "h1", "h2", "i1", "i2", "b1"]
    # h1 pulled through w5, w7 before they changed
    assert seen_weights["h1"] == [0.40, 0.50]


def test_mini_batch_step_uses_the_mean_gradient():
    net = one_link_net()
    # samples x = 1 and x = 2, t = 0: grads (0.75 * 1) and (1.25 * 2), mean 1.625
    loss = nn.training.batch_step(net, *net.check_samples([[1.0], [2.0]], [[0.0], [0.0]]), lr=0.1)
    assert loss == pytest.approx((0.5 * 0.75 ** 2 + 0.5 * 1.25 ** 2) / 2, abs=1e-15)
    assert net.link("x", "y").grad == 1.625
    assert net.link("x", "y").weight == pytest.approx(0.5 - 0.1625, abs=1e-15)


def test_mini_batch_momentum_by_hand():
    # x = 1 and x = 2, t = 0, lr 0.1, momentum 0.5, one batch of both per step:
    # step 1: outs 0.75, 1.25; grads 0.75, 2.5; mean 1.625; dw -0.1625 -> w 0.3375
    # step 2: outs 0.5875, 0.925; grads 0.5875, 1.85; mean 1.21875;
    #         dw = -0.121875 + 0.5 * -0.1625 = -0.203125 -> w 0.134375
    net = one_link_net()
    net.train([[1.0], [2.0]], [[0.0], [0.0]], epochs=2, lr=0.1, momentum=0.5, batch_size=2, shuffle=False)
    link = net.link("x", "y")
    assert [link.weight, link.velocity, link.grad] == pytest.approx([0.134375, -0.203125, 1.21875], abs=1e-15)


def test_batch_larger_than_the_data_is_one_batch_per_epoch():
    a, b = one_link_net(), one_link_net()
    data = ([[1.0], [2.0]], [[0.0], [0.0]])
    a.train(*data, epochs=3, lr=0.1, batch_size=2, shuffle=False)
    b.train(*data, epochs=3, lr=0.1, batch_size=50, shuffle=False)
    assert a.link("x", "y").weight == b.link("x", "y").weight


def test_train_returns_the_mean_loss_of_each_epoch():
    net = one_link_net()
    losses = net.train([[1.0]], [[0.0]], epochs=2, lr=0.1)
    assert losses.tolist() == [0.5 * 0.75 ** 2, 0.5 * 0.675 ** 2]


def test_same_seed_same_run():
    def run():
        net = nn.layered([2, 3, 1], seed=42)
        X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
        losses = net.train(X, [[0], [1], [1], [0]], epochs=30, lr=0.5, momentum=0.9, batch_size=2)
        return losses.tolist(), net.state.weight.tolist()
    assert run() == run()
    other = nn.layered([2, 3, 1], seed=43)
    assert other.state.weight.tolist() != nn.layered([2, 3, 1], seed=42).state.weight.tolist()


def test_shuffle_visits_every_sample_once_per_epoch():
    net = one_link_net()
    seen = []
    original = nn.training._online_step

    def spy(network, x, t, lr, momentum, order):
        seen.append(float(x[0]))
        return original(network, x, t, lr, momentum, order)

    nn.training._online_step = spy
    try:
        net.train([[1.0], [2.0], [3.0], [4.0]], [[0]] * 4, epochs=3, lr=0.01, schedule="node")
    finally:
        nn.training._online_step = original
    epochs = [sorted(seen[i:i + 4]) for i in range(0, 12, 4)]
    assert epochs == [[1.0, 2.0, 3.0, 4.0]] * 3
    assert seen[:4] != seen[4:8] or seen[4:8] != seen[8:12]


def test_xor_is_learned_with_momentum():
    net = nn.layered([2, 3, 1], seed=1)
    X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    Y = [[0], [1], [1], [0]]
    losses = net.train(X, Y, epochs=2000, lr=0.5, momentum=0.9)
    assert losses[-1] < 0.01 < losses[0]
    assert [round(float(net.forward(x)[0])) for x in X] == [0, 1, 1, 0]


@pytest.mark.parametrize("seed", range(20))
def test_predict_gives_each_samples_forward_outputs_and_leaves_the_neurons_alone(seed):
    net = random_dag(seed)
    inputs, _ = random_samples(net, seed, n=5)
    net.forward(inputs[0])
    kept = net.state.snapshot()
    rows = np.array([net.forward(x) for x in inputs])
    net.state.restore(kept)
    np.testing.assert_allclose(net.predict(inputs), rows, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(net.state.out, kept["out"])


def test_predict_with_a_frames_weights_gives_that_frames_outputs():
    net = nn.layered([2, 3, 1], seed=0)
    tracer = nn.Tracer(net, detail="step")
    net.train([[0, 1], [1, 0]], [[1], [0]], epochs=3, lr=0.5, tracer=tracer)
    first = tracer.frames[0]
    net.state.weight[:] = first.links["weight"]
    expected = net.predict([[0.3, 0.7]])
    net.state.weight[:] = tracer.frames[-1].links["weight"]
    assert net.predict([[0.3, 0.7]], weights=first.links["weight"])[0, 0] == expected[0, 0]
    assert net.predict([[0.3, 0.7]])[0, 0] != expected[0, 0]

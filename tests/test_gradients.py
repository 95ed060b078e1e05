"""Analytic gradients against central finite differences on random DAGs."""

import pytest

import nodenet as nn
from dags import ACTIVATIONS, LOSSES, random_dag, random_samples

SEEDS = range(50)
H = 1e-4


def finite_difference(net, link, inputs, targets):
    """dE/dw of the mean loss over the samples, by the five-point central difference."""
    weight = link.weight
    loss = {}
    for k in (-2, -1, 1, 2):
        link.weight = weight + k * H
        loss[k] = net.evaluate(inputs, targets)
    link.weight = weight
    return (loss[-2] - 8 * loss[-1] + 8 * loss[1] - loss[2]) / (12 * H)


def relative_error(analytic, numeric):
    # below 1e-4 the floor keeps rounding noise of the difference quotient from counting
    return abs(analytic - numeric) / max(abs(analytic), abs(numeric), 1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_batch_gradient_matches_finite_differences(seed):
    net = random_dag(seed)
    inputs, targets = random_samples(net, seed)
    numeric = [finite_difference(net, link, inputs, targets) for link in net.links]
    frozen_before = {link.id: link.weight for link in net.links if link.frozen}
    nn.training.batch_step(net, *net.check_samples(inputs, targets), lr=0.1)
    errors = [relative_error(link.grad, n) for link, n in zip(net.links, numeric)]
    assert max(errors) < 1e-6, (net.loss.name, [(l.id, l.grad, n) for l, n in zip(net.links, numeric)])
    assert {link.id: link.weight for link in net.links if link.frozen} == frozen_before


def test_random_dags_cover_every_case():
    nets = [random_dag(seed) for seed in SEEDS]
    activations = {n.activation.name for net in nets for n in net.neurons if n.computing}
    assert activations == set(ACTIVATIONS)
    assert {net.loss.name for net in nets} == set(LOSSES)
    assert sum(link.frozen for net in nets for link in net.links) > 20
    assert all(net.neuron("c0").output and net.neuron("c0").uplinks for net in nets)
    assert sum(len(net.outputs) > 1 for net in nets) == 50
    skip = [link for net in nets for link in net.links
            if link.src.kind == "input" and any(l.src.computing for l in link.dst.downlinks)]
    assert len(skip) > 20


@pytest.mark.parametrize("seed", range(8))
def test_backward_of_one_sample_matches_finite_differences(seed):
    net = random_dag(seed)
    inputs, targets = random_samples(net, seed, n=1)
    numeric = [finite_difference(net, link, inputs, targets) for link in net.links]
    net.forward(inputs[0])
    net.backward(targets[0])
    assert max(relative_error(link.grad, n) for link, n in zip(net.links, numeric)) < 1e-6

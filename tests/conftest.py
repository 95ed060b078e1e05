"""Fixtures shared by the tests."""

import pytest

import nodenet as nn
from golden import INPUTS, LR, TARGETS, golden_network


@pytest.fixture(scope="session")
def golden_tracer():
    """One traced training step of the golden example, at detail "op" (17 frames)."""
    net = golden_network()
    tracer = nn.Tracer(net, detail="op")
    net.train([INPUTS], [TARGETS], epochs=1, lr=LR, tracer=tracer)
    return tracer

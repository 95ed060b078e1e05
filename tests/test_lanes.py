"""Lanes add and multiply as scalar code does, lane by lane, to the bit."""

import os
import platform
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

import nodenet as nn
from nodenet import kernels
from nodenet.lanes import WIDTH, load, sigmoid, splat, store, zeros


@njit
def lane_sums(w, X, out):
    """out[:8] = sum over k of w[k] * X[k, :8], from +0.0, in the order of k."""
    s = zeros()
    for k in range(w.size):
        s = s + splat(w[k]) * load(X[k], 0)
    store(out, 0, s)


@njit
def scalar_sums(w, X, out):
    for j in range(WIDTH):
        s = 0.0
        for k in range(w.size):
            s += w[k] * X[k, j]
        out[j] = s


def terms(seed):
    """Weights and a row of eight numbers per term, of magnitudes far apart, so that the order of the adds shows."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 70))
    w = rng.normal(size=n) * 10.0 ** rng.integers(-12, 12, n)
    return w, rng.normal(size=(n, WIDTH)) * 10.0 ** rng.integers(-12, 12, (n, WIDTH))


@pytest.mark.parametrize("seed", range(20))
def test_a_sum_in_lanes_is_the_scalar_sum_to_the_bit(seed):
    w, X = terms(seed)
    lanes, scalar = np.empty(WIDTH), np.empty(WIDTH)
    lane_sums(w, X, lanes)
    scalar_sums(w, X, scalar)
    assert lanes.tolist() == scalar.tolist()


def test_the_terms_tell_the_orders_of_the_adds_apart():
    differ = 0
    for seed in range(20):
        w, X = terms(seed)
        forward, reversed_ = np.empty(WIDTH), np.empty(WIDTH)
        scalar_sums(w, X, forward)
        scalar_sums(w[::-1].copy(), X[::-1].copy(), reversed_)
        differ += forward.tolist() != reversed_.tolist()
    assert differ >= 15


def test_no_fused_multiply_add():
    # -1.0 + 0.1 * 10: the product rounds to exactly 1.0, so the sum is 0.0; a fused
    # multiply-add keeps the product's rounding error and gives 2 ** -54 instead
    w, X = np.array([1.0, 0.1]), np.vstack([np.full(WIDTH, -1.0), np.full(WIDTH, 10.0)])
    out = np.empty(WIDTH)
    lane_sums(w, X, out)
    assert out.tolist() == [0.0] * WIDTH
    assert Fraction(0.1) * 10 - 1 == Fraction(2.0 ** -54)        # what one rounding, fused, keeps


def test_zeros_are_positive_and_signs_of_zero_add_as_scalars_do():
    out = np.empty(WIDTH)
    lane_sums(np.array([-1.0]), np.zeros((1, WIDTH)), out)       # +0.0 + -0.0
    assert np.signbit(out).tolist() == [False] * WIDTH


@njit
def shifted(a, i, b, j):
    store(b, j, load(a, i))


def test_load_and_store_take_eight_numbers_from_where_they_are_told():
    a, b = np.arange(20.0), np.full(12, -1.0)
    shifted(a, 5, b, 3)
    assert b.tolist() == [-1.0] * 3 + list(range(5, 13)) + [-1.0]


@pytest.mark.parametrize("bad", [np.zeros((2, 8)), np.zeros(16)[::2], np.zeros(8, dtype=np.int64),
                                 np.zeros(8, dtype=np.float32)])
def test_lanes_take_contiguous_float64_vectors_only(bad):
    with pytest.raises(TypingError, match="lanes load and store a contiguous 1-d float64 array, not"):
        shifted(bad, 0, np.zeros(8), 0)


def test_lanes_take_integer_indices_only():
    with pytest.raises(TypingError, match="lanes load and store from an integer index, not float64"):
        shifted(np.zeros(8), 0.0, np.zeros(8), 0)


@njit
def lane_sigmoids(net, out):
    for b in range(0, net.size, WIDTH):
        store(out, b, sigmoid(load(net, b)))


@njit
def compiled_sigmoids(net, out):
    for b in range(net.size):
        out[b] = kernels.activation(kernels.SIGMOID, net[b])


EDGES = [0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 0.3775, -0.3775, 36.9, -36.9, 37.5, -37.5, 708.39, -708.39,
         720.0, -720.0, 744.4, -744.4, 745.13, -745.13, 745.14, -745.14, 745.2, -745.2, 800.0, -800.0, 1e308,
         -1e308, np.inf, -np.inf, np.nan, -np.nan]


def test_sigmoid_in_lanes_is_the_engines_to_the_bit():
    rng = np.random.default_rng(0)
    nets = np.concatenate([rng.normal(0, scale, 4000) for scale in (1e-3, 0.3, 3.0, 30.0, 300.0)]
                          + [-rng.uniform(708, 746, 2000), EDGES])      # the last: outs below the smallest normal
    nets = np.concatenate([nets, np.zeros(-nets.size % WIDTH)])
    out, compiled = np.empty_like(nets), np.empty_like(nets)
    lane_sigmoids(nets, out)
    compiled_sigmoids(nets, compiled)
    engine = np.array([nn.activation("sigmoid").f(net) for net in nets.tolist()])
    number = ~np.isnan(engine)
    for got in (out, compiled):
        assert np.array_equal(got.view(np.int64)[number], engine.view(np.int64)[number])
        assert np.isnan(got[~number]).all() and (~number).sum() == 2
    # e^-745.13 is just over half the smallest float, e^-745.14 just under
    assert out[nets == -745.13].tolist() == [5e-324] and out[nets == -745.14].tolist() == [0.0]


def test_sigmoid_in_lanes_is_the_compiled_engines_over_a_million_numbers():
    # the engine's scalar sigmoid, compiled, is the engine's to the bit (tests/test_fastpath.py)
    rng = np.random.default_rng(1)
    nets = rng.normal(0, 1, 1 << 20) * 10.0 ** rng.uniform(-4, 2.5, 1 << 20)
    lanes, scalar = np.empty_like(nets), np.empty_like(nets)
    lane_sigmoids(nets, lanes)
    compiled_sigmoids(nets, scalar)
    assert np.array_equal(lanes.view(np.int64), scalar.view(np.int64))


def test_lanes_sigmoid_takes_lanes_only():
    with pytest.raises(TypingError, match="lanes sigmoid takes lanes, not float64"):
        njit(lambda x: sigmoid(x))(0.5)


NARROW = """
import numpy as np, nodenet as nn
from nodenet import kernels
fast, node = (nn.layered([11, 9, 6], seed=3) for _ in range(2))
rng = np.random.default_rng(0)
X, Y = rng.normal(size=(40, 11)), rng.uniform(size=(40, 6))
for net, schedule in ((fast, "fast"), (node, "node")):
    net.train(X, Y, epochs=5, lr=0.3, momentum=0.9, batch_size=13, schedule=schedule)
same = all(getattr(fast.state, f).tolist() == getattr(node.state, f).tolist()
           for f in ("weight", "velocity", "grad", "net", "out", "error", "delta"))
same = same and fast.history.array("weight").tolist() == node.history.array("weight").tolist()
asm = kernels._four_nets.inspect_asm(kernels._four_nets.signatures[0])
print(same, "%ymm" in asm or "%zmm" in asm, "%xmm" in asm)
"""


def test_narrower_vectors_give_the_same_numbers(tmp_path):
    # compiled for the baseline processor (on x86-64, SSE2: two float64s a register),
    # LLVM splits each eight-lane operation, and the numbers stay those of the objects
    environment = dict(os.environ, NUMBA_CPU_NAME="generic", NUMBA_CACHE_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", NARROW], env=environment, capture_output=True, text=True, check=True)
    same, wide, narrow = done.stdout.split()
    assert same == "True"
    if platform.machine() in ("x86_64", "AMD64"):
        assert (wide, narrow) == ("False", "True")

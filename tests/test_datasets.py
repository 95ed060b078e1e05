"""The datasets: truth tables by hand, and each 2-D dataset's geometry checked on its own terms."""

import subprocess
import sys

import numpy as np
import pytest

import nodenet as nn
from nodenet import datasets

NAMES = ["circle", "xor", "gauss", "spiral"]
TABLES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0],
          "nand": [1, 1, 1, 0], "nor": [1, 0, 0, 0], "xnor": [1, 0, 0, 1]}


def classes(X, Y):
    """The points of class 0 and of class 1."""
    return X[Y[:, 0] == 0], X[Y[:, 0] == 1]


def radius(points):
    return np.hypot(points[:, 0], points[:, 1])


@pytest.mark.parametrize("gate", TABLES)
def test_truth_tables_by_hand(gate):
    X, Y = datasets.truth_table(gate)
    assert X.tolist() == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert Y.tolist() == [[float(t)] for t in TABLES[gate]]
    assert (X.dtype, Y.dtype, Y.shape) == (np.float64, np.float64, (4, 1))


def test_truth_tables_are_fresh_arrays():
    X, Y = datasets.truth_table("and")
    X[:] = 7.0
    Y[:] = 7.0
    assert datasets.truth_table("and")[0][3].tolist() == [1.0, 1.0]
    assert datasets.truth_table("and")[1].ravel().tolist() == [0.0, 0.0, 0.0, 1.0]


@pytest.mark.parametrize("gate, pattern", [
    ("nxor", r"unknown gate 'nxor' \(did you mean 'xor'\?\); known gates: and, or, xor, nand, nor, xnor"),
    ("AND", r"unknown gate 'AND'.*known gates: and, or"),
    (2, r"unknown gate 2"),
])
def test_unknown_gate(gate, pattern):
    with pytest.raises(nn.UnknownNameError, match=pattern):
        datasets.truth_table(gate)


def test_names_in_order():
    assert datasets.names() == NAMES


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", [2, 3, 7, 200])
def test_shapes_types_and_balance(name, n):
    X, Y = datasets.make(name, n=n, noise=0.1, seed=4)
    assert (X.shape, Y.shape, X.dtype, Y.dtype) == ((n, 2), (n, 1), np.float64, np.float64)
    assert set(Y.ravel().tolist()) <= {0.0, 1.0}
    assert (int(Y.sum()), int((Y == 0).sum())) == (n // 2, n - n // 2)
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", NAMES)
def test_make_is_the_named_function(name):
    X, Y = datasets.make(name, n=50, noise=0.2, seed=9)
    X2, Y2 = getattr(datasets, name)(50, noise=0.2, seed=9)
    assert np.array_equal(X, X2) and np.array_equal(Y, Y2)


@pytest.mark.parametrize("name", NAMES)
def test_samples_are_shuffled(name):
    Y = datasets.make(name, n=200)[1].ravel()
    changes = np.count_nonzero(np.diff(Y))
    assert changes > 50      # sorted labels would change once; a fair shuffle ~100 times


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_data_other_seed_other_data(name):
    first, again, other = (datasets.make(name, n=100, noise=0.1, seed=s) for s in (5, 5, 6))
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("name", NAMES)
def test_noise_is_gaussian_of_the_given_size_and_changes_nothing_else(name):
    clean_X, clean_Y = datasets.make(name, n=4000, seed=2)
    noisy_X, noisy_Y = datasets.make(name, n=4000, noise=0.1, seed=2)
    assert np.array_equal(clean_Y, noisy_Y)
    shift = noisy_X - clean_X
    assert np.abs(shift.mean(axis=0)).max() < 0.01
    assert shift.std(axis=0) == pytest.approx([0.1, 0.1], abs=0.005)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coordinates_within_the_square_without_noise(name, seed):
    X = datasets.make(name, n=1000, seed=seed)[0]
    assert np.abs(X).max() <= 1.0
    assert np.abs(X).max() > 0.8          # and they use it: scaled to the square, not inside it


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_circle_inner_class_is_inside_the_ring(seed):
    outer, inner = classes(*datasets.circle(n=500, seed=seed))
    assert radius(inner).max() < radius(outer).min()
    assert radius(inner).max() <= 0.5 and 0.7 <= radius(outer).min() and radius(outer).max() <= 1.0


def test_circle_angles_go_all_the_way_round():
    outer, inner = classes(*datasets.circle(n=2000, seed=0))
    for points in (outer, inner):
        quadrants = np.unique(np.sign(points), axis=0).tolist()
        assert quadrants == [[-1, -1], [-1, 1], [1, -1], [1, 1]]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_label_is_whether_x_times_y_is_positive(seed):
    X, Y = datasets.xor(n=500, seed=seed)
    assert np.array_equal(X[:, 0] * X[:, 1] > 0, Y[:, 0] == 1)
    assert np.abs(X).min() >= 0.05        # the margin keeps labels clear of the axes


def test_xor_fills_all_four_quadrants():
    X, Y = datasets.xor(n=400, seed=0)
    counts = [np.count_nonzero((np.sign(X) == corner).all(axis=1)) for corner in ([1, 1], [-1, -1], [1, -1], [-1, 1])]
    assert min(counts) > 70 and sum(counts) == 400


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gauss_blobs_sit_on_opposite_corners(seed):
    negative, positive = classes(*datasets.gauss(n=1000, seed=seed))
    assert positive.mean(axis=0) == pytest.approx([0.5, 0.5], abs=0.02)
    assert negative.mean(axis=0) == pytest.approx([-0.5, -0.5], abs=0.02)
    assert positive.std(axis=0) == pytest.approx([0.15, 0.15], abs=0.015)
    assert (positive >= 0).all() and (negative <= 0).all()


def test_gauss_with_much_noise_overlaps():
    negative, positive = classes(*datasets.gauss(n=1000, noise=0.5, seed=0))
    assert (positive.sum(axis=1) < 0).any() and (negative.sum(axis=1) > 0).any()


@pytest.mark.parametrize("n", [2, 10, 200])
def test_spiral_class_zero_is_class_one_turned_half_a_turn(n):
    zero, one = classes(*datasets.spiral(n=n, seed=3))
    turned = -zero
    distance = np.hypot(*(turned[:, None, :] - one[None, :, :]).transpose(2, 0, 1))
    assert distance.min(axis=1).max() < 1e-12 and distance.min(axis=0).max() < 1e-12


@pytest.mark.parametrize("n", [9, 200])
def test_spiral_points_lie_on_their_arm(n):
    # on arm 1 the angle grows by 1.75 turns from radius 0 to radius 1; arm 0 is half a turn on
    zero, one = classes(*datasets.spiral(n=n, seed=0))
    for points, start in ((one, 0.0), (zero, np.pi)):
        angle = np.arctan2(points[:, 1], points[:, 0])
        lag = np.angle(np.exp(1j * (angle - 1.75 * 2 * np.pi * radius(points) - start)))
        assert np.abs(lag).max() < 1e-9
        steps = np.diff(np.sort(radius(points)))
        assert steps == pytest.approx(np.full(len(points) - 1, 1 / len(points)))


def test_spiral_seed_only_shuffles_without_noise():
    first, other = datasets.spiral(n=50, seed=0), datasets.spiral(n=50, seed=1)
    order = [np.lexsort((X[:, 1], X[:, 0])) for X, _ in (first, other)]
    assert np.allclose(first[0][order[0]], other[0][order[1]])
    assert np.array_equal(first[1][order[0]], other[1][order[1]])


@pytest.mark.parametrize("n", [1, 0, -5, 2.0, True, "200", None])
def test_bad_n(n):
    with pytest.raises(nn.SettingError, match=r"n must be a whole number >= 2 .*, got " + repr(n)):
        datasets.circle(n)


@pytest.mark.parametrize("noise", [-0.1, float("nan"), float("inf"), "0.1", True, None])
def test_bad_noise(noise):
    with pytest.raises(nn.SettingError, match=r"noise must be a finite number >= 0 \(a standard deviation"):
        datasets.xor(noise=noise)


@pytest.mark.parametrize("seed", [-1, 1.5, True, None, "0"])
def test_bad_seed(seed):
    with pytest.raises(nn.SettingError, match=r"seed must be a whole number >= 0, got " + repr(seed)):
        datasets.gauss(seed=seed)


def test_numpy_numbers_are_accepted():
    X, Y = datasets.spiral(np.int64(6), noise=np.float64(0.1), seed=np.uint8(1))
    assert np.array_equal(X, datasets.spiral(6, noise=0.1, seed=1)[0])


@pytest.mark.parametrize("name, pattern", [
    ("spirals", r"unknown dataset 'spirals' \(did you mean 'spiral'\?\); known datasets: circle, xor, gauss, spiral"),
    ("moons", r"unknown dataset 'moons'; known datasets: circle, xor, gauss, spiral"),
    (None, r"unknown dataset None"),
])
def test_unknown_dataset(name, pattern):
    with pytest.raises(nn.UnknownNameError, match=pattern):
        datasets.make(name)


def test_make_checks_its_settings():
    with pytest.raises(nn.SettingError, match="n must be a whole number >= 2"):
        datasets.make("circle", n=1)


def test_importing_datasets_does_not_import_matplotlib():
    script = "import sys, nodenet.datasets; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "False"

"""Fixtures shared by the tests."""

import pytest

from golden import traced_golden


@pytest.fixture(scope="session")
def golden_tracer():
    """One traced training step of the golden example, at detail "op" (17 frames)."""
    return traced_golden("op")

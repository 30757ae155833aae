"""Soak variants: marked ``slow`` and run only when asked for.

The default test run (and CI) runs the short version of every reliability
test; ``LASTMILE_SOAK=1`` runs the long ones as well (``-m slow`` selects only
them). A soak test skipped for want of the variable says so in the summary.
"""

import os
from collections.abc import Callable
from typing import TypeVar

import pytest

SOAK = os.environ.get("LASTMILE_SOAK", "") == "1"

Test = TypeVar("Test", bound=Callable[..., object])


def soak(test: Test) -> Test:
    """Mark ``test`` slow, and skip it unless LASTMILE_SOAK=1."""
    skip = pytest.mark.skipif(not SOAK, reason="soak variant: set LASTMILE_SOAK=1 to run it")
    marked: Test = pytest.mark.slow(skip(test))
    return marked

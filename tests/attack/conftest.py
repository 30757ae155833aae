"""The attack suite: LastMile attacked as a hostile insider, a curious colleague
and a broken phone would attack it. Every test records its tries and
violations through the ``attack`` fixture (``tests/attack/tally.py``); the run
prints the figures and fails on any violation."""

from tests.attack.tally import attack

__all__ = ["attack"]

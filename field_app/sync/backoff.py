"""Exponential back-off with full jitter (delay = uniform(0, min(cap, base·2ⁿ))).

Hundreds of phones lose the same cell tower at once and get it back at once;
without jitter they would all retry in the same second, every time. Full
jitter spreads them over the whole window while keeping the expected wait
growing with each failure.
"""

import random
from dataclasses import dataclass, field

BASE_SECONDS = 2.0
CAP_SECONDS = 300.0
_MAX_EXPONENT = 30
"""Far past the cap already; keeps 2ⁿ from growing without bound."""


@dataclass
class Backoff:
    rng: random.Random = field(default_factory=random.Random)
    base: float = BASE_SECONDS
    cap: float = CAP_SECONDS
    failures: int = 0

    def ceiling(self) -> float:
        """The longest the next wait may be."""
        growth = float(2 ** min(self.failures, _MAX_EXPONENT))
        return min(self.cap, self.base * growth)

    def next_delay(self) -> float:
        """Seconds to wait after one more failure."""
        delay = float(self.rng.uniform(0.0, self.ceiling()))
        self.failures += 1
        return delay

    def reset(self) -> None:
        """After a success the next failure starts from the base again."""
        self.failures = 0

"""How a server process runs its interpreter.

A push or a pull page builds tens of thousands of objects that all live
until the answer is sent. At CPython's default threshold (a young-generation
collection every 700 net allocations) the cyclic garbage collector traced
them again and again, and the full collections it triggered walked the whole
heap: about a third of the CPU of a 10k push plus pull (docs/performance.md).
A server process therefore collects less often, and first moves everything
loaded at start-up (modules, the app, its schemas) out of the collector's
sight: it lives as long as the process anyway.
"""

import gc

YOUNG_THRESHOLD = 50_000
"""Net allocations between young-generation collections (CPython: 700)."""


def tune_garbage_collection() -> None:
    """Call once per server process, after the app is built, before serving."""
    _, middle, old = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)

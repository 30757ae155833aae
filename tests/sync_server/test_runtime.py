"""A server process collects garbage less often, with start-up's objects
frozen out of the collector's view (``core/runtime.py``)."""

import gc

from sync_server.core.runtime import YOUNG_THRESHOLD, tune_garbage_collection


def test_a_server_process_collects_less_often_and_freezes_its_start_up() -> None:
    saved = gc.get_threshold()
    try:
        tune_garbage_collection()
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *saved[1:])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*saved)

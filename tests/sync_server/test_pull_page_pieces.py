"""A pull page written in pieces is the same page as one written whole.

On PostgreSQL a page's changes are read while it is sent, ``_CHUNK`` at a
time; the commas between pieces, the cursor and ``more`` are decided as the
changes go by. Every count around the piece size and the limit must give
valid JSON holding exactly the first ``limit`` changes in version order,
``more`` when there was one more, and a cursor at the last change sent
(or at the newest version, when the page holds everything).
"""

import json

import pytest

from sync_server.services.sync.pull import _CHUNK, Cursor, EncodedPage

EPOCH = "epoch-1"
HIGH = 99_999


def _changes(count: int) -> list[tuple[int, bytes]]:
    return [(10 + 3 * n, json.dumps({"n": n}).encode()) for n in range(count)]


@pytest.mark.parametrize("limit", [1, _CHUNK - 1, _CHUNK, _CHUNK + 1, 2 * _CHUNK, 5000])
@pytest.mark.parametrize(
    "count", [0, 1, _CHUNK - 1, _CHUNK, _CHUNK + 1, 2 * _CHUNK, 2 * _CHUNK + 1, 5001]
)
def test_every_count_around_a_piece_and_the_limit_gives_the_page(count: int, limit: int) -> None:
    changes = _changes(count)
    page = EncodedPage(iter(changes), limit, EPOCH, HIGH, streamed=True)
    pieces = list(page.chunks())

    decoded = json.loads(b"".join(pieces))

    sent = changes[:limit]
    assert decoded["changes"] == [json.loads(change) for _, change in sent]
    assert decoded["more"] is (count > limit)
    expected_version = sent[-1][0] if count > limit else HIGH
    assert Cursor.decode(decoded["cursor"]) == Cursor(EPOCH, expected_version)
    assert len(pieces) == len(sent) // _CHUNK + 1


def test_an_empty_page_points_at_the_newest_version() -> None:
    page = EncodedPage([], 500, EPOCH, HIGH)
    decoded = json.loads(page.to_json())
    assert decoded == {"changes": [], "cursor": Cursor(EPOCH, HIGH).encode(), "more": False}
    assert not page.streamed

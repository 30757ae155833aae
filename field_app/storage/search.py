"""Tokens for the local full-text index.

Chinese has no spaces, so text is indexed as single characters and
character pairs (a two-character name or word is found by its pair); other
scripts by lower-cased words. Personal names are indexed only as blind
tokens (keyed hashes), so the index holds no name in clear.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9a-z]+")


def _runs(text: str) -> Iterable[tuple[bool, str]]:
    text = unicodedata.normalize("NFKC", text).lower()
    position = 0
    for match in _CJK.finditer(text):
        yield False, text[position : match.start()]
        yield True, match.group()
        position = match.end()
    yield False, text[position:]


def index_tokens(text: str) -> list[str]:
    """Tokens to index for ``text``: every CJK character and pair, every word."""
    tokens: list[str] = []
    for is_cjk, run in _runs(text):
        if is_cjk:
            tokens.extend(run)
            # Pairs by joining each character with the next, in C: a first sync
            # tokenises every visit note, and a generator here was its largest cost.
            tokens.extend(map(str.__add__, run, run[1:]))
        else:
            tokens.extend(_WORD.findall(run))
    return tokens


def query_tokens(text: str) -> list[str]:
    """Tokens a query must all match: CJK pairs (or the single character), words."""
    tokens: list[str] = []
    for is_cjk, run in _runs(text):
        if is_cjk:
            tokens.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            tokens.extend(_WORD.findall(run))
    return tokens


def blind_tokens(name: str, blind: Callable[[str], str]) -> list[str]:
    return [blind(token) for token in index_tokens(name)]


def fts_query(tokens: Iterable[str]) -> str:
    """An FTS5 query matching rows that contain every token (quoted, so no syntax leaks)."""
    return " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)

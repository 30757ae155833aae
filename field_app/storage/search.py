"""Tokens for the local full-text index.

Chinese has no spaces, so text is indexed as single characters and
character pairs (a two-character name or word is found by its pair); other
scripts by lower-cased words. Personal names are indexed only as blind
tokens (keyed hashes), so the index holds no name in clear.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"([{_CJK}]+)|[0-9a-z]+")
"""A run of CJK characters (group 1), or a word of another script."""


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def index_tokens(text: str) -> list[str]:
    """Tokens to index for ``text``: every CJK character and pair, every word.

    One regular expression finds CJK runs and words in text order; a first
    sync tokenises every visit note, so this stays a single C-level scan."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(_normal(text)):
        run = match.group()
        if match.start(1) == -1:
            tokens.append(run)
        else:
            tokens.extend(run)
            # Pairs by joining each character with the next, in C.
            tokens.extend(map(str.__add__, run, run[1:]))
    return tokens


def query_tokens(text: str) -> list[str]:
    """Tokens a query must all match: CJK pairs (or the single character), words."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(_normal(text)):
        run = match.group()
        if match.start(1) == -1 or len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(map(str.__add__, run, run[1:]))
    return tokens


def blind_tokens(name: str, blind: Callable[[str], str]) -> list[str]:
    return [blind(token) for token in index_tokens(name)]


def fts_query(tokens: Iterable[str]) -> str:
    """An FTS5 query matching rows that contain every token (quoted, so no syntax leaks)."""
    return " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)

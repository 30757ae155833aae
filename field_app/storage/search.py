"""Tokens for the local full-text index.

Chinese has no spaces, so text is indexed as single characters and
character pairs (a two-character name or word is found by its pair); other
scripts by lower-cased words. Every token is stored only blind (a keyed
hash, ``FieldCipher.blind_token``), and a record's tokens are stored as a
sorted set: the index holds no text, not even the order of its characters
(which would let a frequency analysis read it like a substitution cipher).
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


def blind_index_tokens(texts: Iterable[str], blind: Callable[[str], str]) -> str:
    """The index entry of a record's searchable ``texts``: their distinct
    tokens, blinded, in sorted (that is, hash) order."""
    tokens = {token for text in texts if text for token in index_tokens(text)}
    return " ".join(sorted(map(blind, tokens)))


def fts_query(tokens: Iterable[str]) -> str:
    """An FTS5 query matching rows that contain every token (quoted, so no syntax leaks)."""
    return " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)

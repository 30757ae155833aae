"""AES-256-GCM with the device's data key: the ``FieldCipher`` of the app.

Two subkeys are derived from the data key with HKDF, one for encryption and
one for blind search tokens, so a search token never reveals anything about
the encryption key and vice versa. A blind token is keyed BLAKE2b (a PRF),
64 bits: a collision only adds a false hit to a search; it is a single C
call, where HMAC-SHA256 with base32 cost several times as much per token,
and a first sync blinds every character and pair of every text.
"""

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TEXT_PREFIX = "e1."
"""Marks an encrypted text value (and its format version) in a column."""
_NONCE = 12


def _subkey(data_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(data_key)


class DataKeyCipher:
    """Encrypts and decrypts with a 32-byte data key (never stored in clear)."""

    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != 32:
            raise ValueError("the data key must be 32 bytes")
        self._aead = AESGCM(_subkey(data_key, b"lastmile field encryption v1"))
        self._blind_key = _subkey(data_key, b"lastmile blind index v2")

    def encrypt_bytes(self, plaintext: bytes, context: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def decrypt_bytes(self, ciphertext: bytes, context: str) -> bytes:
        try:
            return self._aead.decrypt(ciphertext[:_NONCE], ciphertext[_NONCE:], context.encode())
        except InvalidTag:
            raise ValueError("encrypted data was altered or belongs elsewhere") from None

    def encrypt_text(self, plaintext: str, context: str) -> str:
        sealed = self.encrypt_bytes(plaintext.encode("utf-8"), context)
        return TEXT_PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")

    def decrypt_text(self, ciphertext: str, context: str) -> str:
        if not ciphertext.startswith(TEXT_PREFIX):
            raise ValueError("not an encrypted value")
        sealed = base64.urlsafe_b64decode(ciphertext[len(TEXT_PREFIX) :])
        return self.decrypt_bytes(sealed, context).decode("utf-8")

    def blind_token(self, term: str) -> str:
        return hashlib.blake2b(term.encode("utf-8"), key=self._blind_key, digest_size=8).hexdigest()

"""What the local store needs from encryption, and nothing more.

Personal fields (names of parties and subjects, ID numbers, phones,
addresses) and blobs are stored encrypted with the device's data key. Every
ciphertext is bound to where it lives (``context``, used as AES-GCM
associated data), so a value copied into another record or field does not
decrypt. ``blind_token`` gives keyed hashes for searching encrypted names
without storing them in clear.
"""

from typing import Protocol


class FieldCipher(Protocol):
    def encrypt_text(self, plaintext: str, context: str) -> str:
        """Ciphertext as printable text (safe in a TEXT column)."""
        ...

    def decrypt_text(self, ciphertext: str, context: str) -> str:
        """The plaintext; raises ``ValueError`` if it was altered or moved."""
        ...

    def encrypt_bytes(self, plaintext: bytes, context: str) -> bytes: ...

    def decrypt_bytes(self, ciphertext: bytes, context: str) -> bytes: ...

    def blind_token(self, term: str) -> str:
        """A keyed, one-way token for ``term`` (for blind search indexes)."""
        ...

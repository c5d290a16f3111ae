"""18-digit resident ID numbers (GB 11643): validation, keyed hash, encryption and masking.

Why three forms are stored, never the clear text:
- id_hash: HMAC-SHA256 under a server key. Deterministic, so duplicates and "is this
  person already known" are one indexed equality test; keyed, so a leaked table cannot be
  reversed by hashing all ~10^10 plausible IDs (a plain SHA-256 could be).
- id_cipher: AES-256-GCM under a second derived key, so a role allowed by law to see the
  number (persons:reveal) can get it back; authenticated, so a tampered value fails loudly.
- id_masked: what every other role sees (500***********1234), enough to tell people apart
  on a list without exposing the birth date or sequence digits.
Both keys are derived (HKDF) from settings.security.secret_key with different labels, so
one secret serves both purposes without reusing a key across algorithms.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gis.errors import InvalidInput

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # ISO 7064 MOD 11-2: index = weighted sum mod 11
# First two digits: provinces of GB/T 2260 (plus Taiwan, Hong Kong, Macao).
PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
                       43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82})
EARLIEST_BIRTH = dt.date(1890, 1, 1)
NONCE_BYTES = 12


@dataclass(frozen=True)
class IdNumber:
    """A validated ID number and what it says about its holder."""

    value: str
    birth_date: dt.date
    gender: str  # 'M' or 'F': the 17th digit is odd for men

    @property
    def region_code(self) -> str:
        return self.value[:6]


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def checksum_ok(value: str) -> bool:
    return (len(value) == 18 and value[:17].isdigit()
            and check_char(value[:17]) == value[17].upper())


def parse_id_number(raw: str, *, today: dt.date | None = None,
                    where: str = "id_number") -> IdNumber:
    """Validate format, region prefix, birth date and checksum; InvalidInput says which failed."""
    value = (raw or "").strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        raise InvalidInput(f"ID number must be 17 digits and a digit or X, got {len(value)} "
                           "characters", where=where)
    if int(value[:2]) not in PROVINCES or value[2:6] == "0000":
        raise InvalidInput(f"ID number region prefix {value[:6]} is not a known province code",
                           where=where)
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidInput(f"ID number birth date {value[6:14]} is not a date",
                           where=where) from None
    if not EARLIEST_BIRTH <= birth <= (today or dt.date.today()):
        raise InvalidInput(f"ID number birth date {birth.isoformat()} is implausible",
                           where=where)
    if not checksum_ok(value):
        raise InvalidInput("ID number checksum (last character) is wrong: a digit was "
                           "probably mistyped", where=where)
    return IdNumber(value=value, birth_date=birth, gender="M" if int(value[16]) % 2 else "F")


def mask_id(value: str) -> str:
    """First 3 + 11 stars + last 4: the format the persons table CHECK enforces."""
    return value[:3] + "*" * 11 + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """138****1234 for mobile numbers; anything shorter shows only its last 2 characters."""
    if not value:
        return value
    digits = value.strip()
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


@lru_cache(maxsize=8)
def _derive(secret_key: str, label: bytes) -> bytes:
    if not secret_key:
        raise ValueError("settings.security.secret_key is empty: ID numbers cannot be protected")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"onegrid-people",
                info=label).derive(secret_key.encode())


class IdProtector:
    """Hash, encrypt and decrypt ID numbers with keys derived from the server secret."""

    def __init__(self, secret_key: str):
        self._hash_key = _derive(secret_key, b"id_hash v1")
        self._aead = AESGCM(_derive(secret_key, b"id_cipher v1"))

    def hash(self, value: str) -> bytes:
        return hmac.new(self._hash_key, value.upper().encode(), hashlib.sha256).digest()

    def encrypt(self, value: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)  # random per value: equal IDs give unequal ciphers
        return nonce + self._aead.encrypt(nonce, value.upper().encode(), b"id_number")

    def decrypt(self, cipher: bytes) -> str:
        data = bytes(cipher)
        return self._aead.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], b"id_number").decode()

    def protect(self, value: str) -> dict:
        """The three stored columns for one validated ID number."""
        return {"id_hash": self.hash(value), "id_cipher": self.encrypt(value),
                "id_masked": mask_id(value)}

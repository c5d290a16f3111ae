"""Password hashing with argon2id (argon2-cffi defaults, RFC 9106 low-memory profile)."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gis.errors import InvalidInput

MIN_LENGTH = 10
# Hashing a megabyte-long "password" is a cheap way to burn server CPU: refuse it early.
MAX_LENGTH = 256

_hasher = PasswordHasher()


def check_password_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_LENGTH} characters",
                           where="password")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"password must have at most {MAX_LENGTH} characters",
                           where="password")


def hash_password(password: str) -> str:
    check_password_policy(password)
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-only-for-timing")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; unknown users cost the same time as known ones."""
    if len(password) > MAX_LENGTH:
        return False
    if not stored_hash:
        # Spend the same work as a real check so response time does not reveal usernames.
        _safe_verify(_dummy_hash(), password)
        return False
    return _safe_verify(stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def _safe_verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False

"""argon2id password hashing."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from constitution.settings import Settings


@functools.cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=Type.ID)


def hasher(settings: Settings) -> PasswordHasher:
    return _hasher(settings.password_hash_time_cost, settings.password_hash_memory_kib)


@functools.cache
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    return _hasher(time_cost, memory_kib).hash("not a password of anybody")


def hash_password(settings: Settings, password: str) -> str:
    return hasher(settings).hash(password)


def check_password(settings: Settings, stored: str | None, password: str) -> bool:
    """Verify; with no stored hash, spend the same work on a dummy so timing says nothing."""
    h = hasher(settings)
    target = stored or _dummy_hash(
        settings.password_hash_time_cost, settings.password_hash_memory_kib
    )
    try:
        ok = h.verify(target, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored is not None


def needs_rehash(settings: Settings, stored: str) -> bool:
    return hasher(settings).check_needs_rehash(stored)


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's list (from leaked password sets)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """The password, ignoring case and the spaces around it, is a commonly used one."""
    return password.strip().lower() in _common_passwords()

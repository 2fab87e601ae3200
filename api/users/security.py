"""Password hashing (argon2id via pwdlib), password policy, bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache
from pathlib import Path

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from i18n import N_

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128  # ≥ 64 accepted (ASVS); the cap only stops hashing abuse

_hasher = PasswordHash((Argon2Hasher(),))
_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(
        line.strip().lower()
        for line in _COMMON_PASSWORDS_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )


def password_problem(password: str) -> str | None:
    """An English msgid saying what is wrong with the password, or None if it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("The password must have at least 8 characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        return N_("The password is too long.")
    if password.lower() in common_passwords():
        return N_("This password is too common. Choose another one.")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)


# A real hash to verify against when the account does not exist, so timing does not tell.
@cache
def dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def new_token() -> str:
    """256 bits from the OS CSPRNG."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens are high-entropy, so a fast hash is enough (no salt or stretching needed).
    return hashlib.sha256(token.encode()).hexdigest()

"""Secrets: Argon2id hashes for passwords and codes, random logins and codes.

One-time codes are looked up by a keyed SHA-256 of the code (`code_lookup`)
so a row is found without scanning, and verified against an Argon2id hash,
so a stolen database does not reveal a usable code.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

LOGIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOGIN_LENGTH = 8
# Codes avoid look-alike characters (0/O, 1/I/L) since people type them from a mail.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PASSWORD_SPECIALS = "@#$%^&+=-!*"

_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id (RFC 9106 low-memory profile)


def use_fast_hashing() -> None:
    """Cheap Argon2id parameters for test runs only (a hash costs ~1 ms, not ~130).

    Hashes made either way verify either way: the parameters live in the hash.
    """
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(hashed: str | None, secret: str) -> bool:
    if not hashed:
        return False
    try:
        return _hasher.verify(hashed, secret)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    return _hasher.check_needs_rehash(hashed)


def new_login(prefix: str = "") -> str:
    return prefix + "".join(secrets.choice(LOGIN_ALPHABET) for _ in range(LOGIN_LENGTH - len(prefix)))


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_one_time_password() -> str:
    """A first password that already meets the policy (the candidate replaces it)."""
    while True:
        candidate = (
            secrets.choice("abcdefghjkmnpqrstuvwxyz")
            + secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ")
            + secrets.choice("23456789")
            + secrets.choice(PASSWORD_SPECIALS)
            + "".join(secrets.choice("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(8))
        )
        chars = list(candidate)
        secrets.SystemRandom().shuffle(chars)
        return "".join(chars)


def normalise_code(text: str) -> str:
    """What the person typed or pasted (a link works too) -> the bare code."""
    text = text.strip()
    match = re.search(r"[?&#/=]([A-Za-z0-9]{6,})\s*$", text)
    if match:
        text = match.group(1)
    return text.replace(" ", "").replace("-", "").upper()


def code_lookup(code: str) -> str:
    return hashlib.sha256(("ecandidat-code:" + code).encode()).hexdigest()


def password_problems(password: str) -> list[str]:
    """The policy rules `password` breaks, in French, empty when it is fine."""
    problems = []
    if len(password) < 10:
        problems.append("au moins 10 caractères")
    if not re.search(r"[a-z]", password):
        problems.append("une minuscule")
    if not re.search(r"[A-Z]", password):
        problems.append("une majuscule")
    if not re.search(r"[0-9]", password):
        problems.append("un chiffre")
    if not any(c in PASSWORD_SPECIALS for c in password):
        problems.append(f"un caractère spécial parmi {PASSWORD_SPECIALS}")
    if any(c.isspace() for c in password):
        problems.append("aucun espace")
    return problems

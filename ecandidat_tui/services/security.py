"""Secrets: Argon2id hashes for passwords and codes, random logins and codes.

One-time codes are looked up by a deterministic Argon2id hash of the code
(`code_lookup`: the same parameters, a fixed salt) so a row is found without
scanning, then verified against its own salted Argon2id hash. A fast lookup
(a plain SHA-256) would undo the slow hash: the codes are short enough (8
characters from 31, ~2^40) to be recovered from a stolen database in minutes
on a GPU. With a slow lookup every guess costs an attacker holding a copy of
the database what it costs the server to answer an online guess.

Argon2id parameters (`PRODUCTION_PARAMETERS`): m = 19 MiB, t = 2, p = 1, the
configuration the OWASP Password Storage Cheat Sheet recommends for
Argon2id. Not argon2-cffi's default (RFC 9106's "low memory" profile:
m = 64 MiB, t = 3, p = 4), because of where the hashes are computed:

- a kiosk is a small machine running one app whose whole working set is
  about 100 MiB; every login, account creation and code check allocates
  `m` for the hash, so 64 MiB was the largest single item of the app's
  peak memory (140 MiB with it, under 100 MiB with 19 MiB: see
  benchmarks/README.md);
- a staff server and a fleet of kiosks on one database host hash many
  logins at once on few cores: t = 2, p = 1 costs ~40 ms of one core per
  hash instead of ~150 ms over four lanes, so a login stays quick under load
  and p = 1 does not compete with the other sessions for cores.

OWASP lists these parameters as equivalent in strength to the others it
recommends (m = 46 MiB/t = 1, m = 12 MiB/t = 3, ...), and they stay well above
RFC 9106's floor. Every hash stores its own parameters, so hashes made with
the old defaults still verify; `needs_rehash` tells a successful login to
store the password again with these parameters (see
`AccountService.authenticate`).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import hash_secret_raw

LOGIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOGIN_LENGTH = 8
# Codes avoid look-alike characters (0/O, 1/I/L) since people type them from a mail.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PASSWORD_SPECIALS = "@#$%^&+=-!*"

# OWASP Password Storage Cheat Sheet, Argon2id: 19 MiB, 2 iterations, 1 lane (see above).
PRODUCTION_PARAMETERS: dict[str, Any] = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1,
                         "hash_len": 32, "salt_len": 16, "type": Type.ID}


def production_hasher() -> PasswordHasher:
    """The Argon2id hasher of a real deployment (the test harness swaps in a cheap one)."""
    return PasswordHasher(**PRODUCTION_PARAMETERS)


_hasher = production_hasher()


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


_dummy_hashes: dict[int, str] = {}


def dummy_verify(secret: str) -> bool:
    """Verify `secret` against a hash nobody knows the secret of (always False).

    Called when a login names no account, so that answer costs one Argon2id
    check with the current parameters, as a wrong password does.
    """
    dummy = _dummy_hashes.get(id(_hasher))
    if dummy is None:
        dummy = _dummy_hashes[id(_hasher)] = _hasher.hash(secrets.token_urlsafe(16))
    verify_secret(dummy, secret)
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


_LOOKUP_SALT = b"ecandidat-one-time-code"


def code_lookup(code: str) -> str:
    """The index key of a one-time code: Argon2id with the hasher's parameters and a fixed salt."""
    return hash_secret_raw(code.encode(), _LOOKUP_SALT, time_cost=_hasher.time_cost,
                           memory_cost=_hasher.memory_cost, parallelism=_hasher.parallelism,
                           hash_len=32, type=Type.ID).hex()


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


class FailureThrottle:
    """At most `max_failures` checks per `lockout_seconds` window, in one process.

    For a secret checked without the database (the kiosk unlock code): a
    check is counted before it runs (`claim`), so checks running at once
    cannot exceed the limit; a success (`succeeded`) gives the count back.
    """

    def __init__(self, max_failures: int, lockout_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.lockout_seconds, self.clock = max_failures, lockout_seconds, clock
        self._lock = threading.Lock()
        self._count = 0
        self._locked_until = 0.0

    def claim(self) -> float:
        """0 when a check may run (it is counted), else the seconds left before one may."""
        with self._lock:
            now = self.clock()
            if now < self._locked_until:
                return self._locked_until - now
            self._count += 1
            if self._count >= self.max_failures:
                self._count = 0
                self._locked_until = now + self.lockout_seconds
            return 0.0

    def succeeded(self) -> None:
        with self._lock:
            self._count = 0
            self._locked_until = 0.0

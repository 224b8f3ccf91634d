"""Argon2id parameters of a real deployment, and the upgrade of older hashes at login."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from sqlalchemy import update
from sqlmodel import select

from ecandidat_tui.services import security
from ecandidat_tui.services.errors import DomainError
from ecandidat_tui.store.models import Account

OWASP_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"


def test_production_hashes_use_the_owasp_argon2id_parameters():
    # Pinned: changing them changes every kiosk's memory peak and login time
    # (services/security.py and benchmarks/README.md say why these).
    assert security.PRODUCTION_PARAMETERS == {
        "time_cost": 2, "memory_cost": 19456, "parallelism": 1,
        "hash_len": 32, "salt_len": 16, "type": Type.ID,
    }
    hashed = security.production_hasher().hash("Mot-de-passe-2026!")
    assert hashed.startswith(OWASP_PREFIX)
    params = extract_parameters(hashed)
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (Type.ID, 19456, 2, 1)


def test_the_module_hashes_with_the_production_parameters_outside_the_test_harness(monkeypatch):
    # The harness installs cheap parameters (use_fast_hashing); a fresh import would not.
    monkeypatch.setattr(security, "_hasher", security.production_hasher())
    hashed = security.hash_secret("Mot-de-passe-2026!")
    assert hashed.startswith(OWASP_PREFIX)
    assert security.verify_secret(hashed, "Mot-de-passe-2026!")
    assert not security.verify_secret(hashed, "Mot-de-passe-2027!")
    assert not security.needs_rehash(hashed)


def test_hashes_made_with_the_old_default_parameters_still_verify(monkeypatch):
    monkeypatch.setattr(security, "_hasher", security.production_hasher())
    old = PasswordHasher().hash("Mot-de-passe-2026!")  # argon2-cffi's default: 64 MiB, t=3, p=4
    assert old.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert security.verify_secret(old, "Mot-de-passe-2026!")
    assert security.needs_rehash(old)


def test_a_login_stores_an_old_hash_again_with_the_current_parameters(ecandidat, monkeypatch):
    seeded = ecandidat.seed_candidate()
    monkeypatch.setattr(security, "_hasher", security.production_hasher())
    old = PasswordHasher().hash(seeded.password)
    with ecandidat.services.db.session() as s:
        s.exec(update(Account).where(Account.id == seeded.account_id).values(password_hash=old))

    ecandidat.services.accounts.authenticate(seeded.login, seeded.password)

    with ecandidat.services.db.read_session() as s:
        stored = s.exec(select(Account.password_hash).where(Account.id == seeded.account_id)).one()
    assert stored != old and stored.startswith(OWASP_PREFIX)
    assert security.verify_secret(stored, seeded.password)
    # The next login verifies the new hash and leaves it alone.
    ecandidat.services.accounts.authenticate(seeded.login, seeded.password)
    with ecandidat.services.db.read_session() as s:
        assert s.exec(select(Account.password_hash).where(Account.id == seeded.account_id)).one() == stored


def test_a_wrong_password_does_not_touch_an_old_hash(ecandidat, monkeypatch):
    seeded = ecandidat.seed_candidate()
    monkeypatch.setattr(security, "_hasher", security.production_hasher())
    old = PasswordHasher().hash(seeded.password)
    with ecandidat.services.db.session() as s:
        s.exec(update(Account).where(Account.id == seeded.account_id).values(password_hash=old))
    with pytest.raises(DomainError):
        ecandidat.services.accounts.authenticate(seeded.login, "Pas-le-bon-2026!")
    with ecandidat.services.db.read_session() as s:
        assert s.exec(select(Account.password_hash).where(Account.id == seeded.account_id)).one() == old

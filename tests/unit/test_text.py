"""The shared text helpers: accent-insensitive folding and French dates."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ecandidat_tui.services.account_rules import name_key
from ecandidat_tui.text import fold, format_date


@pytest.mark.parametrize(("text", "folded"), [
    ("Économie", "economie"),
    ("Straße", "strasse"),
    ("ÇA Ñandú", "ca nandu"),
    ("ﬁlière", "filiere"),  # a ligature decomposes
    ("İstanbul", "istanbul"),  # the combining dot of the Turkish capital İ goes
    ("déjà-vu 42", "deja-vu 42"),
])
def test_fold_is_lower_case_and_accent_free(text, folded):
    assert fold(text) == folded


def test_name_key_is_the_upper_case_fold_with_single_spaces():
    assert name_key("  Le  Bœuf-Hélène ") == "LE BŒUF-HELENE"


@pytest.fixture
def paris(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_format_date_day_and_empty():
    assert format_date(date(2026, 3, 1)) == "01/03/2026"
    assert format_date(None) == ""
    assert format_date(None, empty="—") == "—"
    assert format_date(date(2026, 3, 1), at=" à ") == "01/03/2026"  # a day has no hour


def test_format_date_moment_in_local_time(paris):
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert format_date(moment) == "31/12/2026"
    assert format_date(moment, at=" à ") == "01/01/2027 à 00:30"
    assert format_date(moment.astimezone(timezone(timedelta(hours=-5))), at=" ") == "01/01/2027 00:30"
    # SQLite hands stored UTC moments back naive: they are read as UTC.
    assert format_date(datetime(2026, 7, 1, 12, 0), at=" ") == "01/07/2026 14:00"

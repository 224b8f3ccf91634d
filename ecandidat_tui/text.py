"""Text helpers every layer shares (plain Python, no Textual, no SQL):
`fold` for accent-insensitive matching and `format_date` for French dates."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _FoldTable(dict[int, str]):
    """Character -> its accent-free form, filled on first sight of each
    character, so `str.translate` folds a whole title in C (10,000 titles in
    a few ms)."""

    def __missing__(self, codepoint: int) -> str:
        folded = _fold_char(chr(codepoint))
        self[codepoint] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower-case and accent-free, how typed text is compared with names,
    titles and lists: "Économie" -> "economie", "Straße" -> "strasse"."""
    return text.casefold().translate(_FOLD_TABLE)


def format_date(value: date | None, *, empty: str = "", at: str | None = None) -> str:
    """A French date, "06/12/2026"; `empty` when there is none.

    With `at` (" " or " à "), a datetime is a moment shown in local time with its
    hour: "06/12/2026 à 14:05". A naive moment is read as UTC, the store's
    convention (the store itself hands back aware datetimes)."""
    if value is None:
        return empty
    if at is None or not isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime(f"%d/%m/%Y{at}%H:%M")

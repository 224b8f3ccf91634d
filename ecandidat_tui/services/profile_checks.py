"""How Mon compte checks what a form holds: each refused field gets its French
message (`Checker`), all raised together as one `ValidationFailed`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import phonenumbers

from ..display import is_safe, safe_text
from ..text import format_date
from . import reference
from .errors import FORBIDDEN_CHARS, MSG_FORBIDDEN_CHARS, ValidationFailed

MIN_AGE_YEARS = 10
MAX_AGE_YEARS = 100

MSG_REQUIRED = "Ce champ est obligatoire"
MSG_DATE_FORMAT = "La date doit être au format jj/mm/aaaa"
MSG_POSTAL = "Le code postal doit comporter 5 chiffres"
MSG_UNKNOWN = "Choisissez une valeur de la liste"
MSG_PHONE_CHARS = "Seuls les chiffres et les caractères / + ( ) - . et l'espace sont acceptés"
MSG_PHONE_INVALID = "Ce numéro de téléphone n'est pas valide"
MSG_CONTROL = "Ce texte contient un caractère invisible de contrôle (montré ici : {shown}) : retirez-le"

PHONE_CHARS_RE = re.compile(r"^[0-9/+().\- ]+$")
DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)
POSTAL_RE = re.compile(r"^[0-9]{5}$")


def too_long(n: int) -> str:
    return f"{n} caractères maximum"


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# ---------------------------------------------------------------- checking


class Checker:
    """Collects the French message of each refused field, then raises them all."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str:
        """The field's text, stripped; "" (and the field refused) when it holds forbidden characters."""
        value = self.values.get(name)
        text = "" if value is None else str(value).strip()
        if FORBIDDEN_CHARS.search(text):
            self.fail(name, MSG_FORBIDDEN_CHARS)
            return ""
        return text

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, max_len: int, required: bool = False) -> str | None:
        value = self.raw(name)
        if not value:
            if required:
                self.fail(name, MSG_REQUIRED)
            return None
        if len(value) > max_len:
            self.fail(name, too_long(max_len))
        elif not is_safe(value, multiline=True):  # a pasted escape sequence, a bidi override
            self.fail(name, MSG_CONTROL.format(shown=safe_text(value)))
        return value

    def choice(self, name: str, list_name: str, required: bool = False) -> str | None:
        value = self.raw(name)
        if not value:
            if required:
                self.fail(name, MSG_REQUIRED)
            return None
        if not reference.is_known(list_name, value):
            self.fail(name, MSG_UNKNOWN)
        return value

    def year(self, name: str, today: date, required: bool = True) -> int | None:
        value = self.raw(name)
        if not value:
            if required:
                self.fail(name, MSG_REQUIRED)
            return None
        # Four ASCII digits: "²" and "٢" are digits to str.isdigit, not to int().
        if not (len(value) == 4 and value.isascii() and value.isdigit()) or not 1900 <= int(value) <= today.year:
            self.fail(name, f"L'année doit être comprise entre 1900 et {today.year}")
            return None
        return int(value)

    def birth_date(self, name: str, today: date) -> date | None:
        value = self.raw(name)
        if not value:
            self.fail(name, MSG_REQUIRED)
            return None
        match = DATE_RE.match(value)
        if match is None:
            self.fail(name, MSG_DATE_FORMAT)
            return None
        try:
            parsed = date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:  # 31/02/2004: well written, but no such day
            self.fail(name, f"Le {value} n'existe pas : vérifiez le jour et le mois")
            return None
        oldest, youngest = years_before(today, MAX_AGE_YEARS), years_before(today, MIN_AGE_YEARS)
        if not oldest <= parsed <= youngest:
            self.fail(name, "La date de naissance doit être comprise entre le "
                      f"{format_date(oldest)} et le {format_date(youngest)}")
            return None
        return parsed

    def phone(self, name: str) -> str | None:
        value = self.text(name, 20)
        if value is None or name in self.errors:
            return value
        if not PHONE_CHARS_RE.match(value):
            self.fail(name, MSG_PHONE_CHARS)
            return value
        try:
            number = phonenumbers.parse(value, "FR")
            valid = phonenumbers.is_valid_number(number)
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            self.fail(name, MSG_PHONE_INVALID)
        return value

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

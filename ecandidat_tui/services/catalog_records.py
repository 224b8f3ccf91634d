"""The records of a catalog file (docs/catalog.md) as pydantic models, one per
kind: a piece type, a centre, a commission, a formation. Each field is
checked by a function that returns the value to store or raises the refusal
a person reads after the field's name (`PydanticCustomError`)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from ..display import is_safe, safe_text
from ..domain import ModeFormation
from ..text import fold

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
PHONE_RE = re.compile(r"^[0-9/+()\-. ]*$")

_MODES = {fold(m.value): m.value for m in ModeFormation} | {fold(m.label): m.value for m in ModeFormation}
_TRUE = {"true", "1", "oui", "yes", "o", "y", "x"}
_FALSE = {"false", "0", "non", "no", "n", ""}


# ------------------------------------------------------------- fields
# Each check takes what the file holds (text, a number, a list…) and returns
# the value to store, or raises the refusal a person reads after the field name.


def _refusal(message: str) -> PydanticCustomError:
    # The message goes in the context: a value quoted in it may hold braces.
    return PydanticCustomError("catalog", "{message}", {"message": message})


def _text(value: Any, max_len: int = 200, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise _refusal("must be text")
    value = str(value).strip()
    if required and not value:
        raise _refusal("is required")
    if len(value) > max_len:
        raise _refusal(f"is longer than {max_len} characters")
    if not is_safe(value, multiline=True):  # shown on every terminal: see display.py
        raise _refusal(f"holds a control character or a bidi override: {safe_text(value)}")
    return value


def _text_check(max_len: int, *, required: bool = False) -> BeforeValidator:
    return BeforeValidator(lambda value: _text(value, max_len, required=required))


def check_code(value: Any) -> str:
    value = _text(value, 20, required=True)
    if not CODE_RE.match(value):
        raise _refusal(f"{value!r} is not a valid code (letters, digits, '_', '-', '.')")
    return value


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(value: Any) -> date | None:
    """The date a cell or a JSON string holds (YYYY-MM-DD or DD/MM/YYYY), or None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    # The two usual shapes without strptime (most of a 10,000-formation import's time).
    if iso := _ISO_DATE.fullmatch(value):
        year, month, day = map(int, iso.groups())
    elif french := _FRENCH_DATE.fullmatch(value):
        day, month, year = map(int, french.groups())
    else:  # what else strptime accepts (" 1/3/2026"…)
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_check(*, required: bool) -> BeforeValidator:
    def check(value: Any) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise _refusal("is required")
            return None
        if not isinstance(value, str):
            raise _refusal("must be a date YYYY-MM-DD")
        day = parse_date(value)
        if day is None:
            raise _refusal(f"{value.strip()!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
        return day

    return BeforeValidator(check)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _refusal(f"{value!r} is not true or false")


def _open(value: Any) -> bool:
    """A formation is open unless the file says otherwise (a missing or empty field)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return _boolean(value)


def _whole(value: Any, minimum: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, (bool, float)):
            raise ValueError
        number = int(str(value).strip())
    except ValueError:
        raise _refusal(f"{value!r} is not a whole number") from None
    if number < minimum:
        raise _refusal(f"must be at least {minimum}")
    return number


def _mail(value: Any) -> str:
    value = _text(value, 100)
    if value:
        from email_validator import EmailNotValidError, validate_email

        try:
            value = validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise _refusal(f"{value!r} is not a valid mail address ({exc})") from None
    return value


def _phone(value: Any) -> str:
    value = _text(value, 30)
    if value and not PHONE_RE.match(value):
        raise _refusal(f"{value!r} may only hold digits and / + ( ) - . and spaces")
    return value


def _mode(value: Any) -> str:
    raw = _text(value, 30) or ModeFormation.DEMATERIALISE.value
    mode = _MODES.get(fold(raw))
    if mode is None:
        raise _refusal(f"{raw!r} is not dematerialise or papier")
    return mode


def _piece_codes(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):  # CSV: separated by spaces, ',', ';' or '|'
        codes = [p for p in re.split(r"[\s,;|]+", value) if p]
    elif value is None:
        codes = []
    elif isinstance(value, list) and all(isinstance(p, str) for p in value):
        codes = [p.strip() for p in value if p.strip()]
    else:
        raise _refusal("must be a list of piece type codes")
    if len(set(codes)) != len(codes):
        raise _refusal("lists a piece type twice")
    return tuple(codes)


Code = Annotated[str, BeforeValidator(check_code)]
Label = Annotated[str, _text_check(200, required=True)]
Text300 = Annotated[str, _text_check(300)]
Flag = Annotated[bool, BeforeValidator(_boolean)]
RequiredDate = Annotated[date, _date_check(required=True)]
OptionalDate = Annotated[date | None, _date_check(required=False)]


# ------------------------------------------------------------ records
# One model per record of the file: a JSON object, or the part of a CSV
# line that describes it. Every field is checked; each refusal names its field.


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PieceRecord(Record):
    code: Code
    libelle: Annotated[str, _text_check(1000, required=True)]
    conditional: Flag
    shared: Flag
    ordre: Annotated[int, BeforeValidator(lambda value: _whole(value, 0) or 0)]


class CentreRecord(Record):
    code: Code
    libelle: Label
    max_candidatures: Annotated[int | None, BeforeValidator(lambda value: _whole(value, 1))]
    commissions: Any  # read by the JSON reader


class CommissionRecord(Record):
    code: Code
    libelle: Label
    adresse: Text300
    telephone: Annotated[str, BeforeValidator(_phone)]
    mail: Annotated[str, BeforeValidator(_mail)]
    formations: Any  # read by the JSON reader


class FormationRecord(Record):
    code: Code
    titre: Label
    mots_cles: Text300
    url: Text300
    mode: Annotated[str, BeforeValidator(_mode)]
    date_debut_depot: RequiredDate
    date_fin_depot: RequiredDate
    date_limite_retour: RequiredDate
    date_preanalyse: OptionalDate
    date_jury: OptionalDate
    date_publication: OptionalDate
    date_confirmation: OptionalDate
    pieces: Annotated[tuple[str, ...], BeforeValidator(_piece_codes)]
    ouverte: Annotated[bool, BeforeValidator(_open)]

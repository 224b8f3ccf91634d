"""INE checks: the Identifiant National Étudiant and its key (clé).

An INE has 11 characters. Four families are in use; each is recognised by
its shape, and where the key algorithm is published it is checked:

* **INE-BEA** (Base Élèves Académique, secondary schools since 1995):
  10 digits + 1 key letter. The key is ``ALPHABET_23[int(digits) % 23]``,
  where ``ALPHABET_23`` is A..Z without I, O and Q (23 letters, index 0 = A).
* **INE-Université / INES** (issued by universities, "base 36"):
  10 characters of ``0-9A-Z`` + 1 key digit. The key is the last decimal digit
  of ``6 * (v1 + … + v9) + v10`` where ``vi`` is the base-36 value of the
  i-th character (``0``=0 … ``9``=9, ``A``=10 … ``Z``=35).
* **INE-RNIE** (Répertoire National des Identifiants Élèves, since 2018):
  9 digits + 2 letters. Its key algorithm is not published by the ministry
  (the RNIE validates it server-side), so only the shape is checked.
* **INE apprentissage** (CFA): 4 digits, ``A``, 5 digits, 1 letter; shape only.

Sources (read while writing this module):
* esup-transferts (EsupPortail community, Université d'Artois), Java classes
  ``CheckBEA23`` (BEA modulo-23 key letter, alphabet without I/O/Q) and
  ``CheckNNE36`` (university INE, base-36 weighted sum, key = last digit);
* the INE shapes used by the French "mission apprentissage" validators
  (``^[0-9]{9}[A-Z]{2}$`` RNIE, ``^[0-9]{10}[A-Z]$`` BEA,
  ``^[0-9]{4}A[0-9]{5}[A-Z]$`` apprentissage);
* the Wikipedia (fr) article "Numéro BEA" for the history (10 digits + 1
  letter until 2018, 9 digits + 2 letters afterwards).
eCandidat itself delegates the check to the student system (Apogée /
Pégase web service); python-stdnum has no INE module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

INE_LENGTH = 11
ALPHABET_23 = "ABCDEFGHJKLMNPRSTUVWXYZ"
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_BEA = re.compile(r"^[0-9]{10}[A-Z]$")
_INES = re.compile(r"^[0-9A-Z]{10}[0-9]$")
_RNIE = re.compile(r"^[0-9]{9}[A-Z]{2}$")
_APPRENTISSAGE = re.compile(r"^[0-9]{4}A[0-9]{5}[A-Z]$")


class IneKind(StrEnum):
    BEA = "bea"
    INES = "ines"
    RNIE = "rnie"
    APPRENTISSAGE = "apprentissage"


@dataclass(frozen=True)
class IneCheck:
    """The outcome of `check_ine`: the normalised value, its kind, or why it is refused."""

    value: str
    kind: IneKind | None
    problem: str | None

    @property
    def valid(self) -> bool:
        return self.problem is None


def normalise_ine(raw: str) -> str:
    """Upper-case, without spaces: how an INE is stored."""
    return "".join(raw.split()).upper()


def bea_key(digits: str) -> str:
    """The key letter of a 10-digit INE-BEA."""
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise ValueError("an INE-BEA body is 10 digits")
    return ALPHABET_23[int(digits) % 23]


def ines_key(body: str) -> str:
    """The key digit of a 10-character university INE (base 36)."""
    body = body.upper()
    if not re.fullmatch(r"[0-9A-Z]{10}", body):
        raise ValueError("an INE-Université body is 10 characters of 0-9A-Z")
    total = 6 * sum(_BASE36.index(c) for c in body[:9]) + _BASE36.index(body[9])
    return str(total % 10)


MSG_LENGTH = "L'INE et sa clé comportent 11 caractères"
MSG_FORMAT = "Le format de l'INE n'est pas reconnu"
MSG_KEY = "La clé de l'INE est incorrecte"


def check_ine(raw: str) -> IneCheck:
    """Recognise the INE's family and check its key when the rule is published."""
    value = normalise_ine(raw)
    if len(value) != INE_LENGTH:
        return IneCheck(value, None, MSG_LENGTH)
    if _BEA.match(value):
        ok = bea_key(value[:10]) == value[10]
        return IneCheck(value, IneKind.BEA, None if ok else MSG_KEY)
    if _INES.match(value):
        ok = ines_key(value[:10]) == value[10]
        return IneCheck(value, IneKind.INES, None if ok else MSG_KEY)
    if _RNIE.match(value):
        return IneCheck(value, IneKind.RNIE, None)
    if _APPRENTISSAGE.match(value):
        return IneCheck(value, IneKind.APPRENTISSAGE, None)
    return IneCheck(value, None, MSG_FORMAT)


def is_valid_ine(raw: str) -> bool:
    return check_ine(raw).valid


__all__ = [
    "ALPHABET_23", "IneCheck", "IneKind", "bea_key", "check_ine", "ines_key",
    "is_valid_ine", "normalise_ine",
]

"""The account rules of DOMAIN.md §1 as pure functions (no store, no Textual).

Screens call these directly to show an error under a field as the person
types; `AccountService` calls the same functions before writing, so the
rules live in one place.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from ..text import fold
from .security import PASSWORD_SPECIALS, password_problems

NOM_MAX = 30
PRENOM_MAX = 20
MAIL_MAX = 100

MSG_MAIL_TAKEN = "Un compte avec cette adresse mail existe déjà"
MSG_MAIL_CONFIRM = "La confirmation de l'adresse mail ne correspond pas à l'adresse mail"
MSG_MAIL_SAME = "Votre nouvelle adresse mail est identique à l'ancienne"
MSG_PASSWORD_CONFIRM = "La confirmation ne correspond pas au nouveau mot de passe"

# Every rule of the password policy, in the order the checklist shows them;
# the texts are exactly those `password_problems` returns.
PASSWORD_RULES: tuple[str, ...] = (
    "au moins 10 caractères",
    "une minuscule",
    "une majuscule",
    "un chiffre",
    f"un caractère spécial parmi {PASSWORD_SPECIALS}",
    "aucun espace",
)

_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+)*$")


def name_key(text: str) -> str:
    """Upper-case without accents, as the student system stores names."""
    return re.sub(r"\s+", " ", fold(text.strip())).upper()


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").strip())


def nom_problem(nom: str) -> str | None:
    nom = _clean(nom)
    if not nom:
        return "Le nom est obligatoire"
    if len(nom) > NOM_MAX:
        return f"Le nom ne peut pas dépasser {NOM_MAX} caractères"
    if not _NAME_CHARS.match(nom):
        return "Le nom ne peut contenir que des lettres, des espaces, des tirets et des apostrophes"
    return None


def prenom_problem(prenom: str) -> str | None:
    prenom = _clean(prenom)
    if not prenom:
        return "Le prénom est obligatoire"
    if len(prenom) > PRENOM_MAX:
        return f"Le prénom ne peut pas dépasser {PRENOM_MAX} caractères"
    if not _NAME_CHARS.match(prenom):
        return "Le prénom ne peut contenir que des lettres, des espaces, des tirets et des apostrophes"
    return None


def normalise_mail(mail: str) -> str:
    """The normalised address (lower-case domain); raises ValueError with a French message."""
    mail = (mail or "").strip()
    if not mail:
        raise ValueError("L'adresse mail est obligatoire")
    if len(mail) > MAIL_MAX:
        raise ValueError(f"L'adresse mail ne peut pas dépasser {MAIL_MAX} caractères")
    try:
        # No DNS lookup: a kiosk may be offline and the check would be slow.
        info = validate_email(mail, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("L'adresse mail n'est pas valide (exemple : prenom.nom@exemple.fr)") from None
    if len(info.normalized) > MAIL_MAX:
        raise ValueError(f"L'adresse mail ne peut pas dépasser {MAIL_MAX} caractères")
    return info.normalized


def mail_key(normalised_mail: str) -> str:
    """The case-insensitive form the unique index holds."""
    return normalised_mail.lower()


def mail_problem(mail: str) -> str | None:
    try:
        normalise_mail(mail)
    except ValueError as exc:
        return str(exc)
    return None


def mail_confirm_problem(mail: str, confirm: str) -> str | None:
    if not (confirm or "").strip():
        return "La confirmation de l'adresse mail est obligatoire"
    try:
        same = mail_key(normalise_mail(mail)) == mail_key(normalise_mail(confirm))
    except ValueError:
        same = (mail or "").strip().lower() == (confirm or "").strip().lower()
    return None if same else MSG_MAIL_CONFIRM


def creation_problems(nom: str, prenom: str, mail: str, mail_confirm: str) -> dict[str, str]:
    """Field name (nom, prenom, mail, mail_confirm) -> message, for every broken rule."""
    checks = {
        "nom": nom_problem(nom),
        "prenom": prenom_problem(prenom),
        "mail": mail_problem(mail),
        "mail_confirm": mail_confirm_problem(mail, mail_confirm),
    }
    return {name: message for name, message in checks.items() if message}


def new_password_problems(new: str, confirm: str) -> dict[str, str]:
    """Field name (new, confirm) -> message for a new password and its confirmation."""
    errors: dict[str, str] = {}
    if not new:
        errors["new"] = "Le nouveau mot de passe est obligatoire"
    else:
        broken = password_problems(new)
        if broken:
            errors["new"] = "Le mot de passe doit contenir : " + ", ".join(broken)
    if new and confirm != new:
        errors["confirm"] = MSG_PASSWORD_CONFIRM
    return errors


def password_rule_states(password: str) -> list[tuple[str, bool]]:
    """Each policy rule with whether `password` meets it (for the live checklist)."""
    broken = set(password_problems(password))
    return [(rule, rule not in broken) for rule in PASSWORD_RULES]

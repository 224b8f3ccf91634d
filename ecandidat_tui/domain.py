"""Domain vocabulary shared by every layer: statuses, decisions, roles.

Values are stored as short ASCII codes; `label` gives the French text a
person reads, exactly as DOMAIN.md writes it.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS[self]


class StatutDossier(_Labelled):
    EN_ATTENTE = "en_attente"
    RECEPTIONNE = "receptionne"
    COMPLET = "complet"
    INCOMPLET = "incomplet"


class StatutPiece(_Labelled):
    EN_ATTENTE = "piece_en_attente"
    TRANSMISE = "transmise"
    VALIDEE = "validee"
    REFUSEE = "refusee"
    NON_CONCERNE = "non_concerne"


class Decision(_Labelled):
    FAVORABLE = "favorable"
    DEFAVORABLE = "defavorable"
    LISTE_ATTENTE = "liste_attente"
    LISTE_COMPLEMENTAIRE = "liste_complementaire"
    PRESELECTION = "preselection"


class Confirmation(_Labelled):
    CONFIRMEE = "confirmee"
    DESISTEMENT = "desistement"


class ModeFormation(_Labelled):
    DEMATERIALISE = "dematerialise"
    PAPIER = "papier"


class Role(_Labelled):
    SUPPORT = "support"
    GESTIONNAIRE = "gestionnaire"
    ADMIN = "admin"


class CodeKind(StrEnum):
    ACTIVATION = "activation"
    RESET = "reset"
    MAIL_CHANGE = "mail_change"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class MailKind(StrEnum):
    """One value per mail of DOMAIN.md §5; the template file has this name."""

    ACCOUNT_CREATED = "account_created"
    ACCOUNT_CREATED_ENT = "account_created_ent"  # no password: an ENT student logs in through the ENT
    ACTIVATION_CODE = "activation_code"
    IDENTIFIERS_FORGOTTEN = "identifiers_forgotten"
    MAIL_CHANGED = "mail_changed"
    MAIL_CHANGE_NOTICE = "mail_change_notice"  # to the old address
    ACCOUNT_DELETED = "account_deleted"
    PASSWORD_RESET_FORCED = "password_reset_forced"
    CANDIDATURE_CREATED = "candidature_created"
    CANDIDATURE_CANCELLED = "candidature_cancelled"
    CANDIDATURE_TRANSMITTED = "candidature_transmitted"
    DOSSIER_INCOMPLET = "dossier_incomplet"
    DOSSIER_COMPLET = "dossier_complet"
    DECISION = "decision"
    CONFIRMATION = "confirmation"
    DESISTEMENT = "desistement"
    DOSSIER_PDF = "dossier_pdf"
    REMINDER = "reminder"


_LABELS: dict[StrEnum, str] = {
    StatutDossier.EN_ATTENTE: "En attente",
    StatutDossier.RECEPTIONNE: "Réceptionné",
    StatutDossier.COMPLET: "Complet",
    StatutDossier.INCOMPLET: "Incomplet",
    StatutPiece.EN_ATTENTE: "En attente",
    StatutPiece.TRANSMISE: "Transmise",
    StatutPiece.VALIDEE: "Validée",
    StatutPiece.REFUSEE: "Refusée",
    StatutPiece.NON_CONCERNE: "Non concerné",
    Decision.FAVORABLE: "Favorable",
    Decision.DEFAVORABLE: "Défavorable",
    Decision.LISTE_ATTENTE: "Liste d'attente",
    Decision.LISTE_COMPLEMENTAIRE: "Liste complémentaire",
    Decision.PRESELECTION: "Présélection",
    Confirmation.CONFIRMEE: "Confirmation",
    Confirmation.DESISTEMENT: "Désistement",
    ModeFormation.DEMATERIALISE: "Dématérialisé",
    ModeFormation.PAPIER: "Papier",
    Role.SUPPORT: "Support",
    Role.GESTIONNAIRE: "Gestionnaire",
    Role.ADMIN: "Administrateur",
}

MAIL_FOOTER = "Ce courriel a été envoyé automatiquement, merci de ne pas y répondre."

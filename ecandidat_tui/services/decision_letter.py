"""Decision letters: the PDF a validated decision produces, kept as it was sent.

`StaffService.validate_decision` builds the letter (`build`) then keeps it
(`store`) in the transaction that validates: the letter is built from a template chosen by the decision and the type of
diploma, stored as a FileBlob and referenced by
`Candidature.decision_letter_sha256`, so the candidate later downloads exactly
what was validated. A decision validated before letters existed has none.

Templates are text files: `<decision>-<type>.txt` wins over `<decision>.txt`
(`favorable-master.txt` over `favorable.txt`), and a file of the institution
in `<config dir>/letter-templates/` wins over the one shipped with the
application. The first line is `Objet : …`, then a blank line, then the body
with `{placeholders}` (see `PLACEHOLDERS`). A template that cannot be used
refuses the validation with a French message naming the file: a letter is
final, so a broken institution template is never silently replaced by ours.
The rang of a liste complémentaire and the comment meant for the candidate
are printed by the letter itself, whatever the template says.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Formatter

from sqlmodel import Session

from ..domain import Decision
from ..store.models import Account, Adresse, Candidature, Centre, Commission, FileBlob, Formation
from ..text import fold, format_date
from . import reference
from .blobs import store_blob
from .context import ServiceContext
from .dossier_pdf import DossierPdf, PdfWriter, check_save_folder, dossier_file_name, write_pdf
from .errors import DomainError, NotFound
from .uploads import MIME_PDF

OVERRIDE_DIR = "letter-templates"
MAX_TEMPLATE_BYTES = 64 * 1024

# Type of diploma, derived from the formation's title.
DIPLOMA_TYPES = {
    "licence": "Licence",
    "licence-pro": "Licence professionnelle",
    "master": "Master",
    "du": "Diplôme d'université",
    "autre": "Autre diplôme",
}

PLACEHOLDERS = {
    "prenom": "prénom du candidat",
    "nom": "nom du candidat",
    "formation": "intitulé de la formation",
    "code_formation": "code de la formation",
    "diplome": "type de diplôme (Licence, Master…)",
    "decision": "libellé de la décision",
    "rang": "rang sur la liste complémentaire (vide sinon)",
    "date_confirmation": "date limite de confirmation (« non fixée » si aucune)",
    "date_jury": "date du jury (« non fixée » si aucune)",
    "institution": "nom de l'établissement",
    "centre": "centre de candidature",
    "commission": "commission",
    "date": "date du courrier",
}

MSG_NOT_AVAILABLE = "Aucun courrier n'est disponible pour cette candidature."
MSG_NO_LETTER = ("Cette décision a été validée avant la mise en place des courriers : aucun courrier "
                 "n'est disponible.")


def diploma_type(titre: str) -> str:
    """The type of diploma a formation's title names: a key of DIPLOMA_TYPES."""
    words = fold(titre).replace("'", " ").replace("’", " ").split()
    if not words:
        return "autre"
    if words[0] == "licence":
        return "licence-pro" if len(words) > 1 and words[1] in ("pro", "pro.", "professionnelle") else "licence"
    if words[0] in ("lp", "lpro"):
        return "licence-pro"
    if words[0] == "master":
        return "master"
    if words[0] in ("du", "diu") or words[:3] == ["diplome", "d", "universite"] \
            or words[:2] == ["diplome", "universitaire"]:
        return "du"
    return "autre"


def reflow(body: str) -> list[str]:
    """The body's paragraphs (blank-line separated), each line break inside one made a space
    so the PDF wraps the text to its width; a line starting with "- " stays a line (a list)."""
    paragraphs = []
    for block in body.split("\n\n"):
        lines: list[str] = []
        for line in block.splitlines():
            line = line.strip()
            if lines and line and not line.startswith("- "):
                lines[-1] += " " + line
            elif line:
                lines.append(line)
        if lines:
            paragraphs.append("\n".join(lines))
    return paragraphs


def letter_file_name(login: str, nom: str, prenom: str, code_formation: str) -> str:
    """`courrier-<login>_<nom>_<prenom>-<code formation>.pdf`."""
    return dossier_file_name(login, nom, prenom, code_formation, kind="courrier")


class LetterTemplateError(DomainError):
    """A letter template that cannot be used; the message (French) names the file and the problem."""


@dataclass(frozen=True)
class LetterTemplate:
    name: str       # the file name, e.g. "favorable-master.txt"
    origin: str     # "établissement" (the config folder) or "application"
    text: str


class LetterTemplates:
    """Finds and renders the letter templates (shipped ones and the institution's)."""

    def __init__(self, override_dir: Path | None) -> None:
        self.override_dir = override_dir

    def choose(self, decision: Decision, dtype: str) -> LetterTemplate:
        names = (f"{decision.value}-{dtype}.txt", f"{decision.value}.txt")
        if self.override_dir is not None:
            for name in names:
                path = self.override_dir / name
                if path.is_file():
                    return LetterTemplate(name, "établissement", self._read(path))
        shipped = resources.files(__package__).joinpath("letter_templates")
        for name in names:
            resource = shipped.joinpath(name)
            if resource.is_file():
                return LetterTemplate(name, "application", resource.read_text(encoding="utf-8"))
        raise LetterTemplateError(f"Aucun modèle de courrier pour la décision « {decision.label} ».",
                                  "staff-decision")

    @staticmethod
    def _read(path: Path) -> str:
        try:
            if path.stat().st_size > MAX_TEMPLATE_BYTES:
                raise LetterTemplateError(f"Le modèle de courrier {path} dépasse {MAX_TEMPLATE_BYTES // 1024} Ko.",
                                          "staff-decision")
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise LetterTemplateError(f"Le modèle de courrier {path} n'est pas un texte UTF-8.",
                                      "staff-decision") from None
        except OSError as exc:
            raise LetterTemplateError(f"Le modèle de courrier {path} ne peut pas être lu "
                                      f"({exc.strerror or exc}).", "staff-decision") from None

    def render(self, decision: Decision, dtype: str, values: dict[str, str]) -> tuple[str, str]:
        """(objet, body) of the chosen template, filled with `values`."""
        template = self.choose(decision, dtype)
        where = (f"{self.override_dir / template.name}" if self.override_dir and template.origin == "établissement"
                 else template.name)

        def bad(problem: str) -> LetterTemplateError:
            return LetterTemplateError(f"Le modèle de courrier {where} est invalide : {problem}. "
                                       "La décision n'a pas été validée.", "staff-decision")

        text = template.text.replace("\r\n", "\n").lstrip("\ufeff")
        head, _, body = text.partition("\n\n")
        if not head.startswith("Objet") or "\n" in head.strip() or ":" not in head:
            raise bad("la première ligne doit être « Objet : … », suivie d'une ligne vide")
        try:
            fields = list(Formatter().parse(text))
        except ValueError:
            raise bad("accolade non fermée (écrivez {{ et }} pour une accolade)") from None
        for _, name, spec, conversion in fields:
            if name is None:
                continue
            if name not in PLACEHOLDERS:
                raise bad(f"{{{name}}} n'est pas un champ connu (champs : {', '.join(sorted(PLACEHOLDERS))})")
            if spec or conversion:
                raise bad(f"le champ {{{name}}} ne prend ni format ni conversion")
        objet = head.partition(":")[2].format(**values)
        return " ".join(objet.split()), body.strip("\n").format(**values)


class DecisionLetterService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.templates = LetterTemplates(ctx.settings.config_dir / OVERRIDE_DIR)

    # ------------------------------------------------------------ produce

    def build(self, s: Session, cand: Candidature) -> bytes:
        """The PDF letter of `cand`'s recorded decision (LetterTemplateError when the template cannot be used).

        Only reads: the validation builds it before its write transaction, so the
        ~0.1 s of PDF work never holds the store's write lock."""
        decision = Decision(cand.decision or "")  # ValueError: the caller checked there is one
        formation = s.get_one(Formation, cand.formation_id)  # foreign keys: these rows exist
        commission = s.get_one(Commission, formation.commission_id)
        centre = s.get_one(Centre, commission.centre_id)
        account = s.get_one(Account, cand.account_id)
        adresse = s.get(Adresse, cand.account_id)
        dtype = diploma_type(formation.titre)
        institution = self.ctx.settings.institution
        today = self.ctx.today()
        values = {
            "prenom": account.prenom, "nom": account.nom, "formation": formation.titre,
            "code_formation": formation.code, "diplome": DIPLOMA_TYPES[dtype], "decision": decision.label,
            "rang": str(cand.decision_rang) if decision == Decision.LISTE_COMPLEMENTAIRE and cand.decision_rang
            else "",
            "date_confirmation": format_date(formation.date_confirmation, empty="non fixée"),
            "date_jury": format_date(formation.date_jury, empty="non fixée"), "institution": institution,
            "centre": centre.libelle, "commission": commission.libelle, "date": format_date(today),
        }
        objet, body = self.templates.render(decision, dtype, values)

        w = PdfWriter()
        pdf = w.pdf
        from fpdf.enums import XPos, YPos

        pdf.set_font(w.family, "B", 13)
        pdf.multi_cell(0, 7, w.text(institution), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(w.family, "", 9)
        sender = [centre.libelle, commission.libelle, commission.adresse,
                  " · ".join(p for p in (commission.telephone and f"Tél. : {commission.telephone}",
                                         commission.mail and f"Mail : {commission.mail}") if p)]
        pdf.multi_cell(90, 4.5, w.text("\n".join(p for p in sender if p)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(6)
        recipient = [f"{account.prenom} {account.nom}"]
        if adresse is not None:
            recipient += [adresse.adresse, adresse.complement1 or "", adresse.complement2 or "",
                          " ".join(p for p in (adresse.code_postal, adresse.commune or adresse.commune_etrangere,
                                               adresse.cedex) if p)]
            if adresse.pays and adresse.pays != reference.FRANCE:
                recipient.append(reference.label("pays", adresse.pays))
        pdf.set_x(110)
        pdf.set_font(w.family, "", 10)
        pdf.multi_cell(85, 5, w.text("\n".join(p for p in recipient if p)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(6)
        pdf.set_x(110)
        pdf.cell(85, 5, w.text(f"Le {format_date(today)}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(6)
        pdf.set_font(w.family, "B", 10)
        pdf.multi_cell(0, 5, w.text(f"Objet : {objet}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        pdf.multi_cell(0, 5, w.text(f"Décision : {decision.label}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if values["rang"]:
            pdf.multi_cell(0, 5, w.text(f"Rang sur la liste complémentaire : {values['rang']}"),
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if cand.decision_commentaire:
            pdf.cell(0, 5, w.text("Commentaire de la commission :"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(w.family, "", 10)
            pdf.multi_cell(0, 5, w.text(cand.decision_commentaire), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(w.family, "", 10)
        for paragraph in reflow(body):
            pdf.ln(3)
            pdf.multi_cell(0, 5, w.text(paragraph), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(8)
        pdf.set_font(w.family, "", 8)
        pdf.multi_cell(0, 4, w.text(f"Courrier édité par eCandidat ({institution}) le {format_date(today)}, "
                                    f"candidature {formation.code}, dossier {account.login}."),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return w.output()

    def store(self, s: Session, data: bytes) -> str:
        """Keep a built letter as a blob, in the caller's transaction; returns its SHA-256."""
        sha = hashlib.sha256(data).hexdigest()
        store_blob(s, sha256=sha, mime=MIME_PDF, size=len(data), data=data, now=self.ctx.now())
        return sha

    # ----------------------------------------------------------- candidate

    def letter(self, account_id: int, candidature_id: int) -> DossierPdf:
        """The letter of the candidate's own candidature, once its decision is validated."""
        with self.ctx.db.read_session() as s:
            cand = s.get(Candidature, candidature_id)
            if cand is None or cand.account_id != account_id:
                raise NotFound("Cette candidature n'existe pas (ou plus).")
            if not cand.decision or not cand.decision_validated:
                raise DomainError(MSG_NOT_AVAILABLE)
            if cand.decision_letter_sha256 is None:
                raise DomainError(MSG_NO_LETTER)
            blob = s.get_one(FileBlob, cand.decision_letter_sha256)  # foreign keys: these rows exist
            account = s.get_one(Account, account_id)
            formation = s.get_one(Formation, cand.formation_id)
            name = letter_file_name(account.login, account.nom, account.prenom, formation.code)
            return DossierPdf(name, bytes(blob.data))

    def save_to(self, account_id: int, candidature_id: int, folder: str | os.PathLike[str],
                overwrite: bool = False) -> Path:
        """Write the letter into `folder` (the same rules as the dossier); audited."""
        real = check_save_folder(self.ctx.settings, folder, "le courrier")
        pdf = self.letter(account_id, candidature_id)
        path = write_pdf(real, pdf, overwrite, "Le courrier")
        with self.ctx.db.session() as s:
            account = s.get_one(Account, account_id)  # its candidature's letter was just read
            self.ctx.audit(s, "candidat", account.login, "decision_letter_saved", target_login=account.login,
                           candidature_id=candidature_id, file=pdf.file_name)
        return path


__all__ = [
    "DIPLOMA_TYPES", "PLACEHOLDERS", "DecisionLetterService", "LetterTemplateError", "LetterTemplates",
    "diploma_type", "letter_file_name", "reflow",
]

"""Télécharger mon dossier: the whole dossier of one candidature as a PDF (fpdf2).

Identity, address, bac, cursus, stages, experiences, formation, dates and
pieces with their status and comment. Saved to a folder the candidate
chooses (in kiosk mode: only on removable media), or mailed to the
candidate as an attachment (the PDF stored as a FileBlob, the mail in the
outbox, one transaction). Text uses DejaVu Sans when the system has it
(any Unicode); otherwise the PDF core font Helvetica, which covers the
Latin-1 accents of French.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from ..domain import MailKind, StatutPiece
from ..store.models import (
    Account, Adresse, Baccalaureat, Candidature, CursusExterne, CursusInterne, ExperiencePro,
    InformationsPerso, Stage,
)
from ..text import fold, format_date
from . import reference
from .blobs import store_blob
from .candidatures import CandidatureService
from .context import ServiceContext
from ..display import safe_text
from .errors import DomainError, TargetExists
from .uploads import MIME_PDF

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
)


@dataclass(frozen=True)
class DossierPdf:
    file_name: str
    data: bytes


def _slug(text: str) -> str:
    ascii_text = fold(text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]+", "-", ascii_text).strip("-").upper() or "X"


def dossier_file_name(login: str, nom: str, prenom: str, code_formation: str, kind: str = "dossier") -> str:
    """`<kind>-<login>_<nom>_<prenom>-<code formation>.pdf`, safe on every file system."""
    return f"{kind}-{_slug(login)}_{_slug(nom)}_{_slug(prenom)}-{_slug(code_formation)}.pdf"


def _find_font(name: str) -> Path | None:
    for folder in FONT_DIRS:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


class PdfWriter:
    """A thin layer over FPDF: titles, label/value lines, small tables."""

    def __init__(self) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.set_margins(15, 15, 15)
        regular, bold = _find_font("DejaVuSans.ttf"), _find_font("DejaVuSans-Bold.ttf")
        if regular and bold:
            self.pdf.add_font("DejaVu", "", str(regular))
            self.pdf.add_font("DejaVu", "B", str(bold))
            self.family, self.unicode = "DejaVu", True
        else:
            self.family, self.unicode = "helvetica", False
        self.pdf.add_page()

    def text(self, value: object) -> str:
        text = safe_text(value, multiline=True)
        if self.unicode:
            return text
        text = (text.replace("œ", "oe").replace("Œ", "OE").replace("’", "'").replace("…", "...")
                .replace("–", "-").replace("—", "-").replace("×", "x"))
        return text.encode("latin-1", "replace").decode("latin-1")

    def title(self, value: str) -> None:
        from fpdf.enums import XPos, YPos

        self.pdf.set_font(self.family, "B", 15)
        self.pdf.multi_cell(0, 8, self.text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(2)

    def section(self, value: str) -> None:
        from fpdf.enums import XPos, YPos

        self.pdf.ln(3)
        self.pdf.set_font(self.family, "B", 12)
        self.pdf.set_fill_color(230, 236, 245)
        self.pdf.cell(0, 7, self.text(value), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def line(self, label: str, value: object) -> None:
        from fpdf.enums import XPos, YPos

        if value in (None, ""):
            return
        self.pdf.set_font(self.family, "B", 9)
        self.pdf.cell(55, 5, self.text(label))
        self.pdf.set_font(self.family, "", 9)
        self.pdf.multi_cell(0, 5, self.text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, value: str) -> None:
        from fpdf.enums import XPos, YPos

        self.pdf.set_font(self.family, "", 9)
        self.pdf.multi_cell(0, 5, self.text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table(self, headings: tuple[str, ...], rows: list[tuple[object, ...]], widths: tuple[int, ...]) -> None:
        if not rows:
            self.paragraph("Aucune information.")
            return
        self.pdf.set_font(self.family, "", 8)
        with self.pdf.table(col_widths=widths, text_align="LEFT", line_height=4.5,
                            headings_style=_headings_style(self.family)) as table:
            head = table.row()
            for heading in headings:
                head.cell(self.text(heading))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.text(value))

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _place_new(tmp: str, path: Path) -> None:
    """Move the written `tmp` to `path`, which must not exist (FileExistsError otherwise).

    A hard link fails atomically when the name is taken; a USB key's FAT has
    no hard links, so there the name is checked just before the rename."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        if os.path.lexists(path):
            raise FileExistsError(path) from None
        os.replace(tmp, path)
    else:
        os.unlink(tmp)


def check_save_folder(settings, folder: str | os.PathLike[str], what: str) -> Path:
    """The real path of `folder` if a PDF may be written there (DomainError on field "folder" otherwise).

    `what` names the document in the kiosk message ("le dossier", "le courrier")."""
    target = Path(str(folder).strip()).expanduser()
    if not str(folder).strip() or not target.is_absolute():
        raise DomainError("Indiquez le chemin complet du dossier où enregistrer le PDF.", "folder")
    if not target.is_dir():
        raise DomainError(f"Le dossier « {target} » n'existe pas.", "folder")
    real = Path(os.path.realpath(target))
    if settings.kiosk:
        roots = [Path(os.path.realpath(r)) for r in settings.effective_upload_roots()]
        if not any(real == r or r in real.parents for r in roots):
            raise DomainError(f"Sur cette borne, {what} ne peut être enregistré que sur un support "
                              "amovible (clé USB).", "folder")
    if not os.access(real, os.W_OK):
        raise DomainError(f"Impossible d'écrire dans le dossier « {target} ».", "folder")
    return real


def write_pdf(real: Path, pdf: DossierPdf, overwrite: bool, what: str) -> Path:
    """Write `pdf` into the checked folder `real`; an existing file is replaced only with `overwrite`.

    `what` starts the failure message ("Le dossier", "Le courrier")."""
    path = real / pdf.file_name
    # Write beside then rename, so a full USB key never leaves half a PDF under the real name.
    fd, tmp = tempfile.mkstemp(prefix=".ecandidat-", suffix=".pdf", dir=real)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pdf.data)
        if overwrite:
            os.replace(tmp, path)
        else:
            _place_new(tmp, path)
    except FileExistsError:
        os.unlink(tmp)
        raise TargetExists(path, "folder") from None
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise DomainError(f"{what} n'a pas pu être enregistré : {exc.strerror or exc}.", "folder") from None
    return path


def _headings_style(family: str):
    from fpdf.fonts import FontFace

    return FontFace(family=family, emphasis="BOLD", fill_color=(230, 236, 245))


class DossierPdfService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._candidatures = CandidatureService(ctx, profile=None)

    # ------------------------------------------------------------ build

    def file_name(self, account_id: int, candidature_id: int) -> str:
        recap = self._candidatures.recap(account_id, candidature_id)
        return dossier_file_name(recap.login, recap.nom, recap.prenom, recap.formation_code)

    def build(self, account_id: int, candidature_id: int) -> DossierPdf:
        recap = self._candidatures.recap(account_id, candidature_id)
        w = PdfWriter()
        with self.ctx.db.read_session() as s:
            account = s.get_one(Account, account_id)
            info = s.get(InformationsPerso, account_id)
            adresse = s.get(Adresse, account_id)
            bac = s.get(Baccalaureat, account_id)
            internes = s.exec(select(CursusInterne).where(CursusInterne.account_id == account_id)
                              .order_by(CursusInterne.annee_universitaire)).all()
            externes = s.exec(select(CursusExterne).where(CursusExterne.account_id == account_id)
                              .order_by(col(CursusExterne.annee))).all()
            stages = s.exec(select(Stage).where(col(Stage.account_id) == account_id).order_by(col(Stage.annee))).all()
            experiences = s.exec(select(ExperiencePro).where(ExperiencePro.account_id == account_id)
                                 .order_by(col(ExperiencePro.annee))).all()
            cand = s.get(Candidature, candidature_id)

        w.title(f"Dossier de candidature - {recap.formation_titre}")
        w.paragraph(f"{self.ctx.settings.institution} - eCandidat. Numéro de dossier : {account.login}. "
                    f"Édité le {format_date(self.ctx.today())}.")

        w.section("Informations personnelles")
        w.line("Nom", account.nom)
        w.line("Prénom", account.prenom)
        w.line("Adresse mail", account.mail)
        if info is not None:
            w.line("Civilité", reference.label("civilites", info.civilite))
            w.line("Nom de naissance", info.nom_naissance)
            w.line("Nom d'usage", info.nom_usage)
            w.line("Prénom(s)", " ".join(p for p in (info.prenom, info.autre_prenom) if p))
            w.line("Date de naissance", format_date(info.date_naissance))
            lieu = info.ville_naissance or ", ".join(
                p for p in (info.commune_naissance, reference.label("departements", info.departement_naissance)) if p)
            w.line("Lieu de naissance", ", ".join(p for p in (lieu, reference.label("pays", info.pays_naissance)) if p))
            w.line("Nationalité", reference.label("pays", info.nationalite))
            w.line("INE", info.ine)
            w.line("Téléphone", info.telephone)
            w.line("Téléphone portable", info.portable)
        else:
            w.paragraph("Non renseignées.")

        w.section("Adresse")
        if adresse is not None:
            w.line("Adresse", adresse.adresse)
            w.line("Complément", " ".join(p for p in (adresse.complement1, adresse.complement2) if p))
            w.line("Commune", " ".join(p for p in (adresse.code_postal, adresse.commune or adresse.commune_etrangere,
                                                   adresse.cedex) if p))
            w.line("Pays", reference.label("pays", adresse.pays))
        else:
            w.paragraph("Non renseignée.")

        w.section("Baccalauréat")
        if bac is None:
            w.paragraph("Non renseigné.")
        elif not bac.has_bac:
            w.line("Situation", "Je n'ai pas le bac" + (f" : {bac.situation}" if bac.situation else ""))
        else:
            w.line("Année d'obtention", bac.annee)
            w.line("Série ou équivalence", reference.label("series_bac", bac.serie))
            w.line("Mention", reference.label("mentions", bac.mention))
            w.line("Établissement", bac.etablissement)
            w.line("Lieu", ", ".join(p for p in (bac.commune, reference.label("departements", bac.departement),
                                                 reference.label("pays", bac.pays)) if p))
            w.line("Spécialités", bac.specialites)

        w.section("Cursus interne")
        w.table(("Année", "Code", "Libellé", "Note", "Mention", "Résultat"),
                [(c.annee_universitaire, c.code, c.libelle,
                  f"{c.note}/{c.bareme}" if c.note and c.bareme else c.note or "", c.mention or "", c.resultat or "")
                 for c in internes], (18, 20, 70, 20, 25, 27))

        w.section("Cursus externe")
        w.table(("Année", "Établissement", "Formation", "Libellé et niveau", "Obtenu", "Mention"),
                [(c.annee, c.etablissement, c.formation, c.libelle_niveau,
                  reference.label("obtenu", c.obtenu), c.mention or "") for c in externes],
                (15, 45, 40, 40, 20, 20))

        w.section("Stages")
        w.table(("Année", "Durée", "Heures/semaine", "Organisme", "Descriptif"),
                [(st.annee, st.duree, st.heures_semaine or "", st.organisme, st.descriptif) for st in stages],
                (15, 25, 20, 40, 80))

        w.section("Expériences professionnelles")
        w.table(("Année", "Intitulé", "Durée", "Organisme", "Descriptif"),
                [(e.annee, e.intitule, e.duree, e.organisme, e.descriptif or "") for e in experiences],
                (15, 40, 25, 40, 60))

        w.section("Formation demandée")
        w.line("Formation", f"{recap.formation_titre} ({recap.formation_code})")
        w.line("Centre de candidature", recap.centre_libelle)
        w.line("Commission", recap.commission_libelle)
        w.line("Mode", recap.mode_label)
        w.line("Statut du dossier", recap.statut_label)
        w.line("Décision", recap.decision_label)
        w.line("Confirmation", recap.confirmation_label)
        w.line("Commentaire", recap.commentaire)
        w.line("Date de création", format_date(cand.created_at.date()) if cand else "")
        w.line("Date de transmission", format_date(cand.transmitted_at.date()) if cand and cand.transmitted_at else "")

        w.section("Dates utiles")
        w.line("Date limite de retour", format_date(recap.date_limite_retour))
        w.line("Date du jury", format_date(recap.date_jury))
        w.line("Date de publication", format_date(recap.date_publication))
        w.line("Date limite de confirmation", format_date(recap.date_confirmation))

        w.section("Adresse de contact")
        w.line("Commission", recap.commission_libelle)
        w.line("Adresse", recap.contact_adresse)
        w.line("Téléphone", recap.contact_telephone)
        w.line("Mail", recap.contact_mail)

        w.section("Pièces justificatives")
        w.table(("Pièce justificative", "Fichier", "Statut", "Commentaire"),
                [(p.libelle, p.file_name or "", p.statut_label, p.commentaire) for p in recap.pieces],
                (85, 40, 22, 33))
        missing = [p for p in recap.pieces if p.statut == StatutPiece.EN_ATTENTE]
        if missing:
            w.paragraph(f"{len(missing)} pièce(s) en attente.")
        return DossierPdf(dossier_file_name(recap.login, recap.nom, recap.prenom, recap.formation_code), w.output())

    # ------------------------------------------------------------ deliver

    def save_to(self, account_id: int, candidature_id: int, folder: str | os.PathLike[str],
                overwrite: bool = False) -> Path:
        """Write the PDF into `folder` (in kiosk mode, only on removable media). Returns the path.

        A file of the same name is replaced only with `overwrite` (TargetExists otherwise: the screen asks)."""
        target = check_save_folder(self.ctx.settings, folder, "le dossier")
        return write_pdf(target, self.build(account_id, candidature_id), overwrite, "Le dossier")

    def mail_to_candidate(self, account_id: int, candidature_id: int) -> str:
        """Send the PDF to the candidate's address as an attachment; returns the address."""
        pdf = self.build(account_id, candidature_id)
        sha = hashlib.sha256(pdf.data).hexdigest()
        recap = self._candidatures.recap(account_id, candidature_id)
        with self.ctx.db.session() as s:
            account = s.get_one(Account, account_id)
            # Insert-or-keep: the same PDF mailed twice at once must not collide on the key.
            store_blob(s, sha256=sha, mime=MIME_PDF, size=len(pdf.data), data=pdf.data, now=self.ctx.now())
            self.ctx.outbox.enqueue(s, MailKind.DOSSIER_PDF, account.mail, attachment=(pdf.file_name, sha),
                                    prenom=account.prenom, nom=account.nom, formation=recap.formation_titre,
                                    code_formation=recap.formation_code, date=format_date(self.ctx.today()))
            self.ctx.audit(s, "candidat", account.login, "dossier_pdf_mail", target_login=account.login,
                           candidature_id=candidature_id)
            return account.mail


__all__ = ["DossierPdf", "DossierPdfService", "PdfWriter", "check_save_folder", "dossier_file_name", "write_pdf"]

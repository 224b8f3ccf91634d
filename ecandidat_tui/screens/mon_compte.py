"""Mon compte: the candidate's home once logged in (the profile tabs, DOMAIN.md §2).

Tabs in this order: Informations perso., Adresse, Baccalauréat, Cursus
Interne, Cursus Externe, Stages, Expériences pro., Candidatures. Everything
is loaded in one thread worker on mount and after each save; the forms are
the modals of `profile_forms`. `show_tab(pane_id)` (and `TAB_FOR_MISSING`)
let the candidature gate send the person straight to what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Static, TabbedContent, TabPane

from ..display import safe_text
from ..services import reference
from ..services.errors import DomainError
from ..services.profile import (
    AdresseView, BaccalaureatView, Completeness, CursusExterneRow, CursusInterneRow,
    ExperienceRow, InformationsView, StageRow, view_values,
)
from ..widgets.confirm import ConfirmModal
from ..widgets.footer import Footer
from ..widgets.table import TextTable
from ..widgets.header import NavHeader
from .candidatures_tab import CandidaturesPanel
from .profile_forms import (
    AdresseForm, BaccalaureatForm, CursusExterneForm, ExperienceForm, InformationsForm, StageForm,
)

NOTICE_REQUIRED = ("Sans ces informations, il vous sera impossible de faire un vœu de "
                   "candidature à l'une des formations.")
NOTICE_SCOLARITE = "En cas d'erreur, merci de vous rendre à votre service de scolarité"
NO_CONTACT = "Vous n'avez pas encore d'adresse de contact."

# Each tab's label, then the shorter one shown below 100 columns, where the
# eight full labels (116 columns) do not fit.
TAB_LABELS = {
    "tab-info": ("Informations perso.", "Identité"), "tab-adresse": ("Adresse", "Adresse"),
    "tab-bac": ("Baccalauréat", "Bac"), "tab-cursus-interne": ("Cursus Interne", "Cursus int."),
    "tab-cursus-externe": ("Cursus Externe", "Cursus ext."), "tab-stages": ("Stages", "Stages"),
    "tab-experiences": ("Expériences pro.", "Expériences"), "tab-candidatures": ("Candidatures", "Candidatures"),
}
NARROW_WIDTH = 100

TAB_FOR_MISSING = {
    "Informations perso.": "tab-info", "Adresse": "tab-adresse", "Baccalauréat": "tab-bac",
    "INE": "tab-info",
}


@dataclass(frozen=True)
class ProfileData:
    informations: InformationsView
    adresse: AdresseView
    bac: BaccalaureatView
    cursus_interne: list[CursusInterneRow]
    internal_student: bool
    cursus_externe: list[CursusExterneRow]
    stages: list[StageRow]
    experiences: list[ExperienceRow]
    completeness: Completeness


def _line(label: str, value: str) -> str:
    return f"{label} : {value}" if value else f"{label} : —"


class MonCompteScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "reload", "Actualiser", id="profile-reload"),
    ]

    def __init__(self, tab: str | None = None) -> None:
        super().__init__()
        self.initial_tab = tab
        self.data: ProfileData | None = None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield NavHeader()
        yield Static("Mon compte", classes="screen-title", id="mon-compte-title")
        yield Static("", id="profile-completeness")
        with TabbedContent(id="profile-tabs", initial=self.initial_tab or "tab-info"):
            with TabPane(TAB_LABELS["tab-info"][0], id="tab-info"):  # noqa: SIM117  nested as the widget tree is
                with VerticalScroll(classes="profile-pane"):
                    yield Static(NOTICE_REQUIRED, id="info-notice", classes="profile-notice")
                    yield Static("", id="info-lock", classes="profile-lock")
                    yield Static("", id="info-summary", classes="profile-summary")
                    yield Button("Saisir/Modifier", id="info-edit", variant="primary")
                    yield Static("Adresse de contact :", classes="profile-subtitle")
                    yield Static(NO_CONTACT, id="info-contact", classes="profile-summary")
                    with Horizontal(classes="profile-actions"):
                        yield Button("Modifier mon adresse mail", id="info-change-mail")
                        yield Button("Modifier mon mot de passe", id="info-change-password")
            with TabPane(TAB_LABELS["tab-adresse"][0], id="tab-adresse"):  # noqa: SIM117  nested as the widget tree is
                with VerticalScroll(classes="profile-pane"):
                    yield Static(NOTICE_REQUIRED, id="adresse-notice", classes="profile-notice")
                    yield Static("", id="adresse-summary", classes="profile-summary")
                    yield Button("Saisir/Modifier", id="adresse-edit", variant="primary")
            with TabPane(TAB_LABELS["tab-bac"][0], id="tab-bac"):  # noqa: SIM117  nested as the widget tree is
                with VerticalScroll(classes="profile-pane"):
                    yield Static(NOTICE_REQUIRED, id="bac-notice", classes="profile-notice")
                    yield Static("", id="bac-lock", classes="profile-lock")
                    yield Static("", id="bac-summary", classes="profile-summary")
                    yield Button("Saisir/Modifier", id="bac-edit", variant="primary")
            with TabPane(TAB_LABELS["tab-cursus-interne"][0],  # noqa: SIM117  nested as the widget tree is
                         id="tab-cursus-interne"):
                with VerticalScroll(classes="profile-pane"):
                    yield Static(NOTICE_SCOLARITE, id="cursus-interne-notice",
                                 classes="profile-notice")
                    yield Static("", id="cursus-interne-empty", classes="profile-empty")
                    yield TextTable(id="cursus-interne-table", cursor_type="row",
                                    zebra_stripes=True)
            yield from self._list_pane("tab-cursus-externe", "cursus-externe",
                                       "Vous n'avez saisi aucun cursus post-bac.")
            yield from self._list_pane("tab-stages", "stages",
                                       "Vous n'avez saisi aucun stage.")
            yield from self._list_pane("tab-experiences", "experiences",
                                       "Vous n'avez saisi aucune expérience professionnelle.")
            with TabPane(TAB_LABELS["tab-candidatures"][0], id="tab-candidatures"):
                yield CandidaturesPanel()
        yield Footer()

    def _list_pane(self, pane_id: str, prefix: str, empty: str) -> ComposeResult:
        with TabPane(TAB_LABELS[pane_id][0], id=pane_id):  # noqa: SIM117  nested as the widget tree is
            with VerticalScroll(classes="profile-pane"):
                with Horizontal(classes="profile-actions"):
                    yield Button("Ajouter", id=f"{prefix}-add", variant="primary")
                    yield Button("Modifier", id=f"{prefix}-edit")
                    yield Button("Supprimer", id=f"{prefix}-delete", variant="error")
                yield Static(empty, id=f"{prefix}-empty", classes="profile-empty")
                yield TextTable(id=f"{prefix}-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self._setup_tables()
        self.action_reload()

    def on_resize(self) -> None:
        tabs = self.query_one("#profile-tabs", TabbedContent)
        narrow = self.size.width < NARROW_WIDTH
        for pane in tabs.query(TabPane):
            if pane.id in TAB_LABELS:
                tabs.get_tab(pane).label = TAB_LABELS[pane.id][narrow]

    def on_screen_resume(self) -> None:
        # Back from a form, the Récapitulatif or the Offre de formation: a first
        # candidature makes Informations perso. read-only, so read everything again.
        if self.data is not None:
            self.action_reload()

    def _setup_tables(self) -> None:
        columns = {
            "cursus-interne-table": ("Année universitaire", "Code", "Libellé", "Note", "Barème",
                                     "Mention", "Résultat"),
            "cursus-externe-table": ("Année", "Pays", "Établissement", "Formation",
                                     "Libellé et niveau", "Obtenu", "Mention"),
            "stages-table": ("Année", "Durée", "Heures/sem.", "Organisme", "Descriptif"),
            "experiences-table": ("Année", "Intitulé", "Durée", "Organisme", "Descriptif"),
        }
        for table_id, labels in columns.items():
            self.query_one(f"#{table_id}", DataTable).add_columns(*labels)

    # ------------------------------------------------------------- public

    @property
    def account_id(self) -> int | None:
        candidate = getattr(self.app, "candidate", None)
        return candidate.account_id if candidate else None

    def show_tab(self, pane_id: str) -> None:
        """Bring one tab forward (e.g. from the candidature gate's message)."""
        self.query_one("#profile-tabs", TabbedContent).active = pane_id

    def show_missing(self, missing: list[str]) -> None:
        if missing:
            self.show_tab(TAB_FOR_MISSING.get(missing[0], "tab-info"))

    # ------------------------------------------------------------- loading

    def action_reload(self) -> None:
        if self.account_id is not None:
            self._load(self.account_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="profile-load")
    def _load(self, account_id: int) -> None:
        profile = self.app.services.profile
        try:
            data = ProfileData(
                informations=profile.get_informations(account_id),
                adresse=profile.get_adresse(account_id),
                bac=profile.get_baccalaureat(account_id),
                cursus_interne=profile.list_cursus_interne(account_id),
                internal_student=profile.is_internal_student(account_id),
                cursus_externe=profile.list_cursus_externe(account_id),
                stages=profile.list_stages(account_id),
                experiences=profile.list_experiences(account_id),
                completeness=profile.completeness(account_id),
            )
        except DomainError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        self.app.call_from_thread(self._show, data)

    def _show(self, data: ProfileData) -> None:
        self.data = data
        self._show_completeness(data.completeness)
        self._show_informations(data.informations, data.adresse)
        self._show_adresse(data.adresse)
        self._show_bac(data.bac)
        self._show_cursus_interne(data.cursus_interne, data.internal_student)
        self._fill("cursus-externe", [
            (r.id, (r.annee, reference.label("pays", r.pays), r.etablissement, r.formation,
                    r.libelle_niveau, reference.label("obtenu", r.obtenu),
                    reference.label("mentions", r.mention)))
            for r in data.cursus_externe])
        self._fill("stages", [
            (r.id, (r.annee, r.duree, r.heures_semaine, r.organisme, _short(r.descriptif)))
            for r in data.stages])
        self._fill("experiences", [
            (r.id, (r.annee, r.intitule, r.duree, r.organisme, _short(r.descriptif)))
            for r in data.experiences])

    def _show_completeness(self, done: Completeness) -> None:
        def mark(ok: bool, label: str) -> str:
            return f"{'✔' if ok else '✘'} {label}"

        parts = [mark(done.informations, "Informations perso."), mark(done.adresse, "Adresse"),
                 mark(done.baccalaureat, "Baccalauréat")]
        if done.ine_required:
            parts.append(mark(done.ine, "INE"))
        status = ("Profil complet : vous pouvez candidater." if done.complete
                  else "À compléter avant de candidater.")
        widget = self.query_one("#profile-completeness", Static)
        widget.update("  ".join(parts) + f"\n{status}")
        widget.set_class(done.complete, "-complete")

    def _show_informations(self, info: InformationsView, adresse: AdresseView) -> None:
        self.query_one("#info-notice").display = not info.exists
        lock = self.query_one("#info-lock", Static)
        if info.read_only:
            lock.update("Vous avez déjà une candidature : vos informations personnelles ne "
                        "sont plus modifiables.")
        elif info.locked_fields:
            lock.update("Certaines informations proviennent du système d'information de "
                        "l'université et ne sont pas modifiables.")
        else:
            lock.update("")
        lock.display = bool(info.read_only or info.locked_fields)
        self.query_one("#info-edit", Button).disabled = info.read_only
        summary = self.query_one("#info-summary", Static)
        if info.exists:
            lines = [
                f"{info.civilite} {info.prenom} {info.nom_naissance}".strip(),
                _line("Nom d'usage", info.nom_usage),
                _line("Autre prénom", info.autre_prenom),
                _line("Nationalité", reference.label("pays", info.nationalite)),
                _line("INE", info.ine),
                _line("Date de naissance", info.date_naissance),
                _line("Lieu de naissance", _birthplace(info)),
                _line("Téléphone", info.telephone),
                _line("Téléphone portable", info.portable),
            ]
        else:
            lines = [f"{info.nom_naissance} {info.prenom}".upper().strip(),
                     "Vous n'avez pas encore saisi vos informations personnelles."]
        summary.update(safe_text("\n".join(lines), multiline=True))
        contact = [f"Adresse mail : {info.mail}"]
        contact.append(adresse.one_line() if adresse.exists else NO_CONTACT)
        self.query_one("#info-contact", Static).update(safe_text("\n".join(contact), multiline=True))

    def _show_adresse(self, adresse: AdresseView) -> None:
        self.query_one("#adresse-notice").display = not adresse.exists
        if not adresse.exists:
            text = "Vous n'avez pas encore saisi votre adresse."
        else:
            france = adresse.pays == reference.FRANCE
            text = "\n".join([
                _line("Adresse", adresse.adresse),
                _line("Complément 1", adresse.complement1),
                _line("Complément 2", adresse.complement2),
                (_line("Code postal", adresse.code_postal) + "   " + _line("Commune", adresse.commune))
                if france else _line("Commune étrangère", adresse.commune_etrangere),
                _line("Cedex", adresse.cedex),
                _line("Pays", reference.label("pays", adresse.pays)),
            ])
        self.query_one("#adresse-summary", Static).update(safe_text(text, multiline=True))

    def _show_bac(self, bac: BaccalaureatView) -> None:
        self.query_one("#bac-notice").display = not bac.exists
        lock = self.query_one("#bac-lock", Static)
        lock.update("Votre baccalauréat provient du système d'information de l'université."
                    if bac.from_directory else "")
        lock.display = bac.from_directory
        self.query_one("#bac-edit", Button).disabled = bac.from_directory
        if not bac.exists:
            text = "Vous n'avez pas encore saisi votre baccalauréat."
        elif not bac.has_bac:
            text = "Je n'ai pas le bac.\n" + _line("Situation", bac.situation)
        else:
            lines = [
                "J'ai le bac ou une équivalence.",
                _line("Année d'obtention", bac.annee),
                _line("Série ou équivalence", reference.label("series_bac", bac.serie)),
                _line("Mention", reference.label("mentions", bac.mention)),
                _line("Pays", reference.label("pays", bac.pays)),
            ]
            if bac.pays == reference.FRANCE:
                lines += [_line("Département", reference.label("departements", bac.departement)),
                          _line("Commune", bac.commune),
                          _line("Établissement", bac.etablissement)]
            lines.append(_line("Spécialités", bac.specialites))
            text = "\n".join(lines)
        self.query_one("#bac-summary", Static).update(safe_text(text, multiline=True))

    def _show_cursus_interne(self, rows: list[CursusInterneRow], internal: bool) -> None:
        table = self.query_one("#cursus-interne-table", DataTable)
        table.clear()
        for r in rows:
            table.add_row(r.annee_universitaire, r.code, r.libelle, r.note, r.bareme, r.mention,
                          r.resultat, key=str(r.id))
        empty = self.query_one("#cursus-interne-empty", Static)
        if internal:
            empty.update("Aucun cursus n'a été transmis par le système d'information de "
                         "l'université pour votre compte.")
        else:
            empty.update("Cet onglet montre le cursus suivi à l'université : il est vide car "
                         "votre compte n'a pas été créé comme étudiant de l'université. "
                         "Saisissez vos études dans Cursus Externe.")
        empty.display = not rows
        table.display = bool(rows)

    def _fill(self, prefix: str, rows: list[tuple[int, tuple[Any, ...]]]) -> None:
        table = self.query_one(f"#{prefix}-table", DataTable)
        table.clear()
        for row_id, cells in rows:
            table.add_row(*cells, key=str(row_id))
        self.query_one(f"#{prefix}-empty").display = not rows
        table.display = bool(rows)
        self.query_one(f"#{prefix}-edit", Button).disabled = not rows
        self.query_one(f"#{prefix}-delete", Button).disabled = not rows

    # ------------------------------------------------------------- forms

    def _open(self, form) -> None:
        self.app.push_screen(form)  # coming back reloads (on_screen_resume)

    @on(Button.Pressed, "#info-edit")
    def edit_informations(self) -> None:
        if self.data and self.account_id is not None and not self.data.informations.read_only:
            info = self.data.informations
            self._open(InformationsForm(self.account_id, view_values(info), info.version,
                                        locked=info.locked_fields))

    @on(Button.Pressed, "#adresse-edit")
    def edit_adresse(self) -> None:
        if self.data and self.account_id is not None:
            adresse = self.data.adresse
            self._open(AdresseForm(self.account_id, view_values(adresse), adresse.version))

    @on(Button.Pressed, "#bac-edit")
    def edit_bac(self) -> None:
        if self.data and self.account_id is not None and not self.data.bac.from_directory:
            bac = self.data.bac
            self._open(BaccalaureatForm(self.account_id, view_values(bac), bac.version))

    @on(Button.Pressed, "#info-change-mail")
    def change_mail(self) -> None:
        self._account_modal("mail")

    @on(Button.Pressed, "#info-change-password")
    def change_password(self) -> None:
        self._account_modal("password")

    def _account_modal(self, which: str) -> None:
        """The accounts area owns these modals (imported only when asked for)."""
        from .account_modals import ChangeMailModal, ChangePasswordModal

        account_id = self.account_id
        if account_id is None:
            return
        if which == "mail":
            mail = self.data.informations.mail if self.data else None
            self.app.push_screen(ChangeMailModal(account_id, mail))
        else:
            self.app.push_screen(ChangePasswordModal(account_id))

    # ------------------------------------------------- the three lists

    def _selected(self, prefix: str, rows: list) -> Any:
        table = self.query_one(f"#{prefix}-table", DataTable)
        if not rows or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in rows if str(r.id) == key), None)

    @on(Button.Pressed, ".profile-actions Button")
    def _list_action(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        prefix, _, action = button_id.rpartition("-")
        if prefix not in ("cursus-externe", "stages", "experiences") or self.data is None:
            return
        event.stop()
        account_id = self.account_id
        if account_id is None:
            return
        rows = {"cursus-externe": self.data.cursus_externe, "stages": self.data.stages,
                "experiences": self.data.experiences}[prefix]
        form_cls = {"cursus-externe": CursusExterneForm, "stages": StageForm,
                    "experiences": ExperienceForm}[prefix]
        if action == "add":
            self._open(form_cls(account_id, {}))
            return
        row = self._selected(prefix, rows)
        if row is None:
            self.notify("Choisissez d'abord une ligne du tableau.", severity="warning")
            return
        if action == "edit":
            self._open(form_cls(account_id, view_values(row), row.version, row_id=row.id))
        elif action == "delete":
            what = {"cursus-externe": "ce cursus", "stages": "ce stage",
                    "experiences": "cette expérience"}[prefix]

            def answered(yes: bool | None) -> None:
                if yes:
                    self._delete(prefix, account_id, row.id, row.version)

            self.app.push_screen(ConfirmModal(f"Voulez-vous vraiment supprimer {what} ?",
                                              title="Suppression", yes="Supprimer", no="Annuler",
                                              yes_variant="error"), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="profile-delete")
    def _delete(self, prefix: str, account_id: int, row_id: int, version: int) -> None:
        profile = self.app.services.profile
        method = {"cursus-externe": profile.delete_cursus_externe,
                  "stages": profile.delete_stage,
                  "experiences": profile.delete_experience}[prefix]
        try:
            method(account_id, row_id, version)
        except DomainError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
        else:
            self.app.call_from_thread(self.notify, "La ligne a été supprimée.", timeout=4)
        self.app.call_from_thread(self.action_reload)


def _birthplace(info: InformationsView) -> str:
    if info.pays_naissance == reference.FRANCE:
        dep = reference.label("departements", info.departement_naissance)
        return f"{info.commune_naissance} ({dep}), France" if info.commune_naissance else ""
    return ", ".join(p for p in (info.ville_naissance, reference.label("pays", info.pays_naissance)) if p)


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["NOTICE_REQUIRED", "NOTICE_SCOLARITE", "TAB_FOR_MISSING", "MonCompteScreen"]

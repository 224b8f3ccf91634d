"""Campagne (F9; admins, gestionnaires for their centres): the formations one
may edit, a formation's form (dates, pièces justificatives), and the centres,
commissions (the contact shown to candidates) and piece types.

Every check is `CampaignService`'s (the import's rules, role and centre); a
change that strands candidatures is asked first with how many it touches
("Cette modification touche N candidature(s)… Continuer ?"), then saved with
`confirm=True`. Forms sit in a scrolling container: usable at 80×24.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Select, Static

from ...domain import ModeFormation, Role
from ...services.campaign import CommissionChoice, FormationForm, SaveResult
from ...services.catalog_views import PieceTypeView
from ...services.errors import DomainError, ValidationFailed
from ...services.staff_views import FormationRow
from ...widgets.safe_input import SafeInput
from ...widgets.confirm import ConfirmModal
from ...widgets.footer import Footer
from ...widgets.table import TextTable
from .common import Col, StaffScreen, compact_button, cut, option_label

FORM = "campaign-form"  # marks a refusal of a form (see show_error)

# (field of the service, label) of the formation form, in order; the widget is `formation-<field>`.
FORMATION_FIELDS = (
    ("code", "Code"), ("titre", "Libellé"), ("date_debut_depot", "Ouverture du dépôt"),
    ("date_fin_depot", "Fin de dépôt"), ("date_limite_retour", "Date limite de retour"),
    ("date_preanalyse", "Pré-analyse"), ("date_jury", "Jury"), ("date_publication", "Publication"),
    ("date_confirmation", "Confirmation"), ("mots_cles", "Mots-clés"), ("url", "Lien"),
)


def widget_id(prefix: str, name: str) -> str:
    return f"{prefix}-{name.replace('_', '-')}"


def field_row(prefix: str, name: str, label: str, **input_args: Any) -> ComposeResult:
    """One labelled input on one line, its error line under it."""
    with Horizontal(classes="campaign-row"):
        yield Label(label, classes="campaign-label")
        yield SafeInput(id=widget_id(prefix, name), compact=True, **input_args)
    yield Static("", id=f"{widget_id(prefix, name)}-error", classes="field-error", markup=False)


def french_day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


class CampaignFormMixin:
    """Refusals of a form under their field (`<prefix>-<field>-error`), else a notification."""

    PREFIX = ""

    def show_error(self, exc: DomainError, field: str | None = None) -> None:
        errors = exc.errors if isinstance(exc, ValidationFailed) else {exc.field or "": exc.message}
        for name, message in errors.items():
            if not (field == FORM and name and self.set_error(widget_id(self.PREFIX, name), message)):  # type: ignore[attr-defined]
                self.notify(message, severity="error", timeout=8)  # type: ignore[attr-defined]

    def campaign(self, call: Callable[[Any], Any], done: Callable[[Any], None], field: str | None = None) -> None:
        services = self.app.services  # type: ignore[attr-defined]
        self.call_staff(lambda _staff: call(services.campaign), done, field)  # type: ignore[attr-defined]


# ----------------------------------------------------------------- list


class CampaignScreen(StaffScreen):
    COLUMNS = (Col("code", "Code", 12), Col("titre", "Formation"), Col("centre", "Centre", 8),
               Col("candidatures", "Candidatures", 12))

    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        yield Static("Campagne", classes="screen-title")
        yield Static("Chargement…", id="campaign-status")
        yield TextTable(id="campaign-formations", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="staff-buttons"):
            yield compact_button("Nouvelle formation", id="campaign-new", variant="primary")
            yield compact_button("Modifier", id="campaign-edit")
            yield compact_button("Centres, commissions, pièces", id="campaign-settings")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.call_staff(lambda staff: staff.list_formations(self.app.principal), self.show)

    def show(self, rows: list[FormationRow]) -> None:
        table = self.query_one("#campaign-formations", DataTable)
        self.fill_table(table, self.COLUMNS, (
            (f.code, {"code": f.code, "titre": f.titre, "centre": f.centre_code, "candidatures": str(f.candidatures)})
            for f in rows))
        self.query_one("#campaign-status", Static).update(f"{len(rows)} formation(s). Entrée : modifier.")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.push_screen(FormationEditScreen(str(event.row_key.value)))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "campaign-new":
            self.app.push_screen(FormationEditScreen(None))
        elif event.button.id == "campaign-settings":
            self.app.push_screen(CampaignSettingsScreen())
        elif event.button.id == "campaign-edit":
            table = self.query_one("#campaign-formations", DataTable)
            if table.row_count == 0:
                self.notify("Aucune formation sélectionnée.", severity="warning")
                return
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            self.app.push_screen(FormationEditScreen(str(key)))


# ------------------------------------------------------------ formation


class FormationEditScreen(CampaignFormMixin, StaffScreen):
    """A formation's form: `code` None creates one."""

    PREFIX = "formation"

    def __init__(self, code: str | None) -> None:
        super().__init__()
        self.code = code
        self.original: FormationForm | None = None
        self.pieces: list[str] = []
        self.piece_types: dict[str, PieceTypeView] = {}

    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        with VerticalScroll(id="formation-edit-body", can_focus=False):
            yield Static(f"Formation {self.code}" if self.code else "Nouvelle formation", classes="screen-title",
                         id="formation-edit-title", markup=False)
            yield Static("Dates : JJ/MM/AAAA.", id="formation-edit-status")
            for name, label in FORMATION_FIELDS[:2]:
                yield from field_row(self.PREFIX, name, label)
            with Horizontal(classes="campaign-row"):
                yield Label("Commission", classes="campaign-label")
                yield Select([], id="formation-commission", prompt="Centre / commission", compact=True)
            yield Static("", id="formation-commission-error", classes="field-error", markup=False)
            with Horizontal(classes="campaign-row"):
                yield Label("Mode", classes="campaign-label")
                yield Select([(m.label, m.value) for m in ModeFormation], id="formation-mode", compact=True,
                             value=ModeFormation.DEMATERIALISE.value, allow_blank=False)
            yield Static("", id="formation-mode-error", classes="field-error", markup=False)
            with Horizontal(classes="campaign-row"):
                yield Label("Candidatures", classes="campaign-label")
                yield Checkbox("Ouverte aux candidatures", value=True,
                               id="formation-ouverte", compact=True)
            for name, label in FORMATION_FIELDS[2:]:
                yield from field_row(self.PREFIX, name, label)
            yield Static("Pièces justificatives", classes="section-title")
            table = TextTable(id="formation-pieces", cursor_type="row", zebra_stripes=True)
            table.add_column("Code", width=12)
            table.add_column("Pièce", width=40)
            table.add_column("Cond.", width=5)
            table.add_column("Part.", width=5)
            yield table
            yield Static("", id="formation-pieces-error", classes="field-error", markup=False)
            with Horizontal(classes="staff-buttons"):
                yield Select([], id="formation-piece-type", prompt="Type de pièce", compact=True)
                yield compact_button("Ajouter", id="formation-piece-add")
                yield compact_button("Retirer", id="formation-piece-remove", variant="error")
            with Horizontal(classes="staff-buttons"):
                yield compact_button("Enregistrer", id="formation-save", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        principal = self.app.principal
        code = self.code
        catalog = self.app.services.catalog

        def load(campaign):
            form = campaign.formation_form(principal, code) if code else None
            return form, campaign.commission_choices(principal), catalog.piece_types()

        self.campaign(load, self.loaded)

    def loaded(self, result: tuple[FormationForm | None, list[CommissionChoice], list[PieceTypeView]]) -> None:
        form, choices, types = result
        self.piece_types = {p.code: p for p in types}
        commission = self.query_one("#formation-commission", Select)
        commission.set_options([(option_label(f"{c.centre_code} / {c.code} — {c.libelle}"),
                                 f"{c.centre_code}/{c.code}") for c in choices])
        if len(choices) == 1:
            commission.value = f"{choices[0].centre_code}/{choices[0].code}"
        if form is not None:
            self.fill(form)
        self.show_pieces()
        self.query_one("#formation-titre" if form else "#formation-code", Input).focus()

    def fill(self, form: FormationForm) -> None:
        self.original = form
        for name, _label in FORMATION_FIELDS:
            value = getattr(form, name)
            self.query_one(f"#{widget_id(self.PREFIX, name)}", Input).value = (
                french_day(value) if isinstance(value, date) or name.startswith("date_") else value or "")
        self.query_one("#formation-code", Input).disabled = True
        self.query_one("#formation-commission", Select).value = f"{form.centre_code}/{form.commission_code}"
        self.query_one("#formation-mode", Select).value = form.mode
        self.query_one("#formation-ouverte", Checkbox).value = form.ouverte
        self.pieces = list(form.pieces)
        self.query_one("#formation-edit-title", Static).update(f"Formation {form.code}")

    def show_pieces(self) -> None:
        table = self.query_one("#formation-pieces", DataTable)
        table.clear()
        for code in self.pieces:
            p = self.piece_types.get(code)
            table.add_row(code, cut(p.libelle if p else code, 40), "Oui" if p and p.conditional else "",
                          "Oui" if p and p.shared else "", key=code)
        self.query_one("#formation-piece-type", Select).set_options(
            [(option_label(f"{p.code} — {cut(p.libelle, 50)}"), p.code) for p in self.piece_types.values()
             if p.code not in self.pieces])

    # ------------------------------------------------------------ actions

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "formation-piece-add":
            chosen = self.query_one("#formation-piece-type", Select).value
            if chosen is Select.NULL:
                self.set_error("formation-pieces", "Choisissez un type de pièce à ajouter.")
                return
            self.pieces.append(str(chosen))
            self.show_pieces()
        elif event.button.id == "formation-piece-remove":
            table = self.query_one("#formation-pieces", DataTable)
            if table.row_count == 0:
                return
            self.pieces.remove(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))
            self.show_pieces()
        elif event.button.id == "formation-save":
            self.save(confirm=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.save(confirm=False)

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {name: self.query_one(f"#{widget_id(self.PREFIX, name)}", Input).value
                                  for name, _label in FORMATION_FIELDS}
        chosen = self.query_one("#formation-commission", Select).value
        centre, _, commission = ("" if chosen is Select.NULL else str(chosen)).partition("/")
        mode = self.query_one("#formation-mode", Select).value
        return values | {"centre_code": centre, "commission_code": commission, "pieces": list(self.pieces),
                         "mode": "" if mode is Select.NULL else str(mode),
                         "ouverte": self.query_one("#formation-ouverte", Checkbox).value}

    def save(self, *, confirm: bool) -> None:
        self.clear_errors()
        principal, values, original = self.app.principal, self.values(), self.original
        self.campaign(lambda campaign: campaign.save_formation(principal, values, original=original,
                                                               confirm=confirm), self.saved, FORM)

    def saved(self, result: SaveResult) -> None:
        if not result.applied:
            def answered(yes: bool | None) -> None:
                if yes:
                    self.save(confirm=True)

            self.app.push_screen(ConfirmModal(result.impact.question(), title="Candidatures touchées"), answered)
            return
        assert result.form is not None
        self.fill(result.form)
        self.show_pieces()
        touched = f" ({result.impact.touched} candidature(s) touchée(s))" if result.impact.touched else ""
        self.notify(f"Formation {result.form.code} enregistrée{touched}.")


# ------------------------------------------------- centres, commissions, pieces


CENTRE_FIELDS = (("code", "Code"), ("libelle", "Libellé"), ("max_candidatures", "Candidatures max."))
COMMISSION_FIELDS = (("centre_code", "Centre"), ("code", "Code"), ("libelle", "Libellé"),
                     ("adresse", "Adresse de contact"), ("telephone", "Téléphone"), ("mail", "Mail"))
PIECE_FIELDS = (("code", "Code"), ("libelle", "Libellé"), ("ordre", "Ordre"))


class CampaignSettingsScreen(CampaignFormMixin, StaffScreen):
    """Three small forms: a centre (admins create), a commission's contact, a piece type (admins)."""

    def compose(self) -> ComposeResult:
        admin = self.app.principal is not None and self.app.principal.role == Role.ADMIN
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        with VerticalScroll(id="campaign-settings-body", can_focus=False):
            yield Static("Centres, commissions, pièces", classes="screen-title")
            yield Static("Entrée sur un code : ses valeurs actuelles. Un code nouveau est créé.",
                         id="campaign-settings-status")
            yield Static("Centre de candidature", classes="section-title")
            for name, label in CENTRE_FIELDS:
                yield from field_row("centre", name, label)
            with Horizontal(classes="staff-buttons"):
                if admin:
                    yield compact_button("Créer le centre", id="centre-create", variant="primary")
                yield compact_button("Modifier le centre", id="centre-save")
            yield Static("Commission (contact des candidats)", classes="section-title")
            for name, label in COMMISSION_FIELDS:
                yield from field_row("commission", name, label)
            with Horizontal(classes="staff-buttons"):
                yield compact_button("Enregistrer la commission", id="commission-save", variant="primary")
            if admin:
                yield Static("Type de pièce justificative", classes="section-title")
                for name, label in PIECE_FIELDS:
                    yield from field_row("piece", name, label)
                with Horizontal(classes="staff-buttons"):
                    yield Checkbox("Conditionnelle", id="piece-conditional", compact=True)
                    yield Checkbox("Partagée", id="piece-shared", compact=True)
                with Horizontal(classes="staff-buttons"):
                    yield compact_button("Enregistrer le type de pièce", id="piece-save", variant="primary")
        yield Footer()

    def form(self, prefix: str, fields: tuple[tuple[str, str], ...]) -> dict[str, str]:
        return {name: self.query_one(f"#{widget_id(prefix, name)}", Input).value for name, _label in fields}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Entrée in a code field fills the form with what that code holds now."""
        event.stop()
        kind = (event.input.id or "").removesuffix("-code")
        if kind not in ("centre", "commission", "piece"):
            return
        principal, code = self.app.principal, event.value.strip()
        centre = self.query_one("#commission-centre-code", Input).value.strip() if kind == "commission" else ""
        self.PREFIX = kind
        self.campaign(lambda c: c.stored_values(principal, kind, code, centre),
                      lambda values: self.loaded(kind, code, values), FORM)

    def loaded(self, kind: str, code: str, values: dict[str, Any] | None) -> None:
        if values is None:
            self.notify(f"{code} : nouveau code, il sera créé.")
            return
        for name, value in values.items():
            if isinstance(value, bool):
                self.query_one(f"#{widget_id(kind, name)}", Checkbox).value = value
            else:
                self.query_one(f"#{widget_id(kind, name)}", Input).value = "" if value is None else str(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.clear_errors()
        principal = self.app.principal
        button = event.button.id or ""
        if button in ("centre-create", "centre-save"):
            self.PREFIX = "centre"
            centre, create = self.form("centre", CENTRE_FIELDS), button == "centre-create"
            self.campaign(lambda c: c.save_centre(principal, centre, create=create),
                          lambda _: self.notify(f"Centre {centre['code'].strip()} enregistré."), FORM)
        elif button == "commission-save":
            self.PREFIX = "commission"
            commission = self.form("commission", COMMISSION_FIELDS)
            centre_code = commission.pop("centre_code").strip()
            self.campaign(lambda c: c.save_commission(principal, centre_code, commission),
                          lambda _: self.notify(f"Commission {commission['code'].strip()} enregistrée."), FORM)
        elif button == "piece-save":
            self.PREFIX = "piece"
            piece: dict[str, Any] = self.form("piece", PIECE_FIELDS)
            piece["conditional"] = self.query_one("#piece-conditional", Checkbox).value
            piece["shared"] = self.query_one("#piece-shared", Checkbox).value
            self.campaign(lambda c: c.save_piece_type(principal, piece),
                          lambda _: self.notify(f"Type de pièce {piece['code'].strip()} enregistré."), FORM)

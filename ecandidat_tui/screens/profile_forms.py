"""The modal forms of Mon compte: Informations perso., Adresse, Baccalauréat,
Cursus Externe, Stages, Expériences pro.

Each form is a `ModalScreen[bool]` (True when something was saved). Field
ids are `<prefix>-<column with dashes>` (`info-date-naissance`,
`adresse-code-postal`, `stage-duree`…), errors show under each field
(`<field-id>-error`), a refusal of the whole form (a concurrent edit) in
`<prefix>-form-error`. Saving runs in a thread worker; the typed data stays
on screen after any refusal. Escape or `Annuler` with unsaved changes asks
before discarding them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.message import Message
from textual.widgets import Button, Input, RadioButton, RadioSet, Static, TextArea

from ..services import reference
from ..services.errors import DomainError, ValidationFailed
from ..widgets.confirm import ConfirmModal
from ..widgets.fields import Field, LongTextField, SearchSelect, TextField, set_errors

FRANCE = reference.FRANCE


def _items(list_name: str) -> list[tuple[str, str]]:
    return [(i.code, i.nom) for i in reference.LISTS[list_name]()]


def _departements() -> list[tuple[str, str]]:
    return [(i.code, f"{i.code} - {i.nom}") for i in reference.departements()]


class ProfileForm(ModalScreen[bool]):
    """What every profile form shares: layout, dirty check, saving in a worker."""

    PREFIX = "form"
    TITLE_TEXT = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="profile-form-cancel"),
        Binding("ctrl+s", "save", "Enregistrer", id="profile-form-save"),
    ]

    def __init__(self, account_id: int, values: dict[str, Any], version: int | None = None,
                 row_id: int | None = None, locked: frozenset[str] = frozenset()) -> None:
        super().__init__(classes="profile-form-screen")
        self.account_id = account_id
        self.values = values
        self.version = version
        self.row_id = row_id
        self.locked = locked
        self._initial: dict[str, Any] = {}
        self._saving = False

    # ------------------------------------------------------- subclass API

    def build_fields(self) -> ComposeResult:  # pragma: no cover - subclasses
        raise NotImplementedError

    def call_service(self, services, values: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    def update_visibility(self) -> None:
        """Show the fields that apply to the current choices (France or not, bac or not)."""

    def extra_values(self) -> dict[str, Any]:
        return {}

    # ------------------------------------------------------------ helpers

    def fid(self, name: str) -> str:
        return f"{self.PREFIX}-{name.replace('_', '-')}"

    def v(self, name: str) -> str:
        value = self.values.get(name)
        return "" if value is None else str(value)

    def text(self, label: str, name: str, required: bool = False, **kw: Any) -> TextField:
        return TextField(label, self.fid(name), self.v(name), required=required, **kw)

    def long_text(self, label: str, name: str, required: bool = False) -> LongTextField:
        return LongTextField(label, self.fid(name), self.v(name), required=required)

    def choice(self, label: str, name: str, items: list[tuple[str, str]],
               required: bool = False) -> SearchSelect:
        return SearchSelect(label, self.fid(name), items, self.v(name), required=required)

    def field(self, name: str) -> Field:
        return self.query_one(f"#{self.fid(name)}-field", Field)

    def show_if(self, condition: bool, *names: str) -> None:
        for name in names:
            self.field(name).display = condition

    def fields(self) -> list[Field]:
        return list(self.query(Field))

    def current_values(self) -> dict[str, Any]:
        values = {f.field_id.removeprefix(f"{self.PREFIX}-").replace("-", "_"): f.value
                  for f in self.fields()}
        values.update(self.extra_values())
        return values

    @property
    def dirty(self) -> bool:
        return self.current_values() != self._initial

    # ------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        with Vertical(id=f"{self.PREFIX}-form", classes="profile-dialog profile-form"):
            yield Static(self.TITLE_TEXT, classes="form-title")
            with VerticalScroll(classes="form-body"):
                yield from self.build_fields()
            yield Static("", id=f"{self.PREFIX}-form-error", classes="field-error")
            with Horizontal(classes="form-buttons"):
                yield Button("Annuler", id=f"{self.PREFIX}-cancel")
                yield Button("Enregistrer", id=f"{self.PREFIX}-save", variant="primary")

    def on_mount(self) -> None:
        for field in self.fields():
            name = field.field_id.removeprefix(f"{self.PREFIX}-").replace("-", "_")
            if name in self.locked:
                field.editor().disabled = True
        self.update_visibility()
        self._initial = self.current_values()
        for field in self.fields():
            editor = field.editor()
            if field.display and not editor.disabled:
                editor.focus()
                break

    @on(SearchSelect.Changed)
    @on(RadioSet.Changed)
    def _choice_changed(self) -> None:
        self.update_visibility()

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(SearchSelect.Changed)
    def _field_edited(self, event: Message) -> None:
        """A refusal goes as soon as its field is edited, not at the next save."""
        control = getattr(event, "control", None)
        field = control if isinstance(control, Field) else next(
            (a for a in getattr(control, "ancestors", ()) if isinstance(a, Field)), None)
        if field is None or field.error_widget.has_class("-empty"):
            return
        field.clear_error()
        if all(f.error_widget.has_class("-empty") for f in self.fields()):
            self.query_one(f"#{self.PREFIX}-form-error", Static).update("")

    # ---------------------------------------------------------- cancel

    @on(Button.Pressed, ".form-buttons Button")
    def _button(self, event: Button.Pressed) -> None:
        if event.button.id == f"{self.PREFIX}-cancel":
            self.action_cancel()
        elif event.button.id == f"{self.PREFIX}-save":
            self.action_save()

    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(False)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(False)

        self.app.push_screen(ConfirmModal("Abandonner les modifications non enregistrées ?",
                                          title="Modifications non enregistrées",
                                          yes="Abandonner", no="Continuer la saisie",
                                          yes_variant="error"), answered)

    # ------------------------------------------------------------ save

    def action_save(self) -> None:
        if self._saving:
            return
        self._saving = True
        self.query_one(f"#{self.PREFIX}-save", Button).disabled = True
        self._save(self.current_values())

    @work(thread=True, exclusive=True, exit_on_error=False, group="profile-form")
    def _save(self, values: dict[str, Any]) -> None:
        try:
            self.call_service(self.app.services, values)
        except ValidationFailed as exc:
            self.app.call_from_thread(self._refused, exc.errors, "")
        except DomainError as exc:
            self.app.call_from_thread(self._refused, {}, exc.message)
        except Exception as exc:  # an unexpected failure: say so, keep the typed data
            self.app.call_from_thread(self._refused, {},
                                      f"L'enregistrement a échoué : {exc}")
        else:
            self.app.call_from_thread(self._saved)

    def _saved(self) -> None:
        self._saving = False
        self.app.notify("Vos informations ont été enregistrées.", timeout=4)
        self.dismiss(True)

    def _refused(self, errors: dict[str, str], message: str) -> None:
        self._saving = False
        self.query_one(f"#{self.PREFIX}-save", Button).disabled = False
        first = set_errors(self.fields(), errors, self.PREFIX)
        known = {f.field_id.removeprefix(f"{self.PREFIX}-").replace("-", "_")
                 for f in self.fields()}
        unplaced = [m for name, m in errors.items() if name not in known]
        general = message or " ".join(unplaced)
        if errors and not general:
            general = "Certaines informations sont incorrectes : voyez les messages en rouge."
        self.query_one(f"#{self.PREFIX}-form-error", Static).update(general)
        if message:
            self.app.notify(message, severity="error", timeout=8)
        if first is not None:
            first.display = True
            first.editor().focus()
            first.scroll_visible()


# ------------------------------------------------------------- the forms


class InformationsForm(ProfileForm):
    PREFIX = "info"
    TITLE_TEXT = "Informations personnelles"

    def build_fields(self) -> ComposeResult:
        pays = _items("pays")
        yield self.choice("Nationalité", "nationalite", pays, required=True)
        yield self.text("INE et clé (11 caractères)", "ine", placeholder="ex. 1234567890V")
        yield self.choice("Civilité", "civilite", _items("civilites"), required=True)
        yield self.text("Nom de naissance", "nom_naissance", required=True)
        yield self.text("Nom d'usage", "nom_usage")
        yield self.text("Prénom", "prenom", required=True)
        yield self.text("Autre prénom", "autre_prenom")
        yield self.text("Date de naissance", "date_naissance", required=True,
                        placeholder="jj/mm/aaaa")
        yield self.choice("Pays de naissance", "pays_naissance", pays, required=True)
        yield self.choice("Département de naissance", "departement_naissance", _departements(),
                          required=True)
        yield self.text("Commune de naissance", "commune_naissance", required=True)
        yield self.text("Ville de naissance", "ville_naissance", required=True)
        yield self.text("Téléphone", "telephone")
        yield self.text("Téléphone portable", "portable")

    def update_visibility(self) -> None:
        france = self.field("pays_naissance").value == FRANCE
        self.show_if(france, "departement_naissance", "commune_naissance")
        self.show_if(not france, "ville_naissance")

    def call_service(self, services, values: dict[str, Any]) -> None:
        services.profile.save_informations(self.account_id, values, self.version)


class AdresseForm(ProfileForm):
    PREFIX = "adresse"
    TITLE_TEXT = "Adresse"

    def build_fields(self) -> ComposeResult:
        yield self.choice("Pays", "pays", _items("pays"), required=True)
        yield self.text("Code postal", "code_postal", required=True)
        yield self.text("Commune", "commune", required=True)
        yield self.text("Commune étrangère", "commune_etrangere", required=True)
        yield self.text("Adresse", "adresse", required=True)
        yield self.text("Complément 1", "complement1")
        yield self.text("Complément 2", "complement2")
        yield self.text("Cedex", "cedex")

    def update_visibility(self) -> None:
        france = self.field("pays").value == FRANCE
        self.show_if(france, "code_postal", "commune")
        self.show_if(not france, "commune_etrangere")

    def call_service(self, services, values: dict[str, Any]) -> None:
        services.profile.save_adresse(self.account_id, values, self.version)


class BaccalaureatForm(ProfileForm):
    PREFIX = "bac"
    TITLE_TEXT = "Baccalauréat"

    def build_fields(self) -> ComposeResult:
        has_bac = self.values.get("has_bac", True)
        with RadioSet(id="bac-has-bac"):
            yield RadioButton("J'ai le bac ou une équivalence", value=bool(has_bac),
                              id="bac-has-bac-oui")
            yield RadioButton("Je n'ai pas le bac", value=not has_bac, id="bac-has-bac-non")
        yield self.text("Année d'obtention", "annee", required=True, placeholder="aaaa")
        yield self.choice("Série ou équivalence", "serie", _items("series_bac"), required=True)
        yield self.choice("Mention", "mention", _items("mentions"))
        yield self.choice("Pays", "pays", _items("pays"), required=True)
        yield self.choice("Département", "departement", _departements(), required=True)
        yield self.text("Commune", "commune", required=True)
        yield self.text("Établissement", "etablissement", required=True)
        yield self.text("Spécialités", "specialites")
        yield self.long_text("Votre situation", "situation")

    def has_bac(self) -> bool:
        return self.query_one("#bac-has-bac-non", RadioButton).value is False

    def extra_values(self) -> dict[str, Any]:
        return {"has_bac": self.has_bac()}

    def update_visibility(self) -> None:
        has_bac = self.has_bac()
        france = self.field("pays").value == FRANCE
        self.show_if(has_bac, "annee", "serie", "mention", "pays", "specialites")
        self.show_if(has_bac and france, "departement", "commune", "etablissement")
        self.show_if(not has_bac, "situation")

    def call_service(self, services, values: dict[str, Any]) -> None:
        services.profile.save_baccalaureat(self.account_id, values, self.version)


class CursusExterneForm(ProfileForm):
    PREFIX = "cursus"
    TITLE_TEXT = "Cursus externe (post-bac)"

    def build_fields(self) -> ComposeResult:
        if "pays" not in self.values:
            self.values = {**self.values, "pays": FRANCE}
        yield self.choice("Pays", "pays", _items("pays"), required=True)
        yield self.text("Établissement", "etablissement", required=True)
        yield self.choice("Département", "departement", _departements(), required=True)
        yield self.text("Commune", "commune", required=True)
        yield self.text("Année d'obtention", "annee", required=True, placeholder="aaaa")
        yield self.text("Formation", "formation", required=True)
        yield self.text("Libellé et niveau", "libelle_niveau", required=True)
        yield self.choice("Obtenu", "obtenu", _items("obtenu"), required=True)
        yield self.choice("Mention", "mention", _items("mentions"))

    def update_visibility(self) -> None:
        self.show_if(self.field("pays").value == FRANCE, "departement", "commune")

    def call_service(self, services, values: dict[str, Any]) -> None:
        if self.row_id is None:
            services.profile.add_cursus_externe(self.account_id, values)
        else:
            services.profile.edit_cursus_externe(self.account_id, self.row_id, self.version or 0,
                                                 values)


class StageForm(ProfileForm):
    PREFIX = "stage"
    TITLE_TEXT = "Stage"

    def build_fields(self) -> ComposeResult:
        yield self.text("Année", "annee", required=True, placeholder="aaaa")
        yield self.text("Durée", "duree", required=True, placeholder="ex. 2 mois")
        yield self.text("Heures/semaine", "heures_semaine")
        yield self.text("Organisme", "organisme", required=True)
        yield self.long_text("Descriptif (500 caractères)", "descriptif", required=True)

    def call_service(self, services, values: dict[str, Any]) -> None:
        if self.row_id is None:
            services.profile.add_stage(self.account_id, values)
        else:
            services.profile.edit_stage(self.account_id, self.row_id, self.version or 0, values)


class ExperienceForm(ProfileForm):
    PREFIX = "experience"
    TITLE_TEXT = "Expérience professionnelle"

    def build_fields(self) -> ComposeResult:
        yield self.text("Année", "annee", required=True, placeholder="aaaa")
        yield self.text("Intitulé", "intitule", required=True)
        yield self.text("Durée", "duree", required=True, placeholder="ex. 6 mois")
        yield self.text("Organisme", "organisme", required=True)
        yield self.long_text("Descriptif (500 caractères)", "descriptif")

    def call_service(self, services, values: dict[str, Any]) -> None:
        if self.row_id is None:
            services.profile.add_experience(self.account_id, values)
        else:
            services.profile.edit_experience(self.account_id, self.row_id, self.version or 0,
                                             values)


__all__ = [
    "AdresseForm", "BaccalaureatForm", "CursusExterneForm", "ExperienceForm", "InformationsForm",
    "ProfileForm", "StageForm",
]

"""Issue 15, items 6 to 14: what a new candidate met walking the guide end to end.

Each test drives the screens as a person would (keys, clicks) and checks
what the screen shows and what the store holds.
"""

from __future__ import annotations

import html
import re

import pytest
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.screens.profile_forms import ProfileForm
from ecandidat_tui.screens.recap import RecapScreen
from ecandidat_tui.testing import click_visible, open_recap, settle, wait_until

SIZES = [(80, 24), (120, 40)]


def screen_lines(app) -> list[str]:
    """The terminal's lines as a person reads them (from the screenshot the app exports)."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[int, str]]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(m[2]), []).append((round(float(m[1]) / 12.2), html.unescape(m[3])))
    lines = []
    for _, parts in sorted(rows.items()):
        line = ""
        for column, text in sorted(parts):
            line = line.ljust(column) + text.replace("\xa0", " ")
        lines.append(line)
    return lines


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


def log_in(app, cand) -> None:
    app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))


def ready(h):
    cand = h.insert_candidate()
    h.seed_profile(cand)
    return cand


def assert_centred(app, dialog_selector: str = ".dialog") -> None:
    screen = app.screen
    assert isinstance(screen, ModalScreen), screen
    panel = screen.query_one(dialog_selector).region
    width, height = app.size
    assert abs((panel.x + panel.right) - width) <= 1, (panel, app.size)
    assert abs((panel.y + panel.bottom) - height) <= 1, (panel, app.size)
    # the screen it came from still shows around it (tinted, not blanked)
    assert screen.styles.background.a < 1


# ------------------------------------------------------- 6. read-only after a first candidature


async def test_informations_perso_is_read_only_after_a_first_candidature(ecandidat):
    cand = ready(ecandidat)
    code = "WALK6"
    ecandidat.seed_open_formation(code)
    app = ecandidat.app()
    async with app.run_test(size=(120, 40)) as pilot:
        log_in(app, cand)
        await settle(app, pilot)
        assert not app.screen.query_one("#info-edit", Button).disabled  # before: editable
        app.screen.show_tab("tab-candidatures")
        await settle(app, pilot)
        await pilot.click("#candidature-new")
        await settle(app, pilot)
        await pilot.press(*code.lower())
        await settle(app, pilot)
        await wait_until(pilot, lambda: not app.screen.query_one("#catalog-apply").disabled)
        await pilot.click("#catalog-apply")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert isinstance(app.screen, RecapScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        app.screen.show_tab("tab-info")
        await settle(app, pilot)
        edit = app.screen.query_one("#info-edit", Button)
        assert edit.disabled
        assert "plus modifiables" in str(app.screen.query_one("#info-lock").content)
        await pilot.click("#info-edit")
        await settle(app, pilot)
        assert not isinstance(app.screen, ProfileForm)


# ------------------------------------------------------- 7. dialogs centred over their screen


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("link", ["#link-create-account", "#link-validate", "#link-forgot",
                                  "#link-lost-code"])
async def test_connexion_dialogs_are_centred(ecandidat, size, link):
    app = ecandidat.app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await click_visible(app, pilot, link)
        await settle(app, pilot)
        assert_centred(app)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("button", ["#info-change-mail", "#info-change-password"])
async def test_account_change_dialogs_are_centred(ecandidat, size, button):
    cand = ready(ecandidat)
    app = ecandidat.app()
    async with app.run_test(size=size) as pilot:
        log_in(app, cand)
        await settle(app, pilot)
        await click_visible(app, pilot, button)
        await settle(app, pilot)
        assert_centred(app)


@pytest.mark.parametrize("size", SIZES)
async def test_recap_dialogs_are_centred(ecandidat, size):
    cand = ready(ecandidat)
    ecandidat.seed_candidature(cand.account_id, ecandidat.seed_open_formation(pieces=("IDENTITE",)))
    ecandidat.make_pdf("cni.pdf")
    app = ecandidat.app()
    async with app.run_test(size=size) as pilot:
        log_in(app, cand)
        await open_recap(pilot)
        app.screen.query_one("#pieces-table").focus()
        await pilot.press("a")  # Ajouter un fichier
        await settle(app, pilot)
        assert_centred(app)
        await pilot.press(*"cni.pdf", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecapScreen)
        app.screen.query_one("#pieces-table").focus()
        await pilot.press("o")  # Aperçu
        await settle(app, pilot)
        assert_centred(app)
        await pilot.press("escape")
        await settle(app, pilot)
        await click_visible(app, pilot, "#recap-download")
        await settle(app, pilot)
        assert_centred(app)


async def open_first_recap(app, pilot, cand) -> RecapScreen:
    log_in(app, cand)
    return await open_recap(pilot)


# ------------------------------------------------------- 9. usable at 80x24


async def test_all_eight_tabs_are_there_and_reachable_at_80x24(ecandidat):
    cand = ready(ecandidat)
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        log_in(app, cand)
        await settle(app, pilot)
        tab_line = next(line for line in screen_lines(app) if "Identité" in line)
        labels = ["Identité", "Adresse", "Bac", "Cursus int.", "Cursus ext.", "Stages", "Expériences",
                  "Candidatures"]
        assert all(label in tab_line for label in labels), tab_line
        for pane in ("tab-candidatures", "tab-stages", "tab-cursus-interne", "tab-info"):
            await pilot.click(f"#--content-tab-{pane}")
            await pilot.pause()
            assert app.screen.query_one("#profile-tabs").active == pane
        await pilot.resize_terminal(120, 40)
        await settle(app, pilot)
        assert "Informations perso." in screen_text(app) and "Expériences pro." in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_the_recap_opens_at_its_top(ecandidat, size):
    cand = ready(ecandidat)
    ecandidat.seed_candidature(cand.account_id, ecandidat.seed_open_formation(pieces=("IDENTITE", "PHOTO")))
    app = ecandidat.app()
    async with app.run_test(size=size) as pilot:
        await open_first_recap(app, pilot, cand)
        await pilot.pause()
        assert "Informations détaillées" in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_notifications_never_cover_the_transmit_button(ecandidat, size):
    cand = ready(ecandidat)
    ecandidat.seed_candidature(cand.account_id, ecandidat.seed_open_formation(pieces=("IDENTITE",)))
    ecandidat.make_pdf("cni.pdf")
    app = ecandidat.app()
    async with app.run_test(size=size, notifications=True) as pilot:
        recap = await open_first_recap(app, pilot, cand)
        recap.query_one("#pieces-table").focus()
        await pilot.press("a", *"cni.pdf", "enter")
        await settle(app, pilot)
        assert "ajouté" in screen_text(app)  # the toast is on screen
        transmit = app.screen.query_one("#recap-transmit").region
        toasts = list(app.screen.query("Toast"))
        assert toasts
        assert all(not toast.region.overlaps(transmit) for toast in toasts)


# ------------------------------------------------------- 13. labels, in French


async def test_footer_and_candidatures_headers_say_it_whole_at_80x24(ecandidat):
    cand = ready(ecandidat)
    ecandidat.seed_candidature(cand.account_id, ecandidat.seed_open_formation())
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        log_in(app, cand)
        await settle(app, pilot)
        assert "f4 Offre de formation" in screen_lines(app)[-1]
        app.screen.show_tab("tab-candidatures")
        await settle(app, pilot)
        assert "Date limite de retour" in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_the_replace_dialog_and_its_button(ecandidat, size):
    cand = ready(ecandidat)
    ecandidat.seed_candidature(cand.account_id, ecandidat.seed_open_formation(pieces=("IDENTITE", "PHOTO")))
    ecandidat.make_pdf("cni.pdf")
    ecandidat.make_pdf("cni2.pdf")
    app = ecandidat.app()
    async with app.run_test(size=size) as pilot:
        recap = await open_first_recap(app, pilot, cand)
        recap.query_one("#pieces-table").focus()
        await pilot.press("a")
        await settle(app, pilot)
        assert "Ajouter un fichier" in screen_text(app)
        await pilot.press(*"cni.pdf", "enter")
        await settle(app, pilot)
        app.clear_notifications()
        recap.query_one("#piece-add").scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        assert "Remplacer le fichier" in screen_text(app)  # the button, whole
        recap.query_one("#pieces-table").focus()
        await pilot.press("a")
        await settle(app, pilot)
        assert str(app.screen.query_one("#file-title").content) == "Remplacer le fichier"


async def test_sizes_are_in_mo(tmp_path):
    from ecandidat_tui.testing import make_harness

    h = make_harness(tmp_path / "home", upload_max_bytes=1024 * 1024)
    cand = ready(h)
    h.seed_candidature(cand.account_id, h.seed_open_formation(pieces=("IDENTITE",)))
    h.upload_path("gros.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * (1536 * 1024))
    app = h.app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        recap = await open_first_recap(app, pilot, cand)
        recap.query_one("#pieces-table").focus()
        await pilot.press("a", *"gros.pdf", "enter")
        await settle(app, pilot)
        shown = screen_text(app)
        assert "1,0 Mo" in shown and "Mio" not in shown
    h.services.close()


async def test_the_command_palette_speaks_french(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert "Aller à une page" in screen_text(app)
        await pilot.press(*"zzz")
        await wait_until(pilot, lambda: "Aucune page ne correspond" in screen_text(app))
        assert "No matches" not in screen_text(app)
        await pilot.press("backspace", "backspace", "backspace", *"offre")
        await wait_until(pilot, lambda: "Aucune page" not in screen_text(app))
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.id == "offre-formation"


# ------------------------------------------------------- 12. errors go once fixed; focus after validation


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("close", ["enter", "click", "escape"])
async def test_after_validating_the_account_the_focus_is_on_the_password(ecandidat, size, close):
    created = ecandidat.services.accounts.create_account("Doe", "Jane", "jane@example.org", "jane@example.org")
    code = ecandidat.mail_field(ecandidat.last_mail(to="jane@example.org"), "Code d'activation")
    app = ecandidat.app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await click_visible(app, pilot, "#link-validate")
        await pilot.pause()
        await pilot.press(*code, "enter")
        await settle(app, pilot)
        if close == "click":
            await pilot.click("#validate-close")
        else:
            await pilot.press(close)  # Fermer has the focus
        await settle(app, pilot)
        assert app.screen.query_one("#login-user", Input).value == created.login
        assert app.focused is app.screen.query_one("#login-password", Input)


@pytest.mark.parametrize("size", SIZES)
async def test_cursus_externe_errors_go_as_soon_as_each_field_is_fixed(ecandidat, size):
    cand = ready(ecandidat)
    app = ecandidat.app()
    async with app.run_test(size=size) as pilot:
        log_in(app, cand)
        await settle(app, pilot)
        app.screen.show_tab("tab-cursus-externe")
        await settle(app, pilot)
        await click_visible(app, pilot, "#cursus-externe-add")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ProfileForm)
        await pilot.press("ctrl+s")  # everything empty: refused, each field says why
        await settle(app, pilot)
        assert str(form.query_one("#cursus-annee-error").content)
        assert str(form.query_one("#cursus-etablissement-error").content)
        await click_visible(app, pilot, "#cursus-annee")
        await pilot.press(*"2020")
        await pilot.pause()
        assert not str(form.query_one("#cursus-annee-error").content)
        assert not form.query_one("#cursus-annee-error").display or form.query_one(
            "#cursus-annee-error").has_class("-empty")
        assert str(form.query_one("#cursus-etablissement-error").content)  # not fixed yet: still said
        await click_visible(app, pilot, "#cursus-etablissement")
        await pilot.press(*"Lycée")
        await pilot.pause()
        assert not str(form.query_one("#cursus-etablissement-error").content)


# ------------------------------------------------------- 14. the kiosk logs out on idle, whatever is open


@pytest.fixture
def kiosk(tmp_path):
    from ecandidat_tui.services.security import hash_secret
    from ecandidat_tui.testing import make_harness

    # 3 s: on a loaded machine, logging in and opening the dialog happen before the warning.
    harness = make_harness(tmp_path / "home", kiosk=True, idle_timeout_seconds=3, idle_warning_seconds=1,
                           kiosk_unlock_hash=hash_secret("Staff-Kiosk-42"))
    yield harness
    harness.services.close()


@pytest.mark.parametrize("left_open", ["unlock", "palette", "form"])
async def test_the_kiosk_logs_out_on_idle_whatever_is_open(kiosk, left_open):
    from ecandidat_tui.screens.connexion import ConnexionScreen
    from ecandidat_tui.screens.kiosk import IdleWarningScreen

    cand = ready(kiosk)
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        log_in(app, cand)
        await settle(app, pilot)
        if left_open == "unlock":
            await pilot.press("ctrl+q")
        elif left_open == "palette":
            await pilot.press("ctrl+p")
        else:
            await click_visible(app, pilot, "#info-edit")
        await pilot.pause()
        opened = app.screen
        assert isinstance(opened, ModalScreen) and not isinstance(opened, IdleWarningScreen)
        await wait_until(pilot, lambda: app.candidate is None)
        await wait_until(pilot, lambda: isinstance(app.screen, ConnexionScreen))
        assert [type(s) for s in app.screen_stack[1:]] == [ConnexionScreen]
        assert cand.login not in screen_text(app)


# ------------------------------------------------------- 10. applying from the Offre de formation (F4)


async def test_f4_lets_a_logged_in_candidate_apply_and_refuses_a_duplicate_before_asking(ecandidat):
    from ecandidat_tui.widgets.confirm import ConfirmModal

    cand = ready(ecandidat)
    first = ecandidat.seed_open_formation("WALKA")
    ecandidat.seed_candidature(cand.account_id, first)
    second = ecandidat.seed_open_formation("WALKB")
    app = ecandidat.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        log_in(app, cand)
        await settle(app, pilot)
        for code in ("walkb", "walka"):
            await pilot.press("f4")
            await settle(app, pilot)
            assert app.screen.id == "offre-formation"
            await pilot.press(*code)
            await settle(app, pilot)
            await wait_until(pilot, lambda: not app.screen.query_one("#catalog-apply").disabled)
            await pilot.click("#catalog-apply")
            await settle(app, pilot)
            if code == "walkb":
                assert isinstance(app.screen, ConfirmModal)
                await pilot.click("#confirm-yes")
                await settle(app, pilot)
                assert isinstance(app.screen, RecapScreen)
            else:  # already applied: said at once, no question
                assert app.screen.id == "offre-formation"
                assert "déjà candidaté" in screen_text(app)
    mine = {c.formation_id for c in ecandidat.services.candidatures.list_for_account(cand.account_id)}
    assert mine == {first, second}


# ------------------------------------------------------- 9. (cont.) empty fields, long formation labels


@pytest.mark.parametrize("theme", ["ecandidat", "ecandidat-contraste"])
async def test_empty_fields_show_without_the_focus(ecandidat, theme):
    cand = ecandidat.insert_candidate()
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        log_in(app, cand)
        await settle(app, pilot)
        await click_visible(app, pilot, "#info-edit")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ProfileForm)
        empty = [i for i in form.query(Input) if not i.value and not i.has_focus and i.display]
        assert empty
        for field in empty:
            around, inside = field.background_colors
            assert abs(around.brightness - inside.brightness) >= 0.05, (field.id, around, inside)


async def test_the_offre_tree_shows_the_state_of_a_formation_with_a_long_label(ecandidat):
    titre = "Master Sciences et technologies de l'information, parcours ingénierie des données massives"
    ecandidat.seed_open_formation("LONGLBL", titre=titre)
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f4")
        await settle(app, pilot)
        await pilot.press(*"longlbl")
        await settle(app, pilot)
        await wait_until(pilot, lambda: any("Master Sciences" in line for line in screen_lines(app)))
        line = next(line for line in screen_lines(app) if "Master Sciences" in line)
        assert "Ouverte" in line, line


# ------------------------------------------------------- 11. the file picker


async def open_picker(app, pilot):
    from ecandidat_tui.screens.file_picker import RootedFileOpen

    await click_visible(app, pilot, "#file-browse")
    # Not settle(): the browse worker waits for the picker to be answered.
    await wait_until(pilot, lambda: isinstance(app.screen, RootedFileOpen) and app.screen.query("RootedNavigation"))
    await pilot.pause()
    return app.screen


async def test_the_picker_shows_its_buttons_and_no_dead_parent_and_enter_chooses(ecandidat):
    from textual_fspicker.parts import DirectoryNavigation

    cand = ready(ecandidat)
    ecandidat.seed_candidature(cand.account_id, ecandidat.seed_open_formation(pieces=("IDENTITE",)))
    cni = ecandidat.make_pdf("cni.pdf")
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        recap = await open_first_recap(app, pilot, cand)
        recap.query_one("#pieces-table").focus()
        await pilot.press("a")
        await settle(app, pilot)
        picker = await open_picker(app, pilot)
        lines = screen_lines(app)
        assert any("Ouvrir" in line and "Annuler" in line for line in lines), "\n".join(lines)
        assert not any(".." in line for line in lines)
        nav = picker.query_one(DirectoryNavigation)
        await wait_until(pilot, lambda: nav.option_count == 1)
        nav.focus()
        await pilot.press("enter")  # cni.pdf, the only entry
        await wait_until(pilot, lambda: app.screen.id == "piece-file-dialog")
        assert app.screen.query_one("#file-path", Input).value == str(cni)


async def test_the_picker_starts_where_this_candidate_last_took_a_file(ecandidat):
    from textual_fspicker.parts import DirectoryNavigation

    first, second = ready(ecandidat), ecandidat.insert_candidate()
    ecandidat.seed_profile(second, ine="0123456789M")
    formation = ecandidat.seed_open_formation(pieces=("IDENTITE", "PHOTO"))
    for cand in (first, second):
        ecandidat.seed_candidature(cand.account_id, formation)
    root = ecandidat.settings.effective_upload_roots()[0]
    (root / "scans").mkdir()
    cni = ecandidat.make_pdf("scans/cni.pdf")
    app = ecandidat.app()
    async with app.run_test(size=(120, 40)) as pilot:
        recap = await open_first_recap(app, pilot, first)
        recap.query_one("#pieces-table").focus()
        await pilot.press("a", *str(cni), "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecapScreen)
        await pilot.press("down", "a")
        await settle(app, pilot)
        picker = await open_picker(app, pilot)
        assert picker.query_one(DirectoryNavigation).location == root / "scans"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        app.logout()  # the next person at the kiosk
        await settle(app, pilot)
        recap = await open_first_recap(app, pilot, second)
        recap.query_one("#pieces-table").focus()
        await pilot.press("a")
        await settle(app, pilot)
        picker = await open_picker(app, pilot)
        assert picker.query_one(DirectoryNavigation).location == root


async def test_a_refused_file_keeps_the_dialog_with_the_message_and_what_was_typed(ecandidat):
    cand = ready(ecandidat)
    ecandidat.seed_candidature(cand.account_id, ecandidat.seed_open_formation(pieces=("IDENTITE",)))
    ecandidat.upload_path("faux.pdf").write_text("pas un pdf")
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        recap = await open_first_recap(app, pilot, cand)
        recap.query_one("#pieces-table").focus()
        await pilot.press("a", *"faux.pdf", "enter")
        await settle(app, pilot)
        assert app.screen.id == "piece-file-dialog"
        assert app.screen.query_one("#file-path", Input).value == "faux.pdf"
        assert "ni un PDF" in str(app.screen.query_one("#file-path-error").content)
        assert app.focused is app.screen.query_one("#file-path")
    assert ecandidat.services.candidatures.recap(cand.account_id, recap.candidature_id).pieces[0].file_name is None


# ------------------------------------------------------- 8. ENT students


DEMO_ENT_PASSWORD = "Etudiant-2026!"


async def validate_in_dialog(app, pilot, code: str) -> str:
    await click_visible(app, pilot, "#link-validate")
    await pilot.pause()
    await pilot.press(*code, "enter")
    await settle(app, pilot)
    advice = str(app.screen.query_one("#validate-success").content)
    await pilot.press("enter")
    await settle(app, pilot)
    return advice


async def ent_log_in(app, pilot) -> None:
    await click_visible(app, pilot, "#ent-login")
    await pilot.press("ctrl+a", "ctrl+k", *"cmartin")
    await click_visible(app, pilot, "#ent-password")
    await pilot.press(*DEMO_ENT_PASSWORD, "enter")
    await settle(app, pilot)


async def test_an_ent_student_from_first_login_to_a_changed_mail(ecandidat):
    from ecandidat_tui.screens.account_modals import CreateAccountModal

    old, new = "camille.martin@etu.univ.example", "camille@example.org"
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await ent_log_in(app, pilot)
        assert isinstance(app.screen, CreateAccountModal)
        await pilot.press(*old, "enter")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        welcome = ecandidat.last_mail(to=old, subject="Création de votre compte eCandidat")
        assert "Mot de passe" not in welcome.body  # one they would never use
        assert "identifiant ENT" in welcome.body
        advice = await validate_in_dialog(app, pilot, ecandidat.mail_field(welcome, "Code d'activation"))
        assert "identifiant ENT" in advice and "mot de passe reçus par mail" not in advice

        await ent_log_in(app, pilot)
        assert app.candidate is not None
        await click_visible(app, pilot, "#info-edit")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ProfileForm)
        assert form.query_one("#info-civilite", Input).value == "Mme"
        assert form.query_one("#info-date-naissance", Input).value == "12/03/2004"
        assert form.query_one("#info-nom-naissance", Input).value == "Martin"
        await pilot.press("escape")
        await settle(app, pilot)

        await click_visible(app, pilot, "#info-change-mail")
        await pilot.pause()
        await click_visible(app, pilot, "#chmail-mail")
        await pilot.press(*new)
        await click_visible(app, pilot, "#chmail-confirm")
        await pilot.press(*new)
        await click_visible(app, pilot, "#chmail-save")
        await settle(app, pilot)
        notice = ecandidat.last_mail(to=old, subject="Changement de l'adresse mail de votre compte eCandidat")
        assert new in notice.body
        while app.candidate is not None or isinstance(app.screen, ModalScreen):
            await pilot.press("escape" if isinstance(app.screen, ModalScreen) else "f10")
            await settle(app, pilot)
        code = ecandidat.mail_field(ecandidat.last_mail(to=new), "Code d'activation")
        advice = await validate_in_dialog(app, pilot, code)
        assert "nouvelle adresse mail est validée" in advice and "identifiant ENT" in advice


async def test_after_a_changed_mail_a_plain_account_is_told_its_usual_password(ecandidat):
    cand = ecandidat.seed_candidate()
    ecandidat.services.accounts.change_mail(cand.account_id, "autre@example.org", "autre@example.org")
    assert ecandidat.last_mail(to=cand.mail, subject="Changement de l'adresse mail de votre compte eCandidat")
    code = ecandidat.mail_field(ecandidat.last_mail(to="autre@example.org"), "Code d'activation")
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        advice = await validate_in_dialog(app, pilot, code)
    assert "nouvelle adresse mail est validée" in advice and cand.login in advice
    assert "mot de passe habituel" in advice and "reçus par mail" not in advice


# ------------------------------------------------------- 13. (cont.) the CLI


def test_the_cli_speaks_french():
    from ecandidat_tui import cli

    helps = cli.build_parser().format_help()
    assert "la console du personnel" in helps and "the support staff console" not in helps
    assert "Offre de formation" in helps and "upkeep" not in helps

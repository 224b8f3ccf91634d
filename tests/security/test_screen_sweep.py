"""Every screen that shows stored text, visited with hostile text in every stored name.

The forms and the import refuse controls now; a database written by an older
version, restored from elsewhere or edited by hand may still hold them. Each
screen a staff member or a candidate reaches is drawn and read back
(`assert_screen_safe`): no raw ESC, BEL, C1 or bidi override reaches the terminal.
"""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import DataTable, Input

from ecandidat_tui.session import CandidateSession
from ecandidat_tui.store.models import Account, Centre, Commission, Formation, InformationsPerso, PieceType
from ecandidat_tui.testing import assert_screen_safe, open_recap, settle, staff_log_in, wait_for_screen

TITLE = "\x1b]0;pwned\x07"
CSI = "\x1b[2J\x1b[31m"
RLO = "\u202e"
C1 = "\x9b31m"


def hostile_campaign(h):
    """A formation, its centre, commission and piece types, and a candidate, each name hostile."""
    h.seed_staff_formation("CTR-A", "FA1", titre=f"Licence{CSI}{RLO}", pieces=("IDENT", "RELEVE"))
    with h.services.db.session() as s:
        centre = s.exec(select(Centre).where(Centre.code == "CTR-A")).one()
        centre.libelle = f"Centre{TITLE}"
        commission = s.exec(select(Commission).where(Commission.centre_id == centre.id)).one()
        commission.libelle = f"Commission{C1}"
        commission.adresse = f"1 rue{CSI}"
        for ptype in s.exec(select(PieceType)).all():
            ptype.libelle = f"{ptype.libelle}{TITLE}{RLO}"
        s.exec(select(Formation).where(Formation.code == "FA1")).one().mots_cles = f"mots{CSI}"
    cand = h.insert_candidate("Dupont", "Léa", login="AB12CD34")
    h.seed_profile(cand)
    h.seed_dossier(cand.account_id, "FA1", "CTR-A")
    with h.services.db.session() as s:
        account = s.get(Account, cand.account_id)
        account.nom, account.prenom = f"Dupont{CSI}", f"Léa{RLO}"
        s.get(InformationsPerso, cand.account_id).nom_naissance = f"Dupont{CSI}"
    return cand


async def visit(app, pilot, *keys: str) -> str:
    await pilot.press(*keys)
    await settle(app, pilot)
    return assert_screen_safe(app)


async def test_every_staff_screen_draws_hostile_names_safely(ecandidat):
    h = ecandidat
    hostile_campaign(h)
    admin = h.seed_staff("admin", login="admin-sweep")
    app = h.staff_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await staff_log_in(app, pilot, admin)
        assert_screen_safe(app)  # the home screen's totals

        app.screen.query_one("#staff-search", Input).focus()
        assert "Dupont^[[2J" in await visit(app, pilot, *"AB12")
        await visit(app, pilot, "down", "enter")  # the candidate
        await visit(app, pilot, "f7")  # its candidatures
        await visit(app, pilot, "enter")  # a dossier and its pieces
        await visit(app, pilot, "escape", "escape", "escape")

        shown = await visit(app, pilot, "f5")  # Formations
        assert "Licence^[[2J" in shown
        await visit(app, pilot, "enter")  # one formation's candidatures
        await visit(app, pilot, "escape")

        await visit(app, pilot, "escape", "f7")  # Suivi des dossiers
        table = app.screen.query_one("#staff-suivi", DataTable)
        table.move_cursor(row=table.get_row_index("CTR-A/"))
        await visit(app, pilot, "enter")  # the centre's list
        await visit(app, pilot, "escape", "escape")

        await visit(app, pilot, "f9")  # Campagne
        await visit(app, pilot, "enter")  # the formation's form: its libellé in an Input
        assert app.screen.query_one("#formation-titre", Input).value.startswith("Licence")
        app.screen.query_one("#formation-commission").focus()
        await visit(app, pilot, "enter")  # the commissions' list open
        await visit(app, pilot, "escape")
        app.screen.query_one("#formation-piece-type").focus()
        await visit(app, pilot, "enter")  # the piece types' list open
        await visit(app, pilot, "escape", "escape")
        await visit(app, pilot, "escape")

        await visit(app, pilot, "f9")
        app.screen.query_one("#campaign-settings").focus()
        await visit(app, pilot, "enter")  # centres, commissions, piece types
        app.screen.query_one("#centre-code", Input).focus()
        await visit(app, pilot, *"CTR-A", "enter")  # the centre's libellé loaded in its Input
        app.screen.query_one("#piece-code", Input).focus()
        await visit(app, pilot, *"IDENT", "enter")
        await visit(app, pilot, "escape", "escape")

        await visit(app, pilot, "f6")  # Journal
        await visit(app, pilot, "escape", "f8")  # Personnel


async def test_every_candidate_screen_draws_hostile_names_safely(ecandidat):
    h = ecandidat
    cand = hostile_campaign(h)
    app = h.app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
        await settle(app, pilot)
        assert_screen_safe(app)
        recap = await open_recap(pilot)
        assert_screen_safe(app)
        recap.query_one("#pieces-table").focus()
        await visit(app, pilot, "down")
        await visit(app, pilot, "escape")
        await visit(app, pilot, "f2")  # Accueil
        await pilot.press("f4")  # Offre de formation
        await wait_for_screen(pilot, "offre-formation")
        assert_screen_safe(app)
        app.screen.query_one("#catalog-filter", Input).focus()
        await visit(app, pilot, *"Licence")  # the search narrows the tree to the hostile title
        await visit(app, pilot, "f3")  # Assistance: the catalogue des formations


async def test_a_screen_that_forgot_safe_text_still_writes_no_control_to_the_terminal(ecandidat):
    """The last guard (textual_compat section 9): a widget given hostile text as it is
    draws it, but the line the driver writes has the controls dropped, its width kept."""
    from rich.segment import Segment
    from textual.strip import Strip
    from textual.widgets import Static

    from ecandidat_tui import textual_compat
    from ecandidat_tui.display import without_controls

    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert Strip.render is textual_compat._render_without_controls  # installed by the app
        await settle(app, pilot)
        raw = Static(f"Dupont{TITLE}{RLO}{C1}|fin", id="raw", markup=False)
        await app.screen.mount(raw)
        await pilot.pause()
        line = raw.render_line(0)
        assert "Dupont\x1b]0;pwned" in "".join(segment.text for segment in line)  # drawn as given
        written = line.render(app.console)  # what the driver sends for this line
        assert "\x1b]0;" not in written and "\x07" not in written
        assert RLO not in written and "\x9b" not in written
        assert "Dupont]0;pwned31m|fin" in written
        kept = Strip([Segment(without_controls(text), style, control) for text, style, control in line])
        assert kept.cell_length == line.cell_length  # the line keeps its layout

"""The Personnel screen (admins): list, add and disable staff users like a person would."""

from __future__ import annotations

from textual.widgets import DataTable, Select, Static

from ecandidat_tui.domain import Role

from ecandidat_tui.testing import click_visible, settle, staff_log_in, text_of

SIZE = (80, 24)


async def type_into(app, pilot, selector, text):
    await click_visible(app, pilot, selector)
    await pilot.press(*text)


def rows(app):
    table = app.screen.query_one("#staff-users-table", DataTable)
    return [tuple(table.get_row_at(i)) for i in range(table.row_count)]


NEW_PASSWORD = "Gestion-2026x"


async def open_personnel(app, pilot, staff):
    """Log in on the console and open Personnel with F8, as an admin would."""
    await staff_log_in(app, pilot, staff)
    await pilot.press("f8")
    await settle(app, pilot)


async def test_admin_adds_a_gestionnaire_and_disables_a_user(ecandidat):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    admin = ecandidat.seed_staff("admin", login="alice")
    ecandidat.seed_staff("support", login="sophie")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_personnel(app, pilot, admin)
        assert rows(app) == [("alice", Role.ADMIN.label, "", "Actif"),
                             ("sophie", Role.SUPPORT.label, "", "Actif")]

        await type_into(app, pilot, "#staff-user-login", "paul")
        app.screen.query_one("#staff-user-role", Select).value = "gestionnaire"
        await type_into(app, pilot, "#staff-user-centres", "CTR-A")
        await type_into(app, pilot, "#staff-user-password", NEW_PASSWORD)
        await type_into(app, pilot, "#staff-user-password-confirm", NEW_PASSWORD)
        await click_visible(app, pilot, "#staff-user-add")
        await settle(app, pilot)

        assert ("paul", Role.GESTIONNAIRE.label, "CTR-A", "Actif") in rows(app)
        users = {u.login: u for u in ecandidat.services.staff.list_staff_users()}
        assert users["paul"].role == "gestionnaire" and users["paul"].centres == ("CTR-A",)
        assert app.screen.query_one("#staff-user-password").value == ""  # the form is emptied
        # the new user can log in with the typed password
        assert ecandidat.services.staff.authenticate_staff("paul", NEW_PASSWORD).role == Role.GESTIONNAIRE

        # select sophie's row, disable, confirm
        table = app.screen.query_one("#staff-users-table", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("sophie"))
        await pilot.pause()
        await click_visible(app, pilot, "#staff-user-disable")
        await pilot.pause()
        assert "sophie" in str(app.screen.query_one("#confirm-message", Static).content)
        await pilot.click("#confirm-yes")
        await settle(app, pilot)

        assert ("sophie", Role.SUPPORT.label, "", "Désactivé") in rows(app)
        users = {u.login: u for u in ecandidat.services.staff.list_staff_users()}
        assert users["sophie"].disabled and not users["paul"].disabled and not users["alice"].disabled


async def test_disable_cancelled_changes_nothing(ecandidat):
    admin = ecandidat.seed_staff("admin", login="alice")
    ecandidat.seed_staff("support", login="sophie")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_personnel(app, pilot, admin)
        table = app.screen.query_one("#staff-users-table", DataTable)
        table.move_cursor(row=table.get_row_index("sophie"))
        await click_visible(app, pilot, "#staff-user-disable")
        await pilot.pause()
        await pilot.click("#confirm-no")
        await settle(app, pilot)
        assert ("sophie", Role.SUPPORT.label, "", "Actif") in rows(app)
    assert not any(u.disabled for u in ecandidat.services.staff.list_staff_users())


async def test_admin_cannot_disable_itself(ecandidat):
    admin = ecandidat.seed_staff("admin", login="alice")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_personnel(app, pilot, admin)
        await click_visible(app, pilot, "#staff-user-disable")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert any("propre compte" in n.message for n in app._notifications)
        assert rows(app) == [("alice", Role.ADMIN.label, "", "Actif")]
    assert not ecandidat.services.staff.list_staff_users()[0].disabled


async def test_support_does_not_get_the_screen(ecandidat):
    staff = ecandidat.seed_staff("support", login="sophie")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, staff)
        screen = app.screen
        await pilot.press("f8")
        await settle(app, pilot)
        assert app.screen is screen
        assert not app.screen.query("#staff-users-table")
        assert app.check_action("staff_users", ()) is False


async def test_mismatched_passwords_refused(ecandidat):
    admin = ecandidat.seed_staff("admin", login="alice")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_personnel(app, pilot, admin)
        await type_into(app, pilot, "#staff-user-login", "marc")
        await type_into(app, pilot, "#staff-user-password", NEW_PASSWORD)
        await type_into(app, pilot, "#staff-user-password-confirm", NEW_PASSWORD + "y")
        await click_visible(app, pilot, "#staff-user-add")
        await settle(app, pilot)
        assert "ne correspondent pas" in text_of(app, "#staff-user-password-confirm-error")
        assert rows(app) == [("alice", Role.ADMIN.label, "", "Actif")]
    assert [u.login for u in ecandidat.services.staff.list_staff_users()] == ["alice"]


async def test_service_refusals_shown_next_to_their_fields(ecandidat):
    admin = ecandidat.seed_staff("admin", login="alice")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_personnel(app, pilot, admin)
        await type_into(app, pilot, "#staff-user-login", "paul")
        app.screen.query_one("#staff-user-role", Select).value = "gestionnaire"
        await type_into(app, pilot, "#staff-user-password", "court")
        await type_into(app, pilot, "#staff-user-password-confirm", "court")
        await click_visible(app, pilot, "#staff-user-add")
        await settle(app, pilot)
        assert text_of(app, "#staff-user-password-error").startswith("Le mot de passe doit contenir")
        assert "au moins un centre" in text_of(app, "#staff-user-centres-error")
        # an unknown centre is refused by the database check, under its field too
        await type_into(app, pilot, "#staff-user-centres", "NOPE")
        for field in ("#staff-user-password", "#staff-user-password-confirm"):
            app.screen.query_one(field).value = ""
            await type_into(app, pilot, field, NEW_PASSWORD)
        await click_visible(app, pilot, "#staff-user-add")
        await settle(app, pilot)
        assert "NOPE" in text_of(app, "#staff-user-centres-error")
        assert text_of(app, "#staff-user-password-error") == ""
    assert [u.login for u in ecandidat.services.staff.list_staff_users()] == ["alice"]

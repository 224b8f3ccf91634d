"""The command line: db upgrade, the mail outbox commands, and the SMTP-down-then-up scenario."""

from __future__ import annotations

import logging
import mailbox
import subprocess
import sys
from pathlib import Path

import pytest

from ecandidat_tui import cli
from ecandidat_tui.config import load_settings
from ecandidat_tui.domain import MAIL_FOOTER, MailKind
from ecandidat_tui.services import build_services
from ecandidat_tui.store.db import Database
from ecandidat_tui.store.migrate import HEAD_REVISION, current_revision

SMTP_USER, SMTP_PASSWORD = "ecandidat", "Sm7p-Pa55word!"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A clean ECANDIDAT_HOME and no other ECANDIDAT_* variable."""
    import os

    for name in list(os.environ):
        if name.startswith("ECANDIDAT_") and name != "ECANDIDAT_TEST_PG_URL":
            monkeypatch.delenv(name)
    folder = tmp_path / "home"
    monkeypatch.setenv("ECANDIDAT_HOME", str(folder))
    return folder


def enqueue(to: str = "ana@example.org", **extra) -> None:
    """Queue one mail the way a service does, on the settings of the environment."""
    services = build_services(load_settings(), prepare=False)
    try:
        services.prepare(demo_catalog=False)
        with services.db.session() as s:
            services.ctx.outbox.enqueue(s, MailKind.CANDIDATURE_CANCELLED, to, prenom="Ana", nom="Lopez",
                                        formation="Licence Droit", code_formation="L-DROIT", **extra)
    finally:
        services.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------- db


def test_db_upgrade_creates_the_database_under_home(home, capsys):
    code, out, err = run(capsys, "db", "upgrade")
    assert (code, err) == (0, "")
    assert out.strip() == f"Schéma mis à jour en {HEAD_REVISION}."
    assert (home / "ecandidat.db").is_file()
    db = Database(f"sqlite:///{home / 'ecandidat.db'}")
    try:
        assert current_revision(db) == HEAD_REVISION
    finally:
        db.dispose()
    code, out, _ = run(capsys, "db", "upgrade")
    assert (code, out.strip()) == (0, f"Schéma déjà en {HEAD_REVISION}.")


@pytest.mark.pg
def test_db_upgrade_on_postgresql(home, pg_url, monkeypatch, capsys):
    monkeypatch.setenv("ECANDIDAT_DATABASE_URL", pg_url)
    code, out, _ = run(capsys, "db", "upgrade")
    assert (code, out.strip()) == (0, f"Schéma mis à jour en {HEAD_REVISION}.")
    assert not (home / "ecandidat.db").exists()


def test_unreachable_database_is_one_line(home, monkeypatch, capsys):
    monkeypatch.setenv("ECANDIDAT_DATABASE_URL", "postgresql+psycopg://nobody:Hunter2-secret@127.0.0.1:1/x")
    for argv in (["db", "upgrade"], ["mail", "list"], ["mail", "send"]):
        code, out, err = run(capsys, *argv)
        assert code == cli.EXIT_FAILURE
        assert out == ""
        assert err.count("\n") == 1
        assert err.startswith("ecandidat: base de données injoignable : ")
        assert "Hunter2-secret" not in err


def test_unreachable_database_without_traceback_from_the_shell(home, tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ECANDIDAT_")}
    env.update(ECANDIDAT_HOME=str(home), ECANDIDAT_DATABASE_URL="postgresql+psycopg://nobody:pw@127.0.0.1:1/x")
    result = subprocess.run([sys.executable, "-m", "ecandidat_tui", "db", "upgrade"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("ecandidat: base de données injoignable :") and result.stderr.count("\n") == 1


# ------------------------------------------------------------- mail


def test_mail_list_show_send_with_the_default_maildir(home, capsys):
    code, out, _ = run(capsys, "mail", "list")
    assert (code, out.strip()) == (0, "Aucun mail.")

    enqueue("ana@example.org")
    enqueue("bob@example.org")
    code, out, _ = run(capsys, "mail", "list")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 2
    assert "bob@example.org" in lines[0] and "pending" in lines[0]  # newest first
    assert "Annulation de votre candidature à la formation Licence Droit" in lines[1]
    first_id = int(lines[1].split()[0])

    code, out, _ = run(capsys, "mail", "show", str(first_id))
    assert code == 0
    assert out.startswith("À : ana@example.org\nObjet : Annulation de votre candidature")
    assert "État : pending (tentatives : 0)" in out
    assert out.rstrip().endswith(MAIL_FOOTER)

    code, out, _ = run(capsys, "mail", "send")
    assert (code, out.strip()) == (0, "2 envoyé(s), 0 à réessayer, 0 en échec.")
    box = mailbox.Maildir(home / "mail", create=False)
    assert sorted(m["To"] for m in box) == ["ana@example.org", "bob@example.org"]

    code, out, _ = run(capsys, "mail", "list", "--status", "sent")
    assert code == 0 and len(out.strip().splitlines()) == 2
    code, out, _ = run(capsys, "mail", "list", "--status", "pending")
    assert out.strip() == "Aucun mail."
    code, out, _ = run(capsys, "mail", "send")
    assert (code, out.strip()) == (0, "0 envoyé(s), 0 à réessayer, 0 en échec.")
    assert len(mailbox.Maildir(home / "mail", create=False)) == 2


def test_mail_show_unknown_id(home, capsys):
    code, out, err = run(capsys, "mail", "show", "4242")
    assert (code, out) == (cli.EXIT_FAILURE, "")
    assert err == "ecandidat: mail 4242 : ce mail n'existe pas\n"


def test_smtp_down_then_up_delivers_exactly_once(home, migrated_url, smtp_server, monkeypatch, capsys, caplog):
    """The issue's scenario, on both engines: nothing lost, nothing sent twice, no password shown."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, data):
        ok = (isinstance(data, LoginPassword)
              and (data.login, data.password) == (SMTP_USER.encode(), SMTP_PASSWORD.encode()))
        return AuthResult(success=ok)

    server = smtp_server(authenticator=authenticator, auth_require_tls=False)  # not started: the server is down
    for name, value in {"DATABASE_URL": migrated_url, "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1",
                        "SMTP_PORT": str(server.port), "SMTP_SECURITY": "none", "SMTP_USER": SMTP_USER,
                        "SMTP_PASSWORD": SMTP_PASSWORD, "SMTP_TIMEOUT": "3"}.items():
        monkeypatch.setenv(f"ECANDIDAT_{name}", value)
    enqueue("ana@example.org")
    caplog.set_level(logging.DEBUG, logger="ecandidat_tui")

    code, out, _ = run(capsys, "mail", "send")
    assert (code, out.strip()) == (cli.EXIT_FAILURE, "0 envoyé(s), 1 à réessayer, 0 en échec.")
    code, out, _ = run(capsys, "mail", "list")
    [line] = out.strip().splitlines()
    mail_id = line.split()[0]
    assert "pending" in line
    code, out, _ = run(capsys, "mail", "show", mail_id)
    assert "État : pending (tentatives : 1)" in out
    assert f"Dernière erreur : smtp 127.0.0.1:{server.port}:" in out
    assert SMTP_PASSWORD not in out

    server.start()
    code, out, _ = run(capsys, "mail", "send")
    assert (code, out.strip()) == (0, "1 envoyé(s), 0 à réessayer, 0 en échec.")
    code, out, _ = run(capsys, "mail", "send")
    assert (code, out.strip()) == (0, "0 envoyé(s), 0 à réessayer, 0 en échec.")

    [received] = server.handler.messages()
    assert received["To"] == "ana@example.org"
    assert received["Subject"] == "Annulation de votre candidature à la formation Licence Droit"
    code, out, _ = run(capsys, "mail", "show", mail_id)
    assert "État : sent (tentatives : 2)" in out and "Dernière erreur" not in out
    assert SMTP_PASSWORD not in caplog.text


def test_a_file_that_is_not_a_database_is_one_line(home, tmp_path, monkeypatch, capsys):
    bogus = tmp_path / "bogus.db"
    bogus.write_text("not a database at all, just text " * 100)
    monkeypatch.setenv("ECANDIDAT_DATABASE_URL", f"sqlite:///{bogus}")
    code, out, err = run(capsys, "mail", "list")
    assert (code, out) == (cli.EXIT_FAILURE, "")
    assert err == "ecandidat: erreur de base de données : file is not a database\n"


def test_a_home_that_cannot_be_created_is_one_line(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("ECANDIDAT_HOME", str(blocker / "home"))
    code, out, err = run(capsys, "db", "upgrade")
    assert (code, out) == (cli.EXIT_USAGE, "")
    assert err.startswith("ecandidat: erreur de configuration : ") and "cannot create this folder" in err
    assert err.count("\n") == 1

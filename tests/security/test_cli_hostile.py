"""Issue 14, item 10: the command line refuses, never crashes or hangs.

Each case runs the command line, on SQLite and PostgreSQL, then checks: a
non-zero exit, exactly one line on stderr, no traceback, and every table of
the store row for row as it was. What used to hang (a FIFO, /dev/zero) runs as
a real `python -m ecandidat_tui` process with a deadline, so a hang fails the
test instead of freezing it; the rest calls `cli.main` (faster).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import SQLModel

import ecandidat_tui.store.models  # noqa: F401 - registers the tables
from ecandidat_tui import cli
from ecandidat_tui.services.import_files import MAX_IMPORT_BYTES, MAX_JSON_DEPTH, json_depth
from ecandidat_tui.store.db import Database

DOCS = Path(__file__).resolve().parents[2] / "docs" / "catalog.md"
DEADLINE = 60.0  # seconds for one command, start-up included, on a loaded machine

STUDENT = ('{"numero_etudiant": "21900042", "ent_login": "ana.lopez", "nom": "Lopez", "prenom": "Ana", '
           '"mail": "ana@example.org", "password": "Ent-Pa55word!"}')


def ecandidat(home: Path, database_url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECANDIDAT_", "TEXTUAL"))}
    env.update(ECANDIDAT_HOME=str(home), ECANDIDAT_DATABASE_URL=database_url, ECANDIDAT_MAIL_BACKEND="memory")
    return subprocess.run([sys.executable, "-m", "ecandidat_tui", *argv], env=env, capture_output=True,
                          text=True, timeout=DEADLINE, stdin=subprocess.DEVNULL)


def store_snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every table, in a comparable form."""
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            return {t.name: sorted(repr(tuple(r)) for r in conn.execute(t.select()))
                    for t in SQLModel.metadata.sorted_tables}
    finally:
        db.dispose()


def assert_refused_in_one_line(result: subprocess.CompletedProcess[str], expected: str, code: int = 1) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    assert result.stderr.startswith("ecandidat"), result.stderr
    assert re.search(expected, result.stderr), result.stderr
    assert result.stdout == ""


@pytest.fixture
def store(migrated_url: str, tmp_path: Path, monkeypatch) -> tuple[Path, str]:
    """A home whose store holds a catalog and a directory (set up in this process, faster)."""
    home = tmp_path / "home"
    for name in list(os.environ):
        if name.startswith("ECANDIDAT_") and name != "ECANDIDAT_TEST_PG_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("ECANDIDAT_HOME", str(home))
    monkeypatch.setenv("ECANDIDAT_DATABASE_URL", migrated_url)
    monkeypatch.setenv("ECANDIDAT_MAIL_BACKEND", "memory")
    catalog = tmp_path / "catalog.json"
    catalog.write_text(re.search(r"```json\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S).group(1),
                       encoding="utf-8")
    assert cli.main(["catalog", "import", str(catalog)]) == 0
    directory = tmp_path / "students.json"
    directory.write_text(f"[{STUDENT}]", encoding="utf-8")
    assert cli.main(["directory", "import", str(directory)]) == 0
    return home, migrated_url


def in_process(capsys, *argv: str) -> subprocess.CompletedProcess[str]:
    """`cli.main` in this process (the environment set by `store`), as a finished process."""
    capsys.readouterr()
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse's way out, as under the `ecandidat` script
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(argv), code, out, err)


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def hostile_file(kind: str, folder: Path) -> Path:
    path = folder / f"hostile-{kind}.json"
    if kind == "fifo":
        os.mkfifo(path)  # nobody ever writes: reading it would wait forever
    elif kind == "dev-zero":
        return Path("/dev/zero")  # endless
    elif kind == "folder":
        path.mkdir()
    elif kind == "missing":
        pass
    elif kind == "deep-100000":
        path.write_text(deep_json(100_000))  # beyond Python's recursion limit
    elif kind == "deep-500":
        path.write_text('{"students": ' + deep_json(500) + "}")  # parses, but is no catalog nor directory
    elif kind == "huge":
        with path.open("wb") as fh:  # sparse: no disk used, but st_size says too large
            fh.truncate(MAX_IMPORT_BYTES + 1)
    elif kind == "latin1":
        path.write_bytes(f"[{STUDENT}]".replace("Lopez", "López").encode("latin-1"))
    return path


HOSTILE = {
    "fifo": "not a regular file",
    "dev-zero": "not a regular file",
    "folder": "not a regular file",
    "missing": r"cannot read the file \(No such file or directory\)",
    "deep-100000": f"JSON nested too deeply \\(at most {MAX_JSON_DEPTH} levels\\)",
    "deep-500": f"JSON nested too deeply \\(at most {MAX_JSON_DEPTH} levels\\)",
    "huge": f"too large \\({MAX_IMPORT_BYTES + 1} bytes; at most {MAX_IMPORT_BYTES}\\)",
    "latin1": r"not UTF-8 text \(byte \d+\)",
}


@pytest.mark.parametrize("command", ["catalog", "directory"])
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_import_file_is_one_line_and_changes_nothing(store, tmp_path, capsys, command, kind):
    home, url = store
    before = store_snapshot(url)
    path = hostile_file(kind, tmp_path)
    if kind in ("fifo", "dev-zero"):  # those that hung: a process with a deadline
        result = ecandidat(home, url, command, "import", str(path))
    else:
        result = in_process(capsys, command, "import", str(path))
    assert_refused_in_one_line(result, HOSTILE[kind])
    if command == "catalog":
        assert result.stderr.rstrip().endswith("; nothing was imported")
    assert store_snapshot(url) == before


@pytest.mark.parametrize("argv", [
    ["mail", "show", str(2**70)],
    ["mail", "show", str(2**63)],
    ["mail", "show", str(cli.MAX_ROW_ID + 1)],
    ["mail", "show", "0"],
    ["mail", "show", "-1"],
    ["mail", "show", "1e3"],
    ["mail", "show", "²"],
    ["mail", "show", "9" * 5000],  # int() of more than 4300 digits raises its own ValueError
    ["mail", "list", "--limit", str(2**70)],
    ["mail", "list", "--limit", "0"],
])
def test_a_number_that_is_no_id_is_one_line_and_changes_nothing(store, capsys, argv):
    _, url = store
    before = store_snapshot(url)
    result = in_process(capsys, *argv)
    assert_refused_in_one_line(result, r"n.est pas un (numéro de mail|nombre de mails) \(un nombre entier de 1 à \d+\)"
                                       r" \(voir ecandidat mail (show|list) --help\)$", code=2)
    assert len(result.stderr) < 300  # a 5000-digit argument is not echoed whole
    assert store_snapshot(url) == before


def test_an_unknown_mail_id_in_range_is_one_line(store):
    home, url = store
    result = ecandidat(home, url, "mail", "show", str(cli.MAX_ROW_ID))  # the real process, once
    assert_refused_in_one_line(result, f"^ecandidat: mail {cli.MAX_ROW_ID} : ce mail n.existe pas$")


def test_usage_mistakes_are_one_line(store, capsys):
    _, url = store
    before = store_snapshot(url)
    for argv in (["nonsense"], ["mail"], ["mail", "show"], ["staff-user", "add", "x", "--role", "root"]):
        result = in_process(capsys, *argv)
        assert_refused_in_one_line(result, r"\(voir ecandidat.* --help\)$", code=2)
    assert store_snapshot(url) == before


def test_a_json_depth_is_counted_without_recursion():
    assert json_depth(1) == 0
    assert json_depth({"a": [1, {"b": []}]}) == 4
    nested: list = []
    for _ in range(50_000):
        nested = [nested]
    assert json_depth(nested) == 50_001

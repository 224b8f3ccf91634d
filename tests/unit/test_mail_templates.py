"""Mail templates: every kind renders, the footer is always there, overrides win, errors are clear.

`test_callers_pass_every_placeholder` reads the services' source: each
`outbox.enqueue(session, MailKind.X, …)` (directly, or through a helper that
forwards `**extra` to it) must pass every placeholder the template of X uses.
"""

from __future__ import annotations

import ast
from importlib import resources
from pathlib import Path

import pytest

import ecandidat_tui.services as services_pkg
from ecandidat_tui.domain import MAIL_FOOTER, MailKind
from ecandidat_tui.mail.templates import TemplateError, TemplateRenderer, placeholders


def _sample(names: set[str]) -> dict[str, str]:
    return {name: f"<{name}>" for name in names}


# ----------------------------------------------------------- every kind


@pytest.mark.parametrize("kind", list(MailKind), ids=lambda k: k.value)
def test_every_kind_has_a_template_that_renders(kind):
    renderer = TemplateRenderer()
    names = renderer.placeholders(kind)
    assert {"prenom", "nom"} <= names, "every mail greets the candidate by name"
    subject, body = renderer.render(kind, **_sample(names))
    assert subject and "\n" not in subject and "{" not in subject
    assert "{" not in body
    for name in names:
        assert f"<{name}>" in subject + body
    assert body.endswith(f"\n-- \n{MAIL_FOOTER}\n")


def test_no_template_file_without_a_kind():
    files = {p.name for p in resources.files("ecandidat_tui.mail").joinpath("templates").iterdir()
             if p.name.endswith(".txt")}
    assert files == {f"{k.value}.txt" for k in MailKind}


def test_account_created_carries_the_identifiers():
    subject, body = TemplateRenderer().render(
        MailKind.ACCOUNT_CREATED, prenom="Ana", nom="LOPEZ", login="AB123456", password="xY7-pQ2r",
        code="K7QF-2MZD", link="https://ecandidat.univ.example/activation/K7QF2MZD", deadline="07/03/2026")
    assert subject == "Création de votre compte eCandidat"
    assert "Login : AB123456" in body
    assert "Mot de passe : xY7-pQ2r" in body
    assert "Code d'activation : K7QF-2MZD" in body


# ------------------------------------------------------------ overrides


def _write(folder: Path, kind: MailKind, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{kind.value}.txt").write_text(text, encoding="utf-8")


def test_institution_override_wins_and_keeps_the_footer(tmp_path):
    folder = tmp_path / "mail-templates"
    _write(folder, MailKind.CANDIDATURE_CANCELLED,
           "Subject: [Univ] Candidature {code_formation} annulée\n\nCher·e {prenom},\nc'est annulé.\n")
    renderer = TemplateRenderer(folder)
    subject, body = renderer.render(MailKind.CANDIDATURE_CANCELLED, prenom="Ana", nom="Lopez",
                                    formation="Licence Droit", code_formation="L-DROIT")
    assert subject == "[Univ] Candidature L-DROIT annulée"
    assert body.startswith("Cher·e Ana,\nc'est annulé.")
    assert body.rstrip().endswith(MAIL_FOOTER)
    # Kinds without an override still use the packaged template.
    subject, _ = renderer.render(MailKind.CONFIRMATION, prenom="Ana", nom="Lopez", formation="Licence Droit")
    assert subject == "Confirmation de votre inscription à la formation Licence Droit"


def test_override_with_windows_line_endings(tmp_path):
    folder = tmp_path / "mail-templates"
    _write(folder, MailKind.CONFIRMATION, "Subject: Confirmé\r\n\r\nBonjour {prenom}\r\n")
    subject, body = TemplateRenderer(folder).render(MailKind.CONFIRMATION, prenom="Ana", nom="L", formation="F")
    assert subject == "Confirmé"
    assert body.startswith("Bonjour Ana\n")


@pytest.mark.parametrize(
    "text, problem",
    [
        ("Subject: Hello\n\nBonjour {surnom}\n", "unknown placeholder {surnom}"),
        ("Subject: Hello {oops\n\nBonjour\n", "bad braces"),
        ("Bonjour {prenom}\n\nsans sujet\n", "first line must be 'Subject: …'"),
        ("Subject: Hello\n\nBonjour {0}\n", "not a plain name"),
        ("Subject: Hello\n\nBonjour {prenom.upper}\n", "not a plain name"),
    ],
    ids=["unknown", "braces", "no-subject", "positional", "attribute"],
)
def test_bad_override_is_a_template_error(tmp_path, text, problem):
    folder = tmp_path / "mail-templates"
    _write(folder, MailKind.CONFIRMATION, text)
    with pytest.raises(TemplateError) as info:
        TemplateRenderer(folder).render(MailKind.CONFIRMATION, prenom="Ana", nom="Lopez", formation="F")
    assert problem in str(info.value)
    assert "confirmation.txt" in str(info.value)


def test_literal_braces_and_values_with_braces(tmp_path):
    folder = tmp_path / "mail-templates"
    _write(folder, MailKind.CONFIRMATION, "Subject: Ok\n\n{{accolades}} {formation}\n")
    _, body = TemplateRenderer(folder).render(MailKind.CONFIRMATION, prenom="A", nom="B", formation="M2 {IA}")
    assert body.startswith("{accolades} M2 {IA}\n")


def test_placeholders_helper():
    assert placeholders("Subject: {a}\n\n{b} {{c}} {a}") == {"a", "b"}


# ------------------------------------------------- callers vs templates


def _enqueue_calls() -> list[tuple[str, int, str, set[str] | None]]:
    """(file, line, kind, keyword names passed or None when unknowable) for every enqueue."""
    found: list[tuple[str, int, str, set[str] | None]] = []
    folder = Path(services_pkg.__file__).parent
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]

        def dict_keys(func, name: str) -> set[str] | None:
            """Keys of `name = {...}` / `name = dict(...)` in `func`, or None."""
            for node in ast.walk(func):
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                    value = node.value
                    if isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant) for k in value.keys):
                        return {k.value for k in value.keys}
                    if (isinstance(value, ast.Call) and getattr(value.func, "id", "") == "dict" and not value.args
                            and all(k.arg for k in value.keywords)):
                        return {k.arg for k in value.keywords}
            return None

        def passed(func, call: ast.Call) -> tuple[set[str] | None, list[str]]:
            """Keyword names of `call`, the `**names` it forwards that are the function's **kwargs."""
            names: set[str] = set()
            forwarded: list[str] = []
            for kw in call.keywords:
                if kw.arg is not None:
                    names.add(kw.arg)
                elif isinstance(kw.value, ast.Name):
                    if func.args.kwarg is not None and kw.value.id == func.args.kwarg.arg:
                        forwarded.append(kw.value.id)
                    else:
                        keys = dict_keys(func, kw.value.id)
                        if keys is None:
                            return None, []
                        names |= keys
                else:
                    return None, []
            return names, forwarded

        def kind_of(node: ast.AST) -> str | None:
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "MailKind":
                return MailKind[node.attr].value
            return None

        # Helpers that forward a `kind` parameter and `**extra` to enqueue.
        wrappers: dict[str, tuple[int, set[str]]] = {}
        for func in functions:
            for call in [n for n in ast.walk(func) if isinstance(n, ast.Call)]:
                if getattr(call.func, "attr", "") != "enqueue" or len(call.args) < 2:
                    continue
                kind = kind_of(call.args[1])
                names, _forwarded = passed(func, call)
                if kind is not None:
                    found.append((path.name, call.lineno, kind, names))
                elif isinstance(call.args[1], ast.Name) and names is not None:
                    params = [a.arg for a in func.args.args]
                    if call.args[1].id in params:
                        wrappers[func.name] = (params.index(call.args[1].id), names)
        for func in functions:
            for call in [n for n in ast.walk(func) if isinstance(n, ast.Call)]:
                name = getattr(call.func, "attr", None) or getattr(call.func, "id", None)
                if name not in wrappers:
                    continue
                position, base = wrappers[name]
                offset = 1 if isinstance(call.func, ast.Attribute) else 0  # self.helper(…) skips `self`
                index = position - offset
                if index >= len(call.args):
                    continue
                kind = kind_of(call.args[index])
                if kind is None:
                    continue
                names, _ = passed(func, call)
                found.append((path.name, call.lineno, kind, None if names is None else base | names))
    return found


def test_callers_pass_every_placeholder():
    renderer = TemplateRenderer()
    calls = _enqueue_calls()
    assert calls, "no outbox.enqueue call found in the services"
    problems = []
    for file, line, kind, names in calls:
        if names is None:
            continue  # built dynamically; the service's own tests render it
        missing = renderer.placeholders(MailKind(kind)) - names
        if missing:
            problems.append(f"services/{file}:{line}: {kind} lacks {', '.join(sorted(missing))}")
    assert problems == []

"""Command line: `ecandidat [--kiosk] | staff | config | db | catalog | mail | …`.

Textual is imported only when a TUI starts. Bad arguments, bad files and bad
settings get one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from collections.abc import Callable, Sequence
from typing import NoReturn

from .config import ConfigError, Settings, load_settings
from .display import safe_text

EXIT_USAGE = 2
EXIT_FAILURE = 1


class CommandError(Exception):
    """One line for stderr, then exit 1."""


def _services(settings: Settings, *, prepare: bool = True):
    from .services import build_services

    return build_services(settings, prepare=prepare)


# ------------------------------------------------------------------ TUIs


def cmd_candidate(args: argparse.Namespace, settings: Settings) -> int:
    if args.kiosk:
        settings.kiosk = True
    from .app import run_candidate_app

    return run_candidate_app(settings)


def cmd_staff(args: argparse.Namespace, settings: Settings) -> int:
    from .staff_app import run_staff_app

    return run_staff_app(settings)


# ------------------------------------------------------------- settings


def cmd_config_show(args: argparse.Namespace, settings: Settings) -> int:
    shown = settings.masked()
    width = max(len(k) for k in shown)
    for key, value in shown.items():
        print(f"{key:<{width}}  {value}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from .store.db import Database
    from .store.migrate import HEAD_REVISION, ensure_schema

    from .config import ensure_dirs

    ensure_dirs(settings)
    db = Database(settings.database_url, connect_timeout=settings.db_connect_timeout_seconds,
                  statement_timeout=settings.db_statement_timeout_seconds)
    try:
        ran = ensure_schema(db)
    finally:
        db.dispose()
    print(f"Schéma {'mis à jour en' if ran else 'déjà en'} {HEAD_REVISION}.")
    return 0


# --------------------------------------------------------------- catalog


def cmd_catalog_import(args: argparse.Namespace, settings: Settings) -> int:
    from .services import DomainError
    from .services.catalog import CatalogImportError

    services = _services(settings, prepare=False)
    try:
        services.prepare(demo_catalog=False)
        report = services.catalog.import_file(Path(args.file))
    except CatalogImportError as exc:
        for line in exc.errors[:50]:
            print(line, file=sys.stderr)
        if len(exc.errors) > 50:
            print(f"… et {len(exc.errors) - 50} autres erreurs", file=sys.stderr)
        print("Rien n'a été importé.", file=sys.stderr)
        return EXIT_FAILURE
    except DomainError as exc:  # the file itself was refused (a FIFO, too large, …)
        raise CommandError(f"{exc.message}; nothing was imported") from None
    finally:
        services.close()
    print(report.summary())
    return 0


def cmd_catalog_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the catalog in the import format: to FILE (never over an existing one
    without --force), or to standard output."""
    from .services.catalog import CatalogImportError

    kind = args.format or ("csv" if args.file and Path(args.file).suffix.lower() == ".csv" else "json")
    target = Path(args.file) if args.file else None
    if target is not None and target.exists() and not args.force:
        print(f"{target} already exists (use --force to replace it)", file=sys.stderr)
        return EXIT_FAILURE
    services = _services(settings, prepare=False)
    try:
        services.prepare(demo_catalog=False)
        text = services.catalog.export_text(kind)
    except CatalogImportError as exc:
        print(exc.errors[0], file=sys.stderr)
        return EXIT_FAILURE
    finally:
        services.close()
    if target is None:
        sys.stdout.write(text)
        return 0
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"{target}: cannot write the file ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_FAILURE
    print(f"catalog written to {target} ({kind})")
    return 0


# ------------------------------------------------------------------ mail


def _mail_services(settings: Settings):
    """Services for the outbox commands: the schema, without loading a catalog."""
    services = _services(settings, prepare=False)
    try:
        services.prepare(demo_catalog=False)
    except BaseException:
        services.close()
        raise
    return services


def cmd_mail_list(args: argparse.Namespace, settings: Settings) -> int:
    services = _mail_services(settings)
    try:
        rows = services.dispatcher.list_mails(status=args.status, limit=args.limit)
    finally:
        services.close()
    for row in rows:
        print(safe_text(f"{row.id:>6}  {row.status:<8} {row.created_at.astimezone():%Y-%m-%d %H:%M}  "
                        f"{row.to_addr:<35} {row.subject}"))
    if not rows:
        print("Aucun mail.")
    return 0


def cmd_mail_show(args: argparse.Namespace, settings: Settings) -> int:
    services = _mail_services(settings)
    try:
        row = services.dispatcher.get_mail(args.id)
    finally:
        services.close()
    if row is None:
        raise CommandError(f"mail {args.id} : ce mail n'existe pas")
    print(f"À : {safe_text(row.to_addr)}\nObjet : {safe_text(row.subject)}\n"
          f"État : {row.status} (tentatives : {row.attempts})")
    if row.last_error:
        print(f"Dernière erreur : {safe_text(row.last_error)}")
    if row.attachment_name:
        print(f"Pièce jointe : {safe_text(row.attachment_name)}")
    print()
    print(safe_text(row.body, multiline=True))
    return 0


def cmd_mail_send(args: argparse.Namespace, settings: Settings) -> int:
    services = _mail_services(settings)
    try:
        report = services.dispatcher.dispatch_pending(ignore_backoff=True)
    finally:
        services.close()
    print(report.summary())
    # Non-zero when anything is still undelivered, so cron and scripts notice.
    return 0 if not (report.failed or report.retrying) else EXIT_FAILURE


def cmd_mail_remind(args: argparse.Namespace, settings: Settings) -> int:
    services = _mail_services(settings)
    try:
        report = services.reminders.send_reminders()
    finally:
        services.close()
    print(report.summary())
    return 0


# ------------------------------------------------------- staff accounts


def _prompt_password_twice() -> str:
    if not sys.stdin.isatty():
        first = sys.stdin.readline().rstrip("\n")
        second = sys.stdin.readline().rstrip("\n")
    else:
        first = getpass.getpass("Mot de passe : ")
        second = getpass.getpass("Confirmation : ")
    if first != second:
        raise CommandError("les deux mots de passe diffèrent ; rien n'a été créé")
    return first


def cmd_staff_user_add(args: argparse.Namespace, settings: Settings) -> int:
    from .services import DomainError

    services = _services(settings)
    try:
        password = _prompt_password_twice()
        services.staff.add_staff_user(args.login, password, args.role, centres=args.centre or [])
    except DomainError as exc:
        raise CommandError(exc.message) from None
    finally:
        services.close()
    print(f"Compte du personnel {args.login} créé ({args.role}).")
    return 0


def cmd_staff_user_list(args: argparse.Namespace, settings: Settings) -> int:
    services = _services(settings)
    try:
        users = services.staff.list_staff_users()
    finally:
        services.close()
    for user in users:
        state = "désactivé" if user.disabled else "actif"
        print(f"{user.login:<20} {user.role:<12} {state:<9} {','.join(user.centres)}")
    if not users:
        print("Aucun compte du personnel.")
    return 0


def cmd_staff_user_disable(args: argparse.Namespace, settings: Settings) -> int:
    from .services import DomainError

    services = _services(settings)
    try:
        services.staff.disable_staff_user(args.login)
    except DomainError as exc:
        raise CommandError(exc.message) from None
    finally:
        services.close()
    print(f"Compte du personnel {args.login} désactivé.")
    return 0


# ---------------------------------------------------- directory, upkeep


def cmd_directory_import(args: argparse.Namespace, settings: Settings) -> int:
    from .services import DomainError

    services = _services(settings)
    try:
        count = services.directory.import_file(Path(args.file))
    except DomainError as exc:
        raise CommandError(exc.message) from None
    finally:
        services.close()
    print(f"{count} étudiant(s) importé(s) dans l'annuaire local.")
    return 0


def cmd_maintenance_purge(args: argparse.Namespace, settings: Settings) -> int:
    services = _services(settings)
    try:
        deleted = services.accounts.purge_unvalidated()
    finally:
        services.close()
    print(f"{len(deleted)} compte(s) non validé(s) supprimé(s).")
    return 0


def cmd_kiosk_unlock_code(args: argparse.Namespace, settings: Settings) -> int:
    from .services.security import hash_secret

    code = _prompt_password_twice()
    if len(code) < 6:
        raise CommandError("le code de déverrouillage doit faire au moins 6 caractères")
    print(f'kiosk_unlock_hash = "{hash_secret(code)}"')
    return 0


# ---------------------------------------------------------------- parser

# Row ids are PostgreSQL INTEGERs (32 bits): a larger number is no id at all,
# and handed to the store it fails there (PostgreSQL: out of range; SQLite,
# beyond 64 bits: OverflowError).
MAX_ROW_ID = 2**31 - 1
MAX_LIST_LIMIT = 100_000


def _bounded_int(low: int, high: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:  # not a number, or more than 4300 digits
            value = low - 1
        if not low <= value <= high:
            shown = text if len(text) <= 30 else text[:30] + "…"
            raise argparse.ArgumentTypeError(f"{shown!r} n'est pas {what} (un nombre entier de {low} à {high})")
        return value

    return parse


class _Parser(argparse.ArgumentParser):
    """Usage mistakes get one line on stderr (and the way to the help), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (voir {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ecandidat", description="eCandidat dans le terminal : candidats, personnel et maintenance."
    )
    parser.add_argument("--kiosk", action="store_true",
                        help="lancer l'application candidat en mode libre-service (borne)")
    parser.set_defaults(handler=cmd_candidate)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Callable, help_text: str, parent=sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    add("staff", cmd_staff, "la console du personnel")

    config = sub.add_parser("config", help="paramètres").add_subparsers(dest="sub", required=True, metavar="ACTION")
    add("show", cmd_config_show, "afficher les paramètres en vigueur, secrets masqués", config)

    db = sub.add_parser("db", help="schéma de la base de données").add_subparsers(
        dest="sub", required=True, metavar="ACTION")
    add("upgrade", cmd_db_upgrade, "appliquer les migrations", db)

    catalog = sub.add_parser("catalog", help="l'Offre de formation").add_subparsers(
        dest="sub", required=True, metavar="ACTION")
    add("import", cmd_catalog_import, "charger une offre de formation en JSON ou CSV (voir docs/catalog.md)",
        catalog).add_argument("file")
    p = add("export", cmd_catalog_export, "écrire l'offre de formation au format de l'import (JSON ou CSV)", catalog)
    p.add_argument("file", nargs="?", help="le fichier à écrire (par défaut : la sortie standard)")
    p.add_argument("--format", choices=["json", "csv"], help="par défaut : d'après l'extension du fichier, sinon json")
    p.add_argument("--force", action="store_true", help="remplacer un fichier existant")

    mail = sub.add_parser("mail", help="les mails en attente d'envoi").add_subparsers(
        dest="sub", required=True, metavar="ACTION")
    p = add("list", cmd_mail_list, "lister les mails", mail)
    p.add_argument("--status", choices=["pending", "sent", "failed"])
    p.add_argument("--limit", type=_bounded_int(1, MAX_LIST_LIMIT, "un nombre de mails"), default=50)
    p = add("show", cmd_mail_show, "afficher un mail", mail)
    p.add_argument("id", type=_bounded_int(1, MAX_ROW_ID, "un numéro de mail"))
    add("send", cmd_mail_send, "envoyer maintenant les mails en attente", mail)
    add("remind", cmd_mail_remind, "mettre en file les rappels avant la date limite de retour (cron, chaque jour)",
        mail)

    staff_user = sub.add_parser("staff-user", help="comptes du personnel").add_subparsers(
        dest="sub", required=True, metavar="ACTION")
    p = add("add", cmd_staff_user_add, "créer un compte du personnel (mot de passe demandé deux fois)", staff_user)
    p.add_argument("login")
    p.add_argument("--role", required=True, choices=["support", "gestionnaire", "admin"])
    p.add_argument("--centre", action="append", metavar="CODE", help="un centre que gère un gestionnaire (répétable)")
    add("list", cmd_staff_user_list, "lister les comptes du personnel", staff_user)
    add("disable", cmd_staff_user_disable, "désactiver un compte du personnel", staff_user).add_argument("login")

    directory = sub.add_parser("directory", help="l'annuaire local des étudiants (ENT)").add_subparsers(
        dest="sub", required=True, metavar="ACTION")
    add("import", cmd_directory_import, "charger des étudiants en CSV ou JSON (voir docs/directory.md)",
        directory).add_argument("file")

    maintenance = sub.add_parser("maintenance", help="maintenance").add_subparsers(
        dest="sub", required=True, metavar="ACTION")
    add("purge", cmd_maintenance_purge, "supprimer les comptes non validés dont le délai est passé", maintenance)

    kiosk = sub.add_parser("kiosk", help="mise en place d'une borne").add_subparsers(
        dest="sub", required=True, metavar="ACTION")
    add("unlock-code", cmd_kiosk_unlock_code, "chiffrer un code de déverrouillage du personnel pour config.toml", kiosk)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings()
        return args.handler(args, settings) or 0
    except ConfigError as exc:
        print(f"ecandidat: erreur de configuration : {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"ecandidat: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `ecandidat mail list | head`: the reader left; exit quietly.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except Exception as exc:
        line = _database_problem(exc, settings.database_url if settings else "")
        if line is None:
            raise
        print(f"ecandidat: {line}", file=sys.stderr)
        return EXIT_FAILURE


def _database_problem(exc: BaseException, url: str) -> str | None:
    """One line for a database that cannot be reached or used, or None for other errors.

    SQLAlchemy is imported only here, once something went wrong, so the
    candidate TUI starts without it. The line never carries a password.
    """
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError

    from .services.errors import DatabaseUnavailable

    if isinstance(exc, DatabaseUnavailable) and exc.__cause__ is not None:
        exc = exc.__cause__

    # A plain DatabaseError is e.g. SQLite's "file is not a database"; its
    # subclasses (IntegrityError, ProgrammingError, …) are bugs: traceback.
    if not (isinstance(exc, (OperationalError, InterfaceError)) or type(exc) is DatabaseError):
        return None
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    reason = _without_password(lines[0] if lines else type(original).__name__, url)
    if "timeout" in reason.lower() or "canceling statement" in reason.lower():
        reason = ("la base de données ne répond pas (délai de connexion ou de requête dépassé) ; "
                  "vérifiez le serveur puis réessayez")
    sqlite = url.startswith("sqlite")
    if not sqlite or "unable to open" in reason:
        return f"base de données injoignable : {reason}"
    return f"erreur de base de données : {reason}"


def _without_password(text: str, url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        password = make_url(url).password if url else None
    except Exception:
        password = None
    if password:
        text = text.replace(str(password), "********")
    return text


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

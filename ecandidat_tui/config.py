"""Settings: defaults, then the system-wide file, then the user's `config.toml`,
then the `ECANDIDAT_*` environment; each one overrides the ones before.

The system-wide file is `/etc/ecandidat/config.toml` when it exists, or the
file `ECANDIDAT_CONFIG` names (which must exist; set and empty: none). It is
what every system user of a machine shares: the SSH accounts, the kiosks'
user, cron. Every setting has one name used everywhere: the TOML key
`smtp_host` is the environment variable `ECANDIDAT_SMTP_HOST`.
`ECANDIDAT_HOME` puts the database, the mail folder, the user's configuration
and the logs in one folder.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from collections.abc import Mapping

APP_NAME = "ecandidat-tui"
KEYRING_SERVICE = "ecandidat-tui"
ENV_PREFIX = "ECANDIDAT_"

MAIL_BACKENDS = ("maildir", "smtp", "console", "memory")
SMTP_SECURITY = ("starttls", "ssl", "none")
SECRET_KEYS = {"smtp_password", "kiosk_unlock_hash"}
SYSTEM_CONFIG = Path("/etc/ecandidat/config.toml")
# `directory.BACKENDS`, and the themes `theme.py` registers or Textual ships
# (plus the aliases of `theme.THEME_ALIASES`); a test keeps them in step, as
# this module may not import Textual.
DIRECTORY_BACKENDS = ("local",)
THEMES = (
    "ecandidat", "ecandidat-contraste", "ansi", "textual-ansi", "ansi-dark", "ansi-light",
    "atom-one-dark", "atom-one-light", "catppuccin-frappe", "catppuccin-latte", "catppuccin-macchiato",
    "catppuccin-mocha", "dracula", "flexoki", "gruvbox", "monokai", "nord", "rose-pine", "rose-pine-dawn",
    "rose-pine-moon", "solarized-dark", "solarized-light", "textual-dark", "textual-light", "tokyo-night",
)
# Inclusive bounds of the numeric settings: each number in use somewhere means
# something (a lockout of 0 minutes is no lockout, a validity of 99,999,999
# days overflows a date, an interval of nan seconds never fires).
RANGES: dict[str, tuple[float, float]] = {
    "smtp_port": (1, 65535),
    "smtp_timeout": (0.5, 600),
    "account_validity_days": (1, 365),
    "max_failed_logins": (1, 100),
    "lockout_minutes": (1, 7 * 24 * 60),
    "reset_code_hours": (1, 7 * 24),
    "activation_code_days": (1, 365),
    "max_candidatures_per_centre": (1, 1000),
    "upload_max_bytes": (1, 1024**3),
    "idle_timeout_seconds": (1, 24 * 3600),
    "idle_warning_seconds": (0, 3600),
    "mail_dispatch_seconds": (0.1, 24 * 3600),
    "db_connect_timeout_seconds": (1, 3600),
    "db_statement_timeout_seconds": (1, 3600),
    "kiosk_unlock_attempts": (1, 100),
    "db_pool_size": (1, 50),
    "cursor_rest_seconds": (0.1, 24 * 3600),
}
MAX_TEXT_SETTING = 500  # characters of a text setting (a URL, an institution's name)


class ConfigError(Exception):
    """A setting that cannot be used; the message is one line naming the key."""


@dataclass
class Settings:
    home: Path | None = None
    data_dir: Path = Path(".")
    config_dir: Path = Path(".")
    log_dir: Path = Path(".")
    database_url: str = ""
    mail_backend: str = "maildir"
    mail_dir: Path = Path(".")
    mail_from: str = "ecandidat-noreply@univ.example"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_security: str = "starttls"
    smtp_password: str = ""
    smtp_timeout: float = 10.0
    institution: str = "Université Exemple"
    public_url: str = "https://ecandidat.univ.example"
    login_prefix: str = ""
    account_validity_days: int = 5
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    reset_code_hours: int = 2
    activation_code_days: int = 5
    max_candidatures_per_centre: int = 20
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_roots: list[Path] = field(default_factory=list)
    kiosk: bool = False
    kiosk_roots: list[Path] = field(default_factory=list)
    kiosk_unlock_hash: str = ""
    idle_timeout_seconds: int = 300
    idle_warning_seconds: int = 30
    theme: str = "ecandidat"
    high_contrast: bool = False
    demo_catalog: bool = True
    directory_backend: str = "local"
    mail_dispatch_seconds: float = 15.0
    reminder_days: list[int] = field(default_factory=lambda: [7, 1])  # `mail remind`: days before the deadline
    db_connect_timeout_seconds: float = 10.0  # PostgreSQL: a server that does not answer is an error
    db_statement_timeout_seconds: float = 30.0
    db_pool_size: int = 5  # PostgreSQL: connections a process keeps open (as many more under a burst)
    cursor_rest_seconds: float = 60.0  # without a key, the text cursor stops blinking (an idle console: no CPU)
    kiosk_unlock_attempts: int = 5  # wrong unlock codes before the kiosk refuses for lockout_minutes

    @property
    def db_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix) :])
        return None

    @property
    def log_file(self) -> Path:
        return self.log_dir / "ecandidat.log"

    def effective_upload_roots(self) -> list[Path]:
        """Where the file picker may look: removable media in kiosk mode."""
        return list(self.kiosk_roots if self.kiosk else self.upload_roots)

    def app_owned_paths(self) -> list[Path]:
        """The application's own files and folders, which no upload may read.

        The default upload root (the user's home) holds the data folder, the
        database and the mail folder, where other candidates' dossiers wait:
        a file from there is refused whatever the roots say. Under
        `ECANDIDAT_HOME` the folder is shared with the person's files (the
        roots may lie in it), so only the application's entries are listed.
        """
        owned = [self.mail_dir, self.log_dir, self.data_dir / "cache", self.config_dir / "config.toml",
                 self.config_dir / "mail-templates", self.config_dir / "letter-templates",
                 self.config_dir / "content"]
        if self.home is None:
            owned += [self.data_dir, self.config_dir]
        if self.db_path is not None:
            owned += [self.db_path.with_name(self.db_path.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
        return owned

    def masked(self) -> dict[str, str]:
        """Every setting as text, secrets replaced, for `config show`."""
        shown: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_KEYS:
                text = "********" if value else "(unset)"
            elif isinstance(value, list):
                text = ", ".join(str(v) for v in value)
            elif f.name == "database_url":
                text = _mask_url_password(value)
            else:
                text = "" if value is None else str(value)
            shown[f.name] = text
        return shown


_DERIVED = {"home", "data_dir", "config_dir", "log_dir"}
_FIELD_TYPES = {f.name: f.type for f in fields(Settings)}


def _mask_url_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in creds:
        return url
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:********@{host}"


def _convert(key: str, raw: Any, source: str) -> Any:
    """Turn a TOML or environment value into the field's type, or say why not."""
    kind = _FIELD_TYPES[key]
    where = f"{source}: {key}"
    try:
        if kind in ("bool",):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on", "oui"):
                return True
            if text in ("0", "false", "no", "off", "non", ""):
                return False
            raise ValueError
        if kind == "int":
            if isinstance(raw, (bool, float)):
                raise ValueError
            value = int(raw)
            if value < 0:
                raise ValueError
            return value
        if kind == "float":
            if isinstance(raw, bool):
                raise ValueError
            number = float(raw)
            if not math.isfinite(number) or number < 0:  # "nan" and "inf" are floats to Python
                raise ValueError
            return number
        if kind == "Path":
            return Path(str(raw)).expanduser()
        if kind == "list[int]":
            items = raw if isinstance(raw, list) else [i for i in str(raw).replace(",", " ").split() if i]
            if any(isinstance(i, (bool, float)) for i in items):
                raise ValueError
            return [int(i) for i in items]
        if kind == "list[Path]":
            items = raw if isinstance(raw, list) else str(raw).split(os.pathsep)
            if not all(isinstance(i, str) for i in items):
                raise ValueError
            return [Path(i).expanduser() for i in items if i.strip()]
        if not isinstance(raw, str):
            raise ValueError
        return raw
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: invalid value {raw!r} (expected {kind})") from None


def _validate(settings: Settings, sources: Mapping[str, str]) -> None:
    """Check values that have the right type but may still be unusable."""

    def fail(key: str, problem: str, *, set_by: str | None = None) -> None:
        source = sources.get(key) or sources.get(set_by or key) or "settings"
        raise ConfigError(f"{source}: {key}: {problem}")

    for key, (low, high) in RANGES.items():
        value = getattr(settings, key)
        if not (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                and low <= value <= high):
            fail(key, f"{value!r} is out of range ({low:g} to {high:g})")
    for f in fields(settings):
        value = getattr(settings, f.name)
        texts = value if isinstance(value, list) else [value]
        for text in (str(t) for t in texts if isinstance(t, (str, Path))):
            if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text):
                fail(f.name, "contains control characters")
            if len(text) > MAX_TEXT_SETTING:
                fail(f.name, f"longer than {MAX_TEXT_SETTING} characters")
    if settings.theme not in THEMES:
        fail("theme", f"{settings.theme!r} is not a known theme ({', '.join(THEMES)})")
    if settings.directory_backend not in DIRECTORY_BACKENDS:
        fail("directory_backend", f"{settings.directory_backend!r} is not one of {', '.join(DIRECTORY_BACKENDS)}")
    if settings.kiosk_unlock_hash and not settings.kiosk_unlock_hash.startswith("$argon2"):
        fail("kiosk_unlock_hash", "is not a hash made by `ecandidat kiosk unlock-code`")
    if settings.mail_backend not in MAIL_BACKENDS:
        fail("mail_backend", f"{settings.mail_backend!r} is not one of {', '.join(MAIL_BACKENDS)}")
    if settings.smtp_security not in SMTP_SECURITY:
        fail("smtp_security", f"{settings.smtp_security!r} is not one of {', '.join(SMTP_SECURITY)}")
    if len(settings.login_prefix) > 2 or not all(c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                 for c in settings.login_prefix):
        fail("login_prefix", "at most 2 characters from 0-9A-Z")
    if not settings.reminder_days or any(not 1 <= d <= 365 for d in settings.reminder_days):
        fail("reminder_days", "a list of delays between 1 and 365 days (e.g. [7, 1])")
    if len(set(settings.reminder_days)) != len(settings.reminder_days):
        fail("reminder_days", "a delay is listed twice")
    local, at, domain = settings.mail_from.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in settings.mail_from):
        fail("mail_from", f"{settings.mail_from!r} is not a mail address")
    if settings.mail_backend == "smtp" and not settings.smtp_host:
        fail("smtp_host", "must be set when mail_backend is 'smtp'", set_by="mail_backend")
    if settings.database_url:
        problem = _database_url_problem(settings.database_url)
        if problem:
            fail("database_url", problem)


def _database_url_problem(url: str) -> str | None:
    """Why `url` cannot be a store, or None. Never echoes the URL (it may hold a password).

    A light check (no SQLAlchemy import: the TUI starts before the store loads).
    """
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme or not all(c.isalnum() or c in "+_" for c in scheme):
        return "not a database URL (e.g. sqlite:///path/ecandidat.db or postgresql+psycopg://user@host/db)"
    backend, _, driver = scheme.partition("+")
    if backend not in ("sqlite", "postgresql", "postgres"):
        return f"{backend!r} is not supported (use sqlite or postgresql)"
    if backend != "sqlite" and driver and driver != "psycopg":
        return f"driver {driver!r} is not supported (use postgresql+psycopg)"
    if backend != "sqlite" and not rest.strip("/"):
        return "names no server"
    return None


def _default_dirs(home: Path | None) -> tuple[Path, Path, Path]:
    if home is not None:
        return home, home, home / "logs"
    import platformdirs

    return (
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file: not on every kiosk start

    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML (the file must be UTF-8)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    if "smtp_password" in data:
        raise ConfigError(
            f"{path}: smtp_password: secrets do not belong in config.toml; use the keyring or ECANDIDAT_SMTP_PASSWORD"
        )
    unknown = sorted(set(data) - set(_FIELD_TYPES) - _DERIVED)
    for key in sorted(set(data) & _DERIVED):
        unknown.append(key)
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r}")
    return data


def system_config_file(env: Mapping[str, str]) -> Path | None:
    """The system-wide file to read: `ECANDIDAT_CONFIG`'s (it must exist; set and
    empty: none), else `SYSTEM_CONFIG`. Read before the user's `config.toml`."""
    name = f"{ENV_PREFIX}CONFIG"
    if name not in env:
        return SYSTEM_CONFIG
    text = env[name].strip()
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_file():
        raise ConfigError(f"{name}: {path} is not a file")
    return path


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the effective settings. Raises ConfigError with a one-line message."""
    env = os.environ if env is None else env
    home_text = env.get(f"{ENV_PREFIX}HOME", "").strip()
    home = Path(home_text).expanduser().resolve() if home_text else None
    data_dir, config_dir, log_dir = _default_dirs(home)
    settings = Settings(home=home, data_dir=data_dir, config_dir=config_dir, log_dir=log_dir)

    sources: dict[str, str] = {}
    config_files = [config_dir / "config.toml"]
    system_file = system_config_file(env)
    if system_file is not None:
        config_files.insert(0, system_file)
    for config_file in config_files:
        if config_file.exists():
            for key, raw in _read_toml(config_file).items():
                setattr(settings, key, _convert(key, raw, str(config_file)))
                sources[key] = str(config_file)

    for key in _FIELD_TYPES:
        if key in _DERIVED:
            continue
        name = f"{ENV_PREFIX}{key.upper()}"
        if name in env:
            setattr(settings, key, _convert(key, env[name], name))
            sources[key] = name

    for key, value in overrides.items():
        setattr(settings, key, value)

    if not settings.database_url:
        settings.database_url = f"sqlite:///{data_dir / 'ecandidat.db'}"
    if settings.mail_dir == Path("."):
        settings.mail_dir = data_dir / "mail"
    if not settings.upload_roots:
        settings.upload_roots = [Path.home()]
    if not settings.kiosk_roots:
        user = env.get("USER", "")
        settings.kiosk_roots = [Path("/media") / user if user else Path("/media"), Path("/run/media") / user]
    if not settings.smtp_password and settings.mail_backend == "smtp":
        settings.smtp_password = _keyring_password(settings.smtp_user)
    _validate(settings, sources)
    return settings


def _keyring_password(user: str) -> str:
    """The SMTP password from the system keyring, empty where there is none."""
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, user or "smtp") or ""
    except Exception:  # no keyring backend on a headless kiosk is normal
        return ""


def ensure_dirs(settings: Settings) -> None:
    """Create the data, log and database folders; ConfigError (one line) when impossible."""
    folders = [settings.data_dir, settings.log_dir]
    if settings.db_path is not None:
        folders.append(settings.db_path.parent)
    for path in folders:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot create this folder ({exc.strerror or exc})") from None


def replace(settings: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(settings, **changes)

"""Settings: defaults, ECANDIDAT_HOME, TOML then environment, one-line errors, masked secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ecandidat_tui import cli
from ecandidat_tui.config import ConfigError, Settings, load_settings

SECRET = "Tr3s-S3cret!"


@pytest.fixture
def xdg(tmp_path, monkeypatch) -> Path:
    """platformdirs on a throw-away home, so the real user's config never leaks in."""
    root = tmp_path / "xdg"
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(root / sub))
    return root


@pytest.fixture(autouse=True)
def no_machine_config(tmp_path, monkeypatch) -> None:
    """The machine's /etc/ecandidat/config.toml, if any, stays out of these tests."""
    monkeypatch.setattr("ecandidat_tui.config.SYSTEM_CONFIG", tmp_path / "no-etc" / "config.toml")


def write_config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_use_the_platform_folders(xdg):
    s = load_settings(env={})
    assert s.home is None
    assert s.config_dir == xdg / "config" / "ecandidat-tui"
    assert s.data_dir == xdg / "data" / "ecandidat-tui"
    assert s.log_dir.is_relative_to(xdg / "state")
    assert s.database_url == f"sqlite:///{xdg / 'data' / 'ecandidat-tui' / 'ecandidat.db'}"
    assert s.db_path == xdg / "data" / "ecandidat-tui" / "ecandidat.db"
    assert s.mail_backend == "maildir" and s.mail_dir == s.data_dir / "mail"
    assert (s.smtp_port, s.smtp_security, s.smtp_password) == (587, "starttls", "")
    assert s.kiosk is False and s.demo_catalog is True
    assert s.upload_roots == [Path.home()]


def test_home_puts_everything_in_one_folder(tmp_path, xdg):
    home = tmp_path / "kiosk"
    write_config(home, 'institution = "Université de Test"\n')
    s = load_settings(env={"ECANDIDAT_HOME": str(home)})
    assert s.home == home.resolve()
    assert s.config_dir == s.data_dir == home
    assert s.db_path == home / "ecandidat.db"
    assert s.mail_dir == home / "mail"
    assert s.log_file == home / "logs" / "ecandidat.log"
    assert s.institution == "Université de Test"  # the config.toml of the home is the one read
    assert not (xdg / "config").exists()


def test_toml_then_environment(tmp_path):
    home = tmp_path / "h"
    write_config(home, 'smtp_port = 2525\ninstitution = "Univ A"\nkiosk = true\nupload_roots = ["/srv/a", "/srv/b"]\n'
                       'mail_dispatch_seconds = 5\n')
    s = load_settings(env={"ECANDIDAT_HOME": str(home), "ECANDIDAT_SMTP_PORT": "2626",
                           "ECANDIDAT_KIOSK": "non", "ECANDIDAT_MAIL_BACKEND": "console"})
    assert s.smtp_port == 2626  # environment wins
    assert s.institution == "Univ A"  # TOML kept where the environment is silent
    assert s.kiosk is False
    assert s.mail_backend == "console"
    assert s.upload_roots == [Path("/srv/a"), Path("/srv/b")]
    assert s.mail_dispatch_seconds == 5.0


def test_float_setting_from_the_environment(tmp_path):
    s = load_settings(env={"ECANDIDAT_HOME": str(tmp_path / "h"), "ECANDIDAT_SMTP_TIMEOUT": "2.5"})
    assert s.smtp_timeout == 2.5
    with pytest.raises(ConfigError, match="ECANDIDAT_SMTP_TIMEOUT"):
        load_settings(env={"ECANDIDAT_HOME": str(tmp_path / "h"), "ECANDIDAT_SMTP_TIMEOUT": "nan"})


def test_system_file_then_user_file_then_environment(tmp_path, monkeypatch, xdg):
    """What an SSH account reads: the machine's file, under its own config.toml and environment."""
    system = write_config(tmp_path / "etc", 'database_url = "sqlite:////srv/ecandidat/ecandidat.db"\n'
                                            'institution = "Univ Système"\nsmtp_port = 2525\nkiosk = true\n')
    monkeypatch.setattr("ecandidat_tui.config.SYSTEM_CONFIG", system)
    write_config(xdg / "config" / "ecandidat-tui", 'institution = "Univ Utilisateur"\n')
    s = load_settings(env={"ECANDIDAT_SMTP_PORT": "2626"})
    assert s.database_url == "sqlite:////srv/ecandidat/ecandidat.db"  # only the system file says it
    assert s.institution == "Univ Utilisateur"  # the user's file wins over the system's
    assert s.smtp_port == 2626 and s.kiosk is True  # the environment wins over both
    other = write_config(tmp_path / "ailleurs", 'institution = "Univ Ailleurs"\n')
    s = load_settings(env={"ECANDIDAT_CONFIG": str(other)})
    assert s.institution == "Univ Utilisateur" and s.kiosk is False  # ECANDIDAT_CONFIG replaces /etc's
    s = load_settings(env={"ECANDIDAT_CONFIG": ""})
    assert s.kiosk is False and s.database_url.endswith("ecandidat-tui/ecandidat.db")  # set and empty: none


def test_system_file_absent_or_missing(tmp_path, monkeypatch, xdg):
    monkeypatch.setattr("ecandidat_tui.config.SYSTEM_CONFIG", tmp_path / "etc" / "config.toml")
    assert load_settings(env={}).institution == Settings().institution  # no /etc file: defaults
    with pytest.raises(ConfigError, match=r"^ECANDIDAT_CONFIG: .*absent\.toml is not a file$"):
        load_settings(env={"ECANDIDAT_CONFIG": str(tmp_path / "absent.toml")})
    bad = write_config(tmp_path / "etc", "institution = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(env={"ECANDIDAT_CONFIG": str(bad)})


def test_smtp_password_from_environment_or_keyring(tmp_path, monkeypatch):
    env = {"ECANDIDAT_HOME": str(tmp_path), "ECANDIDAT_MAIL_BACKEND": "smtp", "ECANDIDAT_SMTP_HOST": "mx.example",
           "ECANDIDAT_SMTP_USER": "ecandidat"}
    assert load_settings(env={**env, "ECANDIDAT_SMTP_PASSWORD": SECRET}).smtp_password == SECRET

    import keyring

    asked = []

    def fake_get_password(service, user):
        asked.append((service, user))
        return "from-keyring"

    monkeypatch.setattr(keyring, "get_password", fake_get_password)
    assert load_settings(env=env).smtp_password == "from-keyring"
    assert asked == [("ecandidat-tui", "ecandidat")]


def one_line_error(home: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(env={"ECANDIDAT_HOME": str(home), **(env or {})})
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "toml, key",
    [
        ("smtp_hots = 'x'\n", "smtp_hots"),
        ("home = '/tmp'\n", "home"),
        ("[smtp]\nhost = 'x'\n", "smtp"),
        ("smtp_port = 'vingt-cinq'\n", "smtp_port"),
        ("smtp_port = 70000\n", "smtp_port"),
        ("kiosk = 'peut-être'\n", "kiosk"),
        ("institution = 3\n", "institution"),
        ("mail_backend = 'pigeon'\n", "mail_backend"),
        ("smtp_security = 'tls'\n", "smtp_security"),
        ("login_prefix = 'abc'\n", "login_prefix"),
        ("max_failed_logins = -1\n", "max_failed_logins"),
        ("mail_from = 'pas une adresse'\n", "mail_from"),
        ("database_url = 'mysql://u@h/db'\n", "database_url"),
        ("database_url = 'ecandidat.db'\n", "database_url"),
        ("database_url = 'postgresql+psycopg2://u@h/db'\n", "database_url"),
        ("mail_backend = 'smtp'\n", "smtp_host"),
        ("idle_timeout_seconds = 3.5\n", "idle_timeout_seconds"),
        ("upload_roots = [1, 2]\n", "upload_roots"),
        ("smtp_timeout = true\n", "smtp_timeout"),
    ],
)
def test_bad_toml_gives_one_line_naming_the_key(tmp_path, toml, key):
    home = tmp_path / "h"
    path = write_config(home, toml)
    message = one_line_error(home)
    assert f"{key}" in message
    assert str(path) in message


def test_smtp_password_is_refused_in_toml(tmp_path):
    home = tmp_path / "h"
    write_config(home, f'smtp_password = "{SECRET}"\n')
    message = one_line_error(home)
    assert "smtp_password" in message and "keyring" in message
    assert SECRET not in message


def test_database_url_error_never_shows_the_password(tmp_path):
    message = one_line_error(tmp_path, {"ECANDIDAT_DATABASE_URL": f"mysql://u:{SECRET}@h/db"})
    assert "database_url" in message and SECRET not in message


def test_bad_environment_value_names_the_variable(tmp_path):
    message = one_line_error(tmp_path, {"ECANDIDAT_SMTP_PORT": "abc"})
    assert "ECANDIDAT_SMTP_PORT" in message and "smtp_port" in message
    message = one_line_error(tmp_path, {"ECANDIDAT_MAIL_BACKEND": "pigeon"})
    assert message.startswith("ECANDIDAT_MAIL_BACKEND: mail_backend:")


def test_config_that_is_not_utf8_is_one_line(tmp_path):
    home = tmp_path / "h"
    home.mkdir()
    (home / "config.toml").write_bytes(b'institution = "\xff\xfe"\n')
    assert "UTF-8" in one_line_error(home)


def test_invalid_toml_syntax_is_one_line(tmp_path):
    home = tmp_path / "h"
    write_config(home, "institution = \n[[[\n")
    message = one_line_error(home)
    assert "config.toml" in message and "TOML" in message


# ------------------------------------------------------------ config show


def test_config_show_masks_secrets(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ECANDIDAT_HOME", str(tmp_path))
    monkeypatch.setenv("ECANDIDAT_SMTP_PASSWORD", SECRET)
    monkeypatch.setenv("ECANDIDAT_DATABASE_URL", f"postgresql+psycopg://ecandidat:{SECRET}@db.univ.example/ecandidat")
    monkeypatch.setenv("ECANDIDAT_KIOSK_UNLOCK_HASH", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA")
    monkeypatch.setenv("ECANDIDAT_SMTP_HOST", "mx.univ.example")
    assert cli.main(["config", "show"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert SECRET not in out and "argon2" not in out
    lines = {line.split(None, 1)[0]: line.split(None, 1)[1] if " " in line.strip() else ""
             for line in out.splitlines()}
    assert lines["smtp_password"] == "********"
    assert lines["kiosk_unlock_hash"] == "********"
    assert lines["database_url"] == "postgresql+psycopg://ecandidat:********@db.univ.example/ecandidat"
    assert lines["smtp_host"] == "mx.univ.example"
    assert lines["home"] == str(tmp_path)
    assert set(lines) == {f.name for f in __import__("dataclasses").fields(Settings)}


def test_config_show_says_unset_secrets(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ECANDIDAT_HOME", str(tmp_path))
    monkeypatch.delenv("ECANDIDAT_SMTP_PASSWORD", raising=False)
    assert cli.main(["config", "show"]) == 0
    assert "(unset)" in capsys.readouterr().out


def test_malformed_config_toml_exits_with_one_line(tmp_path):
    home = tmp_path / "h"
    write_config(home, "smtp_port = [oops\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECANDIDAT_")}
    env["ECANDIDAT_HOME"] = str(home)
    result = subprocess.run([sys.executable, "-m", "ecandidat_tui", "config", "show"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ecandidat: erreur de configuration :") and "config.toml" in lines[0]


def test_unknown_key_exits_with_one_line_naming_it(tmp_path, monkeypatch, capsys):
    home = tmp_path / "h"
    write_config(home, "institutoin = 'Univ'\n")
    monkeypatch.setenv("ECANDIDAT_HOME", str(home))
    assert cli.main(["config", "show"]) == cli.EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "'institutoin'" in err

"""Issue 14, item 10: configuration values are range-checked.

A value of the right type can still be unusable: `nan` and `inf` are floats
(TOML has them), `lockout_minutes = 0` is no lockout, a validity of 99,999,999
days overflows a date, an unknown theme or directory backend. Each is refused
before anything starts, with one line naming where it was set and the key,
and the store is not touched.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest

from ecandidat_tui import cli, config
from ecandidat_tui.config import RANGES, ConfigError, Settings, load_settings

BAD_VALUES = [
    ("smtp_timeout", "nan"), ("smtp_timeout", "inf"), ("smtp_timeout", "-inf"), ("smtp_timeout", "0"),
    ("mail_dispatch_seconds", "nan"), ("mail_dispatch_seconds", "1e400"), ("mail_dispatch_seconds", "0"),
    ("lockout_minutes", "0"), ("max_failed_logins", "0"), ("account_validity_days", "99999999"),
    ("account_validity_days", "0"), ("activation_code_days", "99999999"), ("reset_code_hours", "0"),
    ("reset_code_hours", "9" * 30), ("max_candidatures_per_centre", "0"), ("upload_max_bytes", "0"),
    ("upload_max_bytes", str(2**64)), ("idle_timeout_seconds", "0"), ("idle_warning_seconds", "86400"),
    ("smtp_port", "0"), ("smtp_port", "65536"),
    ("theme", "no-such-theme"), ("theme", ""), ("directory_backend", "ldap"),
    ("institution", "Université\x1b[2J"), ("institution", "x" * 501), ("public_url", "https://a\nb"),
    ("mail_from", "a@b.fr\x00"), ("kiosk_unlock_hash", "1234"),
]


def refused(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as error:
        load_settings(env=env)
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize(("key", "value"), BAD_VALUES, ids=[f"{k}={v[:12]!r}" for k, v in BAD_VALUES])
def test_an_environment_value_out_of_range_is_refused_naming_it(tmp_path, key, value):
    variable = f"ECANDIDAT_{key.upper()}"
    message = refused({"ECANDIDAT_HOME": str(tmp_path), variable: value})
    assert message.startswith(f"{variable}: {key}: ")


@pytest.mark.parametrize("toml", [
    "smtp_timeout = nan\n", "smtp_timeout = inf\n", "mail_dispatch_seconds = -inf\n", "lockout_minutes = 0\n",
    "account_validity_days = 99_999_999\n", "lockout_minutes = nan\n", "theme = 'neon'\n",
    "directory_backend = 'ldap'\n", "institution = \"Univ\\u0007\"\n", "idle_timeout_seconds = 1e9\n",
])
def test_a_config_toml_value_out_of_range_is_refused_naming_the_file(tmp_path, toml):
    (tmp_path / "config.toml").write_text(toml, encoding="utf-8")
    key = toml.split(" ", 1)[0]
    assert refused({"ECANDIDAT_HOME": str(tmp_path)}).startswith(f"{tmp_path / 'config.toml'}: {key}: ")


@pytest.mark.parametrize("key", sorted(RANGES))
def test_each_range_holds_its_bounds_and_refuses_beyond(tmp_path, key):
    low, high = RANGES[key]
    kind = config._FIELD_TYPES[key]
    step = 1 if kind == "int" else 0.01
    env = {"ECANDIDAT_HOME": str(tmp_path)}
    for value in (low, high):
        text = str(int(value)) if kind == "int" else repr(float(value))
        assert getattr(load_settings(env={**env, f"ECANDIDAT_{key.upper()}": text}), key) == value
    for value in (low - step, high + step):
        if value < 0:
            continue  # refused as a type error already
        text = str(int(value)) if kind == "int" else repr(float(value))
        assert key in refused({**env, f"ECANDIDAT_{key.upper()}": text})


def test_every_number_setting_has_a_range():
    numbers = {f.name for f in dataclasses.fields(Settings) if f.type in ("int", "float")}
    assert numbers == set(RANGES)


def test_the_defaults_are_within_their_ranges(tmp_path):
    settings = load_settings(env={"ECANDIDAT_HOME": str(tmp_path)})
    for key, (low, high) in RANGES.items():
        assert low <= getattr(settings, key) <= high


def test_the_theme_and_backend_lists_match_the_code():
    from textual.theme import BUILTIN_THEMES

    from ecandidat_tui import theme
    from ecandidat_tui.services.directory import BACKENDS

    known = {*BUILTIN_THEMES, theme.ECANDIDAT.name, theme.ECANDIDAT_CONTRAST.name, *theme.THEME_ALIASES}
    assert set(config.THEMES) == known
    assert set(config.DIRECTORY_BACKENDS) == set(BACKENDS)


def test_the_kiosk_refuses_to_start_with_a_zero_lockout(tmp_path):
    """The real command: one line, exit 2, no store created, no terminal taken over."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("lockout_minutes = 0\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECANDIDAT_", "TEXTUAL"))}
    env["ECANDIDAT_HOME"] = str(home)
    result = subprocess.run([sys.executable, "-m", "ecandidat_tui", "--kiosk"], env=env, capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == cli.EXIT_USAGE
    assert result.stderr == (f"ecandidat: erreur de configuration : {home / 'config.toml'}: lockout_minutes: "
                             "0 is out of range (1 to 10080)\n")
    assert result.stdout == ""
    assert sorted(p.name for p in home.iterdir()) == ["config.toml"]  # no database, no log


def test_config_show_refuses_nan_in_one_line(tmp_path, monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith("ECANDIDAT_") and name != "ECANDIDAT_TEST_PG_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("ECANDIDAT_HOME", str(tmp_path))
    monkeypatch.setenv("ECANDIDAT_SMTP_TIMEOUT", "NaN")
    assert cli.main(["config", "show"]) == cli.EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("ecandidat: erreur de configuration : ECANDIDAT_SMTP_TIMEOUT: smtp_timeout: "
                   "invalid value 'NaN' (expected float)\n")


def test_paths_never_hold_a_nul(tmp_path):
    assert "upload_roots" in refused({"ECANDIDAT_HOME": str(tmp_path), "ECANDIDAT_UPLOAD_ROOTS": "/srv/a\x00b"})

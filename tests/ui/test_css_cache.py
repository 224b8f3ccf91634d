"""Parsed CSS kept across starts (css_cache): the second start parses nothing
and looks exactly like the first; a bad cache file never stops the app."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import textual.css.stylesheet as stylesheet_module

from ecandidat_tui.css_cache import CachedStylesheet, cache_file
from ecandidat_tui.screens.connexion import ConnexionScreen
from ecandidat_tui.testing import hold_still


@pytest.fixture
def parses(monkeypatch):
    """Every CSS text Textual actually parses (not served from a cache)."""
    seen: list[object] = []
    real = stylesheet_module.parse

    def counting(scope, css, read_from, *args, **kwargs):
        seen.append(read_from)
        return real(scope, css, read_from, *args, **kwargs)

    monkeypatch.setattr(stylesheet_module, "parse", counting)
    return seen


async def connexion_screenshot(app) -> str:
    async with app.run_test(size=(80, 24)) as pilot:
        await hold_still(pilot)  # the cursor blinks: compare the same phase
        assert isinstance(app.screen, ConnexionScreen)
        return app.export_screenshot()


def the_cache(ecandidat) -> Path:
    return cache_file(ecandidat.settings.data_dir / "cache")


async def test_the_second_start_parses_no_css_and_looks_the_same(ecandidat, parses):
    first = await connexion_screenshot(ecandidat.app())
    assert parses, "the first start parses the stylesheets"
    assert the_cache(ecandidat).is_file()

    parses.clear()
    second = await connexion_screenshot(ecandidat.app())
    assert parses == []
    assert second == first


async def test_a_damaged_cache_is_ignored_and_rewritten(ecandidat, parses):
    path = the_cache(ecandidat)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x80\x05half a pickle, the kiosk was switched off here")
    reference = await connexion_screenshot(ecandidat.app())
    assert parses  # parsed as if there were no cache
    assert isinstance(pickle.loads(path.read_bytes()), dict)  # and written afresh

    parses.clear()
    assert await connexion_screenshot(ecandidat.app()) == reference
    assert parses == []


def test_an_edited_stylesheet_replaces_its_entry(tmp_path: Path, parses):
    path = tmp_path / "css.pickle"
    sheet = CachedStylesheet(path=path)
    sheet.add_source("Screen { color: red; }", read_from=("app.tcss", ""))
    sheet.parse()
    sheet.add_source("Screen { color: blue; }", read_from=("app.tcss", ""))
    sheet.parse()
    sheet.save()
    assert len(parses) == 2

    parses.clear()
    again = CachedStylesheet(path=path)
    assert sum(map(len, again._stored.values())) == 1  # the red version is gone, the file does not grow
    again.add_source("Screen { color: blue; }", read_from=("app.tcss", ""))
    again.parse()
    assert parses == []
    assert again.rules[0].styles.color == sheet.rules[0].styles.color


def test_new_variables_are_not_served_the_rules_of_the_old_ones(tmp_path: Path, parses):
    sheet = CachedStylesheet(variables={"accent": "red"}, path=tmp_path / "css.pickle")
    sheet.add_source("Screen { color: $accent; }", read_from=("app.tcss", ""))
    sheet.parse()
    red = sheet.rules[0].styles.color
    sheet.set_variables({"accent": "blue"})  # another theme
    sheet.parse()
    assert len(parses) == 2
    assert sheet.rules[0].styles.color != red


def test_css_with_errors_is_never_cached(tmp_path: Path):
    sheet = CachedStylesheet(path=tmp_path / "css.pickle")
    sheet.add_source("Screen { colour: red; }", read_from=("bad.tcss", ""))
    with pytest.raises(stylesheet_module.StylesheetParseError):
        sheet.parse()
    sheet.save()
    assert not (tmp_path / "css.pickle").exists()  # so the error is reported on every start


def test_a_cache_that_cannot_be_written_is_not_an_error(tmp_path: Path, caplog):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    sheet = CachedStylesheet(path=blocker / "css.pickle")
    sheet.add_source("Screen { color: red; }", read_from=("app.tcss", ""))
    sheet.parse()
    sheet.save()  # logs, does not raise
    assert "not written" in caplog.text


def _a_saved_cache(folder: Path) -> Path:
    sheet = CachedStylesheet(path=folder / "css.pickle")
    sheet.add_source("Screen { color: red; }", read_from=("app.tcss", ""))
    sheet.parse()
    sheet.save()
    assert (folder / "css.pickle").is_file()
    return folder / "css.pickle"


def _loads(path: Path, parses: list) -> bool:
    """Whether a new stylesheet took its rules from `path` (parsed nothing)."""
    parses.clear()
    sheet = CachedStylesheet(path=path)
    sheet.add_source("Screen { color: red; }", read_from=("app.tcss", ""))
    sheet.parse()
    return parses == []


def test_the_cache_folder_is_created_private(tmp_path: Path):
    path = _a_saved_cache(tmp_path / "cache")
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o077 == 0


class Evil:
    def __reduce__(self):
        return (Path.touch, (Path("/tmp/evil-ran"),))


@pytest.mark.parametrize("weakness", ["folder writable by others", "file writable by others", "symbolic link"])
def test_a_cache_others_could_have_written_is_never_loaded(tmp_path: Path, parses, caplog, weakness):
    """The cache is a pickle: loading one another local user wrote would run
    their code. Such a file is ignored (and the CSS parsed as without it)."""
    folder = tmp_path / "cache"
    path = _a_saved_cache(folder)
    assert _loads(path, parses)  # the sound cache is used
    if weakness == "folder writable by others":
        folder.chmod(0o777)
    elif weakness == "file writable by others":
        path.chmod(0o666)
    else:
        real = tmp_path / "elsewhere.pickle"
        path.rename(real)
        path.symlink_to(real)
    assert not _loads(path, parses)
    assert "ignored" in caplog.text


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_a_cache_file_of_another_user_is_never_loaded(tmp_path: Path, parses):
    folder = tmp_path / "cache"
    path = _a_saved_cache(folder)
    evil = Path("/tmp/evil-ran")
    evil.unlink(missing_ok=True)
    path.write_bytes(pickle.dumps(Evil()))
    os.chown(path, 65534, 65534)  # nobody's, mode 0600
    assert not _loads(path, parses)
    assert not evil.exists()

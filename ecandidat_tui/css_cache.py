"""Parsed Textual CSS kept across processes, as bytecode is for Python.

Every start parses the same stylesheets again: `app.tcss` and the default
CSS of each widget type the first screen uses — about 50 ms, a quarter of
the time from importing Textual to Connexion painted, on a kiosk that starts
one process per session. `CachedStylesheet` stores the parsed rule sets in
`<data_dir>/cache/` and loads them (a few ms) on the next start.

The cache is keyed by everything the parse depends on: the CSS text, where
it came from, its kind, scope, the theme's variables, and the Textual and
Python install (in the file name). A miss parses as usual; a file that
cannot be read (absent, truncated by a killed process, another version) is
ignored and rewritten. Writes are atomic (temporary file, then rename), so
kiosks sharing a home never read half a file. Only rules that parsed without
errors are stored, so a CSS error is still reported every time.

The file is a pickle, which runs code when it is loaded: it is read only
from a folder that belongs to the user running the app and that nobody else
may write to (`_private_folder`), and only if the file itself belongs to that
user and nobody else may write to it, checked on the open file (no symbolic
link followed, no race between the check and the read). Otherwise the cache
is ignored (and not written), and the app parses its CSS as without one.

The hook into Textual's parsing is `textual_compat.ParseHookStylesheet`;
`Stylesheet.reparse()` (a theme change) still parses from scratch.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import stat
import sys
import zlib
from pathlib import Path
from typing import Any

import textual

from .textual_compat import ParseHookStylesheet

log = logging.getLogger(__name__)


def cache_file(cache_dir: Path) -> Path:
    """The cache of this Python and this very Textual install: the pickled
    objects are Textual's classes. Not `textual.__version__`: Textual reads
    it through importlib.metadata, ~10 ms of import at start-up; the stat of
    the modules whose classes are pickled changes with any reinstall."""
    package = Path(textual.__file__).parent
    stamp = "|".join(f"{st.st_size}:{st.st_mtime_ns}" for st in
                     (package.joinpath(name).stat() for name in ("css/model.py", "css/styles.py", "css/types.py")))
    install = f"{zlib.crc32(f'{package}|{stamp}'.encode()):08x}"
    python = f"{sys.version_info.major}{sys.version_info.minor}"
    return cache_dir / f"textual-css-{install}-py{python}.pickle"


def _safe(st: os.stat_result) -> bool:
    """Owned by the user running the app, and writable by nobody else."""
    owner_ok = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return owner_ok and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _private_folder(folder: Path, create: bool = False) -> bool:
    """Whether `folder` is a real folder (not a link) only its owner, this user, may write to."""
    if create:
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700, parents=True)
    try:
        st = folder.lstat()
    except FileNotFoundError:
        return False
    return stat.S_ISDIR(st.st_mode) and _safe(st)


class CachedStylesheet(ParseHookStylesheet):
    def __init__(self, *, variables: dict[str, str] | None = None, path: Path) -> None:
        super().__init__(variables=variables)
        self._path = path
        self._stored: dict[tuple, dict[tuple, Any]] = self._load(path)
        self._unsaved = False
        self._variables_key = tuple(sorted((variables or {}).items()))

    def set_variables(self, variables: dict[str, str]) -> None:
        super().set_variables(variables)
        self._variables_key = tuple(sorted(variables.items()))

    @staticmethod
    def _load(path: Path) -> dict[tuple, dict[tuple, Any]]:
        if not _private_folder(path.parent):
            if path.parent.exists():
                log.warning("CSS cache folder %s ignored: not private to this user", path.parent)
            return {}
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return {}
        except OSError as exc:  # a symbolic link (ELOOP), no permission...
            log.warning("CSS cache %s ignored: %s", path, exc)
            return {}
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not (stat.S_ISREG(st.st_mode) and _safe(st)):
                log.warning("CSS cache %s ignored: not private to this user", path)
                return {}
            try:
                stored = pickle.load(fh)
            except Exception as exc:  # truncated, another version's classes...: start afresh
                log.info("CSS cache %s ignored: %s", path, exc)
                return {}
        return stored if isinstance(stored, dict) else {}

    def parsed_rules(self, key: tuple[Any, ...]) -> list | None:
        # Entries are grouped by theme variables, so the file holds them once.
        return self._stored.get(self._variables_key, {}).get(key)

    def keep_rules(self, key: tuple[Any, ...], rules: list) -> None:
        if any(rule.errors for rule in rules):
            return
        entries = self._stored.setdefault(self._variables_key, {})
        # An edited stylesheet replaces its old entry: the file does not grow.
        for old in [k for k in entries if k[1:] == key[1:]]:
            del entries[old]
        entries[key] = rules
        self._unsaved = True

    def save(self) -> None:
        """Write what was parsed since the last save; failures only log."""
        if not self._unsaved:
            return
        self._unsaved = False
        try:
            if not _private_folder(self._path.parent, create=True):
                log.warning("CSS cache not written: %s is not private to this user", self._path.parent)
                return
            import tempfile  # writes are rare: not an import of every start

            fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".css-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    pickle.dump(self._stored, fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self._path)
            except BaseException:
                os.unlink(tmp)
                raise
            for stale in self._path.parent.glob("textual-css-*.pickle"):  # other installs' caches
                if stale != self._path:
                    stale.unlink(missing_ok=True)
        except Exception as exc:  # a read-only home must not stop the app
            log.warning("CSS cache %s not written: %s", self._path, exc)


def install_css_cache(app, cache_dir: Path) -> CachedStylesheet:
    """Give `app` a CachedStylesheet; call from `__init__`, once the theme is
    chosen (its variables are part of the key) and before the first screen."""
    current = app.stylesheet
    cached = CachedStylesheet(variables=app.get_css_variables(), path=cache_file(cache_dir))
    for read_from, source in current.source.items():
        cached.add_source(source.content, read_from=read_from, is_default_css=source.is_defaults,
                          tie_breaker=source.tie_breaker, scope=source.scope)
    app.stylesheet = cached
    return cached

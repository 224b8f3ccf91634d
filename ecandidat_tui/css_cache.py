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

`_parse_rules` is Textual's private hook (textual<9 is pinned); the class
adds nothing else, and `Stylesheet.reparse()` (a theme change) still parses
from scratch.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import zlib
from pathlib import Path
from typing import Any

import textual
from textual.css.stylesheet import Stylesheet

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


class CachedStylesheet(Stylesheet):
    def __init__(self, *, variables: dict[str, str] | None = None, path: Path) -> None:
        super().__init__(variables=variables)
        self._path = path
        self._stored: dict[tuple, dict[tuple, Any]] = self._load(path)
        self._unsaved = False
        self._key_of_variables: tuple | None = None

    def set_variables(self, variables: dict[str, str]) -> None:
        super().set_variables(variables)
        self._key_of_variables = None

    @staticmethod
    def _load(path: Path) -> dict[tuple, dict[tuple, Any]]:
        try:
            with path.open("rb") as fh:
                stored = pickle.load(fh)
        except FileNotFoundError:
            return {}
        except Exception as exc:  # truncated, another version's classes...: start afresh
            log.info("CSS cache %s ignored: %s", path, exc)
            return {}
        return stored if isinstance(stored, dict) else {}

    def _variables_key(self) -> tuple:
        # Asked once per source each time the rules are rebuilt (each new widget
        # type at start-up): sorting ~170 variables every time cost ~2 ms.
        if self._key_of_variables is None:
            self._key_of_variables = tuple(sorted(self._variables.items()))
        return self._key_of_variables

    def _parse_rules(self, css: str, read_from: Any, is_default_rules: bool = False,
                     tie_breaker: int = 0, scope: str = "") -> list:
        # Entries are grouped by theme variables, so the file holds them once.
        entries = self._stored.setdefault(self._variables_key(), {})
        key = (css, read_from, is_default_rules, tie_breaker, scope)
        rules = entries.get(key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            if not any(rule.errors for rule in rules):
                # An edited stylesheet replaces its old entry: the file does not grow.
                for old in [k for k in entries if k[1:] == key[1:]]:
                    del entries[old]
                entries[key] = rules
                self._unsaved = True
        return rules

    def save(self) -> None:
        """Write what was parsed since the last save; failures only log."""
        if not self._unsaved:
            return
        self._unsaved = False
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
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

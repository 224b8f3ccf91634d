"""The tester's kit: a pytest plugin (entry point `ecandidat_tui`) and its helpers.

Installing the package with its `testing` extra registers the plugin:

    from ecandidat_tui.testing import log_in

    async def test_login(ecandidat):            # a Harness on a temporary home
        cand = ecandidat.seed_candidate()       # validated, own password set
        async with ecandidat.app().run_test() as pilot:
            await log_in(pilot, cand)

The plugin needs no pytest configuration: it runs the `async def` tests that
use its fixtures itself. It imports nothing heavy until a fixture or a helper
is used, so loading it costs a pytest start almost nothing.

Modules: `harness` (the `Harness`, seeds, mail), `pilot` (Pilot helpers),
`pg` (throw-away PostgreSQL databases, for the project's own tests); the
clock is `ecandidat_tui.clock.TestClock`. Everything is importable from here.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..clock import TestClock
    from .harness import (
        DEFAULT_PASSWORD, STAFF_PASSWORD, Harness, PendingAccount, SeededCandidate, SeededDossier, SeededStaff,
        make_harness,
    )
    from .pg import DEFAULT_PG_URL, PgServer
    from .pilot import (
        assert_screen_safe, attach_piece, click_visible, fill_form, hold_still, log_in, open_recap, press_button,
        settle, staff_log_in, text_of, type_ahead, wait_for_screen, wait_until,
    )

_EXPORTS = {
    "harness": ("DEFAULT_PASSWORD", "STAFF_PASSWORD", "Harness", "PendingAccount", "SeededCandidate",
                "SeededDossier", "SeededStaff", "make_harness"),
    "pg": ("DEFAULT_PG_URL", "PgServer"),
    "pilot": ("assert_screen_safe", "attach_piece", "click_visible", "fill_form", "hold_still", "log_in",
              "open_recap", "press_button", "settle", "staff_log_in", "text_of", "type_ahead", "wait_for_screen",
              "wait_until"),
}
_WHERE = {name: f"{__name__}.{module}" for module, names in _EXPORTS.items() for name in names}
_WHERE["TestClock"] = "ecandidat_tui.clock"

__all__ = [  # noqa: RUF022 - grouped by module, as _EXPORTS
    "DEFAULT_PASSWORD", "STAFF_PASSWORD", "Harness", "PendingAccount", "SeededCandidate", "SeededDossier",
    "SeededStaff", "make_harness",
    "DEFAULT_PG_URL", "PgServer",
    "assert_screen_safe", "attach_piece", "click_visible", "fill_form", "hold_still", "log_in", "open_recap",
    "press_button", "settle", "staff_log_in", "text_of", "type_ahead", "wait_for_screen", "wait_until",
    "TestClock",
]


def __getattr__(name: str) -> Any:
    """Import a helper's module on first use (keeps the plugin's load cheap)."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


# ---------------------------------------------------------------- plugin

FIXTURES = frozenset({"ecandidat", "ecandidat_settings", "ecandidat_clock"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ecandidat_settings(**overrides): settings of this test's `ecandidat` harness "
        "(e.g. kiosk=True, idle_timeout_seconds=60)")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run an `async def` test that uses the kit's fixtures, unless another
    plugin (pytest-asyncio, anyio) has already taken it over."""
    function = pyfuncitem.obj
    if not inspect.iscoroutinefunction(function) or not FIXTURES & set(pyfuncitem.fixturenames):
        return None
    if any(pyfuncitem.get_closest_marker(name) for name in ("asyncio", "anyio", "trio")):
        return None
    import asyncio

    wanted = inspect.signature(function).parameters
    asyncio.run(function(**{name: pyfuncitem.funcargs[name] for name in wanted if name in pyfuncitem.funcargs}))
    return True


@pytest.fixture
def ecandidat_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings overrides of the `ecandidat` harness: the test's
    `@pytest.mark.ecandidat_settings(...)`; override this fixture for a whole module."""
    marker = request.node.get_closest_marker("ecandidat_settings")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def ecandidat_clock() -> TestClock:
    """The clock of the `ecandidat` harness: running with the real one until
    `advance()`d or `freeze()`d. Override it to start frozen (snapshots)."""
    from ..clock import TestClock

    return TestClock()


@pytest.fixture
def ecandidat(tmp_path: Path, ecandidat_settings: dict[str, Any], ecandidat_clock: TestClock) -> Iterator[Harness]:
    """A Harness on a fresh temporary home (SQLite, memory mail, demo catalog)."""
    from .harness import make_harness

    harness = make_harness(tmp_path / "home", clock=ecandidat_clock, **ecandidat_settings)
    yield harness
    harness.services.close()

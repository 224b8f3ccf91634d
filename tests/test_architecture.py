"""The direction of imports: the import-linter contracts of pyproject.toml, and Textual-free layers."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


LINT = """
import sys
from importlinter.cli import lint_imports
sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))
"""


def test_import_linter_contracts_are_kept():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = pyproject["tool"]["importlinter"]["contracts"]
    names = {c["name"] for c in contracts}
    assert {"The domain layers never import Textual", "Screens and widgets never touch the store"} <= names

    # In its own process: import-linter configures logging with dictConfig,
    # which disables every logger that exists (the app's among them) for the
    # rest of the process, and so for the tests that run after it there.
    result = subprocess.run([sys.executable, "-c", LINT, str(ROOT / "pyproject.toml")],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(contracts)} kept, 0 broken." in result.stdout


DOMAIN_PACKAGES = ["ecandidat_tui.config", "ecandidat_tui.domain", "ecandidat_tui.services",
                   "ecandidat_tui.store", "ecandidat_tui.mail"]

PROBE = """
import importlib, json, pkgutil, sys
names = json.loads(sys.argv[1])
imported = []
for name in names:
    module = importlib.import_module(name)
    imported.append(name)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=name + "."):
        if ".migrations." in info.name + ".":
            continue  # Alembic scripts run only inside Alembic
        importlib.import_module(info.name)
        imported.append(info.name)
ui = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "textual_fspicker", "rich"))
print(json.dumps({"imported": imported, "ui": ui}))
"""


def test_domain_layers_load_without_textual():
    """Importing every module of services, store and mail pulls in no Textual (nor Rich)."""
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(DOMAIN_PACKAGES)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert "ecandidat_tui.mail.dispatch" in found["imported"]
    assert "ecandidat_tui.store.models" in found["imported"]
    assert found["ui"] == []


def test_command_line_imports_no_ui_until_a_tui_starts():
    probe = ("import sys, ecandidat_tui.cli as c; c.build_parser(); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'sqlalchemy')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

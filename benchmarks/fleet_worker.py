"""One kiosk of the fleet (bench_fleet): the whole candidate procedure, in its own process.

    python -m benchmarks.fleet_worker '<json config>'

Prints `ready` once its imports, services and files are ready, waits for a
`go` line on stdin (so every kiosk starts at once), runs the procedure and
prints `RESULT <json>`: the time of each step, and the error that stopped it
if any. The steps call the services exactly as the screens do (the screens
are thin: each button is one service call in a thread worker); with
`"pilot": true` one more step drives the real Textual app headless through
Pilot: log in on the Connexion screen, reach Mon compte, open the Offre de
formation and wait for its tree.
"""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from datetime import UTC


def _fields(body: str) -> dict[str, str]:
    return {m[0].strip(): m[1].strip() for m in re.findall(r"^([^:\n]+?) : (.+)$", body, re.M)}


def main() -> int:
    cfg = json.loads(sys.argv[1])
    if cfg.get("fast_hash"):
        from ecandidat_tui.services.security import use_fast_hashing

        use_fast_hashing()
    from sqlmodel import select

    from ecandidat_tui.domain import MailKind
    from ecandidat_tui.store.models import OutboxMail

    from .envs import services_for

    home = Path(cfg["home"])
    services = services_for(home, cfg["database_url"], demo_catalog=False)
    index = cfg["index"]
    # Files of the pièces, in this kiosk's upload root (what the picker allows):
    # this candidate's own PDF and photo, and (when `shared_form`) the blank
    # "Formulaire complémentaire" every candidate downloads and sends back
    # unchanged: identical bytes from every kiosk, so one blob, stored by
    # whichever kiosk comes first (deduplication under concurrency).
    uploads = home / "uploads"
    pdf_path = write_pdf(uploads / "piece.pdf", f"Pièce justificative du candidat {index}")
    form_path = (write_pdf(uploads / "formulaire.pdf", "Formulaire complémentaire (vierge)")
                 if cfg.get("shared_form") else pdf_path)
    png_path = write_png(uploads / "photo.png", shade=index % 200)
    if cfg.get("pilot"):
        import ecandidat_tui.app  # imported before the start, like a kiosk already running
        import ecandidat_tui.screens.catalog
        import ecandidat_tui.screens.connexion
        import ecandidat_tui.screens.mon_compte  # noqa: F401

    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 1

    steps: dict[str, float] = {}
    result: dict = {"index": index, "steps": steps, "error": None, "step": None}
    started = time.perf_counter()

    @contextmanager
    def step(name: str):
        result["step"] = name
        t0 = time.perf_counter()
        yield
        steps[name] = (time.perf_counter() - t0) * 1000

    accounts = services.accounts
    candidatures, pieces = services.candidatures, services.pieces
    mail = f"fleet-{cfg['run']}-{index}@example.org"
    new_password = f"Kiosque-{index}-2026!"
    try:
        with step("create account"):
            created = accounts.create_account("Flotte", "Kiosque", mail, mail)
        with step("read the mail and validate"):
            with services.db.read_session() as s:
                body = s.exec(select(OutboxMail.body).where(
                    OutboxMail.to_addr == mail, OutboxMail.kind == MailKind.ACCOUNT_CREATED.value)).one()
            f = _fields(body)
            assert f["Login"] == created.login, (f, created.login)
            accounts.validate_account(f["Code d'activation"])
        with step("log in"):
            login = accounts.authenticate(created.login, f["Mot de passe"])
        account_id = login.account_id
        with step("change password"):
            accounts.change_password(account_id, f["Mot de passe"], new_password, new_password)
        if cfg.get("pilot"):
            with step("kiosk session (Pilot): log in, Mon compte, Offre de formation"):
                _pilot_session(services, created.login, new_password)
        with step("fill the profile"):
            fill_profile(services, account_id, cfg["ine_base"] + index)
        ids = []
        with step("apply to 3 formations"):
            for formation_id in cfg["formation_ids"]:
                ids.append(candidatures.create_candidature(account_id, formation_id).id)
        with step("attach every pièce"):
            attached = 0
            for cid in ids:
                for p in candidatures.recap(account_id, cid).pieces:
                    if p.can_attach and p.file_name is None:
                        path = {"PHOTO": png_path, "FORM_COMPL": form_path}.get(p.code, pdf_path)
                        pieces.attach_file(account_id, p.submission_id, str(path), p.version)
                        attached += 1
            result["attached"] = attached
        with step("transmit"):
            for cid in ids:
                recap = candidatures.recap(account_id, cid)
                candidatures.transmit_candidature(account_id, cid, recap.version)
        result["step"] = None
        result["login"] = created.login
        result["mail"] = mail
        result["candidatures"] = ids
    except Exception as exc:  # every failure is a figure
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()[-3000:]
    result["total_ms"] = (time.perf_counter() - started) * 1000
    services.close()
    print("RESULT " + json.dumps(result), flush=True)
    return 0



def fill_profile(services, account_id: int, ine_number: int) -> None:
    """Informations perso., Adresse and Baccalauréat, as a candidate saves them from the tabs."""
    from ecandidat_tui.services.ine import bea_key

    profile = services.profile
    digits = f"{ine_number % 10**10:010d}"
    year = services.ctx.today().year
    current = profile.get_informations(account_id)
    profile.save_informations(account_id, {
        "nationalite": "FRA", "ine": digits + bea_key(digits), "civilite": "Mme",
        "nom_naissance": "Flotte", "prenom": "Kiosque", "date_naissance": f"14/07/{year - 20}",
        "pays_naissance": "FRA", "departement_naissance": "13", "commune_naissance": "Marseille",
        "portable": "06 12 34 56 78"}, current.version)
    adresse = profile.get_adresse(account_id)
    profile.save_adresse(account_id, {"pays": "FRA", "code_postal": "13001", "commune": "Marseille",
                                      "adresse": "3 place Victor Hugo"}, adresse.version)
    bac = profile.get_baccalaureat(account_id)
    profile.save_baccalaureat(account_id, {
        "has_bac": True, "annee": str(year - 1), "serie": "GEN", "mention": "AB", "pays": "FRA",
        "departement": "13", "commune": "Marseille", "etablissement": "Lycée Thiers"}, bac.version)

def write_pdf(path: Path, text: str) -> Path:
    from datetime import datetime

    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 5, tzinfo=UTC))  # same text, same bytes
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(text=text)
    path.write_bytes(bytes(pdf.output()))
    return path


def write_png(path: Path, shade: int = 128, width: int = 35, height: int = 45) -> Path:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def _pilot_session(services, login: str, password: str) -> None:
    """The real app, headless: Connexion -> Mon compte -> Offre de formation."""
    import asyncio

    from ecandidat_tui.app import CandidateApp

    async def drive() -> None:
        app = CandidateApp(services.settings, services=services)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            await pilot.click("#login-user")
            await pilot.press(*login)
            await pilot.click("#login-password")
            await pilot.press(*password, "enter")
            await _until(pilot, lambda: app.candidate is not None, "login")
            app.action_offre_formation()

            def tree_shown() -> bool:
                trees = app.screen.query("#catalog-tree") if app.screen.id == "offre-formation" else []
                return bool(trees) and bool(trees.first().root.children)

            await _until(pilot, tree_shown, "catalog")
            await pilot.press("escape")
            await pilot.pause()
            app.exit()

    asyncio.run(drive())


async def _until(pilot, condition, what: str, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"Pilot session: no {what} after {timeout:.0f} s")
        await pilot.pause(0.01)


if __name__ == "__main__":
    sys.exit(main())

"""One process of the deadline rush (bench_rush): candidates, a staff member, or the mail dispatcher.

    python -m benchmarks.rush_worker '<json config>'

Every role prints `ready` once set up, waits for a `go <epoch>` line on
stdin, works until its schedule is over and prints `RESULT <json>`.

- `candidates`: sets up its candidates first (account validated, profile,
  one candidature with every pièce attached but the last 3; untimed), then
  at each candidate's moment in the window uploads the last 3 pièces (PDF or
  JPEG of 1 to 5 MiB, bytes never seen before) and transmits, as the
  Récapitulatif's buttons do: one service call each.
- `staff`: searches a candidate of the rush by login, lists their
  candidatures and opens the dossier of one, with a person's pauses.
- `dispatcher`: delivers the outbox to the SMTP server every second, as the
  apps' interval worker and `ecandidat mail send` do, then drains it.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
import traceback
from pathlib import Path

MIB = 1024 * 1024


def _fields(body: str) -> dict[str, str]:
    return {m[0].strip(): m[1].strip() for m in re.findall(r"^([^:\n]+?) : (.+)$", body, re.M)}


def _letters(n: int) -> str:
    """A prénom made of letters only (names refuse digits): 0 -> Aa, 1 -> Ab, ..."""
    out = ""
    for _ in range(3):
        n, r = divmod(n, 26)
        out = chr(ord("a") + r) + out
    return "A" + out


def padded_pdf(path: Path, size: int, tag: str) -> Path:
    """A real fpdf2 document grown to `size` bytes with PDF comments: unique bytes per `tag`."""
    from .fleet_worker import write_pdf

    write_pdf(path, f"Pièce {tag}")
    body = path.read_bytes()
    head, eof = body[: body.rindex(b"%%EOF")], b"%%EOF\n"
    line = b"%" + tag.encode() + b" " + b"x" * 1000 + b"\n"
    filler = line * max(0, (size - len(body)) // len(line))
    path.write_bytes(head + filler + eof)
    return path


def padded_jpeg(path: Path, size: int, tag: str, base: bytes) -> Path:
    """A valid JPEG grown to `size` bytes with comment (COM) segments right after its SOI."""
    chunk = (tag.encode() + b" ") * (60000 // (len(tag) + 1))
    segment = b"\xff\xfe" + (len(chunk) + 2).to_bytes(2, "big") + chunk
    count = max(0, (size - len(base)) // len(segment))
    path.write_bytes(base[:2] + segment * count + base[2:])
    return path


def base_jpeg() -> bytes:
    import io

    from PIL import Image

    image = Image.effect_noise((480, 640), 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _setup_candidates(services, cfg: dict) -> list[dict]:
    from sqlmodel import select

    from ecandidat_tui.domain import MailKind
    from ecandidat_tui.store.models import Account, OutboxMail

    from .fleet_worker import fill_profile, write_pdf

    home = Path(cfg["home"])
    small = write_pdf(home / "uploads" / "piece.pdf", "Pièce déjà jointe")
    people = []
    for index in cfg["indices"]:
        mail = f"rush-{cfg['run']}-{index}@example.org"
        created = services.accounts.create_account("Rush", _letters(index), mail, mail)
        with services.db.read_session() as s:
            body = s.exec(select(OutboxMail.body).where(
                OutboxMail.to_addr == mail, OutboxMail.kind == MailKind.ACCOUNT_CREATED.value)).one()
            account_id = s.exec(select(Account.id).where(Account.login == created.login)).one()
        services.accounts.validate_account(_fields(body)["Code d'activation"])
        fill_profile(services, account_id, cfg["ine_base"] + index)
        formation_id = cfg["formation_ids"][index % len(cfg["formation_ids"])]
        cid = services.candidatures.create_candidature(account_id, formation_id).id
        todo = [p for p in services.candidatures.recap(account_id, cid).pieces if p.can_attach and p.file_name is None]
        for p in todo[:-3]:
            services.pieces.attach_file(account_id, p.submission_id, str(small), p.version)
        people.append({"index": index, "account_id": account_id, "login": created.login, "mail": mail,
                       "candidature": cid, "last": [p.submission_id for p in todo[-3:]]})
    return people


def _candidates(services, cfg: dict) -> dict:
    people = _setup_candidates(services, cfg)
    jpeg = base_jpeg()
    rng = random.Random(cfg["seed"])
    uploads = Path(cfg["home"]) / "uploads"
    print("ready", flush=True)
    go = _wait_for_go()
    timings: dict[str, list[float]] = {"upload": [], "upload 5 MiB": [], "transmit": []}
    errors, done = [], []
    for person in people:
        time.sleep(max(0.0, go + cfg["offsets"][str(person["index"])] - time.time()))
        try:
            pieces = {p.submission_id: p for p in services.candidatures.recap(
                person["account_id"], person["candidature"]).pieces}
            for n, sub in enumerate(person["last"]):
                mib = rng.randint(1, 5)
                tag = f"{cfg['run']}-{person['index']}-{n}"
                path = (padded_jpeg(uploads / f"{tag}.jpg", mib * MIB, tag, jpeg) if n == 1
                        else padded_pdf(uploads / f"{tag}.pdf", mib * MIB, tag))
                t0 = time.perf_counter()
                services.pieces.attach_file(person["account_id"], sub, str(path), pieces[sub].version)
                ms = (time.perf_counter() - t0) * 1000
                timings["upload"].append(ms)
                if mib == 5:
                    timings["upload 5 MiB"].append(ms)
                path.unlink()
            recap = services.candidatures.recap(person["account_id"], person["candidature"])
            t0 = time.perf_counter()
            services.candidatures.transmit_candidature(person["account_id"], person["candidature"], recap.version)
            timings["transmit"].append((time.perf_counter() - t0) * 1000)
            done.append(person)
        except Exception as exc:  # every failure a person would see is a figure
            errors.append(f"{person['login']}: {type(exc).__name__}: {exc}"[:300])
            errors.append(traceback.format_exc()[-1500:])
    return {"timings": timings, "errors": errors, "done": done, "people": people}


def _staff(services, cfg: dict) -> dict:
    from ecandidat_tui.domain import Role
    from ecandidat_tui.services.staff import StaffPrincipal

    principal = StaffPrincipal(cfg["login"], Role.ADMIN)
    rng = random.Random(cfg["seed"])
    print("ready", flush=True)
    go = _wait_for_go()
    timings: dict[str, list[float]] = {"staff search": [], "staff candidatures": [], "staff dossier": []}
    errors = []
    end = go + cfg["seconds"]
    while time.time() < end:
        time.sleep(rng.uniform(0.5, 2.0))
        login = rng.choice(cfg["logins"])
        try:
            t0 = time.perf_counter()
            hits = services.staff.search_candidates(principal, login).hits
            t1 = time.perf_counter()
            cands = services.staff.list_candidatures(principal, hits[0].login)
            t2 = time.perf_counter()
            services.staff.staff_recap(principal, cands[0].id)
            t3 = time.perf_counter()
        except Exception as exc:
            errors.append(f"{login}: {type(exc).__name__}: {exc}"[:300])
            continue
        timings["staff search"].append((t1 - t0) * 1000)
        timings["staff candidatures"].append((t2 - t1) * 1000)
        timings["staff dossier"].append((t3 - t2) * 1000)
    return {"timings": timings, "errors": errors}


def _dispatcher(services, cfg: dict) -> dict:
    from ecandidat_tui.mail.backends import SmtpBackend
    from ecandidat_tui.mail.dispatch import Dispatcher

    dispatcher = Dispatcher(services.db, SmtpBackend("127.0.0.1", cfg["smtp_port"], security="none"),
                            sender="noreply@univ.example")
    print("ready", flush=True)
    go = _wait_for_go()
    sent, errors, rounds = 0, [], []
    while time.time() < go + cfg["seconds"] or dispatcher.pending_count():
        t0 = time.perf_counter()
        report = dispatcher.dispatch_pending(ignore_backoff=True, limit=500)
        rounds.append((time.perf_counter() - t0) * 1000)
        sent += len(report.sent)
        errors += [f"mail {i} failed" for i in report.failed + report.retrying]
        if time.time() > go + cfg["seconds"] + 120:
            errors.append(f"{dispatcher.pending_count()} mails still pending 2 min after the window")
            break
        time.sleep(1.0)
    return {"timings": {"dispatch round": rounds}, "errors": errors, "sent": sent}


def _wait_for_go() -> float:
    line = sys.stdin.readline().split()
    if not line or line[0] != "go":
        raise SystemExit(1)
    return float(line[1])


def main() -> int:
    cfg = json.loads(sys.argv[1])
    from ecandidat_tui.services.security import use_fast_hashing

    use_fast_hashing()  # the accounts are set up, not timed: the rush logs nobody in
    from .envs import services_for

    home = Path(cfg["home"])
    services = services_for(home, cfg["database_url"])
    role = {"candidates": _candidates, "staff": _staff, "dispatcher": _dispatcher}[cfg["role"]]
    try:
        result = role(services, cfg)
    except Exception as exc:  # reported: the parent counts it
        result = {"timings": {}, "errors": [f"{cfg['role']} crashed: {type(exc).__name__}: {exc}",
                                            traceback.format_exc()[-2000:]]}
    services.close()
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

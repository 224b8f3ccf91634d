"""Run one service call in several real processes at once, against a shared database.

Not a test module: the security tests run it as a script,

    python concurrent_worker.py '{"task": "login", "url": ..., "home": ..., "processes": 8,
                                  "threads": 5, "args": {...}}'

It starts `processes` processes (spawned, so nothing is inherited from the
test run), each with `threads` threads; all of them wait at one barrier and
then call the task together. It prints one JSON list, an outcome per call:
{"ok": true, "value": ...} or {"ok": false, "message": "<the French refusal>"},
plus "checked": the passwords verified against a real hash (not the dummy
one) by that call, for the login tasks.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import threading
from pathlib import Path
from typing import Any

_verified = threading.local()


def _count_real_checks(module: Any) -> None:
    """Wrap `module.verify_secret` so each thread counts its checks of a real hash."""
    real = module.verify_secret

    def counting(hashed: str | None, secret: str) -> bool:
        _verified.count = getattr(_verified, "count", 0) + 1
        return real(hashed, secret)

    module.verify_secret = counting


def _task(services: Any, task: str, index: int, args: dict[str, Any]) -> Any:
    if task == "login":
        return services.accounts.authenticate(args["login"], args["password"]).login
    if task == "staff_login":
        return services.staff.authenticate_staff(args["login"], args["password"]).login
    if task == "reset":
        return services.accounts.reset_password(args["code"], args["password"], args["password"])
    if task == "validate":
        return services.accounts.validate_account(args["code"])
    if task == "apply":
        return services.candidatures.create_candidature(args["account_id"],
                                                        args["formation_ids"][index]).formation_code
    if task == "demo":
        return services.catalog.load_demo_if_empty()
    raise ValueError(task)


def _child(spec: dict[str, Any], index: int, barrier: Any, results: Any) -> None:
    from ecandidat_tui.services import accounts
    from ecandidat_tui.services import staff_users as staff
    from ecandidat_tui.services.errors import DomainError
    from ecandidat_tui.testing import make_harness

    _count_real_checks(accounts)
    _count_real_checks(staff)
    harness = make_harness(Path(spec["home"]) / f"worker-{index}", database_url=spec["url"], demo_catalog=False)
    threads = spec.get("threads", 1)
    outcomes: list[dict[str, Any]] = [{} for _ in range(threads)]

    def run(slot: int) -> None:
        barrier.wait(timeout=60)
        _verified.count = 0
        try:
            outcomes[slot] = {"ok": True, "value": _task(harness.services, spec["task"], index * threads + slot,
                                                          spec.get("args", {}))}
        except DomainError as exc:
            outcomes[slot] = {"ok": False, "message": exc.message}
        outcomes[slot]["checked"] = _verified.count

    workers = [threading.Thread(target=run, args=(slot,)) for slot in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    harness.services.close()
    results.put((index, outcomes))


def main() -> None:
    spec = json.loads(sys.argv[1])
    ctx = multiprocessing.get_context("spawn")
    processes, threads = spec["processes"], spec.get("threads", 1)
    barrier = ctx.Barrier(processes * threads)
    results = ctx.Queue()
    children = [ctx.Process(target=_child, args=(spec, i, barrier, results)) for i in range(processes)]
    for child in children:
        child.start()
    collected = dict(results.get(timeout=180) for _ in children)
    for child in children:
        child.join(timeout=30)
    print(json.dumps([outcome for i in sorted(collected) for outcome in collected[i]]))


def run_at_once(task: str, url: str, home: Path, processes: int, threads: int = 1,
                **args: Any) -> list[dict[str, Any]]:
    """For the tests: run this script and return the outcomes (load it with runpy.run_path)."""
    import subprocess

    spec = {"task": task, "url": url, "home": str(home), "processes": processes, "threads": threads, "args": args}
    done = subprocess.run([sys.executable, __file__, json.dumps(spec)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()

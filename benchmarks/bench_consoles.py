"""Staff consoles per server: N real `ecandidat staff` processes, each in its own pseudo-terminal.

Not Pilot: every console is the installed command started as an SSH
`ForceCommand` would start it, with its standard input, output and error on
the slave side of a pty sized 80×24. The benchmark is the terminal: it types
into the master side and reads what the app writes back.

For N = 10, 20 and 40 consoles (smoke: 2) on one database (PostgreSQL when a
server answers, with the 200,000-candidate population of `generate.py`;
SQLite otherwise):

1. start the N processes at once and log each in with its own staff account
   (production Argon2id hash, an administrator), until its home screen is on
   the terminal with its totals (a grouped read of every candidature);
2. **CPU, cursor blinking**: 10 s after the last console's home screen is
   complete, every console sits idle for 10 s more (smoke: 2 s and 2 s); the
   CPU each process used over that time (`/proc/PID/stat`, user + system),
   while the search field's cursor still blinks;
3. **search latency**: each console searches a candidate by login, as a
   person pastes it, then clears the field, with a person's pause of 1 to 3 s
   between searches, for 60 s (smoke: 5 s). The latency is the time from the
   write of the keys to the pty until the result's status line
   ("1 candidat(s).") comes out of it: what the person sees;
4. **memory**: each process's proportional set size (`Pss` of
   `/proc/PID/smaps_rollup`: shared library pages divided among the
   processes that map them) once the loop is over, and the total;
5. **CPU at rest**: once the cursor rests (`cursor_rest_seconds` after the
   last key: the consoles run with 20 s instead of the default 60 s, so the
   benchmark does not wait three minutes for the same state; smoke: 1 s),
   the CPU each process uses over 10 s (smoke: 2 s).

Targets: an idle console (at rest) ≤ 0.5 % CPU; search p95 at N = 40 ≤ 150 ms.
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .envs import pg_server, scratch_pg, services_for
from .harness import Figure, check

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Console-Bench-2026!"
FOUND = b"1 candidat(s)."
EMPTY = b"Saisissez au moins"
LOGIN_SCREEN = b"Connexion du personnel"
SEARCH_SCREEN = b"Rechercher un candidat"
HOME_LOADED = b"suivi par formation"  # the home screen's totals (an administrator's) are on screen
CTRL_U = b"\x15"  # Input: delete everything left of the cursor
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
BOX = re.compile("[\u2500-\u259f]")
CURSOR_REST = 20.0  # seconds (smoke: 1): `cursor_rest_seconds` of the consoles (default 60)


@dataclass
class Console:
    index: int
    login: str
    proc: subprocess.Popen
    master: int
    output: bytearray = field(default_factory=bytearray)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Terminal:
    """Reads every console's pty in one thread, so a slow reader never blocks an app's writes."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self.changed = threading.Condition()
        self.stopped = False
        self.thread = threading.Thread(target=self._read, daemon=True)

    def add(self, console: Console) -> None:
        self.selector.register(console.master, selectors.EVENT_READ, console)

    def _read(self) -> None:
        while not self.stopped:
            for key, _ in self.selector.select(timeout=0.1):
                console: Console = key.data
                try:
                    data = os.read(console.master, 65536)
                except OSError:
                    data = b""
                if not data:
                    self.selector.unregister(console.master)
                    continue
                with self.changed:
                    console.output += data
                    self.changed.notify_all()

    def wait_for(self, console: Console, needle: bytes, since: int, timeout: float) -> float | None:
        """The time `needle` appeared in the console's output after offset `since`, or None."""
        deadline = time.perf_counter() + timeout
        with self.changed:
            while console.output.find(needle, since) < 0:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.changed.wait(left)
            return time.perf_counter()


def _spawn(index: int, login: str, env: dict[str, str]) -> Console:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

    def controlling_tty() -> None:  # as sshd does: the pty becomes the session's terminal
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([sys.executable, "-m", "ecandidat_tui", "staff"], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=ROOT, start_new_session=True,
                            preexec_fn=controlling_tty)
    os.close(slave)
    return Console(index, login, proc, master)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _pss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Pss for {pid}")


def _log_in(term: Terminal, console: Console) -> None:
    # Keys typed before the app holds the terminal would go to the line discipline, not the app.
    if term.wait_for(console, LOGIN_SCREEN, 0, timeout=60) is None:
        raise RuntimeError(f"console {console.index} never showed its login screen: "
                           f"{bytes(console.output[-400:])!r}")
    since = len(console.output)
    os.write(console.master, console.login.encode() + b"\r")
    time.sleep(0.5)  # a person's pause between the two fields
    os.write(console.master, PASSWORD.encode() + b"\r")
    if term.wait_for(console, SEARCH_SCREEN, since, timeout=60) is None:
        raise RuntimeError(f"console {console.index} never showed its search screen: "
                           f"{bytes(console.output[-400:])!r}")
    # At rest means after the home screen's own reads: its totals over the whole population.
    if term.wait_for(console, HOME_LOADED, since, timeout=180) is None:
        raise RuntimeError(f"console {console.index} never showed its totals: {bytes(console.output[-400:])!r}")


def _search_loop(term: Terminal, console: Console, logins: list[str], seconds: float, seed: int) -> None:
    rng = random.Random(seed)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        time.sleep(rng.uniform(1.0, 3.0))  # a person reads, then looks the next one up
        since = len(console.output)
        start = time.perf_counter()
        os.write(console.master, rng.choice(logins).encode())
        seen = term.wait_for(console, FOUND, since, timeout=10)
        if seen is None:
            console.errors.append(f"no result within 10 s, the terminal shows: {_visible(console.output[since:])}")
            return
        console.latencies.append((seen - start) * 1000)
        since = len(console.output)
        os.write(console.master, CTRL_U)
        if term.wait_for(console, EMPTY, since, timeout=10) is None:
            console.errors.append("the cleared search never came back to its prompt")
            return


def _visible(output: bytes) -> str:
    """The text of a stretch of terminal output, escape sequences and box drawing removed: what a person read."""
    text = ANSI.sub("", bytes(output).decode(errors="replace"))
    return " ".join(BOX.sub(" ", text).split())[-300:]


def _cpu_percent(consoles: list[Console], seconds: float) -> list[float]:
    """The CPU each console uses over `seconds`, in % of one core."""
    before = {c.index: _cpu_seconds(c.proc.pid) for c in consoles}
    t0 = time.perf_counter()
    time.sleep(seconds)
    wall = time.perf_counter() - t0
    return [(_cpu_seconds(c.proc.pid) - before[c.index]) / wall * 100 for c in consoles]


def _stop(consoles: list[Console]) -> None:
    for c in consoles:  # the terminal goes away, as when the SSH connection drops
        os.close(c.master)
    for c in consoles:
        try:
            c.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(c.proc.pid, signal.SIGKILL)
            c.proc.wait()


def _round(engine: str, url: str, services, logins: list[str], n: int, home: Path,
           smoke: bool) -> list[Figure]:
    from ecandidat_tui.domain import Role

    tag = f"consoles [{engine}, N = {n}]"
    staff = [f"console-{n}-{i}" for i in range(n)]
    for login in staff:
        services.staff.add_staff_user(login, PASSWORD, Role.ADMIN.value)
    term = Terminal()
    consoles = []
    for i, login in enumerate(staff):
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor",
                   ECANDIDAT_HOME=str(home / f"console-{n}-{i}"), ECANDIDAT_DATABASE_URL=url,
                   ECANDIDAT_MAIL_BACKEND="memory", ECANDIDAT_DB_POOL_SIZE="1",
                   ECANDIDAT_CURSOR_REST_SECONDS=str(1.0 if smoke else CURSOR_REST))
        env.pop("ECANDIDAT_CONFIG", None)
        consoles.append(_spawn(i, login, env))
        term.add(consoles[-1])
    term.thread.start()
    try:
        threads = [threading.Thread(target=_log_in, args=(term, c)) for c in consoles]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        idle = 2.0 if smoke else 10.0
        # Every console logged in and its home screen loaded; 10 s more for the last start-up
        # work (the first collector passes, the first mail round) before counting.
        time.sleep(2.0 if smoke else 10.0)
        blinking = _cpu_percent(consoles, idle)
        threads = [threading.Thread(target=_search_loop, args=(term, c, logins, 5.0 if smoke else 60.0, c.index))
                   for c in consoles]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        pss = [_pss_mib(c.proc.pid) for c in consoles]
        # The last key was the loop's Ctrl+U: the cursor rests within 1.25 delays, then 1 s more.
        time.sleep((1.0 if smoke else CURSOR_REST) * 1.25 + 1.0)
        cpu = _cpu_percent(consoles, idle)
    finally:
        term.stopped = True
        _stop(consoles)
        term.thread.join(timeout=5)
    latencies = [ms for c in consoles for ms in c.latencies]
    errors = [f"#{c.index}: {e}" for c in consoles for e in c.errors]
    search = Figure(f"{tag}: search, keys to result on the terminal", "ms", latencies,
                    note=f"{len(latencies)} searches, 1–3 s apart per console")
    if n == 40:
        check(search, max_ms=150, on="p95")
    figures = [
        Figure(f"{tag}: CPU of an idle console, cursor blinking", "%", blinking,
               note=f"over {idle:g} s, within a minute of a key"),
        check(Figure(f"{tag}: CPU of an idle console", "%", cpu, note=f"over {idle:g} s, cursor at rest"),
              max_ms=0.5, on="p95"),
        search,
        Figure(f"{tag}: memory per console (PSS)", "MiB", pss),
        Figure(f"{tag}: memory of all consoles (PSS)", "MiB", [sum(pss)]),
    ]
    errs = Figure(f"{tag}: errors", "", [float(len(errors))], target="0", note="; ".join(errors[:3]) or "none")
    errs.ok = not errors
    figures.append(errs)
    if smoke and errors:
        raise RuntimeError(f"{tag}: {errors[:3]}")
    return figures


def _population(services, smoke: bool) -> list[str]:
    from .generate import generate_population

    pop = generate_population(services.db, 2_000 if smoke else 200_000, n_formations=500 if smoke else 10_000)
    return list(pop.logins_sample)


def run(smoke: bool = False) -> list[Figure]:
    sizes = [2] if smoke else [10, 20, 40]
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        if pg_server() is not None:
            engine, context = "PostgreSQL", scratch_pg("consoles")
        else:
            from contextlib import nullcontext

            engine, context = "SQLite", nullcontext(f"sqlite:///{home / 'consoles.db'}")
        with context as url:
            services = services_for(home / "setup", url)
            try:
                logins = _population(services, smoke)
                for n in sizes:
                    figures += _round(engine, url, services, logins, n, home, smoke)
            finally:
                services.close()
    return figures

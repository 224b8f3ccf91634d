"""The SSH recipe of docs/deployment.md, for real: an OpenSSH server on a
loopback port, a throw-away system account whose ForceCommand is the staff
console, the machine-wide configuration naming the shared database, and
`ssh -tt` driven through a pseudo-terminal like a person at a terminal.

Needs root (a local user, sshd) and Debian's openssh-server (`.ci/run`
installs it); skipped with the reason where either is missing.
"""

from __future__ import annotations

import fcntl
import os
import pty
import pwd
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import sysconfig
import tempfile
import termios
import time
from pathlib import Path

import pytest

from ecandidat_tui.testing import STAFF_PASSWORD, make_harness

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
SSH = shutil.which("ssh")
SSH_KEYGEN = shutil.which("ssh-keygen")
PROJECT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="the recipe is for a Linux server"),
    pytest.mark.skipif(os.geteuid() != 0, reason="adding a local user and running sshd need root"),
    pytest.mark.skipif(not (os.access(SSHD, os.X_OK) and SSH and SSH_KEYGEN),
                       reason="OpenSSH is not installed (apt-get install openssh-server openssh-client; "
                              ".ci/run does it)"),
]

STARTUP_TIMEOUT = 90.0  # ssh, then a cold Python importing Textual on a loaded machine
GONE_TIMEOUT = 5.0  # the bound: the session's process ends within 5 s of the drop
ANSI = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def console_command(user: str) -> str:
    """The ForceCommand: the project's `ecandidat staff`, as `user` can run it.

    The venv's own script where `user` can reach its interpreter; a venv made
    from a Python under /root (pyenv) cannot be, so then the system Python of
    the same version runs the same code (the venv's packages and the project)."""
    script = Path(sys.prefix) / "bin" / "ecandidat"
    if run("runuser", "-u", user, "--", sys.executable, "-c", "import ecandidat_tui", check=False).returncode == 0:
        return f"{script} staff"
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if not system.exists():
        pytest.skip(f"{user} cannot run {sys.executable} and there is no {system}")
    path = f"{sysconfig.get_path('purelib')}:{PROJECT}"
    if run("runuser", "-u", user, "--", "env", f"PYTHONPATH={path}", str(system), "-c", "import ecandidat_tui",
           check=False).returncode != 0:
        pytest.skip(f"{user} can read neither the project's interpreter nor its packages")
    return f"env PYTHONPATH={path} {system} -m ecandidat_tui staff"


def console_pids(uid: int) -> list[int]:
    """The staff console processes running as `uid` (not sshd's own session process)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"ecandidat" in cmdline and not cmdline.startswith(b"sshd"):
            pids.append(int(entry.name))
    return pids


def read_screen(master: int, needle: bytes, timeout: float, seen: bytearray) -> None:
    """Read what the remote console draws (escape sequences removed) until `needle` shows."""
    deadline = time.monotonic() + timeout
    while needle not in ANSI.sub(b"", bytes(seen)):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{needle!r} never drawn; last: {ANSI.sub(b'', bytes(seen))[-600:]!r}")
        ready, _, _ = select.select([master], [], [], min(left, 0.5))
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                raise AssertionError(f"the connection closed before {needle!r} was drawn") from None
            if not chunk:
                raise AssertionError(f"the connection closed before {needle!r} was drawn")
            seen += chunk


def type_keys(master: int, text: str) -> None:
    for char in text:  # one key at a time, as typed
        os.write(master, char.encode())
        time.sleep(0.03)


@pytest.fixture
def ssh_server():
    """sshd on 127.0.0.1, a throw-away account set up as docs/deployment.md says, a seeded database."""
    base = Path(tempfile.mkdtemp(prefix="ecandidat-ssh-"))
    base.chmod(0o755)
    user = f"ecsshtest{os.getpid() % 100000}"
    started: dict = {"user_added": False, "sshd": None}
    try:
        # the shared database: a candidate and a staff user
        srv = base / "srv"
        harness = make_harness(srv)
        harness.insert_candidate("Dupré", "Élise", "elise@example.org", login="AB12CD34")
        harness.seed_staff("support", login="sophie")
        harness.services.close()
        config = base / "config.toml"
        config.write_text(f'database_url = "sqlite:///{srv / "ecandidat.db"}"\n'
                          f'mail_backend = "maildir"\nmail_dir = "{srv / "mail"}"\n', encoding="utf-8")
        config.chmod(0o644)

        # the account, as the recipe creates it: a real shell (sshd runs ForceCommand
        # through it), no password but not locked, key authentication only
        run("useradd", "--create-home", "--shell", "/bin/sh", user)
        started["user_added"] = True
        run("usermod", "-p", "*", user)
        account = pwd.getpwnam(user)
        run("chown", "-R", f"{user}:{user}", str(srv))
        run(SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(base / "host_key"))
        run(SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(base / "client_key"))
        ssh_dir = Path(account.pw_dir) / ".ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        (ssh_dir / "authorized_keys").write_text((base / "client_key.pub").read_text())
        (ssh_dir / "authorized_keys").chmod(0o600)
        run("chown", "-R", f"{user}:{user}", str(ssh_dir))

        port = free_port()
        (base / "sshd_config").write_text(f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {base / 'host_key'}
PidFile {base / 'sshd.pid'}
AuthorizedKeysFile .ssh/authorized_keys
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AllowUsers {user}
LogLevel VERBOSE

Match User {user}
    ForceCommand {console_command(user)}
    SetEnv ECANDIDAT_CONFIG={config}
    PermitTTY yes
    AllowTcpForwarding no
    AllowAgentForwarding no
    AllowStreamLocalForwarding no
    X11Forwarding no
    PermitTunnel no
    PermitUserRC no
    ClientAliveInterval 30
    ClientAliveCountMax 4
    AuthenticationMethods publickey
""")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation folder
        checked = run(SSHD, "-t", "-f", str(base / "sshd_config"), check=False)
        assert checked.returncode == 0, checked.stderr
        log = (base / "sshd.log").open("w")
        started["sshd"] = subprocess.Popen([SSHD, "-D", "-e", "-f", str(base / "sshd_config")],
                                           stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert started["sshd"].poll() is None, (base / "sshd.log").read_text()
                assert time.monotonic() < deadline, "sshd never listened"
                time.sleep(0.1)
        yield {"user": user, "uid": account.pw_uid, "port": port, "key": base / "client_key",
               "log": base / "sshd.log"}
    finally:
        sshd = started["sshd"]
        if sshd is not None:
            sshd.terminate()
            sshd.wait(timeout=10)
        if started["user_added"]:
            uid = pwd.getpwnam(user).pw_uid
            for pid in console_pids(uid):  # only if the test failed: the processes it started
                os.kill(pid, signal.SIGKILL)
            run("userdel", "--remove", user, check=False)
        shutil.rmtree(base, ignore_errors=True)


def test_staff_console_over_ssh_finds_a_candidate_and_ends_with_the_connection(ssh_server):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(ssh_server["key"].parent),
           "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    pid, master = pty.fork()
    if pid == 0:  # the person's terminal: ssh -tt
        try:
            os.execve(SSH, [SSH, "-tt", "-i", str(ssh_server["key"]), "-p", str(ssh_server["port"]),
                            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
                            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                            f"{ssh_server['user']}@127.0.0.1"], env)
        finally:
            os._exit(127)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen = bytearray()
    reaped = False
    try:
        try:
            read_screen(master, b"Connexion du personnel", STARTUP_TIMEOUT, seen)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nsshd: {ssh_server['log'].read_text()[-2000:]}") from None
        assert console_pids(ssh_server["uid"]), "the console does not run as the SSH account"
        time.sleep(0.5)  # the login field takes the focus on mount
        type_keys(master, "sophie\r")
        type_keys(master, STAFF_PASSWORD + "\r")
        read_screen(master, b"Rechercher un candidat", 30, seen)  # logged in: the shared database
        seen.clear()
        type_keys(master, "dupr")
        read_screen(master, b"AB12CD34", 30, seen)
        assert "Dupré".encode() in ANSI.sub(b"", bytes(seen))

        running = console_pids(ssh_server["uid"])
        assert running
        os.kill(pid, signal.SIGKILL)  # the connection drops: the client is gone, its socket closed
        os.waitpid(pid, 0)
        reaped = True
        dropped = time.monotonic()
        while console_pids(ssh_server["uid"]):
            assert time.monotonic() - dropped < GONE_TIMEOUT, (
                f"the console still runs {GONE_TIMEOUT} s after the connection dropped")
            time.sleep(0.1)
    finally:
        if not reaped:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(master)

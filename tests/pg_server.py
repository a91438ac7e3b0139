"""A throwaway PostgreSQL cluster for the annotation store's tests.

Started with Debian's own binaries (``apt-get install postgresql``: /usr/lib/postgresql/<n>/bin),
never the system service: ``initdb`` into a fresh temporary folder, listening on 127.0.0.1 only
on a free port, its unix socket in that folder, fsync on (the durability tests mean something).
As root the server runs as the ``postgres`` system user (initdb refuses root); as anyone else it
runs as that user. Each test gets a database of its own, owned by a login role without
superuser rights (as a team's database would be); the whole cluster is removed at the end.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["DEBIAN_PACKAGE", "PostgresServer", "find_bindir"]

DEBIAN_PACKAGE = "postgresql"
#: the login role the stores connect as (owner of each test database, not a superuser)
ROLE = "annotator"


def find_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/<n>/bin holding initdb and pg_ctl (or $PG_BINDIR)."""
    candidates = [os.environ["PG_BINDIR"]] if os.environ.get("PG_BINDIR") else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0, reverse=True)
    for c in candidates:
        if (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file():
            return Path(c)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """``start()``, then ``create_database()`` per test (a URL), ``stop()`` at the end."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.password = secrets.token_hex(12)
        self.admin_password = secrets.token_hex(12)
        self.port = 0
        self.root: Path | None = None
        self._admin = None  # psycopg connection to the "postgres" database, autocommit
        self._count = 0
        self._as_postgres = os.geteuid() == 0
        self._user = pwd.getpwnam("postgres") if self._as_postgres else None

    # -- running the binaries ------------------------------------------------------------------
    def _cmd(self, *args: str) -> list[str]:
        if not self._as_postgres:
            return list(args)
        if shutil.which("runuser"):
            return ["runuser", "-u", "postgres", "--", *args]
        return ["setpriv", f"--reuid={self._user.pw_uid}", f"--regid={self._user.pw_gid}", "--init-groups", "--", *args]

    def _run(self, *args: str, timeout: float = 60) -> str:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if proc.returncode != 0:
            log = self.root / "server.log" if self.root else None
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}\n{tail}")
        return proc.stdout

    def _own(self, path: Path) -> None:
        if self._as_postgres:
            os.chown(path, self._user.pw_uid, self._user.pw_gid)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> PostgresServer:
        # /tmp itself (not pytest's per-user 0700 folder): the postgres user must reach it
        self.root = Path(tempfile.mkdtemp(prefix="imaging-explorer-pg-", dir="/tmp" if self._as_postgres else None))
        self.root.chmod(0o700)
        self._own(self.root)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.admin_password + "\n")
        pwfile.chmod(0o600)
        self._own(pwfile)
        data = self.root / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", f"--pwfile={pwfile}",
                  "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", timeout=120)
        pwfile.unlink()
        sock = self.root / "sock"
        sock.mkdir()
        self._own(sock)
        with open(data / "postgresql.conf", "a", encoding="utf-8") as fh:
            fh.write("\n# imaging-explorer tests: loopback only, durable\n"
                     "listen_addresses = '127.0.0.1'\n"
                     f"unix_socket_directories = '{sock}'\n"
                     "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n"
                     "max_connections = 100\nshared_buffers = 32MB\n")
        for attempt in range(5):
            self.port = _free_port()
            try:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"),
                          "-o", f"-p {self.port}", "-w", "-t", "60", "start", timeout=90)
                break
            except RuntimeError:
                if attempt == 4:
                    raise
                time.sleep(0.2)  # the port was taken meanwhile: another one
        self._watchdog()
        import psycopg

        self._admin = psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", password=self.admin_password,
                                      dbname="postgres", autocommit=True, connect_timeout=10)
        self._admin.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{self.password}'")
        return self

    def _watchdog(self) -> None:
        """Stop the cluster and remove its folder should this process die without ``stop()`` (kill -9)."""
        script = ('while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done; '
                  '[ -f "$2/data/postmaster.pid" ] && $3 "$4" -D "$2/data" -m immediate -w stop >/dev/null 2>&1; '
                  'rm -rf "$2"')
        runner = "runuser -u postgres --" if self._as_postgres and shutil.which("runuser") else ""
        subprocess.Popen(["sh", "-c", script, "pg-watchdog", str(os.getpid()), str(self.root), runner,
                          str(self.bindir / "pg_ctl")], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)

    def url(self, database: str, user: str = ROLE, password: str | None = None) -> str:
        password = self.password if password is None else password
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, stem: str = "t") -> str:
        """A new empty database owned by the test role; its URL."""
        self._count += 1
        name = f"{stem}_{self._count}"
        self._admin.execute(f'CREATE DATABASE "{name}" OWNER {ROLE}')
        return self.url(name)

    def execute(self, sql: str) -> None:
        """Run one statement as the superuser (roles, grants) in the "postgres" database."""
        self._admin.execute(sql)

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self.root is None:
            return
        data = self.root / "data"
        if (data / "postmaster.pid").exists():
            try:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop",
                          timeout=60)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

"""The private PostgreSQL cluster under `.devstack/postgres`: create, start, stop, migrate.

The cluster listens on 127.0.0.1 only, with password authentication. It gets the Supabase base
(`sql/supabase_base.sql`) once, at creation, then every file of `supabase/migrations/` in order,
recorded in `supabase_migrations.schema_migrations` as the Supabase CLI does.

initdb refuses to run as root, and CI runs as root: there the cluster belongs to, and runs as,
the `postgres` user (or `nobody` where there is none).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import asyncpg

from devstack.config import PROJECT_ROOT, StackConfig

BASE_SQL = Path(__file__).with_name("sql") / "supabase_base.sql"
MIGRATIONS_DIR = PROJECT_ROOT / "supabase" / "migrations"

# A disposable development database: durability is not worth the disk waits.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "'128MB'",
    "log_min_messages": "warning",
    "log_statement": "none",
}


class PostgresError(RuntimeError):
    """The cluster could not be created, started or migrated; the message says why."""


def find_bin_dir() -> Path:
    """The newest PostgreSQL server binaries on this machine."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise PostgresError(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found. On Debian: "
        "apt-get install postgresql; on macOS: brew install postgresql."
    )


def _run_as() -> str | None:
    """The unprivileged user to run PostgreSQL as, when we are root; None otherwise."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresError("running as root, and no 'postgres' or 'nobody' user to run PostgreSQL as")


def _run(args: list[str], log: Path | None = None, **kwargs) -> None:
    user = _run_as()
    result = subprocess.run(
        args,
        user=user,
        cwd="/",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        **kwargs,
    )
    if result.returncode != 0:
        hint = f" (see {log})" if log else ""
        raise PostgresError(f"{' '.join(args[:2])} failed{hint}:\n{result.stdout.strip()}")


def _hand_over(path: Path) -> None:
    """Give `path` to the user PostgreSQL runs as (when we are root)."""
    user = _run_as()
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def _reachable_by(user: str, folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(["test", "-x", str(folder)], user=user, check=False)
    return probe.returncode == 0


def data_root(config: StackConfig) -> Path:
    """Where the cluster lives: `.devstack/postgres`, unless we are root and the user that runs
    PostgreSQL can't reach the project (a clone in a private temporary folder, say). Then it
    lives in /var/tmp, named after the state folder, and nothing in the project's parents has
    its permissions changed."""
    user = _run_as()
    if user is None or _reachable_by(user, config.state_dir):
        return config.postgres_dir
    digest = hashlib.sha1(str(config.state_dir).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"devstack-postgres-{digest}"


class Cluster:
    """One stack's PostgreSQL cluster."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.root = data_root(config)
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"

    @property
    def exists(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def _pg_ctl(self, *args: str) -> None:
        _run([str(find_bin_dir() / "pg_ctl"), "-D", str(self.data), *args], log=self.log)

    def create(self) -> bool:
        """initdb, unless the cluster exists. Returns True when it was made now."""
        if self.exists:
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.config.secrets.postgres_password + "\n")
        _hand_over(self.root)
        try:
            _run(
                [
                    str(find_bin_dir() / "initdb"),
                    "-D", str(self.data),
                    "-U", "postgres",
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            for key, value in SERVER_SETTINGS.items():
                conf.write(f"{key} = {value}\n")
        return True

    def start(self) -> None:
        self._pg_ctl(
            "start",
            "-w",
            "-t", "60",
            "-l", str(self.log),
            "-o", f"-p {self.config.postgres_port}",
        )

    def stop(self) -> None:
        if self.running:
            self._pg_ctl("stop", "-m", "fast", "-w")

    @property
    def running(self) -> bool:
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            return False
        except PermissionError:
            return True
        return True

    # --- schema ------------------------------------------------------------------------------
    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.config.database_url())

    async def apply_base(self) -> None:
        conn = await self._connect()
        try:
            async with conn.transaction():
                await conn.execute(BASE_SQL.read_text())
                password = self.config.secrets.authenticator_password.replace("'", "''")
                await conn.execute(f"alter role authenticator password '{password}'")
        finally:
            await conn.close()

    async def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded. Returns the versions applied now."""
        conn = await self._connect()
        applied_now: list[str] = []
        try:
            done = {
                r["version"]
                for r in await conn.fetch("select version from supabase_migrations.schema_migrations")
            }
            for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
                version, _, name = path.stem.partition("_")
                if version in done:
                    continue
                sql = path.read_text()
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute(
                        "insert into supabase_migrations.schema_migrations (version, name, statements)"
                        " values ($1, $2, $3)",
                        version,
                        name,
                        [sql],
                    )
                applied_now.append(version)
        finally:
            await conn.close()
        return applied_now

    def ensure_running(self) -> None:
        """Create if needed, start if stopped, and bring the schema up to date."""
        fresh = self.create()
        if not self.running:
            self.start()
        # A thread of its own: callers may already run an event loop (Playwright's sync API
        # does, in tests), and asyncio.run refuses to nest.
        with concurrent.futures.ThreadPoolExecutor(1) as worker:
            if fresh:
                worker.submit(asyncio.run, self.apply_base()).result()
            worker.submit(asyncio.run, self.migrate()).result()

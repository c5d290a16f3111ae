"""The embedded default: a private PostgreSQL + PostGIS cluster in a data directory.

Layout of the state folder (default `.onegrid/pg`):
  data/          PGDATA, owned by the user that runs the server
  run/           the unix socket directory
  log/postgres.log
  data/onegrid-sizing.conf  memory and WAL settings, rewritten at every start
                            (gis/cluster_sizing.py)
  port, password connection facts for `onegrid db url`

As root, `initdb` refuses to run, so the server runs as the unprivileged `postgres`
system user (created by Debian's postgresql package); we connect over TCP on 127.0.0.1
with a generated password (scram-sha-256), so no other local user can log in.
"""
from __future__ import annotations

import getpass
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from gis import cluster_sizing
from gis.db_roles import apply_plan, new_password, quote_literal, role_names, setup_plan
from gis.errors import DatabaseUnavailable

SUPERUSER = "onegrid"
DATABASE = "onegrid"
SERVICE_USER_AS_ROOT = "postgres"


@dataclass(frozen=True)
class ClusterStatus:
    running: bool
    pid: int | None
    port: int | None
    data_dir: Path
    log_file: Path

    def describe(self) -> str:
        state = f"running (pid {self.pid}, port {self.port})" if self.running else "stopped"
        return f"cluster {self.data_dir}: {state}; log: {self.log_file}"


def find_pg_bindir() -> Path:
    """The newest installed PostgreSQL whose share dir has the PostGIS extension."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda p: int(p.parent.parent.name), reverse=True)
    for initdb in candidates:
        version = initdb.parent.parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return initdb.parent
    if candidates:
        raise DatabaseUnavailable("PostgreSQL is installed but PostGIS is not: "
                                  "install postgresql-postgis (make run does this)")
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise DatabaseUnavailable("PostgreSQL is not installed: run `make run` or install "
                              "postgresql and postgresql-postgis")


class EmbeddedCluster:
    """Start, stop and describe one private cluster; every operation is safe to repeat."""

    def __init__(self, root: Path, *, durable: bool = True, owner_role: str = "",
                 app_role: str = "", memory: str | None = None):
        self.root = Path(root).absolute()
        self.roles = role_names(DATABASE, owner=owner_role or None, app=app_role or None)
        self.durable = durable  # tests turn fsync off: a throwaway cluster needs no crash safety
        # "auto" (size to this machine), a size ("1GB": as if it had that much) or "off";
        # None: ONEGRID_DATABASE__CLUSTER_MEMORY, else "auto" (gis/cluster_sizing.py).
        self.memory = cluster_sizing.chosen_memory(memory)
        self.pgdata = self.root / "data"
        self.run_dir = self.root / "run"
        self.log_dir = self.root / "log"
        self.log_file = self.log_dir / "postgres.log"
        self.as_root = os.geteuid() == 0
        self.service_user = SERVICE_USER_AS_ROOT if self.as_root else getpass.getuser()

    # -- public operations -------------------------------------------------
    def start(self) -> ClusterStatus:
        bindir = find_pg_bindir()
        if not (self.pgdata / "PG_VERSION").exists():
            self._init(bindir)
        status = self.status()
        if status.running:
            self._ensure_setup(status.port)  # cheap; brings an older cluster up to date
            return status
        self._remove_stale_pid()
        self._write_sizing()
        if self.as_root:
            # Folders above may have changed since initdb (a chmod drops an ACL's mask).
            self._grant_traverse(self.root)
        port = self._choose_port()
        self._run([str(bindir / "pg_ctl"), "-D", str(self.pgdata), "-l", str(self.log_file),
                   "-w", "-t", "60", "-o", f"-p {port}", "start"], what="start the cluster")
        (self.root / "port").write_text(str(port))
        self._ensure_setup(port)
        return self.status()

    def stop(self) -> ClusterStatus:
        if self.status().running:
            bindir = find_pg_bindir()
            self._run([str(bindir / "pg_ctl"), "-D", str(self.pgdata), "-w", "-m", "fast",
                       "stop"], what="stop the cluster")
        return self.status()

    def status(self) -> ClusterStatus:
        pid = self._live_pid()
        port = self._port()
        return ClusterStatus(running=pid is not None, pid=pid, port=port,
                             data_dir=self.root, log_file=self.log_file)

    def url(self) -> str:
        """The owner's login: migrations, the CLI, bulk loads."""
        return self._url(self.roles.owner, "owner_password")

    def app_url(self) -> str:
        """The service's login, which cannot bypass row-level security."""
        return self._url(self.roles.app, "app_password")

    def superuser_url(self, database: str = DATABASE) -> str:
        """The bootstrap superuser: set-up only (and the test suite's fixtures)."""
        return self._url(SUPERUSER, "password", database=database)

    def _url(self, user: str, password_file: str, *, database: str = DATABASE) -> str:
        port = self._port()
        if port is None or not (self.root / password_file).exists():
            raise DatabaseUnavailable(
                f"no cluster initialised in {self.root}: run `onegrid db start`")
        password = (self.root / password_file).read_text().strip()
        return f"postgresql+psycopg://{user}:{password}@127.0.0.1:{port}/{database}"

    def destroy(self) -> None:
        """Stop and delete the cluster (used by the test suite for its throwaway cluster)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- initialisation ------------------------------------------------------
    def _init(self, bindir: Path) -> None:
        for folder in (self.root, self.pgdata, self.run_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700 if not self.as_root else 0o711)
        password = secrets.token_urlsafe(24)
        (self.root / "password").write_text(password)
        (self.root / "password").chmod(0o600)
        pwfile = self.run_dir / "initdb.pw"
        pwfile.write_text(password)
        if self.as_root:
            self._hand_over([self.pgdata, self.run_dir, self.log_dir])
            self._grant_traverse(self.root)
        self.pgdata.chmod(0o700)
        try:
            self._run([str(bindir / "initdb"), "-D", str(self.pgdata), "-U", SUPERUSER,
                       "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                       "--no-locale"], what="initialise the cluster")
        finally:
            pwfile.unlink(missing_ok=True)
        conf = ["listen_addresses = '127.0.0.1'", f"unix_socket_directories = '{self.run_dir}'",
                "max_connections = 100", "shared_buffers = 256MB",
                # JIT compiles short spatial queries whose row estimates are wild
                # (set-returning ST_Dump/ST_Subdivide) and costs far more than it saves.
                "jit = off"]
        if not self.durable:
            conf += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        conf.append(cluster_sizing.INCLUDE_LINE)  # last, so that its settings win
        with (self.pgdata / "postgresql.conf").open("a") as fh:
            fh.write("\n# onegrid embedded cluster\n" + "\n".join(conf) + "\n")

    def _write_sizing(self) -> None:
        """The sizing file, rewritten before each start; clusters initialised before it
        existed get the include line appended (after every line they already have)."""
        settings = cluster_sizing.settings_for(self.memory, self.pgdata)
        sizing = self.pgdata / cluster_sizing.SIZING_FILE
        sizing.write_text(cluster_sizing.render(settings, self.memory))
        conf = self.pgdata / "postgresql.conf"
        if cluster_sizing.INCLUDE_LINE not in conf.read_text().splitlines():
            with conf.open("a") as fh:
                fh.write("\n# onegrid: memory and WAL sized at each start\n"
                         + cluster_sizing.INCLUDE_LINE + "\n")
        if self.as_root:
            self._hand_over([sizing])

    def _ensure_setup(self, port: int) -> None:
        """The DBA's one-time set-up (gis/db_roles.py), run by the bootstrap superuser."""
        import psycopg

        plan = setup_plan(self.roles, owner_password=self._secret("owner_password"),
                          app_password=self._secret("app_password"))
        apply_plan(plan, superuser_url=self.superuser_url())
        password = (self.root / "password").read_text().strip()
        dsn = f"host=127.0.0.1 port={port} user={SUPERUSER} password={password}"
        with psycopg.connect(dsn + f" dbname={DATABASE}", autocommit=True) as conn:
            adopt_legacy_objects(conn, owner=self.roles.owner)

    def _secret(self, name: str) -> str:
        """A generated password kept in the state folder (mode 600), created once."""
        path = self.root / name
        if not path.exists():
            path.write_text(new_password())
            path.chmod(0o600)
        return path.read_text().strip()

    # -- helpers -------------------------------------------------------------
    def _run(self, cmd: list[str], *, what: str) -> None:
        if self.as_root:
            cmd = ["runuser", "-u", self.service_user, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip()[-1500:]
            raise DatabaseUnavailable(f"could not {what}: {tail} (log: {self.log_file})")

    def _hand_over(self, folders: list[Path]) -> None:
        import pwd

        entry = pwd.getpwnam(self.service_user)
        for folder in folders:
            os.chown(folder, entry.pw_uid, entry.pw_gid)

    def _grant_traverse(self, path: Path) -> None:
        """Let the service user reach its data dir through folders like a 0700 mktemp dir.

        Grants execute (traverse) only, preferably by ACL for that one user."""
        for ancestor in reversed(path.parents):
            check = subprocess.run(["runuser", "-u", self.service_user, "--", "test", "-x",
                                    str(ancestor)], capture_output=True)
            if check.returncode == 0:
                continue
            if shutil.which("setfacl"):
                subprocess.run(["setfacl", "-m", f"u:{self.service_user}:x", str(ancestor)],
                               check=True)
            else:
                ancestor.chmod(ancestor.stat().st_mode | 0o001)

    def _port(self) -> int | None:
        port_file = self.root / "port"
        if port_file.exists():
            return int(port_file.read_text().strip())
        return None

    def _choose_port(self) -> int:
        """Keep the previous port when free, so URLs stay stable; else take a free one."""
        previous = self._port()
        if previous and _port_free(previous):
            return previous
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def _pid_file_pid(self) -> int | None:
        pid_file = self.pgdata / "postmaster.pid"
        try:
            return int(pid_file.read_text().splitlines()[0])
        except (FileNotFoundError, PermissionError, ValueError, IndexError):
            return None

    def _live_pid(self) -> int | None:
        pid = self._pid_file_pid()
        if pid is None:
            return None
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except FileNotFoundError:
            return None
        return pid if comm.startswith("postgres") else None

    def _remove_stale_pid(self) -> None:
        """After a crash the pid file survives; its pid may be dead or reused by another program."""
        if self._pid_file_pid() is not None and self._live_pid() is None:
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
            time.sleep(0.1)


def adopt_legacy_objects(conn, *, owner: str) -> None:
    """Clusters made before the owner role had their schema owned by the superuser: hand
    the tables, views, sequences and functions of schema public (not PostGIS's) over."""
    conn.execute(ADOPT_SQL.replace("__OWNER__", quote_literal(owner)))


ADOPT_SQL = """
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass AS name, c.relkind
        FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles
                                                     WHERE rolname = current_user)
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND NOT EXISTS (SELECT FROM pg_depend AS d
                          WHERE d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO %I', item.name, __OWNER__);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name
        FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner = (SELECT oid FROM pg_roles
                                                     WHERE rolname = current_user)
          AND NOT EXISTS (SELECT FROM pg_depend AS d
                          WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', item.name, __OWNER__);
    END LOOP;
END $$;
"""


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        # As PostgreSQL itself binds: a port the previous run left in TIME_WAIT is free,
        # so a restarted cluster keeps its port (and every running client its URL).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True

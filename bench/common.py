"""Shared benchmark helpers: the database, a uvicorn server on a free port, load, a ratio table.

Benchmarks use the database `onegrid` itself uses (DATABASE_URL, else the embedded
cluster under ONEGRID_DATABASE__DATA_DIR), which should hold the demo
(`onegrid demo load --size district`). They never write to it: anything they build runs
inside a transaction that is rolled back.
"""
from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def database_url() -> str:
    """The owner's URL (loads, resets)."""
    from gis.cli import context

    return context.database_url(context.settings())


def app_database_url() -> str:
    """The service's login (row-level security on): what every user is served as."""
    from gis.cli import context
    from gis.db_roles import service_url

    s = context.settings()
    context.use_database(s)
    return service_url(s.database)


def libpq_url() -> str:
    """The database URL without a SQLAlchemy driver suffix, for asyncpg/libpq clients."""
    from sqlalchemy.engine import make_url

    return make_url(database_url()).set(drivername="postgresql").render_as_string(
        hide_password=False)


def engine():
    """A small SQLAlchemy engine on the benchmark database."""
    from gis.db import make_engine

    return make_engine(database_url(), pool_size=2)


def app_engine(url: str | None = None, *, pool_size: int = 2):
    """An engine on the service's login (row-level security on) with the development
    administrator's unrestricted scope as a connection setting: what the service sets per
    transaction for that caller, here for a peer that has no scope machinery of its own."""
    from sqlalchemy import create_engine

    from gis.db import sqlalchemy_url

    return create_engine(sqlalchemy_url(url or app_database_url()), pool_size=pool_size,
                         max_overflow=pool_size,
                         connect_args={"options": "-c onegrid.scope_all=on"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def onegrid_app():
    """uvicorn --factory target: the real app on DATABASE_URL, anonymous = dev admin."""
    from api.app import create_app
    from gis.settings import get_settings

    settings = get_settings()
    settings.database.url = os.environ["DATABASE_URL"]
    return create_app(settings)


@contextmanager
def serve(target: str, *, env: dict[str, str] | None = None, ready: str = "/healthz",
          factory: bool = True, python: str = sys.executable) -> Iterator[str]:
    """Run `uvicorn target` (one worker, uvloop + httptools) on a free port; yield its URL."""
    port = free_port()
    args = [python, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
            "--workers", "1", "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--log-level", "warning"]
    if factory:
        args.insert(4, "--factory")
    full_env = {**os.environ, "DATABASE_URL": database_url(),
                "ONEGRID_DATABASE__APP_URL": app_database_url(),
                "ONEGRID_SECURITY__DEV_MODE": "true", **(env or {})}
    base = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile(prefix="bench-uvicorn-", suffix=".log",
                                     delete=False) as log:
        process = subprocess.Popen(args, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=Path(__file__).resolve().parents[1])
        try:
            _wait(process, base + ready, log.name)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait(process: subprocess.Popen, url: str, log: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited; see {log}:\n{Path(log).read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server did not answer {url} within {timeout} s; see {log}")


@dataclass(frozen=True)
class LoadResult:
    name: str
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float


def wrk(name: str, base: str, paths: list[str], *, connections: int = 8,
        seconds: int = 10) -> LoadResult:
    """Load with wrk (one thread, `connections` keep-alive connections) over the paths."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "paths.lua"
        script.write_text(_WRK_SCRIPT.replace("PATHS", ",".join(f'"{p}"' for p in paths)))
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                              "-s", str(script), base], capture_output=True, text=True,
                             check=True).stdout
    return _parse_wrk(name, out)


# Each request takes the next path in turn; the done() hook prints exact percentiles.
_WRK_SCRIPT = """
local paths = {PATHS}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
                 + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f\\n", summary.requests, errors,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
"""


def _parse_wrk(name: str, out: str) -> LoadResult:
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    _, requests, errors, rps, p50, p99 = line.split()
    return LoadResult(name, int(requests), int(errors), float(rps), float(p50), float(p99))


def timed(function, *, repeat: int = 3) -> tuple[float, object]:
    """Median wall time (s) of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    widths = [max(len(str(v)) for v in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    for row in [header, *rows]:
        print("  ".join(str(v).rjust(w) for v, w in zip(row, widths, strict=True)))


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "n/a"

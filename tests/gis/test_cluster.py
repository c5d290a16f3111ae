"""`onegrid db start|stop|status|url` on a private cluster: repeatable, and safe after a crash."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from gis.cluster import EmbeddedCluster


def onegrid(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ONEGRID_DATABASE__DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "gis.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=180)


def can_query(url: str) -> bool:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT postgis_version() IS NOT NULL").fetchone()[0]


@pytest.fixture()
def data_dir(tmp_path) -> Path:
    path = tmp_path / "state" / "pg"
    yield path
    EmbeddedCluster(path).stop()


def test_start_twice_status_url_stop(data_dir):
    first = onegrid("db", "start", data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    second = onegrid("db", "start", data_dir=data_dir)
    assert second.returncode == 0, second.stderr
    assert "running" in second.stdout
    status = onegrid("db", "status", data_dir=data_dir)
    assert status.returncode == 0 and "postgres.log" in status.stdout
    url = onegrid("db", "url", data_dir=data_dir).stdout.strip()
    assert can_query(url)
    assert onegrid("db", "stop", data_dir=data_dir).returncode == 0
    stopped = onegrid("db", "status", data_dir=data_dir)
    assert stopped.returncode == 3 and "stopped" in stopped.stdout
    assert onegrid("db", "stop", data_dir=data_dir).returncode == 0  # stopping twice is fine


def test_start_after_crash_with_stale_pid_file(data_dir):
    cluster = EmbeddedCluster(data_dir, durable=False)
    pid = cluster.start().pid
    os.kill(pid, signal.SIGKILL)  # the postmaster dies; postmaster.pid stays behind
    for _ in range(50):
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)
    assert (data_dir / "data" / "postmaster.pid").exists()
    restarted = onegrid("db", "start", data_dir=data_dir)
    assert restarted.returncode == 0, restarted.stderr
    assert can_query(cluster.url())


def test_start_when_stale_pid_belongs_to_another_program(data_dir):
    cluster = EmbeddedCluster(data_dir, durable=False)
    cluster.start()
    cluster.stop()
    pid_file = data_dir / "data" / "postmaster.pid"
    # After a reboot the recorded pid may belong to some unrelated process: ours, here.
    pid_file.write_text(f"{os.getpid()}\n{data_dir / 'data'}\n")
    assert not cluster.status().running
    assert cluster.start().running
    assert can_query(cluster.url())


def test_url_before_any_start_says_what_to_do(data_dir):
    result = onegrid("db", "url", data_dir=data_dir)
    assert result.returncode != 0
    assert "onegrid db start" in (result.stderr + result.stdout)

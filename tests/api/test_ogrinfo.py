"""GDAL reads /cells as a real client would: ogrinfo against a real uvicorn server.

The server is another process, so it cannot see the rolled-back `db` fixture: it serves
the committed two-cell grid of tests/committed_fixtures.py with `onegrid serve` on a free
port."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def server(committed_grid_url, logins, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": committed_grid_url,
           # the service's login: the app role, with the password the DBA's set-up gave it
           "ONEGRID_DATABASE__APP_ROLE": logins.names.app,
           "ONEGRID_DATABASE__APP_PASSWORD": logins.app_password,
           "ONEGRID_DATABASE__DATA_DIR": str(tmp_path / "pg"),
           "ONEGRID_SECURITY__SECRET_KEY": "test-secret-key-not-for-production",
           "ONEGRID_SECURITY__DEV_MODE": "true"}
    onegrid = Path(sys.executable).with_name("onegrid")
    process = subprocess.Popen([str(onegrid), "serve", "--host", "127.0.0.1", "--port",
                                str(port), "--no-demo"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_ogrinfo_reads_the_cells_endpoint(server):
    out = subprocess.run(["ogrinfo", "-ro", "-so", "-al", f"GeoJSON:{server}/cells"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Feature Count: 2" in out.stdout
    assert "Geometry: Polygon" in out.stdout and "code: String" in out.stdout

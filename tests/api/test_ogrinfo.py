"""GDAL reads /cells as a real client would: ogrinfo against a real uvicorn server.

The server is another process, so it cannot see the rolled-back `db` fixture. The test
builds a throwaway database in the test cluster, commits two cells there, serves it with
`onegrid serve` on a free port, and drops the database afterwards, whatever happens."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from shapely.geometry import box
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gis import migrate
from gis.db import sqlalchemy_url
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region

pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def throwaway_url(migrated_url):
    """A new, migrated database holding a committed two-cell grid; dropped afterwards."""
    name = f"onegrid_ogr_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sqlalchemy_url(migrated_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # a generated identifier, not input
    url = make_url(migrated_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        engine = create_engine(sqlalchemy_url(url))
        with Session(engine) as session, session.begin():
            village = box(0, 0, 2, 1)
            add_region(session, code=DISTRICT, level="district", parent=None, geom=village)
            add_region(session, code=TOWN, level="town", parent=DISTRICT, geom=village)
            add_region(session, code=VILLAGE, level="village", parent=TOWN, geom=village)
            gen = add_generation(session)
            add_cell(session, code=VILLAGE + "001", geom=box(0, 0, 1, 1), generation=gen)
            add_cell(session, code=VILLAGE + "002", geom=box(1, 0, 2, 1), generation=gen)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture()
def server(throwaway_url, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": throwaway_url,
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

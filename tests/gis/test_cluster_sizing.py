"""The embedded cluster's memory and WAL settings: the arithmetic, and that they reach a
started cluster, including one initialised before the sizing existed."""
from __future__ import annotations

import os

import psycopg
import pytest

from gis.cluster import EmbeddedCluster
from gis.cluster_sizing import (
    INCLUDE_LINE,
    MEMORY_ENV,
    SIZING_FILE,
    cgroup_limit_mb,
    parse_memory,
    settings_for,
    sized_settings,
)

SIZES = ("shared_buffers", "effective_cache_size", "work_mem", "maintenance_work_mem",
         "max_wal_size")


def test_a_small_machine_gets_the_floors():
    assert sized_settings(512) == {
        "shared_buffers": "128MB", "effective_cache_size": "256MB", "work_mem": "4MB",
        "maintenance_work_mem": "64MB", "max_wal_size": "1024MB",
        "checkpoint_timeout": "15min", "wal_compression": "on"}


def test_a_quarter_of_ram_for_shared_buffers_between_the_bounds():
    one_gb = sized_settings(1024)
    assert one_gb["shared_buffers"] == "256MB" and one_gb["effective_cache_size"] == "512MB"
    sixteen = sized_settings(16 * 1024)
    assert sixteen["shared_buffers"] == "4096MB"
    assert sixteen["effective_cache_size"] == "8192MB"
    assert sixteen["work_mem"] == f"{(16 * 1024 - 4096) // 400}MB"  # 30MB, per sort
    assert sixteen["maintenance_work_mem"] == "1024MB"
    assert sixteen["max_wal_size"] == "4096MB"


def test_a_big_machine_is_capped():
    big = sized_settings(256 * 1024)
    assert big["shared_buffers"] == "4096MB"  # more rarely helps; the kernel caches the rest
    assert big["effective_cache_size"] == f"{128 * 1024}MB"
    assert big["work_mem"] == "64MB" and big["maintenance_work_mem"] == "1024MB"
    assert big["max_wal_size"] == "8192MB"


def test_wal_never_takes_more_than_an_eighth_of_the_free_disk():
    assert sized_settings(64 * 1024, disk_free_mb=16 * 1024)["max_wal_size"] == "2048MB"
    assert sized_settings(64 * 1024, disk_free_mb=100)["max_wal_size"] == "256MB"


def test_a_container_memory_limit_caps_what_the_machine_offers(tmp_path):
    v2, v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    v2.write_text("max\n")  # v2, unlimited: the v1 file (absent here) is asked next
    assert cgroup_limit_mb((v2, v1)) is None
    v2.write_text(f"{2 * 1024**3}\n")
    assert cgroup_limit_mb((v2, v1)) == 2048
    v1.write_text(f"{2**63 - 4096}\n")  # v1's "no limit"
    assert cgroup_limit_mb((tmp_path / "absent", v1)) is None


def test_memory_choices_parse_or_say_what_is_wrong():
    assert parse_memory("8GB") == 8192
    assert parse_memory("512mb") == 512
    assert parse_memory("1.5G") == 1536
    assert parse_memory("2048") == 2048
    assert parse_memory("off") is None
    with pytest.raises(ValueError, match=MEMORY_ENV):
        parse_memory("lots")


def shown(url: str) -> dict[str, int | str]:
    """The running server's settings; sizes in bytes, whatever unit SHOW picks."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        values = {name: conn.execute(f"SELECT pg_size_bytes(current_setting('{name}'))")
                  .fetchone()[0] for name in SIZES}  # names are the constants above
        for name in ("checkpoint_timeout", "wal_compression"):
            values[name] = conn.execute("SELECT current_setting(%s)", (name,)).fetchone()[0]
    return values


def expected(settings: dict[str, str]) -> dict[str, int | str]:
    values = {name: (int(value.removesuffix("MB")) * 1024 * 1024 if name in SIZES else value)
              for name, value in settings.items()}
    if values["wal_compression"] == "on":  # PostgreSQL 15 names the method "on" means
        values["wal_compression"] = "pglz"
    return values


def test_the_session_cluster_runs_with_its_small_profile(logins, tmp_path):
    if os.environ.get("ONEGRID_TEST_DATABASE_URL"):
        pytest.skip("an external test server is not sized by onegrid")
    # tests/conftest.py sizes every test cluster as for a 1 GB machine; the max_wal_size
    # bound by free disk is the same on this (the temporary folders') file system.
    want = settings_for(os.environ[MEMORY_ENV], tmp_path)
    assert want["shared_buffers"] == "256MB"
    assert shown(logins.superuser) == expected(want)


def test_a_cluster_from_before_the_sizing_picks_it_up_on_restart(tmp_path):
    root = tmp_path / "old" / "pg"
    cluster = EmbeddedCluster(root, durable=False, memory="off")
    try:
        cluster.start()
        assert shown(cluster.superuser_url())["shared_buffers"] == 256 * 1024 * 1024  # initdb's
        cluster.stop()
        # As an older version left it: no include line, no sizing file.
        conf = root / "data" / "postgresql.conf"
        conf.write_text("\n".join(line for line in conf.read_text().splitlines()
                                  if line != INCLUDE_LINE) + "\n")
        (root / "data" / SIZING_FILE).unlink()

        restarted = EmbeddedCluster(root, durable=False, memory="2GB")
        restarted.start()
        assert shown(restarted.superuser_url()) == expected(settings_for("2GB", root))
        assert shown(restarted.superuser_url())["shared_buffers"] == 512 * 1024 * 1024
        assert conf.read_text().splitlines().count(INCLUDE_LINE) == 1
        restarted.stop()
        restarted.start()  # a second start neither repeats the include nor loses it
        assert conf.read_text().splitlines().count(INCLUDE_LINE) == 1
        assert shown(restarted.superuser_url())["shared_buffers"] == 512 * 1024 * 1024
    finally:
        cluster.destroy()

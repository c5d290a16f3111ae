"""Memory and WAL settings of the embedded cluster, sized to the machine it runs on.

initdb's defaults suit a laptop sharing its memory with everything else: 128 MB of
shared buffers, 1 GB of WAL between checkpoints. A city's database (millions of rows,
several GB) then checkpoints in the middle of every bulk write and reads its indexes
from the kernel's cache. The embedded cluster owns its machine's database work, so it
sizes itself from the memory it finds (and the disk free under its data folder):

  shared_buffers        1/4 of RAM, at least 128 MB, at most 4 GB
  effective_cache_size  1/2 of RAM (a planner hint: what the kernel caches), >= shared_buffers
  work_mem              (RAM - shared_buffers) / (4 x max_connections), 4-64 MB
  maintenance_work_mem  1/16 of RAM, 64 MB - 1 GB (index builds, VACUUM)
  max_wal_size          1/4 of RAM, 1-8 GB, and at most 1/8 of the free disk
  checkpoint_timeout    15 min;  wal_compression on (fewer bytes of full-page images)

ONEGRID_DATABASE__CLUSTER_MEMORY chooses: "auto" (the default: the RAM in
/proc/meminfo), a size such as "8GB" or "512MB" (size as if the machine had that much:
a shared machine, or the test suite's small clusters), or "off" (no sizing:
PostgreSQL's defaults and the few lines initdb wrote). The settings are written to
`onegrid-sizing.conf` in the data folder at every start, which postgresql.conf
includes last, so clusters initialised by older versions pick them up on their next
start. An external server (DATABASE_URL) is never touched: sizing it is the DBA's.
ALTER SYSTEM (postgresql.auto.conf) still overrides any of these.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

MEMORY_ENV = "ONEGRID_DATABASE__CLUSTER_MEMORY"
SIZING_FILE = "onegrid-sizing.conf"
INCLUDE_LINE = f"include_if_exists = '{SIZING_FILE}'"
MAX_CONNECTIONS = 100  # what initdb's lines set (gis/cluster.py); work_mem is per sort

MB = 1
GB = 1024 * MB
_UNITS = {"": MB, "mb": MB, "m": MB, "gb": GB, "g": GB, "tb": 1024 * GB, "t": 1024 * GB}


def _clamp(value: float, low: int, high: int) -> int:
    return int(max(low, min(high, value)))


def sized_settings(ram_mb: int, *, disk_free_mb: int | None = None) -> dict[str, str]:
    """The settings for a machine with ram_mb of memory (pure arithmetic)."""
    shared = _clamp(ram_mb / 4, 128 * MB, 4 * GB)
    cache = max(ram_mb // 2, shared)
    work = _clamp((ram_mb - shared) / (4 * MAX_CONNECTIONS), 4 * MB, 64 * MB)
    maintenance = _clamp(ram_mb / 16, 64 * MB, 1 * GB)
    wal = _clamp(ram_mb / 4, 1 * GB, 8 * GB)
    if disk_free_mb is not None:  # WAL lives in the data folder; never fill the disk with it
        wal = max(256 * MB, min(wal, disk_free_mb // 8))
    return {"shared_buffers": f"{shared}MB", "effective_cache_size": f"{cache}MB",
            "work_mem": f"{work}MB", "maintenance_work_mem": f"{maintenance}MB",
            "max_wal_size": f"{wal}MB", "checkpoint_timeout": "15min",
            "wal_compression": "on"}


def parse_memory(value: str) -> int | None:
    """Megabytes for "8GB", "512MB", "2048" (MB); None for "off"; raises on anything else.
    "auto" is resolved by the caller (machine_ram_mb)."""
    text = value.strip().lower()
    if text == "off":
        return None
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]*)", text)
    if not found or found.group(2) not in _UNITS:
        raise ValueError(f"{MEMORY_ENV}={value!r}: expected auto, off or a size such as "
                         "8GB or 512MB")
    return int(float(found.group(1)) * _UNITS[found.group(2)])


def machine_ram_mb() -> int:
    """Memory this machine gives us: MemTotal (sysconf where there is no /proc), or less
    when a control group (a container's memory limit) caps it."""
    total = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                total = int(line.split()[1]) // 1024  # kB
                break
    except OSError:
        pass
    if total is None:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    limit = cgroup_limit_mb()
    return min(total, limit) if limit else total


CGROUP_LIMITS = (Path("/sys/fs/cgroup/memory.max"),  # cgroup v2
                 Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))  # cgroup v1


def cgroup_limit_mb(paths=CGROUP_LIMITS) -> int | None:
    """The memory limit of the control group we run in, None when unlimited or unknown
    ("max" in v2; v1 writes a huge number for none)."""
    for path in paths:
        try:
            value = path.read_text().strip()
        except OSError:
            continue
        if value.isdigit() and int(value) < 2**60:
            return int(value) // (1024 * 1024)
    return None


def settings_for(memory: str, data_dir: Path) -> dict[str, str]:
    """The settings the chosen memory ("auto", "off" or a size) asks for; {} for "off"."""
    ram = machine_ram_mb() if memory.strip().lower() == "auto" else parse_memory(memory)
    if ram is None:
        return {}
    stat = os.statvfs(data_dir)
    return sized_settings(ram, disk_free_mb=stat.f_bavail * stat.f_frsize // (1024 * 1024))


def chosen_memory(explicit: str | None) -> str:
    """The caller's choice, else the environment's, else "auto"."""
    return explicit or os.environ.get(MEMORY_ENV) or "auto"


def render(settings: dict[str, str], memory: str) -> str:
    lines = [f"# Written by onegrid at every start of the embedded cluster "
             f"(gis/cluster_sizing.py; {MEMORY_ENV}={memory}).",
             "# Edits here are lost: use ALTER SYSTEM, which wins over this file."]
    lines += [f"{name} = '{value}'" for name, value in settings.items()]
    return "\n".join(lines) + "\n"

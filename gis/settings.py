"""Settings, split by concern, built by `get_settings()` at start-up (never at import time)."""
from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseModel):
    """Where the data lives: an external server (url) or the embedded cluster (data_dir)."""

    # The owner's login (DATABASE_URL): migrations and the `onegrid` CLI.
    url: str | None = None
    # The service's own login, which cannot bypass row-level security (gis/db_roles.py).
    # Unset: the URL above with the app role and app_password (the embedded cluster
    # keeps both itself).
    app_url: str | None = None
    app_password: str | None = None
    # Role names; empty = derived from the database name (<db>_owner, <db>_app), so that
    # several onegrid databases can share one server.
    owner_role: str = ""
    app_role: str = ""
    data_dir: Path = Path(".onegrid/pg")
    # The embedded cluster's memory and WAL sizing (gis/cluster_sizing.py): "auto" (this
    # machine's RAM), a size such as "8GB" (as if it had that much), or "off".
    cluster_memory: str = "auto"
    pool_size: int = 10
    # The asyncpg pool of the /locate fast path. Small on purpose: each connection is a
    # server process, and more of them than cores only adds context switches (on 2 cores
    # 2 connections served 1.35x the requests of 10 at 8 concurrent clients, with lower
    # p99; bench/locate.py). Requests beyond it wait a few hundred microseconds in line.
    async_pool_size: int = 2
    echo: bool = False


class GridSettings(BaseModel):
    """Rules for cells; local standards differ, so every number is configurable."""

    households_min: int = 150
    households_max: int = 500
    # Overlaps and gaps smaller than this are numerical noise, not planning errors.
    area_tolerance_m2: float = 1.0
    sliver_min_area_m2: float = 100.0
    sliver_max_thinness: float = 0.05


class SecuritySettings(BaseModel):
    """Keys and the development identity used until full access control is configured."""

    secret_key: str = ""
    dev_user: str = "dev"
    access_token_minutes: int = 15
    refresh_token_minutes: int = 12 * 60
    # Anonymous requests act as the dev administrator; never on a public interface.
    dev_mode: bool = False
    # Hot read paths (/locate, /tiles) reuse an authenticated principal per credential for this
    # long: revoking a key, disabling a user or changing roles takes effect within it.
    # 0 turns the cache off.
    principal_cache_seconds: float = 5.0


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    max_request_bytes: int = 50 * 1024 * 1024
    # A request's line and headers together, and how many headers (api/http_limits.py): 431.
    max_header_bytes: int = 64 * 1024
    max_headers: int = 100
    # A basemap tile URL template (e.g. a local Tianditu mirror); empty = no basemap (offline).
    basemap_url: str = ""
    # /locate answers points in the active generation from an in-memory copy of its cells,
    # reloaded on every committed change (LISTEN/NOTIFY; api/locate_index.py); false: every
    # lookup asks the database.
    locate_index: bool = True
    # ... unless the active generation has more lookup pieces than this (about 1.5-3 KB of
    # memory each, per worker): 200,000 holds a province of ~100,000 cells.
    locate_index_max_pieces: int = 200_000


class ImportSettings(BaseModel):
    """Limits on an uploaded spreadsheet (.xlsx, .csv): a hostile or mistaken file is
    refused by name and limit before it costs minutes of CPU or gigabytes of memory."""

    # Excel's own limits of a sheet (1,048,576 rows) and of a cell (32,767 characters);
    # a people file has tens of columns, never hundreds.
    max_rows: int = 1_048_576
    max_columns: int = 256
    max_cell_chars: int = 32_767
    # An .xlsx is a zip: the sum of its members' inflated sizes, checked from the zip's
    # directory BEFORE parsing (zipfile never inflates past a member's declared size).
    # A 50 MB upload of real data inflates to a few hundred MB.
    max_inflated_bytes: int = 512 * 1024 * 1024
    # Sheets written by Excel or openpyxl compress 5-30x (every cell carries its own
    # reference); a 2M-row bomb of bare repeated rows compresses 400x and more.
    max_compression_ratio: float = 200.0


class IncidentSettings(BaseModel):
    """Dispatch: duplicates, office hours, the light and the escalation sweeper."""

    # A report of the same category this near and this recent is offered as a duplicate.
    duplicate_radius_m: float = 50.0
    duplicate_hours: float = 24.0
    # Office hours of a working day, for limits counted in working time.
    working_hours: str = "08:30-12:00,13:30-17:30"
    time_zone: str = "Asia/Shanghai"
    # The light turns yellow at this share of the limit, red when it has passed.
    yellow_share: float = 0.75
    # How often the app's background sweeper escalates overdue cases; 0 = not in the app
    # (run `onegrid incidents sweep` from cron instead).
    sweep_seconds: float = 60.0
    nearest_staff: int = 3
    # Open311: the one jurisdiction served (a request naming another gets 404; empty =
    # any jurisdiction_id is accepted), and the contact shown by discovery.
    open311_jurisdiction: str = ""
    open311_contact: str = "the district's command centre (区网格化服务管理中心)"
    # Photos uploaded with a case (JPEG, PNG, WebP), kept in <state dir>/photos.
    photo_max_bytes: int = 10 * 1024 * 1024


class StaffSettings(BaseModel):
    """The staffing standards the audit checks: a TOML file (gis/staff/standards.toml,
    shipped, unless this names another one; validated at load, gis/staff/standards.py)."""

    standards_path: Path | None = None


class Settings(BaseSettings):
    """All settings; env vars ONEGRID_<SECTION>__<FIELD>, plus the conventional DATABASE_URL."""

    model_config = SettingsConfigDict(env_prefix="ONEGRID_", env_nested_delimiter="__")

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    grid: GridSettings = Field(default_factory=GridSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    imports: ImportSettings = Field(default_factory=ImportSettings)
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    demo_size: str = "district"
    log_level: str = "INFO"

    @property
    def state_dir(self) -> Path:
        """The folder beside the data dir that holds the embedded cluster and local secrets."""
        return self.database.data_dir.parent


def get_settings(**overrides) -> Settings:
    """Build settings from the environment; DATABASE_URL wins over the embedded default."""
    import os

    settings = Settings(**overrides)
    if settings.database.url is None and os.environ.get("DATABASE_URL"):
        settings.database.url = os.environ["DATABASE_URL"]
    if not settings.security.secret_key:
        settings.security.secret_key = _local_secret(settings.state_dir / "secret_key")
    return settings


def _local_secret(path: Path) -> str:
    """A per-installation random key, created once and kept out of the repository."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key)
    path.chmod(0o600)
    return key

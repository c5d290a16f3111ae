"""The road network (road_vertices, road_edges) rebuilt from road_lines, and whether
routing on it can run here: pgRouting installed in the database, and edges loaded."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.sql import query

# Degrees (EPSG:4326), about 1 cm: ends of lines this close are one junction.
GRID_DEG = 1e-7


def rebuild(session: Session) -> dict[str, int]:
    """Replace the network with one built from every road line; counts of what it holds.
    The whole network is rebuilt: lines of one import meet lines of another."""
    # Two imports at once would both delete and then insert the same ids: the second waits.
    # SHARE ROW EXCLUSIVE conflicts with itself but not with readers, who keep routing on
    # the old network until this transaction commits.
    session.execute(text("LOCK TABLE road_vertices, road_edges IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(text("DELETE FROM road_edges"))
    session.execute(text("DELETE FROM road_vertices"))
    session.execute(query("road_network_build"), {"grid_deg": GRID_DEG})
    counts = session.execute(text(
        "SELECT (SELECT count(*) FROM road_vertices) AS vertices,"
        " (SELECT count(*) FROM road_edges) AS edges")).one()
    return {"vertices": counts.vertices, "edges": counts.edges}


@dataclass(frozen=True)
class Routing:
    """Whether distances can be measured along roads here, and if not, why not."""

    by_road: bool
    why_not: str | None = None


# Both questions in one round trip (every intake asks them). road_edges always exists
# (migration 0026), pgRouting or not.
_ROUTING = text("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgrouting')"
                " AS installed, EXISTS (SELECT FROM road_edges) AS loaded")


def routing(session: Session) -> Routing:
    installed, loaded = session.execute(_ROUTING).one()
    if not installed:
        return Routing(False, "pgRouting is not installed in this database (optional: "
                              "install postgresql-pgrouting and CREATE EXTENSION pgrouting)")
    if not loaded:
        return Routing(False, "no road network is loaded (onegrid import roads FILE)")
    return Routing(True)

"""The consoles' live feed: a case committed by anyone reaches an open console over
Server-Sent Events (LISTEN/NOTIFY), only if it lies in the console user's area."""
from __future__ import annotations

import json
import time

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from gis.auth import service, tokens
from gis.db import sqlalchemy_url
from tests.factories import VILLAGE
from tests.live_server import serving


def add_case(url: str, *, code: str, lon: float) -> None:
    """A case committed by another process (the owner's login), placed in a cell."""
    engine = create_engine(sqlalchemy_url(url))
    with Session(engine) as session, session.begin():
        session.execute(text(
            "INSERT INTO incidents (code, category_id, source, status, title, geom, cell_id)"
            " SELECT :code, k.id, 'camera', 'reported', 'x',"
            " ST_SetSRID(ST_MakePoint(:lon, 0.5), 4326), c.id"
            " FROM incident_categories k, grid_cells c WHERE k.code = 'emergency'"
            " AND ST_Covers(c.geom, ST_SetSRID(ST_MakePoint(:lon, 0.5), 4326))"),
            {"code": code, "lon": lon})
    engine.dispose()


def test_a_committed_case_reaches_the_console_of_its_area_only(settings, committed_grid_url):
    from api.app import create_app

    engine = create_engine(sqlalchemy_url(committed_grid_url))
    with Session(engine) as session, session.begin():
        user = service.add_user(session, username="west-desk", roles=("dispatcher",))
        service.add_scope(session, username="west-desk", code=VILLAGE + "001")
        pair = tokens.issue_tokens(settings.security, username=user.username,
                                   password_hash=user.password_hash)
    engine.dispose()
    settings.database.url = committed_grid_url
    settings.security.dev_mode = False
    settings.incidents.sweep_seconds = 0
    app = create_app(settings)
    with serving(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/incidents/stream").status_code == 401
        headers = {"Authorization": f"Bearer {pair.access_token}"}
        with client.stream("GET", "/incidents/stream", headers=headers) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert next(lines) == "retry: 3000"
            # the console is subscribed and the feed listening before anything commits
            feed = app.state.incident_feed
            while not (feed.consoles and feed.listening.is_set()):
                time.sleep(0.01)
            add_case(committed_grid_url, code="SJ-EAST", lon=1.5)  # outside the area
            add_case(committed_grid_url, code="SJ-WEST", lon=0.5)
            event = []
            for line in lines:
                if line.startswith(":") or line.startswith("retry"):
                    continue
                if not line:
                    if event:
                        break
                    continue
                event.append(line)
    fields = dict(line.split(": ", 1) for line in event)
    data = json.loads(fields["data"])
    assert fields["event"] == "incident" and data["code"] == "SJ-WEST"
    assert data["cell_code"] == VILLAGE + "001" and data["op"] == "insert"
    assert fields["id"] == f"{data['id']}.1.-"


def test_the_apps_own_sweeper_escalates_an_overdue_case_and_tells_the_console(
        settings, committed_grid_url):
    """The lifespan's background sweeper (no CLI, no test hook): an overdue case committed
    by someone else is escalated, and the console hears of it."""
    from api.app import create_app

    settings.database.url = committed_grid_url
    settings.incidents.sweep_seconds = 0.2
    app = create_app(settings)  # dev mode: the console is the local administrator
    engine = create_engine(sqlalchemy_url(committed_grid_url))
    with serving(app) as base, httpx.Client(base_url=base, timeout=30) as client, \
            client.stream("GET", "/incidents/stream") as stream:
        feed = app.state.incident_feed
        while not (feed.consoles and feed.listening.is_set()):
            time.sleep(0.01)
        with Session(engine) as session, session.begin():
            session.execute(text(
                "INSERT INTO incidents (code, category_id, source, status, title, geom,"
                " cell_id, reported_at, dispatched_at, due_at) SELECT 'SJ-LATE', k.id,"
                " 'patrol', 'dispatched', 'x', ST_SetSRID(ST_MakePoint(0.5, 0.5), 4326), c.id,"
                " now() - interval '2 days', now() - interval '2 days',"
                " now() - interval '1 day' FROM incident_categories k, grid_cells c"
                " WHERE k.code = 'emergency' AND c.code = :cell"), {"cell": VILLAGE + "001"})
        levels = []
        for line in stream.iter_lines():
            if line.startswith("data: ") and json.loads(line[6:])["code"] == "SJ-LATE":
                levels.append(json.loads(line[6:])["level"])
                if levels[-1] == "town":
                    break
    with Session(engine) as session:
        log = session.execute(text(
            "SELECT t.actor, t.level FROM incident_transitions t JOIN incidents i"
            " ON i.id = t.incident_id WHERE i.code = 'SJ-LATE'")).all()
    engine.dispose()
    assert levels[0] == "village" and levels[-1] == "town"
    assert log == [("system (timer)", "town")]

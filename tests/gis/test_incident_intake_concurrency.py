"""Two reports at once: neither waits for the other's transaction (a case goes in with its
final code, so no placeholder collides on the unique index of codes)."""
from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from gis.auth import rls
from gis.db import sqlalchemy_url
from gis.db_roles import with_login
from gis.incidents import intake
from gis.incidents.schemas import IncidentReport
from gis.settings import IncidentSettings
from tests.incident_fixtures import THURSDAY, principal


def test_a_report_does_not_wait_for_another_uncommitted_report(committed_grid_url, logins):
    app_url = with_login(committed_grid_url, user=logins.names.app,
                         password=logins.app_password)
    engine = create_engine(sqlalchemy_url(app_url))
    desk = principal("dispatcher")
    codes = []
    with Session(engine) as first, Session(engine) as second:
        for session, lon in ((first, 0.5), (second, 1.5)):
            rls.scope_session(session, desk)
            # the second would wait for the first's commit: 2 s, then an error
            session.execute(text("SET LOCAL lock_timeout = '2s'"))
            out = intake.report(session, principal=desk, now=THURSDAY,
                                settings=IncidentSettings(),
                                data=IncidentReport(source="patrol", category="emergency",
                                                    lon=lon, lat=0.5))
            codes.append(out["code"])
        first.commit()
        second.commit()
    with Session(engine) as session:
        rls.scope_session(session, desk)
        stored = session.execute(text("SELECT code FROM incidents ORDER BY id")).scalars()
        assert list(stored) == codes
    engine.dispose()
    assert all(code.startswith("SJ20261008") for code in codes) and codes[0] != codes[1]

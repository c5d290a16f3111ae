"""Schemathesis against the OpenAPI schema, authenticated as an admin: no 500s anywhere.

Bounded: 10 generated examples per operation (deadline off: the database is real). The
operations are driven through schemathesis' Python API inside one ordinary test (its
pytest plugin does not support pytest 9 yet). Each request runs in its own savepoint of
the test's rolled-back transaction, so one refused write does not poison the next."""
from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from api import deps
from gis.auth import tokens

# 10 keeps the run near 20 s with ~50 operations; ONEGRID_FUZZ_EXAMPLES=100 digs deeper.
EXAMPLES_PER_OPERATION = int(os.environ.get("ONEGRID_FUZZ_EXAMPLES", "10"))
SKIP = {"/healthz"}
# An endless event stream (and, on the test's session, no feed: 503); it is tested over a
# live server in tests/api/test_incident_stream.py.
SKIP |= {"/incidents/stream"}


@pytest.fixture()
def fuzz_app(app, db, two_cells, strict_settings):
    def per_request_session():
        savepoint = db.begin_nested()
        try:
            yield db
            db.flush()
            savepoint.commit()
        except BaseException:
            savepoint.rollback()
            raise

    app.dependency_overrides[deps.get_session] = per_request_session
    return app


@pytest.fixture()
def admin_headers(make_user, strict_settings):
    user = make_user("fuzz-admin", "admin")
    pair = tokens.issue_tokens(strict_settings.security, username=user.username,
                               password_hash=user.password_hash)
    return {"Authorization": f"Bearer {pair.access_token}"}


def server_errors(operation, headers) -> list[str]:
    found: list[str] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              derandomize=True, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case):
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # the TestClient re-raises what would be a 500
            found.append(f"{case.method} {case.formatted_path} query={case.query} "
                         f"raised {type(exc).__name__}: {str(exc)[:200]}")
            return
        if response.status_code >= 500 and len(found) < 3:
            found.append(f"{case.method} {case.formatted_path} query={case.query} "
                         f"body={str(case.body)[:120]} -> {response.status_code}: "
                         f"{response.text[:200]}")

    run()
    return found


def test_no_server_errors(fuzz_app, admin_headers):
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    # /healthz asks the session's bind for an Engine; the test session is bound to a
    # Connection, so it cannot run here (it has no parameters to fuzz anyway).
    operations = [result.ok() for result in schema.get_all_operations()
                  if result.ok().path not in SKIP]
    assert len(operations) >= 5
    started = time.monotonic()
    failures = [line for op in operations for line in server_errors(op, admin_headers)]
    print(f"schemathesis: {len(operations)} operations x {EXAMPLES_PER_OPERATION} examples "
          f"in {time.monotonic() - started:.1f} s")
    assert not failures, "\n".join(failures)

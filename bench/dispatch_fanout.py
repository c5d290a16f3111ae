"""Console fan-out: a new case reaching 200 open consoles, SSE vs polling GET /incidents.

One uvicorn worker (no dev mode: every console is a dispatcher of the demo's district,
logged in with a bearer token, so row-level security and the feed's area filter both
apply; 10 such users, the consoles shared out among them). Cases are committed one at a
time by the owner (status reported, in a random cell, code BENCH-FAN-...); for each, the
time from just before its COMMIT to the moment the LAST console has it, p50 and p99 over
all cases of all rounds (and the median per console). The clients are asyncio streams in
one Python process (uvloop) on the same 2 cores: their parsing is in the figures.
- ours: `--consoles` clients on GET /incidents/stream (Server-Sent Events fed by one
  LISTEN connection per worker, api/incident_feed.py);
- peer: as many clients polling GET /incidents?after=<the highest id seen> once a second
  each, their phases spread evenly over the second (what a console without a push
  channel does; `after` is the keyset the API pages by, so a poll returns only new
  cases). Its time is bounded below by the poll interval (a mean of about half of it per
  console, close to all of it for the last of 200): the row shows what polling costs in
  delay and in requests per second for the same freshness, not two equal mechanisms.
Both sides see every case at every console (a row says so) and write nothing but the
cases (deleted at the end) and the bench users (bench-console-*, kept for the next run).
The sides alternate, each on a fresh worker with its clients opened afresh (SSE consoles
10 at a time, as written before api/deps.py's session slots: a burst of authenticated
requests larger than the connection pool used to stall a worker, sync dependencies holding
the threadpool's threads while waiting for a connection; requests now wait for a slot
without a thread, tests/api/test_request_burst.py); `--rounds` rounds of `--cases`. A
case not seen by every console within the wait (6 s) counts as the wait, and the row
says how many (case, console) pairs missed it.

    .venv/bin/python -m bench.dispatch_fanout [--consoles 200] [--cases 30] [--rounds 2]
        [--database-url OWNER_URL --app-url APP_URL]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import serve
from gis.db import make_engine

USERS = 10
SECRET = "bench-fanout-secret-not-for-production"
SERVER_ENV = {"ONEGRID_INCIDENTS__SWEEP_SECONDS": "0", "ONEGRID_SECURITY__DEV_MODE": "false",
              "ONEGRID_SECURITY__SECRET_KEY": SECRET,
              "ONEGRID_SECURITY__ACCESS_TOKEN_MINUTES": "240"}
PREFIX = "BENCH-FAN-"
INSERT = text("""
INSERT INTO incidents (code, category_id, source, status, title, geom, cell_id)
SELECT :code, k.id, 'camera', 'reported', 'bench fan-out', ST_PointOnSurface(c.geom), c.id
FROM incident_categories AS k, grid_cells AS c
WHERE k.code = 'emergency' AND c.id = :cell_id""")


@dataclass
class Side:
    """One side's measurements over its rounds."""
    name: str
    last: list[float] = field(default_factory=list)  # per case: until the last console
    each: list[float] = field(default_factory=list)  # per case and console
    missed: int = 0  # (case, console) pairs not seen within the wait
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)  # rounds that could not run

    def shown(self) -> str:
        failed = f"; {len(self.failures)} round(s) failed: {self.failures[0]}" \
            if self.failures else ""
        if not self.last:
            return "no cases" + failed
        rate = f", {self.requests / self.seconds:.0f} req/s" if self.requests else ""
        each = statistics.median(self.each) * 1000 if self.each else float("nan")
        return (f"last console p50 {statistics.median(self.last) * 1000:.0f} ms, p99 "
                f"{self.p99() * 1000:.0f} ms; each console p50 "
                f"{each:.0f} ms{rate}{failed}")

    def p99(self) -> float | None:
        if len(self.last) < 2:
            return self.last[0] if self.last else None
        return statistics.quantiles(self.last, n=100, method="inclusive")[98]


def consoles_users(owner_url: str) -> tuple[list[str], str]:
    """Bearer tokens of the bench dispatchers (made if missing; each scoped to the demo's
    district) and that district's code."""
    from gis.auth import service, tokens
    from gis.settings import SecuritySettings

    engine = make_engine(owner_url, pool_size=1)
    security = SecuritySettings(secret_key=SECRET, access_token_minutes=240)
    out = []
    try:
        with Session(engine) as session, session.begin():
            district = session.execute(text(
                "SELECT btrim(code) FROM regions WHERE level = 'district' ORDER BY code"
                " LIMIT 1")).scalar_one()
            for number in range(USERS):
                name = f"bench-console-{number}"
                exists = session.execute(text("SELECT 1 FROM users WHERE username = :u"),
                                         {"u": name}).first()
                if not exists:
                    service.add_user(session, username=name, roles=("dispatcher",))
                    service.add_scope(session, username=name, code=district)
                user = service.get_user(session, username=name)
                out.append(tokens.issue_tokens(security, username=name,
                                               password_hash=user.password_hash).access_token)
    finally:
        engine.dispose()
    return out, district


class Cases:
    """Commits cases one by one (owner), timing each from just before its COMMIT."""

    def __init__(self, owner_url: str) -> None:
        self.engine = make_engine(owner_url, pool_size=1)
        self.run = uuid.uuid4().hex[:6]
        with self.engine.connect() as conn:
            self.cells = conn.execute(text(
                "SELECT id FROM grid_cells WHERE generation_high IS NULL")).scalars().all()
        self.count = 0

    def max_id(self) -> int:
        """The highest case id now: where pollers start."""
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT coalesce(max(id), 0) FROM incidents")
                                ).scalar_one()

    def commit_one(self) -> tuple[str, float]:
        self.count += 1
        code = f"{PREFIX}{self.run}-{self.count}"
        with Session(self.engine) as session:
            session.execute(INSERT, {"code": code, "cell_id": random.choice(self.cells)})
            started = time.monotonic()
            session.commit()
        return code, started

    def remove(self) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(text("DELETE FROM incidents WHERE code LIKE :p"),
                            {"p": PREFIX + "%"})
        self.engine.dispose()


class Seen:
    """When each console first saw each case; wakes the waiter when all have."""

    def __init__(self, consoles: int) -> None:
        self.consoles = consoles
        self.at: dict[str, dict[int, float]] = {}
        self.done: dict[str, asyncio.Event] = {}

    def expect(self, code: str) -> asyncio.Event:
        self.at.setdefault(code, {})
        return self.done.setdefault(code, asyncio.Event())

    def saw(self, code: str, console: int) -> None:
        seen = self.at.setdefault(code, {})
        if console not in seen:
            seen[console] = time.monotonic()
            if len(seen) == self.consoles and code in self.done:
                self.done[code].set()


async def sse_console(client: httpx.AsyncClient, token: str, number: int, seen: Seen,
                      ready: asyncio.Event, opened: list, expected: int) -> None:
    async with client.stream("GET", "/incidents/stream",
                             headers={"Authorization": f"Bearer {token}"}) as response:
        if response.status_code != 200:
            raise RuntimeError(f"stream answered {response.status_code}")
        async for line in response.aiter_lines():
            if line.startswith("retry"):
                opened.append(number)
                if len(opened) == expected:
                    ready.set()
            elif line.startswith("data: ") and PREFIX in line:
                seen.saw(json.loads(line[6:])["code"], number)


async def open_consoles(client: httpx.AsyncClient, tokens: list[str], seen: Seen,
                        consoles: int, *, batch: int = 10) -> list[asyncio.Task]:
    """The SSE consoles, opened `batch` at a time, each batch streaming before the next.

    Not all at once: a burst of authenticated requests larger than the app's connection
    pool stalls the worker (sync dependencies hold threadpool threads waiting for the
    pool while the requests holding connections wait for a thread) until the pool's
    30 s time-out fails some of them; see the report of this benchmark."""
    tasks, opened = [], []
    for first in range(0, consoles, batch):
        ready = asyncio.Event()
        size = min(consoles, first + batch)
        tasks += [asyncio.create_task(sse_console(client, tokens[i % len(tokens)], i, seen,
                                                  ready, opened, size))
                  for i in range(first, size)]
        await asyncio.wait_for(ready.wait(), 120)
    return tasks


async def poller(client: httpx.AsyncClient, token: str, number: int, seen: Seen,
                 after: int, side: Side, interval: float) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    start = time.monotonic() + interval * number / seen.consoles
    tick = 0
    while True:
        await asyncio.sleep(max(0.0, start + tick * interval - time.monotonic()))
        tick += 1
        side.requests += 1
        try:
            response = await client.get("/incidents", params={"after": after, "limit": 500},
                                        headers=headers)
            response.raise_for_status()
        except httpx.HTTPError:
            side.errors += 1
            continue
        for feature in response.json()["features"]:
            after = max(after, feature["id"])
            code = feature["properties"].get("code") or ""
            if code.startswith(PREFIX):
                seen.saw(code, number)


async def one_side(name: str, base: str, tokens: list[str], cases: Cases, side: Side, *,
                   consoles: int, count: int, wait_s: float, interval: float) -> None:
    """Open the clients, commit `count` cases one after another, close the clients."""
    seen = Seen(consoles)
    limits = httpx.Limits(max_connections=consoles + 10, max_keepalive_connections=consoles)
    async with httpx.AsyncClient(base_url=base, limits=limits,
                                 timeout=httpx.Timeout(60, read=None)) as client:
        if name == "ours":
            tasks = await open_consoles(client, tokens, seen, consoles)
        else:
            after = await asyncio.to_thread(cases.max_id)
            tasks = [asyncio.create_task(poller(client, tokens[i % len(tokens)], i, seen,
                                                after, side, interval))
                     for i in range(consoles)]
        started = time.monotonic()
        try:
            await _commit_and_wait(cases, seen, side, count=count, wait_s=wait_s, warm=True)
            await _commit_and_wait(cases, seen, side, count=count, wait_s=wait_s, warm=False)
        finally:
            side.seconds += time.monotonic() - started
            for task in tasks:
                task.cancel()
            failures = [r for r in await asyncio.gather(*tasks, return_exceptions=True)
                        if isinstance(r, Exception) and not isinstance(r,
                                                                       asyncio.CancelledError)]
            if failures:
                raise RuntimeError(f"{len(failures)} clients failed: {failures[0]!r}")


async def _commit_and_wait(cases: Cases, seen: Seen, side: Side, *, count: int,
                           wait_s: float, warm: bool) -> None:
    """One case at a time (a first, untimed one when warm: the feed listening, plans)."""
    for _ in range(1 if warm else count):
        code, committed = await asyncio.to_thread(cases.commit_one)
        done = seen.expect(code)
        if seen.at[code] and len(seen.at[code]) == seen.consoles:
            done.set()
        with contextlib.suppress(TimeoutError):  # a miss is counted below
            await asyncio.wait_for(done.wait(), wait_s)
        if warm:
            continue
        times = list(seen.at[code].values())
        side.missed += seen.consoles - len(times)
        side.each.extend(t - committed for t in times)
        # a case some console (or none) missed within the wait counts as the wait
        side.last.append(max(times) - committed if len(times) == seen.consoles else wait_s)
        await asyncio.sleep(random.uniform(0.05, 0.25))  # cases arrive at random moments


def run(owner_url: str, app_url: str, *, consoles: int = 200, cases: int = 30,
        rounds: int = 2, wait_s: float = 6.0, interval: float = 1.0) -> dict:
    import uvloop

    tokens, district = consoles_users(owner_url)
    committer = Cases(owner_url)
    sides = {"ours": Side("ours"), "peer": Side("peer")}
    env = {**SERVER_ENV, "DATABASE_URL": owner_url, "ONEGRID_DATABASE__APP_URL": app_url}
    try:
        for number in range(rounds):
            order = ("ours", "peer") if number % 2 == 0 else ("peer", "ours")
            for name in order:
                # A fresh worker for each side: an overloaded one carries its backlog
                # (requests waiting for a connection) into the next side's turn.
                try:
                    with serve("bench.common:onegrid_app", env=env) as base:
                        uvloop.run(one_side(name, base, tokens, committer, sides[name],
                                            consoles=consoles, count=cases, wait_s=wait_s,
                                            interval=interval))
                except Exception as error:  # a failing side is a result, not a crash
                    sides[name].failures.append(f"{type(error).__name__}: {error}"[:120])
                print(f"  fan-out {name}: {sides[name].shown()}", flush=True)
    finally:
        committer.remove()
    return {"sides": sides, "consoles": consoles, "cases": cases, "rounds": rounds,
            "district": district, "wait_s": wait_s, "interval": interval}


def report_rows(result: dict) -> list[list[str]]:
    ours, peer = result["sides"]["ours"], result["sides"]["peer"]
    a, b = ours.p99(), peer.p99()
    ratio = f"{a / b:.2f}x p99" if a and b else "n/a"
    seen = ("every console saw every case" if not ours.missed and not peer.missed else
            f"MISSED within {result['wait_s']:.0f} s (counted as {result['wait_s']:.0f} s): "
            f"ours {ours.missed}, peer {peer.missed} (case, console) pairs")
    return [[f"{result['consoles']} consoles, {len(ours.last)} + {len(peer.last)} cases",
             ours.shown(), peer.shown() + f", {peer.errors} errors", ratio, seen,
             str(result["rounds"])]]


HEADER = ["fan-out", "ours (SSE /incidents/stream)", "peer (polling GET /incidents, 1 s)",
          "ours / peer", "output", "rounds"]


def main() -> None:
    from bench.common import app_database_url, database_url, print_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consoles", type=int, default=200)
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database-url", default=None, help="the owner's URL")
    parser.add_argument("--app-url", default=None, help="the service's login")
    args = parser.parse_args()
    result = run(args.database_url or database_url(), args.app_url or app_database_url(),
                 consoles=args.consoles, cases=args.cases, rounds=args.rounds)
    print_table("console fan-out, 1 worker, as district dispatchers (RLS on)", HEADER,
                report_rows(result))


if __name__ == "__main__":
    main()

"""Where the time of one vote goes: ``python -m bench.profile_votes [sqlite|postgresql]``.

The app is built in this process on a seeded database (as ``bench.bench_votes`` seeds it)
and 1,000 votes are sent to it one after another as ASGI calls, with the thread pool
replaced by a direct call, so that the whole request runs in one thread. Each phase of the
vote path is timed around the function that does it, exclusively (a phase's time leaves
out the phases it calls), with the SQL statements it sent (their count and time); what
no phase claims is the ASGI app, its middleware and routing, and the framework's own code.
Then cProfile's heaviest functions for the same loop.

One request at a time: no lock is waited for. Under load, the phases that run while the
write lock (SQLite) or the audit chain's head row (PostgreSQL) is held are what bounds
the votes per second; the table marks them.
"""

from __future__ import annotations

import asyncio
import cProfile
import functools
import io
import json
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bench import bench_votes
from constitution.api import auth as api_auth
from constitution.api import votes as api_votes
from constitution.app import create_app
from constitution.audit import services as audit_services
from constitution.db import Database, make_engine
from constitution.votes.services import ballots
from constitution.web import framework

VOTES = 1000


class Phases:
    """Exclusive wall time and SQL per phase, on a stack of phases."""

    def __init__(self) -> None:
        self.stack: list[list[Any]] = []  # [name, started, sql seconds]
        self.wall: dict[str, float] = defaultdict(float)
        self.sql: dict[str, float] = defaultdict(float)
        self.statements: dict[str, int] = defaultdict(int)
        self.sql_started = 0.0

    def name(self) -> str:
        return self.stack[-1][0] if self.stack else "ASGI, middleware, routing, framework"

    def push(self, name: str) -> None:
        now = time.perf_counter()
        if self.stack:
            self.wall[self.stack[-1][0]] += now - self.stack[-1][1]
        elif hasattr(self, "root_started"):
            self.wall[self.name()] += now - self.root_started
        if self.stack and self.stack[0][0].startswith("preflight") and name != "preflight":
            name = "preflight: " + name
        self.stack.append([name, now])

    def pop(self) -> None:
        now = time.perf_counter()
        name, started = self.stack.pop()
        self.wall[name] += now - started
        if self.stack:
            self.stack[-1][1] = now
        else:
            self.root_started = now

    def start_root(self) -> None:
        self.root_started = time.perf_counter()

    def end_root(self) -> None:
        self.wall[self.name()] += time.perf_counter() - self.root_started
        del self.root_started

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        if asyncio.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_timed(*args: Any, **kwargs: Any) -> Any:
                self.push(name)
                try:
                    return await fn(*args, **kwargs)
                finally:
                    self.pop()

            return async_timed

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.push(name)
            try:
                return fn(*args, **kwargs)
            finally:
                self.pop()

        return timed


def instrument(phases: Phases, database: Database) -> None:
    """Wrap the phases of the vote path (before the app and its routes are built)."""

    async def inline(work: Callable[..., Any], *args: Any) -> Any:
        name = {"_preflight": "preflight", "_run": "request (transaction, framework)"}.get(
            work.__name__, work.__name__
        )
        return phases.wrap(name, work)(*args)

    framework.run_in_threadpool = inline  # type: ignore[assignment]
    rp = framework.RequestPool
    rp.take = phases.wrap("lane", rp.take)  # type: ignore[method-assign]
    framework.Lanes.release = phases.wrap("lane", framework.Lanes.release)  # type: ignore[method-assign]
    framework.Lanes.key = staticmethod(phases.wrap("lane", framework.Lanes.key))  # type: ignore[method-assign]
    api_auth.authenticate_api = phases.wrap("auth: token and member", api_auth.authenticate_api)
    api_auth.parse_json = phases.wrap("parse JSON body", api_auth.parse_json)
    ballots.clean_choice = phases.wrap("vote: other (checks, ORM)", ballots.clean_choice)
    ballots.get_poll = phases.wrap("vote: poll row FOR SHARE", ballots.get_poll)
    ballots._entitlement = phases.wrap("vote: entitlement", ballots._entitlement)
    ballots._insert_ballot = phases.wrap("vote: insert ballot", ballots._insert_ballot)
    ballots.make_receipt = phases.wrap("vote: receipt", ballots.make_receipt)
    ballots.record = phases.wrap("audit: chain head, event row", ballots.record)
    audit_services.current_states = phases.wrap(
        "audit: state hash of the ballot", audit_services.current_states
    )
    api_votes.services.cast_vote = phases.wrap(
        "vote: other (existing-ballot select, reload, ORM)", api_votes.services.cast_vote
    )
    api_votes.json_response = phases.wrap("JSON answer", api_votes.json_response)
    Session.commit = phases.wrap("commit: ORM flush", Session.commit)  # type: ignore[method-assign]
    dialect = database.engine.dialect
    dialect.do_commit = phases.wrap("COMMIT (fsync)", dialect.do_commit)  # type: ignore[method-assign]
    dialect.do_rollback = phases.wrap("ROLLBACK", dialect.do_rollback)  # type: ignore[method-assign]

    @event.listens_for(database.engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("BEGIN"):
            phases.push(statement + " (write lock)" if "IMMEDIATE" in statement else statement)
        phases.sql_started = time.perf_counter()

    @event.listens_for(database.engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        took = time.perf_counter() - phases.sql_started
        name = phases.name()
        phases.sql[name] += took
        phases.statements[name] += 1
        if statement.startswith("BEGIN"):
            phases.pop()


async def call(app: Any, path: str, token: str, body: dict[str, Any]) -> tuple[int, bytes]:
    raw = json.dumps(body).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(raw)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent = False
    status = 0
    out = b""

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, out
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            out += message.get("body", b"")

    await app(scope, receive, send)
    return status, out


async def drive(app: Any, calls: list[Any], phases: Phases | None) -> float:
    start = time.perf_counter()
    for item in calls:
        if phases:
            phases.start_root()
        status, body = await call(app, item.path, item.token, item.body)
        if phases:
            phases.end_root()
        assert status == 200, body
    return time.perf_counter() - start


UNDER_LOCK = {
    "sqlite": lambda name: (
        not name.startswith(("preflight", "lane", "ASGI", "parse", "JSON"))
        and "BEGIN IMMEDIATE" not in name
    ),
    "postgresql": lambda name: name.startswith(("audit: chain", "commit", "COMMIT")),
}


def profile(engine_name: str) -> None:
    label = "SQLite" if engine_name == "sqlite" else "PostgreSQL"
    with (
        tempfile.TemporaryDirectory(prefix="constitution-profile-") as name,
        bench_votes.fresh_database(label, Path(name)) as url,
    ):
        hall = bench_votes.seed(url, Path(name))
        warm_poll, poll = bench_votes.open_polls(hall)
        hall.database.close()
        database = Database(make_engine(url, pool_size=hall.settings.threads))
        phases = Phases()
        instrument(phases, database)
        app = create_app(hall.settings, database)
        warm = bench_votes.vote_calls(hall, warm_poll, bench_votes.WARM_UP)
        calls = bench_votes.vote_calls(hall, poll, VOTES)

        async def main() -> tuple[float, str]:
            await drive(app, warm, None)
            phases.wall.clear()
            phases.sql.clear()
            phases.statements.clear()
            seconds = await drive(app, calls[: VOTES // 2], phases)
            # The wrapped phases go on timing under cProfile: keep this half's figures.
            timed = (dict(phases.wall), dict(phases.sql), dict(phases.statements))
            profiler = cProfile.Profile()
            profiler.enable()
            await drive(app, calls[VOTES // 2 :], None)
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(18)
            phases.wall, phases.sql, phases.statements = (defaultdict(float, t) for t in timed)  # type: ignore[assignment]
            return seconds, text.getvalue()

        seconds, top = asyncio.run(main())
        database.close()
    measured = VOTES // 2
    total = sum(phases.wall.values())
    under = UNDER_LOCK[engine_name]
    print(f"One vote, {label}, in-process, one at a time ({measured} votes timed by phase):")
    print(f"  {'phase':<58} {'µs/vote':>8} {'share':>6} {'of it SQL':>9} {'stmts':>6}")
    for phase, wall in sorted(phases.wall.items(), key=lambda kv: -kv[1]):
        mark = "*" if under(phase) else " "
        print(
            f" {mark}{phase:<58} {wall / measured * 1e6:>8.0f} {wall / total:>6.1%} "
            f"{phases.sql.get(phase, 0) / measured * 1e6:>9.0f} "
            f"{phases.statements.get(phase, 0) / measured:>6.1f}"
        )
    sql = sum(phases.sql.values())
    print(
        f"  {'all (timers on)':<59} {total / measured * 1e6:>8.0f}"
        f"          {sql / measured * 1e6:>5.0f}"
        f" {sum(phases.statements.values()) / measured:>6.1f}"
    )
    print(f"  wall time per vote with the timers: {seconds / measured * 1e3:.2f} ms")
    lock = sum(w for p, w in phases.wall.items() if under(p)) / measured * 1e6
    held = "the write lock" if engine_name == "sqlite" else "the audit head's row lock"
    print(f"  * held under {held}: {lock:.0f} µs/vote, a ceiling of {1e6 / lock:.0f} votes/s")
    print("cProfile, the other half of the votes, by own time:")
    lines = top.splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    for line in lines[start : start + 19]:
        print("  " + line[:150])


if __name__ == "__main__":
    for engine_name in sys.argv[1:] or ["sqlite"]:
        profile(engine_name)

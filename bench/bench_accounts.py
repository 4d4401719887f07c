"""Accounts and pages: page rendering, login (argon2id), audit append and verify."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from bench.common import report, scratch_settings, timed
from constitution.accounts.models import Member
from constitution.accounts.passwords import hash_password
from constitution.app import create_app
from constitution.audit.services import record, verify


def login_once(client: TestClient) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    form = {"username": "bench", "password": "bench password 123", "csrf_token": token.group(1)}
    response = client.post("/login", data=form)
    assert response.status_code == 303, response.status_code


def run() -> None:
    settings = scratch_settings()
    app = create_app(settings)
    database = app.state.database
    with database.transaction() as db:
        member = Member(
            username="bench",
            display_name="ဘင့်ချ်",
            roles=["member"],
            password_hash=hash_password(settings, "bench password 123"),
            active=True,
            language="my",
        )
        db.add(member)
        db.flush()
        record(db, "member.created", f"member:{member.id}", actor_id=None, payload={"via": "bench"})
    with TestClient(app, follow_redirects=False) as client:
        print("Pages (in-process ASGI, SQLite, one request at a time)")
        report("GET /login (anonymous)", timed(lambda: client.get("/login"), runs=50))
        login_once(client)
        report(
            "POST /login, fresh browser (argon2id 64 MiB, t=3)",
            timed(lambda: login_once(TestClient(app, follow_redirects=False)), runs=7),
        )
        report("GET /account (logged in)", timed(lambda: client.get("/account"), runs=50))
        report(
            "GET /api/v1/openapi.json", timed(lambda: client.get("/api/v1/openapi.json"), runs=50)
        )
    print("Audit chain")
    with database.transaction() as db:
        for i in range(2000):
            record(db, "bench.event", f"bench:{i}", actor_id=None, payload={"i": i})

    def append_100() -> None:
        with database.transaction() as db:
            for i in range(100):
                record(db, "bench.event", f"bench:{i}", actor_id=None, payload={"i": i})

    report("record 100 events in one transaction", timed(append_100, runs=7))

    def append_100_states() -> None:
        with database.transaction() as db:
            for _ in range(100):
                record(db, "bench.member", f"member:{member.id}", actor_id=None)

    report(
        "record 100 events on a member (her state hashed in each)",
        timed(append_100_states, runs=7),
    )
    with database.transaction() as db:
        for i in range(200):
            extra = Member(
                username=f"bench{i}",
                display_name=f"Bench {i}",
                roles=["member"],
                active=True,
                language="my",
            )
            db.add(extra)
            db.flush()
            record(db, "member.created", f"member:{extra.id}", actor_id=None)

    def verify_all() -> None:
        with database.transaction(write=False) as db:
            assert verify(db).ok

    with database.transaction(write=False) as db:
        events = verify(db).checked
    report(f"verify the whole chain ({events} events)", timed(verify_all, runs=5))
    database.close()

"""``GET /api/v1/sittings/{id}/events`` (API.md "Live events"): a sitting's live counts as
server-sent events, each change through the voting API arriving on an open stream, and
never a choice before the poll closes.

The app runs in-process on its own database (a SQLite file, or a new PostgreSQL database
with TEST_DATABASE_URL, where the changes travel by NOTIFY): the counts are read by the
hub's own transactions, after the requests' commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from constitution.app import create_app
from constitution.cli import migrate
from constitution.db import Database, make_engine
from tests.conftest import make_settings
from tests.factories import api_token, bearer, make_member
from tests.live.server import fresh_database
from tests.live.sse import EventReader, Item


@dataclass
class Hall:
    client: TestClient
    tokens: dict[str, str]

    def post(self, who: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = self.client.post(path, json=body, headers=bearer(self.tokens[who]))
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    @contextmanager
    def events(self, sitting: int, who: str = "aye") -> Iterator[EventReader]:
        url = f"/api/v1/sittings/{sitting}/events"
        with self.client.stream("GET", url, headers=bearer(self.tokens[who])) as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream"
            yield EventReader(response)


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Hall]:
    """A chair and three members on a fresh database, each with an API token."""
    with fresh_database(tmp_path) as url:
        settings = make_settings(url, tmp_path, live_heartbeat_seconds=1, live_coalesce_ms=50)
        migrate(settings)
        database = Database(make_engine(url, pool_size=2))
        with database.write() as db:
            people = {
                "chair": make_member(db, settings, "chair", ["member", "chair"]),
                **{name: make_member(db, settings, name) for name in ("aye", "bo", "cho")},
            }
        with TestClient(create_app(settings, database)) as client:
            tokens = {name: api_token(client, member) for name, member in people.items()}
            yield Hall(client, tokens)
        database.close()


def open_sitting(hall: Hall) -> int:
    body = {"title": "Live", "quorum": {"base": "members", "fraction": 0.5}}
    sitting = int(hall.post("chair", "/api/v1/sittings", body, 201)["id"])
    hall.post("chair", f"/api/v1/sittings/{sitting}/open")
    return sitting


def state(reader: EventReader, count: int) -> dict[str, Item]:
    """The first ``count`` events, by name (and poll id)."""
    found = {}
    for item in reader.events(count):
        key = f"poll:{item.data['id']}" if item.name == "poll" else item.name
        found[key] = item
    return found


def test_a_sitting_streams_its_state_then_each_change(hall: Hall) -> None:
    sitting = open_sitting(hall)
    hall.post("aye", f"/api/v1/sittings/{sitting}/attendance")
    with hall.events(sitting) as reader:
        first = state(reader, 2)
        assert first["sitting"].data == {"id": sitting, "status": "open"}
        assert first["attendance"].data == {
            "present": 1,
            "members": 4,
            "quorum_needed": 2,
            "quorum_met": False,
        }

        hall.post("bo", f"/api/v1/sittings/{sitting}/attendance")
        attendance = reader.event()
        assert attendance.name == "attendance"
        assert attendance.data["present"] == 2 and attendance.data["quorum_met"] is True

        motion = {"motion": {"en": "Adopt revision 1 as the draft."}}
        poll = hall.post("chair", f"/api/v1/sittings/{sitting}/polls", motion, 201)["id"]
        created = reader.event()
        assert (created.name, created.data) == (
            "poll",
            {"id": poll, "status": "created", "voted": 0, "entitled": 0, "passed": None},
        )

        hall.post("chair", f"/api/v1/polls/{poll}/open")
        opened = reader.event()
        assert opened.data == {
            "id": poll,
            "status": "open",
            "voted": 0,
            "entitled": 2,
            "passed": None,
        }

        hall.post("aye", f"/api/v1/polls/{poll}/votes", {"choice": "yes"})
        voted = reader.event()
        assert voted.data == {**opened.data, "voted": 1}  # how many, never what

        hall.post("aye", f"/api/v1/polls/{poll}/votes", {"choice": "no"})  # changed: no count
        assert [i for i in reader.quiet(0.5) if i.kind == "event"] == []

        hall.post("bo", f"/api/v1/polls/{poll}/votes", {"choice": "no"})
        assert reader.event().data["voted"] == 2
        hall.post("chair", f"/api/v1/polls/{poll}/close")
        closed = reader.event()
        assert closed.data == {
            "id": poll,
            "status": "closed",
            "voted": 2,
            "entitled": 2,
            "passed": False,
        }

        hall.post("bo", f"/api/v1/sittings/{sitting}/attendance", status=200)  # already in
        hall.client.delete(
            f"/api/v1/sittings/{sitting}/attendance", headers=bearer(hall.tokens["bo"])
        )
        assert reader.event().data["present"] == 1
        hall.post("chair", f"/api/v1/sittings/{sitting}/close")
        assert reader.event().data == {"id": sitting, "status": "closed"}


def test_a_new_stream_gets_the_whole_agenda(hall: Hall) -> None:
    sitting = open_sitting(hall)
    for name in ("aye", "bo"):
        hall.post(name, f"/api/v1/sittings/{sitting}/attendance")
    polls = [
        hall.post("chair", f"/api/v1/sittings/{sitting}/polls", {"motion": {"en": m}}, 201)["id"]
        for m in ("First.", "Second.")
    ]
    hall.post("chair", f"/api/v1/polls/{polls[0]}/open")
    hall.post("bo", f"/api/v1/polls/{polls[0]}/votes", {"choice": "abstain"})
    with hall.events(sitting, who="cho") as reader:
        first = state(reader, 4)
    assert set(first) == {"sitting", "attendance", f"poll:{polls[0]}", f"poll:{polls[1]}"}
    assert first[f"poll:{polls[0]}"].data["voted"] == 1
    assert first[f"poll:{polls[1]}"].data["status"] == "created"
    for item in first.values():
        assert not {"choice", "tally", "yes", "no", "abstain", "roll_call"} & set(item.data)


def test_the_stream_of_no_sitting_is_a_404_and_strangers_get_401(hall: Hall) -> None:
    response = hall.client.get("/api/v1/sittings/999999/events", headers=bearer(hall.tokens["aye"]))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    sitting = open_sitting(hall)
    response = hall.client.get(f"/api/v1/sittings/{sitting}/events")
    assert response.status_code == 401

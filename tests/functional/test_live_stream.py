"""The live event stream over HTTP, the app in-process on its own database (a SQLite file,
or a new PostgreSQL database with TEST_DATABASE_URL): who may open one, what it sends, and
its limits. The channel here is a probe (a table and a stream route made for the test), so
the machinery is tried apart from any part that uses it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.routing import Route
from starlette.testclient import TestClient

from constitution import live
from constitution.app import create_app
from constitution.cli import migrate
from constitution.db import Database, make_engine
from constitution.errors import N_, NotFound
from constitution.live.hub import SNAPSHOTS, Event, Hub
from constitution.routes import API_GATE, _api_error
from constitution.web.errors import plain_error
from constitution.web.framework import Access, Ctx
from constitution.web.live import make_stream_endpoint
from tests.conftest import make_settings
from tests.factories import api_token, bearer, login, make_member
from tests.live.server import fresh_database
from tests.live.sse import EventReader

PATH = "/api/v1/probes/{probe:int}/events"


def probe_channel(ctx: Ctx) -> str:
    """Probe 1 exists; any other is not found."""
    number = ctx.request.path_params["probe"]
    if number != 1:
        raise NotFound(N_("Not found."))
    return f"probe:{number}"


def probe_snapshot(db: Session, channel: str) -> list[Event]:
    value = db.execute(text("SELECT v FROM live_probe")).scalar_one()
    return [("probe", {"id": 1, "v": value})]


class Site:
    def __init__(self, database: Database, client: TestClient, tokens: dict[str, str]):
        self.database = database
        self.client = client
        self.tokens = tokens

    @property
    def hub(self) -> Hub:
        hub: Hub = self.client.app.state.live  # type: ignore[attr-defined]
        return hub

    def change(self, value: int) -> None:
        """What a service does: write, signal, commit."""
        with self.database.transaction() as db:
            db.execute(text("UPDATE live_probe SET v = :v"), {"v": value})
            live.signal(db, "probe:1")

    @contextmanager
    def stream(
        self, who: str = "alice", path: str = "/api/v1/probes/1/events", method: str = "GET"
    ) -> Iterator[Any]:
        headers = bearer(self.tokens[who]) if who else {}
        with self.client.stream(method, path, headers=headers) as response:
            yield response


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator[Callable[..., Site]]:
    """Sites on fresh databases, with the probe route and two members with API tokens."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> Site:
            url = stack.enter_context(fresh_database(tmp_path))
            settings = make_settings(url, tmp_path, live_heartbeat_seconds=1, **overrides)
            migrate(settings)
            database = Database(make_engine(url, pool_size=2))
            stack.callback(database.close)
            with database.write() as db:
                db.execute(text("CREATE TABLE live_probe (v INTEGER NOT NULL)"))
                db.execute(text("INSERT INTO live_probe (v) VALUES (0)"))
                alice = make_member(db, settings, "alice")
                bea = make_member(db, settings, "bea")
            app = create_app(settings, database)
            endpoint = make_stream_endpoint(
                probe_channel,
                access=Access.MEMBER,
                gate=API_GATE,
                render_error=_api_error,
                plain_error=plain_error,
            )
            app.router.routes.insert(0, Route(PATH, endpoint, name="api.probes.events"))
            client = stack.enter_context(TestClient(app, follow_redirects=False))
            tokens = {"alice": api_token(client, alice), "bea": api_token(client, bea)}
            return Site(database, client, tokens)

        live.register_snapshot("probe", probe_snapshot)
        stack.callback(SNAPSHOTS.pop, "probe", None)
        yield make


def test_a_stream_is_for_members_of_what_it_names(make_site: Callable[..., Site]) -> None:
    site = make_site()
    response = site.client.get("/api/v1/probes/1/events")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    response = site.client.get("/api/v1/probes/1/events", headers=bearer("not-a-token"))
    assert response.status_code == 401
    response = site.client.get("/api/v1/probes/2/events", headers=bearer(site.tokens["alice"]))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert site.hub.streams == 0


def test_a_stream_sends_the_state_then_each_change_and_heartbeats(
    make_site: Callable[..., Site],
) -> None:
    site = make_site()
    with site.stream() as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["cache-control"] == "no-store"
        assert "content-length" not in response.headers
        reader = EventReader(response)
        assert reader.next().kind == "retry"
        first = reader.event()
        assert (first.name, first.data) == ("probe", {"id": 1, "v": 0})
        site.change(5)
        changed = reader.event()
        assert changed.data == {"id": 1, "v": 5}
        beat = reader.until(lambda item: item.kind != "event", timeout=3)
        assert beat.kind == "comment"
        assert 0.8 < beat.at - changed.at < 2.0  # LIVE_HEARTBEAT_SECONDS=1 of silence


def test_a_head_request_opens_no_stream(make_site: Callable[..., Site]) -> None:
    site = make_site()
    with site.stream(method="HEAD") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert site.hub.streams == 0
    assert site.client.head("/api/v1/probes/1/events").status_code == 401


def test_a_browser_session_may_stream_too(make_site: Callable[..., Site]) -> None:
    site = make_site()
    with site.database.write() as db:
        carol = make_member(db, site.client.app.state.settings, "carol")  # type: ignore[attr-defined]
    login(site.client, carol)
    with site.stream(who="") as response:
        assert response.status_code == 200
        assert EventReader(response).event().data == {"id": 1, "v": 0}


def test_an_open_stream_leaves_her_lane_free(make_site: Callable[..., Site]) -> None:
    """Her stream holds no lane: her own requests are answered at once beside it (a lane
    held would make them wait ten seconds, then 503)."""
    site = make_site()
    with site.stream() as response:
        reader = EventReader(response)
        reader.event()
        for _ in range(3):
            start = time.monotonic()
            answer = site.client.get("/api/v1/me", headers=bearer(site.tokens["alice"]))
            assert answer.status_code == 200
            assert time.monotonic() - start < 2.0
        site.change(1)
        assert reader.event().data["v"] == 1


def test_her_newest_stream_ends_her_oldest(make_site: Callable[..., Site]) -> None:
    site = make_site(live_streams_per_credential=2)
    with site.stream() as one, site.stream() as two:
        first, second = EventReader(one), EventReader(two)
        first.event(), second.event()
        with site.stream() as three:
            third = EventReader(three)
            third.event()
            replaced = first.event()
            assert replaced.name == "replaced"
            assert first.next().kind == "end"
            assert site.hub.streams == 2
            site.change(2)
            assert second.event().data["v"] == third.event().data["v"] == 2


def test_a_full_worker_answers_503_with_retry_after(make_site: Callable[..., Site]) -> None:
    site = make_site(live_max_streams=2)
    with site.stream() as one, site.stream() as two:
        EventReader(one).event(), EventReader(two).event()
        refused = site.client.get("/api/v1/probes/1/events", headers=bearer(site.tokens["bea"]))
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "10"
        assert refused.json()["error"]["code"] == "busy"
    deadline = time.monotonic() + 3
    while site.hub.streams and time.monotonic() < deadline:
        time.sleep(0.01)
    with site.stream(who="bea") as three:
        assert three.status_code == 200


def test_a_stream_ends_after_its_lifetime_and_the_client_may_come_back(
    make_site: Callable[..., Site],
) -> None:
    site = make_site(live_stream_seconds=1)
    with site.stream() as response:
        reader = EventReader(response)
        start = reader.event().at
        end = reader.until(lambda item: item.kind == "end", timeout=3)
        assert end.data is None  # cleanly
        assert 0.85 < end.at - start < 1.5
    with site.stream() as again:
        assert EventReader(again).event().data["v"] == 0


def test_stopping_the_app_ends_its_open_streams(make_site: Callable[..., Site]) -> None:
    site = make_site()
    with site.stream() as response:
        reader = EventReader(response)
        reader.event()
        site.hub.close("shutdown")  # what the hub does when uvicorn starts stopping
        assert reader.until(lambda item: item.kind == "end", timeout=3).data is None
    refused = site.client.get("/api/v1/probes/1/events", headers=bearer(site.tokens["alice"]))
    assert refused.status_code == 503


def test_a_client_that_leaves_frees_its_place(make_site: Callable[..., Site]) -> None:
    site = make_site()
    with site.stream() as response:
        EventReader(response).event()
        assert site.hub.streams == 1 and set(site.hub.channels) == {"probe:1"}
    deadline = time.monotonic() + 3
    while site.hub.streams and time.monotonic() < deadline:
        time.sleep(0.01)
    assert site.hub.streams == 0 and site.hub.channels == {} and site.hub.credentials == {}

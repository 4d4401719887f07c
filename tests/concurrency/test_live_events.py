"""Live events across real server processes (``constitution serve``).

* Two servers on one PostgreSQL database, sharing nothing else: a change committed through
  server A (a check-in, a poll opened, a vote) reaches a stream open on server B, through
  NOTIFY and B's listening connection. The resync is off, so nothing but the signal could
  bring it there.
* A server asked to stop (SIGTERM) while streams are open ends them cleanly and exits; it
  would otherwise wait for them for ever.
* A client that goes away frees its place at once (uvicorn tells the app it disconnected).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.live.server import another_server, free_port, live_site, start_server
from tests.live.sse import EventReader

SPEC = {"chairs": 1, "members": 3, "provisions": 2, "words": 5}
LIVE_ENV = {
    "LIVE_HEARTBEAT_SECONDS": "1",
    "LIVE_COALESCE_MS": "50",
    "LIVE_RESYNC_SECONDS": "0",  # only a signal brings a change
}
TIMEOUT = httpx.Timeout(10.0, read=20.0)


def bearer(person: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {person['token']}"}


def post(base: str, person: dict[str, Any], path: str, body: Any = None) -> Any:
    response = httpx.post(base + path, json=body, headers=bearer(person), timeout=TIMEOUT)
    assert response.status_code in (200, 201), response.text
    return response.json()


@contextmanager
def events(base: str, sitting: int, person: dict[str, Any]) -> Iterator[EventReader]:
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        client.stream(
            "GET", f"{base}/api/v1/sittings/{sitting}/events", headers=bearer(person)
        ) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"] == "text/event-stream"
        reader = EventReader(response)
        try:
            yield reader
        finally:
            reader.hang_up()


def next_of(reader: EventReader, name: str, timeout: float = 5.0) -> Any:
    return reader.until(lambda item: item.name == name, timeout).data


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="workers share live events through PostgreSQL (on SQLite they are in-process)",
)
def test_a_change_through_one_server_reaches_a_stream_on_another(tmp_path: Path) -> None:
    with live_site(tmp_path, SPEC, **LIVE_ENV) as site, another_server(site) as other:
        a, b = site.base_url, other
        chair = site.seed["chairs"][0]
        aye, bo, cho = site.seed["members"]
        sitting = post(a, chair, "/api/v1/sittings", {"title": "Live", "quorum": None})["id"]
        post(a, chair, f"/api/v1/sittings/{sitting}/open")
        with events(b, sitting, cho) as reader:
            assert next_of(reader, "attendance")["present"] == 0
            start = time.monotonic()
            post(a, aye, f"/api/v1/sittings/{sitting}/attendance")
            assert next_of(reader, "attendance")["present"] == 1
            first = time.monotonic() - start
            post(a, bo, f"/api/v1/sittings/{sitting}/attendance")
            assert next_of(reader, "attendance") == {
                "present": 2,
                "members": 4,  # the chair is a member too
                "quorum_needed": 2,
                "quorum_met": True,
            }
            post(a, chair, f"/api/v1/sittings/{sitting}/attendance")
            assert next_of(reader, "attendance")["present"] == 3
            motion = {"motion": {"en": "Adopt the draft."}}
            poll = post(a, chair, f"/api/v1/sittings/{sitting}/polls", motion)["id"]
            assert next_of(reader, "poll")["status"] == "created"
            post(a, chair, f"/api/v1/polls/{poll}/open")
            assert next_of(reader, "poll")["entitled"] == 3
            post(a, aye, f"/api/v1/polls/{poll}/votes", {"choice": "yes"})
            assert next_of(reader, "poll") == {
                "id": poll,
                "status": "open",
                "voted": 1,
                "entitled": 3,
                "passed": None,
            }
        assert first < 2.0, f"the first change took {first:.2f} s to reach the other server"
    for log in (site.log, site.log.with_name("second.log")):
        text = log.read_text()
        assert "Traceback" not in text and "Application shutdown complete" in text, text


@pytest.mark.slow
def test_a_server_told_to_stop_ends_its_streams_and_exits(tmp_path: Path) -> None:
    with live_site(tmp_path, SPEC, **LIVE_ENV) as site:
        chair, member = site.seed["chairs"][0], site.seed["members"][0]
        sitting = post(site.base_url, chair, "/api/v1/sittings", {"title": "Stop"})["id"]
        log = tmp_path / "stopping.log"
        port = free_port()
        process = start_server(site.env, log, port)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/login", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            with events(base, sitting, member) as one, events(base, sitting, member) as two:
                next_of(one, "attendance"), next_of(two, "attendance")
                stopped = time.monotonic()
                process.send_signal(signal.SIGTERM)
                for reader in (one, two):
                    end = reader.until(lambda item: item.kind == "end", timeout=5)
                    assert end.data is None, end  # a clean end, not a cut connection
                # uvicorn stops, then raises the signal again on itself: -SIGTERM.
                assert process.wait(timeout=10) in (0, -signal.SIGTERM)
                assert time.monotonic() - stopped < 5
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        text = log.read_text()
        assert "Traceback" not in text and "Application shutdown complete" in text, text


@pytest.mark.slow
def test_clients_that_leave_free_their_places(tmp_path: Path) -> None:
    # No heartbeat within the test: only noticing the client leave can free a place.
    env = {**LIVE_ENV, "LIVE_MAX_STREAMS": "2", "LIVE_HEARTBEAT_SECONDS": "60"}
    with live_site(tmp_path, SPEC, **env) as site:
        chair, members = site.seed["chairs"][0], site.seed["members"]
        sitting = post(site.base_url, chair, "/api/v1/sittings", {"title": "Places"})["id"]
        url = f"{site.base_url}/api/v1/sittings/{sitting}/events"
        for round_ in range(3):
            with (
                events(site.base_url, sitting, members[0]) as one,
                events(site.base_url, sitting, members[1]) as two,
            ):
                next_of(one, "attendance"), next_of(two, "attendance")
                full = httpx.get(url, headers=bearer(members[2]), timeout=TIMEOUT)
                assert full.status_code == 503, (round_, full.text)
                assert full.headers["retry-after"] == "10"
            time.sleep(0.3)  # the server noticed both clients leave (no write needed)

"""A client that goes away before its request's body arrived (a dropped 2G link, a
closed laptop) leaves nothing done and no error in the log: the request is answered 400,
which nobody reads, instead of an unhandled ``ClientDisconnect``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from constitution.settings import Settings
from tests.factories import api_token, make_member


def send_and_leave(app: Starlette, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """POST ``path`` with ``headers`` and a body announced but never sent."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

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
            (k.lower().encode(), v.encode())
            for k, v in {"host": "testserver", "content-length": "20", **headers}.items()
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "app": app,
    }
    asyncio.run(app(scope, receive, send))
    return sent


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/login", "application/x-www-form-urlencoded"),  # a form, the regular endpoint
        ("/api/v1/polls/1/votes", "application/json"),  # a vote, the vote writer
        ("/api/v1/sittings", "application/json"),  # JSON, the regular endpoint
    ],
)
def test_a_client_gone_before_its_body_gets_a_400_and_no_error(
    app: Starlette,
    db: Session,
    settings: Settings,
    path: str,
    content_type: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    chair = make_member(db, settings, "chair", ["member", "chair"])
    with TestClient(app, base_url="http://testserver") as client:
        token = api_token(client, chair)
    headers = {"content-type": content_type, "authorization": f"Bearer {token}"}
    sent = send_and_leave(app, path, headers)
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 400
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]

"""OpenAPI paths of the live event streams (merged into the document by openapi.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SITTING_ID = {"name": "sitting_id", "in": "path", "required": True, "schema": {"type": "integer"}}

EVENTS = (
    "Server-sent events (text/event-stream, UTF-8) of the sitting's live counts. First a "
    "`retry:` line and the current state, then each change as it happens, at most every "
    "LIVE_COALESCE_MS (200 ms), and a comment line (`:`) after LIVE_HEARTBEAT_SECONDS (15) "
    "of silence. Events, each `event: NAME` and `data: JSON`:\n"
    '- `sitting` `{"id", "status": "planned"|"open"|"closed"}`;\n'
    '- `attendance` `{"present", "members", "quorum_needed", "quorum_met"}`;\n'
    '- `poll` `{"id", "status": "created"|"open"|"closed", "voted", "entitled", "passed": '
    "null|bool}`, one per poll on the agenda; never a choice, and `passed` only once "
    "closed;\n"
    "- `replaced` `{}`: the same token or session opened more streams than "
    "LIVE_STREAMS_PER_CREDENTIAL (4) on this server; this, its oldest, ends (do not "
    "reconnect it).\n\n"
    "Only what changed is sent again (a `poll` event is that poll's newest state). The "
    "stream ends when the server stops and after about LIVE_STREAM_SECONDS (300); "
    "reconnect (browsers' EventSource does so by itself) to get the whole state again. "
    "Authenticate with the bearer token or the session cookie; an open stream does not "
    "hold up the client's other requests. 503 with Retry-After when the server holds "
    "LIVE_MAX_STREAMS streams."
)


def paths(op: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    stream = {
        "200": {
            "description": "The event stream (it does not end by itself).",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    }
    return {
        "/api/v1/sittings/{sitting_id}/events": {
            "get": op(
                "Live counts of a sitting: attendance, quorum and each poll's votes so far.",
                stream,
                ("403", "404", "503"),
                params=[SITTING_ID],
                description=EVENTS,
            )
        }
    }

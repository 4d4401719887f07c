"""Server-sent events of a live channel (``constitution.live``): who may open a stream, how
many, and the stream itself.

``make_stream_endpoint(channel_of, ...)`` wraps ``channel_of(ctx) -> "sitting:12"``, which
checks that the member may watch what the request names and returns its channel. The
endpoint authenticates her as every view does (the gate, in a short read transaction, in
her lane of ``Lanes``), then gives the lane back and streams without any database session
or thread: an open stream never keeps her from voting. The hub bounds the streams: at most
``LIVE_STREAMS_PER_CREDENTIAL`` per token or session (another ends her oldest, which is
told ``event: replaced``) and ``LIVE_MAX_STREAMS`` per worker (503 with Retry-After).

A stream sends ``retry:``, the channel's current events, then each change as it comes, a
comment (``:``) after ``LIVE_HEARTBEAT_SECONDS`` of silence, and ends: when the client goes,
when the server stops (the hub ends every stream as soon as uvicorn starts stopping), and
after about ``LIVE_STREAM_SECONDS``, when the client reconnects and is authenticated again
(so a session or token that was revoked stops receiving within that time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from constitution import i18n
from constitution.errors import Busy, DomainError
from constitution.live.hub import Hub, Subscriber
from constitution.web.framework import (
    LANES,
    Access,
    Ctx,
    ErrorRenderer,
    Gate,
    PlainErrorRenderer,
    _apply_cookies,
    _check_path,
    _choose_language,
    _with_retry_after,
    is_busy_error,
)

log = logging.getLogger("constitution.live")

# What a stream's view returns: the channel the request may watch (or it raises).
ChannelOf = Callable[[Ctx], str]
# How long a client waits before it reconnects (milliseconds, sent as ``retry:``).
RETRY_MS = 3000
HEARTBEAT = b":\n\n"
REPLACED = b"event: replaced\ndata: {}\n\n"
HEADERS = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # a proxy must pass each event on at once
]


class EventStream(Response):
    """The response of one open stream (an ASGI app of its own, never buffered)."""

    def __init__(self, hub: Hub, subscriber: Subscriber, heartbeat: float, lifetime: float):
        super().__init__(status_code=200)
        self.hub = hub
        self.subscriber = subscriber
        self.heartbeat = heartbeat
        # Streams opened together do not all end (and reconnect) together.
        self.lifetime = lifetime * random.uniform(0.9, 1.0)  # noqa: S311

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            writer = asyncio.ensure_future(self._write(send))
            watcher = asyncio.ensure_future(_until_disconnect(receive))
            try:
                await asyncio.wait((writer, watcher), return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (writer, watcher):
                    task.cancel()
                await asyncio.gather(writer, watcher, return_exceptions=True)
            failure = None if writer.cancelled() else writer.exception()
            if failure is not None:
                raise failure
        finally:
            self.hub.unsubscribe(self.subscriber)

    async def _write(self, send: Send) -> None:
        loop = asyncio.get_running_loop()
        subscriber = self.subscriber
        end = loop.time() + self.lifetime
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await _body(send, f"retry: {RETRY_MS}\n\n".encode())
        sent = loop.time()
        while True:
            frames = subscriber.take()
            if frames:
                await _body(send, b"".join(frames))
                sent = loop.time()
                continue
            if subscriber.ended is not None:
                if subscriber.ended == "replaced":
                    await _body(send, REPLACED)
                break
            now = loop.time()
            if now >= end:
                break
            if now >= sent + self.heartbeat:
                await _body(send, HEARTBEAT)
                sent = now
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    subscriber.wake.wait(), min(sent + self.heartbeat, end) - now
                )
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _text(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode(), v.decode()) for k, v in headers]


async def _body(send: Send, data: bytes) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": True})


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def make_stream_endpoint(
    channel_of: ChannelOf,
    *,
    access: Access,
    gate: Gate,
    render_error: ErrorRenderer,
    plain_error: PlainErrorRenderer,
) -> Callable[[Request], Awaitable[Response]]:
    """A GET endpoint streaming the channel ``channel_of`` names for the request."""

    async def endpoint(request: Request) -> Response:
        hub: Hub = request.app.state.live
        if hub.full():
            return await run_in_threadpool(_refuse, request, hub.busy())
        key = LANES.key(request)
        lane = LANES.lane(key)
        if not await lane.take():
            LANES.release_unused(key, lane)
            return await run_in_threadpool(_refuse, request, Busy(retry_after=lane.retry_after))
        try:
            outcome = await run_in_threadpool(_authorize, request)
        except Exception as error:
            if is_busy_error(error):
                return await run_in_threadpool(_refuse, request, Busy())
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            return plain_error(request, 500)
        finally:
            LANES.release(key, lane)  # the stream itself holds no lane
        if isinstance(outcome, Response):
            return outcome
        if request.method == "HEAD":  # she may open it; a HEAD holds nothing open
            return Response(status_code=200, headers=dict(_text(HEADERS)))
        try:
            subscriber = hub.subscribe(outcome, key)
        except Busy as error:
            return await run_in_threadpool(_refuse, request, error)
        settings = request.app.state.settings
        return EventStream(
            hub, subscriber, settings.live_heartbeat_seconds, settings.live_stream_seconds
        )

    def _context(request: Request, db: Session) -> Ctx:
        database = request.app.state.database
        return Ctx(
            request=request,
            settings=request.app.state.settings,
            db=db,
            lang=i18n.DEFAULT_LANGUAGE,
            database=database,
            gate=gate,
        )

    def _authorize(request: Request) -> str | Response:
        """The channel she may watch, or the refusal (in one short read transaction)."""
        database = request.app.state.database
        token_lang = i18n.current_language.set(i18n.DEFAULT_LANGUAGE)
        try:
            with database.read() as db, db.begin():
                ctx = _context(request, db)
                try:
                    gate.authenticate(ctx, database, False)
                    ctx.lang = _choose_language(ctx)
                    i18n.current_language.set(ctx.lang)
                    gate.check_access(ctx, access)
                    _check_path(ctx)
                    return channel_of(ctx)
                except DomainError as error:
                    return _apply_cookies(ctx, _with_retry_after(render_error(ctx, error), error))
        finally:
            i18n.current_language.reset(token_lang)

    def _refuse(request: Request, error: DomainError) -> Response:
        database = request.app.state.database
        token_lang = i18n.current_language.set(i18n.DEFAULT_LANGUAGE)
        try:
            with database.read() as db:
                ctx = _context(request, db)
                ctx.preflight = True
                ctx.lang = _choose_language(ctx)
                i18n.current_language.set(ctx.lang)
                return _apply_cookies(ctx, _with_retry_after(render_error(ctx, error), error))
        finally:
            i18n.current_language.reset(token_lang)

    endpoint.__name__ = getattr(channel_of, "__name__", "events")
    endpoint.__doc__ = channel_of.__doc__
    return endpoint

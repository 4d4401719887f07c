"""The ASGI application."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from constitution.accounts.purge import purge
from constitution.api.vote_writer import VoteWriter
from constitution.api.vote_writer import install as install_vote_writer
from constitution.db import Database, make_engine
from constitution.live.hub import Hub, Limits
from constitution.routes import routes
from constitution.security import BodyLimitMiddleware, SecurityHeadersMiddleware
from constitution.settings import Settings
from constitution.settings import load as load_settings
from constitution.texts.diffs import DiffMemo
from constitution.web.errors import plain_error
from constitution.web.page_cache import PageCache
from constitution.web.render import critical_css_source, make_templates
from constitution.wiring import wire

log = logging.getLogger("constitution")

LARGE_BODY_PATHS = ("/api/v1/documents",)


async def http_exception(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return plain_error(request, status)


async def server_error(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log; the person gets a generic page.
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return plain_error(request, 500)


def purge_once(database: Database, settings: Settings) -> dict[str, int]:
    """One purge in its own short write transaction."""
    with database.transaction(write=True) as db:
        return purge(db, settings)


async def purge_periodically(
    database: Database, settings: Settings, seconds: float, times: int | None = None
) -> None:
    """Purge every ``seconds``, first after one interval, until cancelled (or ``times``
    runs); a failure is logged and the next run tries again."""
    runs = 0
    while times is None or runs < times:
        runs += 1
        await anyio.sleep(seconds)
        try:
            counts = await anyio.to_thread.run_sync(purge_once, database, settings)
        except Exception:
            log.exception("purge failed")
        else:
            log.info("purged %s", ", ".join(f"{k} {v}" for k, v in counts.items()))


def live_limits(settings: Settings) -> Limits:
    return Limits(
        coalesce=settings.live_coalesce_ms / 1000,
        resync=settings.live_resync_seconds,
        per_credential=settings.live_streams_per_credential,
        max_streams=settings.live_max_streams,
    )


# How often (seconds) a thread holding the GIL hands it over. Python's 5 ms lets one
# request doing pure-Python work (a Zawgyi check, a diff) hold up every other request for
# 5 ms at each of its database round trips; 1 ms keeps readers answering under such work.
SWITCH_INTERVAL = 0.001


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    wire()
    sys.setswitchinterval(SWITCH_INTERVAL)
    settings = settings or load_settings()
    # One more connection than threads when votes are grouped: the vote writer's own.
    database = database or Database(
        make_engine(settings.database_url, pool_size=settings.threads + 1)
    )
    hub = Hub(database, live_limits(settings))
    writer: VoteWriter | None = None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # A few threads per worker: many threads on few cores thrash (see DESIGN.md).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        async with anyio.create_task_group() as tasks:
            await tasks.start(hub.run)
            if settings.purge_minutes:
                tasks.start_soon(
                    purge_periodically, database, settings, settings.purge_minutes * 60
                )
            try:
                yield
            finally:
                # Every vote already queued is committed and answered first.
                if writer is not None and not await writer.aclose():
                    log.error("the vote writer was still committing when the worker stopped")
                tasks.cancel_scope.cancel()
        database.close()

    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(
                SecurityHeadersMiddleware,
                production=settings.production,
                style_sources=(critical_css_source(),),
            ),
            Middleware(
                BodyLimitMiddleware,
                default=settings.max_body_bytes,
                large=settings.max_import_bytes,
                large_paths=LARGE_BODY_PATHS,
            ),
        ],
        exception_handlers={HTTPException: http_exception, 500: server_error},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.live = hub
    # Templates are read again when changed in development only (no stat per render).
    app.state.templates = make_templates(auto_reload=not settings.production)
    app.state.diff_memo = DiffMemo()
    app.state.page_cache = (
        PageCache(settings.page_cache_mb * 1024 * 1024, settings.page_cache_seconds)
        if settings.page_cache_mb
        else None
    )
    if settings.vote_group_max:
        writer = install_vote_writer(app)
    app.state.vote_writer = writer
    return app

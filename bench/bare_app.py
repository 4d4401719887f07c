"""The ceiling of the vote benchmark: a bare endpoint that inserts one row per request.

``POST /insert`` reads its JSON body in the event loop, then in the thread pool inserts one
row into ``bench_bare`` and commits, in a write transaction taken up front, on the engine
``constitution.db.make_engine`` makes (so the same durability: on SQLite WAL with
``synchronous=FULL`` and BEGIN IMMEDIATE, on PostgreSQL its durable commits), with as many
threads and connections as the app's ``THREADS``. ``GET /ping`` answers without the
database. Run by ``bench.bench_votes`` as ``uvicorn bench.bare_app:app`` with
``BARE_DATABASE_URL`` and ``BARE_THREADS`` set; the table is made by the benchmark.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from constitution.app import SWITCH_INTERVAL
from constitution.db import make_engine, utcnow

metadata = MetaData()
bare = Table(
    "bench_bare",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member", Integer, nullable=False),
    Column("choice", String(8), nullable=False),
    Column("at", String(40), nullable=False),
)

THREADS = int(os.environ.get("BARE_THREADS", "4"))
engine = make_engine(os.environ.get("BARE_DATABASE_URL", "sqlite://"), pool_size=THREADS)
writer = engine.execution_options(immediate=True)


def _insert(body: dict[str, object]) -> int:
    with writer.begin() as conn:
        row = conn.execute(
            insert(bare)
            .values(member=body["member"], choice=body["choice"], at=utcnow().isoformat())
            .returning(bare.c.id)
        ).scalar_one()
    return int(row)


async def insert_one(request: Request) -> Response:
    body = json.loads(await request.body())
    row = await run_in_threadpool(_insert, body)
    return JSONResponse({"id": row, "choice": body["choice"]})


async def ping(request: Request) -> Response:
    return JSONResponse({"ok": True})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # As the app does: its thread pool's size and its GIL switch interval.
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    sys.setswitchinterval(SWITCH_INTERVAL)
    yield
    engine.dispose()


app = Starlette(
    routes=[Route("/insert", insert_one, methods=["POST"]), Route("/ping", ping)],
    lifespan=lifespan,
)

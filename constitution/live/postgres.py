"""The one connection per worker that listens for signals on PostgreSQL.

It runs in the worker's event loop (psycopg 3's asyncio connection, in autocommit, outside
the connection pool), ``LISTEN``s on ``constitution_live`` and hands each notification's
payload (a channel's name) to the hub. It pings the server when nothing arrived for a while,
so that a connection lost without a word is noticed too. Lost, it connects again with a
growing pause (0.5 s to 10 s); once listening again every channel with streams is looked at
afresh, since signals sent meanwhile reached no one here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import psycopg
from sqlalchemy import URL

from constitution.live.signals import PG_CHANNEL

log = logging.getLogger("constitution.live")

PING_SECONDS = 30.0
# How the listening connections are named in pg_stat_activity.
APPLICATION_NAME = "constitution-live"
FIRST_PAUSE, LONGEST_PAUSE = 0.5, 10.0


class Hub(Protocol):
    """What the listener tells the hub (``constitution.live.hub.Hub``)."""

    @property
    def listening(self) -> bool: ...

    def signal(self, channel: str) -> None: ...

    def listener_ready(self) -> None: ...

    def listener_lost(self) -> None: ...


def conninfo(url: URL) -> str:
    """A libpq connection string from the SQLAlchemy URL (``postgresql+psycopg://…``)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def listen(hub: Hub, url: URL, *, ping: float = PING_SECONDS) -> None:
    """Until cancelled: hand every signal on the database at ``url`` to ``hub``."""
    pause = FIRST_PAUSE
    while True:
        try:
            await _listen_once(hub, url, ping)
        except (psycopg.Error, OSError, TimeoutError) as error:
            log.warning("live listener lost its connection (%s); again in %.1f s", error, pause)
        if hub.listening:
            pause = FIRST_PAUSE  # it was connected: start again from the shortest pause
        hub.listener_lost()
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)


async def _listen_once(hub: Hub, url: URL, ping: float) -> None:
    connection = await psycopg.AsyncConnection.connect(
        conninfo(url), autocommit=True, connect_timeout=10, application_name=APPLICATION_NAME
    )
    async with connection:
        await connection.execute(f"LISTEN {PG_CHANNEL}")
        hub.listener_ready()
        while True:
            async for notify in connection.notifies(timeout=ping):
                hub.signal(notify.payload)
            # Nothing for a while: is the server still there?
            await asyncio.wait_for(connection.execute("SELECT 1"), ping)

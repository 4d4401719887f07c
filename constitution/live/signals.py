"""``signal(db, channel)``: the state of ``channel`` changed; tell every worker, after commit.

Called by a service inside its write transaction, after its writes::

    live.signal(db, f"sitting:{sitting.id}")

Nothing happens at the call: the channel is noted on the session. When the transaction
commits, every worker's hub hears it; when it rolls back, nobody does. On PostgreSQL the
note becomes ``NOTIFY`` (``pg_notify``) just before the commit, which PostgreSQL delivers to
every listening connection only once the transaction has committed (and to none if it does
not), so a worker that dies right after its commit still leaves its signal sent. On SQLite
(one host) the note is handed to this process's running hubs once the commit is done.

With an ``Engine`` instead of a session the signal is sent at once, as a transaction of
its own (a script that has already committed).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from sqlalchemy import URL, Connection, Engine, event, func, select
from sqlalchemy.orm import Session, SessionTransaction

# The one PostgreSQL channel every worker listens on; the payload is our channel's name.
PG_CHANNEL = "constitution_live"
# A channel is ``prefix:rest`` in plain ASCII (PostgreSQL allows payloads up to 8000 bytes).
CHANNEL = re.compile(r"[a-z][a-z0-9_]*:[A-Za-z0-9_.:-]{1,100}")

_PENDING = "live_signals"
_LISTENING = "live_listening"

# What this process's running hubs registered: (the database's URL, a thread-safe call).
Receiver = Callable[[str], None]
_receivers: dict[int, tuple[URL, Receiver]] = {}
_receivers_lock = threading.Lock()


def check_channel(channel: str) -> str:
    if not isinstance(channel, str) or not CHANNEL.fullmatch(channel):
        raise ValueError(f"not a live channel name: {channel!r}")
    return channel


def signal(db: Session | Engine, channel: str) -> None:
    """The state behind ``channel`` changed: every worker's streams of it look again once
    the transaction of ``db`` has committed (at once for an ``Engine``)."""
    check_channel(channel)
    if isinstance(db, Engine):
        _send_now(db, channel)
        return
    if not db.info.get(_LISTENING):
        event.listen(db, "before_commit", _before_commit)
        event.listen(db, "after_commit", _after_commit)
        event.listen(db, "after_transaction_end", _after_transaction_end)
        db.info[_LISTENING] = True
    pending: set[str] = db.info.setdefault(_PENDING, set())
    pending.add(channel)


def _engine_of(db: Session) -> Engine:
    bind = db.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def _notify(connection: Connection | Session, channels: set[str]) -> None:
    for channel in sorted(channels):
        connection.execute(select(func.pg_notify(PG_CHANNEL, channel)))


def _before_commit(db: Session) -> None:
    channels: set[str] = db.info.get(_PENDING) or set()
    if channels and _engine_of(db).dialect.name == "postgresql":
        # In the transaction: PostgreSQL delivers it with the commit, or never.
        _notify(db, channels)
        channels.clear()


def _after_commit(db: Session) -> None:
    channels: set[str] | None = db.info.pop(_PENDING, None)
    if channels:
        url = _engine_of(db).url
        for channel in sorted(channels):
            deliver_here(url, channel)


def _after_transaction_end(db: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        # Rolled back (or committed, already delivered): nothing left to say.
        db.info.pop(_PENDING, None)


def _send_now(engine: Engine, channel: str) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            _notify(connection, {channel})
    else:
        deliver_here(engine.url, channel)


# ---- this process's hubs ----------------------------------------------------------------


def add_receiver(url: URL, receive: Receiver) -> int:
    """Hand this process's signals on the database at ``url`` to ``receive`` (called from
    any thread); the number given back removes it."""
    with _receivers_lock:
        number = max(_receivers, default=0) + 1
        _receivers[number] = (url, receive)
    return number


def remove_receiver(number: int) -> None:
    with _receivers_lock:
        _receivers.pop(number, None)


def deliver_here(url: URL, channel: str) -> None:
    """Tell this process's hubs on the database at ``url`` (SQLite's fan-out)."""
    with _receivers_lock:
        receivers = [receive for own, receive in _receivers.values() if _same(own, url)]
    for receive in receivers:
        receive(channel)


def _same(a: URL, b: URL) -> bool:
    return a.set(drivername=a.get_backend_name()) == b.set(drivername=b.get_backend_name())

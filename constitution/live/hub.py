"""The hub of one worker process: its channels with open streams, their snapshots, and the
subscribers (one per open stream) they push to.

Everything here runs in the worker's event loop, except the snapshot functions (in a worker
thread, one at a time per hub) and ``signal_threadsafe``. Per channel:

* a **signal** (``signal``) marks the channel dirty; a channel nobody watches is not kept;
* the channel's task recomputes its **snapshot** (the registered function, in a short read
  transaction) at once when it was idle, else once ``coalesce`` seconds have passed since
  the last one began: however many signals arrive, at most one snapshot per interval, and
  the newest state is always taken;
* the snapshot's events are encoded once, compared with the previous snapshot, and only
  the **changed** ones offered to each subscriber;
* a subscriber keeps at most one waiting frame per event (an event is its name and its
  ``"id"``, if its data has one): a newer frame replaces the older one not yet sent, so a
  slow stream holds at most one snapshot, never a backlog.

A new subscriber is offered the channel's whole current snapshot (or the first one, when
the channel is new). Events that disappear from a snapshot (a poll taken off the agenda)
are not announced; the page's reload shows them gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import signal as process_signals
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from anyio.abc import TaskStatus
from sqlalchemy.orm import Session

from constitution.db import Database
from constitution.errors import N_, Busy
from constitution.live import signals

log = logging.getLogger("constitution.live")

# An event: its name ("poll") and its data ({"id": 3, "voted": 12, ...}).
Event = tuple[str, dict[str, Any]]
# What a channel shows now: (a read session, the channel's name) -> its events.
Snapshot = Callable[[Session, str], list[Event]]
SNAPSHOTS: dict[str, Snapshot] = {}
EVENT_NAME = re.compile(r"[a-z][a-z_]{0,40}")
# An event's identity: its name and its id (JSON), so that two polls are two events.
Key = tuple[str, str]


def register_snapshot(prefix: str, snapshot: Snapshot) -> None:
    """Channels ``prefix:…`` show the events ``snapshot`` returns (again: replaces it)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", prefix):
        raise ValueError(f"not a channel prefix: {prefix!r}")
    SNAPSHOTS[prefix] = snapshot


def snapshot_function(channel: str) -> Snapshot | None:
    return SNAPSHOTS.get(channel.partition(":")[0])


def encode(event: Event) -> tuple[Key, bytes]:
    """An event's identity and its server-sent-events frame."""
    name, data = event
    if not EVENT_NAME.fullmatch(name) or not isinstance(data, dict):
        raise ValueError(f"not a live event: {event!r}")
    body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (name, json.dumps(data.get("id"))), f"event: {name}\ndata: {body}\n\n".encode()


class Subscriber:
    """One open stream of one channel: the frames not yet sent, at most one per event."""

    __slots__ = ("channel", "credential", "ended", "pending", "removed", "superseded", "wake")

    def __init__(self, channel: str, credential: str) -> None:
        self.channel = channel
        self.credential = credential
        self.pending: dict[Key, bytes] = {}
        self.wake = asyncio.Event()
        # Why the hub ended this stream ("replaced", "shutdown"), or None while it runs.
        self.ended: str | None = None
        self.removed = False
        # Frames replaced by newer ones before they were sent (a slow stream).
        self.superseded = 0

    def offer(self, frames: Iterable[tuple[Key, bytes]]) -> None:
        for key, frame in frames:
            if self.pending.pop(key, None) is not None:
                self.superseded += 1
            self.pending[key] = frame
        self.wake.set()

    def take(self) -> list[bytes]:
        """The frames waiting, oldest change first; none wait afterwards."""
        frames = list(self.pending.values())
        self.pending.clear()
        if self.ended is None:
            self.wake.clear()
        return frames

    def end(self, reason: str) -> None:
        if self.ended is None:
            self.ended = reason
        self.wake.set()


class Channel:
    __slots__ = ("dirty", "frames", "name", "subscribers", "task")

    def __init__(self, name: str) -> None:
        self.name = name
        self.subscribers: dict[Subscriber, None] = {}
        self.frames: dict[Key, bytes] | None = None
        self.dirty = asyncio.Event()
        self.task: asyncio.Task[None] | None = None


@dataclass(frozen=True)
class Limits:
    coalesce: float = 0.2  # seconds between two snapshots of one channel, at least
    resync: float = 30.0  # a snapshot this often without a signal too (0: never)
    per_credential: int = 4  # open streams of one token or session; another ends the oldest
    max_streams: int = 1000  # open streams of this worker; beyond, 503
    retry_after: int = 10  # seconds, sent with that 503


class Hub:
    """One worker's live channels. ``run()`` runs for the life of the app (its lifespan)."""

    def __init__(self, database: Database, limits: Limits | None = None) -> None:
        self.database = database
        self.limits = limits or Limits()
        self.channels: dict[str, Channel] = {}
        self.credentials: dict[str, list[Subscriber]] = {}
        self.streams = 0
        self.closing = False
        self.running = False
        # True while signals reach this hub (PostgreSQL: while its listener is connected).
        self.listening = False
        # Counters for tests and benchmarks.
        self.snapshots = 0
        self.signals = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: asyncio.TaskGroup | None = None
        self._limiter: anyio.CapacityLimiter | None = None

    # ---- life ---------------------------------------------------------------------------

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Listen for signals and serve channels until cancelled; then end every stream."""
        self._loop = asyncio.get_running_loop()
        self._limiter = anyio.CapacityLimiter(1)
        engine = self.database.engine
        receiver: int | None = None
        try:
            async with asyncio.TaskGroup() as tasks:
                self._tasks = tasks
                self.running = True
                if engine.dialect.name == "postgresql":
                    from constitution.live.postgres import listen

                    tasks.create_task(listen(self, engine.url))
                else:
                    receiver = signals.add_receiver(engine.url, self.signal_threadsafe)
                    self.listening = True
                tasks.create_task(self._watch_shutdown())
                task_status.started()
                await asyncio.Event().wait()  # until cancelled
        finally:
            self.running = False
            self.listening = False
            self._tasks = None
            if receiver is not None:
                signals.remove_receiver(receiver)
            self.close("shutdown")

    def close(self, reason: str) -> None:
        """End every stream (the server is stopping); refuse new ones."""
        self.closing = True
        for channel in self.channels.values():
            for subscriber in channel.subscribers:
                subscriber.end(reason)

    async def _watch_shutdown(self) -> None:
        """Under uvicorn, end the streams as soon as the server starts stopping: it waits
        for open responses to finish before it stops, and a stream never would."""
        server = _uvicorn_server()
        if server is None:
            return
        while not server.should_exit:
            await asyncio.sleep(0.2)
        log.info("server stopping: ending %d live streams", self.streams)
        self.close("shutdown")

    # ---- signals ------------------------------------------------------------------------

    def signal(self, channel: str) -> None:
        """``channel`` changed (from the event loop)."""
        self.signals += 1
        found = self.channels.get(channel)
        if found is not None:
            found.dirty.set()

    def signal_threadsafe(self, channel: str) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self.signal, channel)

    def listener_ready(self) -> None:
        """Signals reach this hub again: any channel may have changed while they did not,
        so each is looked at again."""
        self.listening = True
        for channel in self.channels.values():
            channel.dirty.set()

    def listener_lost(self) -> None:
        self.listening = False

    # ---- subscribers --------------------------------------------------------------------

    def busy(self) -> Busy:
        return Busy(
            N_("Too many live updates are open right now. Reload the page in a moment."),
            retry_after=self.limits.retry_after,
        )

    def full(self) -> bool:
        return self.closing or not self.running or self.streams >= self.limits.max_streams

    def subscribe(self, channel: str, credential: str) -> Subscriber:
        """A new stream of ``channel`` for ``credential`` (a hash of her token or session).
        Her oldest stream ends when she already holds as many as allowed; ``Busy`` when the
        worker holds its maximum or is stopping."""
        signals.check_channel(channel)
        if self.full() or self._tasks is None:
            raise self.busy()
        own = self.credentials.setdefault(credential, [])
        while len(own) >= self.limits.per_credential:
            oldest = own[0]
            self.unsubscribe(oldest)
            oldest.end("replaced")
        subscriber = Subscriber(channel, credential)
        own.append(subscriber)
        found = self.channels.get(channel)
        if found is None:
            found = self.channels[channel] = Channel(channel)
            found.dirty.set()
            found.task = self._tasks.create_task(self._serve(found))
        elif found.frames is not None:
            subscriber.offer(found.frames.items())
        found.subscribers[subscriber] = None
        self.streams += 1
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """The stream ended (may be called more than once)."""
        if subscriber.removed:
            return
        subscriber.removed = True
        self.streams -= 1
        own = self.credentials.get(subscriber.credential, [])
        if subscriber in own:
            own.remove(subscriber)
        if not own:
            self.credentials.pop(subscriber.credential, None)
        channel = self.channels.get(subscriber.channel)
        if channel is None:
            return
        channel.subscribers.pop(subscriber, None)
        if not channel.subscribers:
            del self.channels[channel.name]
            if channel.task is not None:
                channel.task.cancel()

    # ---- snapshots ----------------------------------------------------------------------

    async def _serve(self, channel: Channel) -> None:
        """The channel's task: a snapshot after each signal, coalesced."""
        loop = asyncio.get_running_loop()
        last = -math.inf
        while True:
            await self._wait_dirty(channel)
            delay = last + self.limits.coalesce - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            channel.dirty.clear()  # signals until now are answered by this snapshot
            last = loop.time()
            try:
                events = await self._snapshot_in_thread(channel.name)
                frames = dict(encode(event) for event in events)
            except Exception:
                log.exception("live snapshot of %s failed", channel.name)
                continue
            self._publish(channel, frames)

    async def _wait_dirty(self, channel: Channel) -> None:
        if self.limits.resync <= 0:
            await channel.dirty.wait()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(channel.dirty.wait(), self.limits.resync)

    async def _snapshot_in_thread(self, name: str) -> list[Event]:
        """``_snapshot`` in a worker thread. Cancelled (nobody watches any more, or the
        worker is stopping), it still waits for the thread: left running, its read would
        hold a pooled connection past the engine's disposal."""
        work = asyncio.ensure_future(
            anyio.to_thread.run_sync(self._snapshot, name, limiter=self._limiter)
        )
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            # Cancelled again meanwhile (the last stream left, then the worker stops): wait on.
            while not work.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait([work])
            if not work.cancelled():
                work.exception()  # retrieved: a failed read at shutdown is not news
            raise

    def _snapshot(self, name: str) -> list[Event]:
        """In a worker thread: the channel's events now, in a short read transaction."""
        self.snapshots += 1
        snapshot = snapshot_function(name)
        if snapshot is None:
            return []
        with self.database.read() as db, db.begin():
            return snapshot(db, name)

    def _publish(self, channel: Channel, frames: dict[Key, bytes]) -> None:
        before = channel.frames or {}
        changed = [(key, frame) for key, frame in frames.items() if before.get(key) != frame]
        channel.frames = frames
        if changed:
            for subscriber in channel.subscribers:
                subscriber.offer(changed)


def _uvicorn_server() -> Any:
    """The uvicorn server running this process, found through its signal handler (uvicorn
    installs its ``Server.handle_exit`` for SIGTERM and SIGINT), or None."""
    handler = process_signals.getsignal(process_signals.SIGTERM)
    owner = getattr(handler, "__self__", None)
    return owner if isinstance(getattr(owner, "should_exit", None), bool) else None

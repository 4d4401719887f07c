"""The hub of one worker: coalesced snapshots, changed events only, bounded subscribers,
limits per credential and per worker.

Each test runs a real hub in an event loop (in a thread of its own) on a scratch SQLite
database; the snapshot function shows a ``Board`` the test changes, and counts its calls.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from constitution.db import Database, make_engine
from constitution.errors import Busy
from constitution.live.hub import SNAPSHOTS, Event, Hub, Limits, Subscriber, encode
from constitution.live.hub import register_snapshot as register
from tests.live.loop import run_in_thread

CHANNEL = "board:1"


class Board:
    """What the channel shows: attendance and two polls' counts."""

    def __init__(self) -> None:
        self.present = 0
        self.voted = {1: 0, 2: 0}
        self.calls = 0
        self.fail = False

    def snapshot(self, db: Session, channel: str) -> list[Event]:
        self.calls += 1
        db.execute(text("SELECT 1"))  # in a real read transaction
        if self.fail:
            raise RuntimeError("the snapshot failed")
        return [
            ("attendance", {"present": self.present, "channel": channel}),
            *(("poll", {"id": poll, "voted": n}) for poll, n in self.voted.items()),
        ]


@pytest.fixture
def board() -> Iterator[Board]:
    board = Board()
    register("board", board.snapshot)
    yield board
    SNAPSHOTS.pop("board", None)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Database]:
    database = Database(make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}", pool_size=1))
    yield database
    database.close()


def with_hub(
    database: Database, limits: Limits, scenario: Callable[[Hub], Awaitable[None]]
) -> None:
    """Run ``scenario`` against a running hub, then stop the hub."""

    async def main() -> None:
        hub = Hub(database, limits)
        runner = asyncio.create_task(hub.run())
        while not hub.running:
            await asyncio.sleep(0.001)
        try:
            await scenario(hub)
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)

    run_in_thread(main)


def decode(frames: list[bytes]) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for frame in frames:
        lines = frame.decode().strip("\n").split("\n")
        assert lines[0].startswith("event: ") and lines[1].startswith("data: ")
        events.append((lines[0].removeprefix("event: "), json.loads(lines[1][6:])))
    return events


async def received(subscriber: Subscriber, timeout: float = 2.0) -> list[tuple[str, Any]]:
    """The events offered to ``subscriber`` next (waiting for some)."""
    await asyncio.wait_for(subscriber.wake.wait(), timeout)
    return decode(subscriber.take())


def test_many_signals_make_few_snapshots_and_the_newest_state_arrives(
    scratch: Database, board: Board
) -> None:
    coalesce = 0.2

    async def scenario(hub: Hub) -> None:
        subscriber = hub.subscribe(CHANNEL, "alice")
        assert len(await received(subscriber)) == 3
        first = board.calls
        seen: list[int] = []
        start = time.monotonic()
        for i in range(1, 601):
            board.present = i
            hub.signal(CHANNEL)
            await asyncio.sleep(0.002)
            seen += [e[1]["present"] for e in decode(subscriber.take()) if e[0] == "attendance"]
        burst = time.monotonic() - start
        seen += [e[1]["present"] for e in await received(subscriber, 1.0)]
        snapshots = board.calls - first
        # Bounded work: at most one snapshot per interval (and one to catch the last).
        assert snapshots <= burst / coalesce + 2, (snapshots, burst)
        # And it kept up during the burst, not only after it.
        assert snapshots >= burst / coalesce - 2, (snapshots, burst)
        assert len(seen) == snapshots and seen == sorted(seen)
        assert seen[-1] == 600
        assert hub.signals == 600

    with_hub(scratch, Limits(coalesce=coalesce, resync=0), scenario)


def test_a_signal_after_a_quiet_spell_is_answered_at_once_and_the_next_waits(
    scratch: Database, board: Board
) -> None:
    async def scenario(hub: Hub) -> None:
        subscriber = hub.subscribe(CHANNEL, "alice")
        await received(subscriber)
        await asyncio.sleep(1.0)  # longer than the interval: the next snapshot is due
        board.present = 1
        start = time.monotonic()
        hub.signal(CHANNEL)
        assert await received(subscriber) == [("attendance", {"present": 1, "channel": CHANNEL})]
        assert time.monotonic() - start < 0.3
        board.present = 2
        hub.signal(CHANNEL)
        assert (await received(subscriber))[0][1]["present"] == 2
        assert time.monotonic() - start >= 0.75  # one interval after the previous snapshot

    with_hub(scratch, Limits(coalesce=0.8, resync=0), scenario)


def test_only_changed_events_are_sent_and_a_newcomer_gets_them_all(
    scratch: Database, board: Board
) -> None:
    async def scenario(hub: Hub) -> None:
        alice = hub.subscribe(CHANNEL, "alice")
        assert [name for name, _ in await received(alice)] == ["attendance", "poll", "poll"]
        board.voted[2] = 7
        hub.signal(CHANNEL)
        assert await received(alice) == [("poll", {"id": 2, "voted": 7})]
        hub.signal(CHANNEL)  # nothing changed: nothing sent
        await asyncio.sleep(0.2)
        assert alice.take() == []
        calls = board.calls
        bea = hub.subscribe(CHANNEL, "bea")
        assert await received(bea) == [
            ("attendance", {"present": 0, "channel": CHANNEL}),
            ("poll", {"id": 1, "voted": 0}),
            ("poll", {"id": 2, "voted": 7}),
        ]
        assert board.calls == calls  # from the channel's last snapshot

    with_hub(scratch, Limits(coalesce=0.01, resync=0), scenario)


def test_a_slow_subscriber_keeps_only_the_newest_frame_of_each_event(
    scratch: Database, board: Board
) -> None:
    async def scenario(hub: Hub) -> None:
        slow = hub.subscribe(CHANNEL, "slow")
        fast = hub.subscribe(CHANNEL, "fast")
        await received(fast)
        for i in range(1, 301):
            board.present = i
            board.voted[1] = i * 2
            hub.signal(CHANNEL)
            await received(fast)
        assert len(slow.pending) == 3  # one frame per event, however many changes
        assert slow.superseded >= 2 * 299
        events = decode(slow.take())
        assert ("attendance", {"present": 300, "channel": CHANNEL}) in events
        assert ("poll", {"id": 1, "voted": 600}) in events

    with_hub(scratch, Limits(coalesce=0, resync=0), scenario)


def test_limits_per_credential_and_per_worker(scratch: Database, board: Board) -> None:
    async def scenario(hub: Hub) -> None:
        first = hub.subscribe(CHANNEL, "alice")
        second = hub.subscribe("board:2", "alice")
        third = hub.subscribe(CHANNEL, "alice")  # her oldest makes way
        assert first.ended == "replaced" and first.removed
        assert second.ended is None and third.ended is None
        hub.subscribe(CHANNEL, "bea")
        assert hub.streams == 3
        with pytest.raises(Busy) as refused:
            hub.subscribe(CHANNEL, "carol")
        assert refused.value.retry_after == 10
        hub.unsubscribe(second)
        hub.unsubscribe(second)  # twice is harmless
        assert hub.streams == 2 and "board:2" not in hub.channels
        hub.subscribe(CHANNEL, "carol")
        assert set(hub.credentials) == {"alice", "bea", "carol"}

    with_hub(scratch, Limits(per_credential=2, max_streams=3, resync=0), scenario)


def test_a_channel_lives_while_watched(scratch: Database, board: Board) -> None:
    async def scenario(hub: Hub) -> None:
        subscriber = hub.subscribe(CHANNEL, "alice")
        await received(subscriber)
        task = hub.channels[CHANNEL].task
        hub.unsubscribe(subscriber)
        assert hub.channels == {} and hub.credentials == {}
        await asyncio.sleep(0.01)
        assert task is not None and task.cancelled()
        calls = board.calls
        hub.signal(CHANNEL)  # nobody watches: no work
        await asyncio.sleep(0.1)
        assert board.calls == calls

    with_hub(scratch, Limits(coalesce=0, resync=0), scenario)


def test_a_failing_snapshot_keeps_the_last_state_and_the_channel(
    scratch: Database, board: Board
) -> None:
    async def scenario(hub: Hub) -> None:
        subscriber = hub.subscribe(CHANNEL, "alice")
        await received(subscriber)
        board.fail = True
        hub.signal(CHANNEL)
        await asyncio.sleep(0.1)
        assert subscriber.take() == []
        board.fail = False
        board.present = 4
        hub.signal(CHANNEL)
        assert (await received(subscriber))[0][1]["present"] == 4

    with_hub(scratch, Limits(coalesce=0, resync=0), scenario)


def test_resync_looks_again_without_a_signal(scratch: Database, board: Board) -> None:
    async def scenario(hub: Hub) -> None:
        subscriber = hub.subscribe(CHANNEL, "alice")
        await received(subscriber)
        board.present = 9  # and no signal (another worker on SQLite)
        assert (await received(subscriber, 1.0))[0][1]["present"] == 9

    with_hub(scratch, Limits(coalesce=0, resync=0.3), scenario)


def test_stopping_the_hub_ends_every_stream_and_refuses_new_ones(
    scratch: Database, board: Board
) -> None:
    async def scenario(hub: Hub) -> None:
        subscribers = [hub.subscribe(CHANNEL, name) for name in ("alice", "bea")]
        hub.close("shutdown")
        assert [s.ended for s in subscribers] == ["shutdown", "shutdown"]
        assert all(s.wake.is_set() for s in subscribers)
        assert hub.full()
        with pytest.raises(Busy):
            hub.subscribe(CHANNEL, "carol")

    with_hub(scratch, Limits(resync=0), scenario)


def test_cancelling_the_hub_ends_its_streams(scratch: Database, board: Board) -> None:
    async def main() -> None:
        hub = Hub(scratch, Limits(resync=0))
        runner = asyncio.create_task(hub.run())
        await asyncio.sleep(0.01)
        subscriber = hub.subscribe(CHANNEL, "alice")
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        assert subscriber.ended == "shutdown" and not hub.running

    run_in_thread(main)


def test_events_are_encoded_once_as_frames() -> None:
    key, frame = encode(("poll", {"voted": 3, "id": 2, "note": "two\nlines"}))
    assert key == ("poll", "2")
    assert frame == b'event: poll\ndata: {"id":2,"note":"two\\nlines","voted":3}\n\n'
    assert encode(("attendance", {"present": 1}))[0] == ("attendance", "null")
    for bad in (("Poll", {}), ("poll\ndata: x", {}), ("poll", [])):
        with pytest.raises(ValueError):
            encode(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        register("Bad:prefix", lambda db, channel: [])


def test_a_hub_stopped_mid_snapshot_waits_for_the_read_to_end(
    scratch: Database, board: Board
) -> None:
    """Left running, the snapshot's thread would still hold a pooled connection when the
    engine is disposed (on PostgreSQL an open connection then leaks to the collector)."""
    started, release, ended = threading.Event(), threading.Event(), threading.Event()
    plain = board.snapshot

    def slow(db: Session, channel: str) -> list[Event]:
        if board.calls:  # the first snapshot (for the newcomer) is quick; the next is slow
            started.set()
            release.wait(5)
            ended.set()
        return plain(db, channel)

    SNAPSHOTS["board"] = slow

    async def main() -> None:
        hub = Hub(scratch, Limits(coalesce=0.0))
        runner = asyncio.create_task(hub.run())
        while not hub.running:
            await asyncio.sleep(0.001)
        subscriber = hub.subscribe(CHANNEL, "alice")
        await received(subscriber)
        hub.signal(CHANNEL)
        assert await asyncio.to_thread(started.wait, 2)
        hub.unsubscribe(subscriber)  # the last one: the channel's task is cancelled
        await asyncio.sleep(0.05)
        runner.cancel()  # and cancelled again as the hub stops
        await asyncio.sleep(0.2)
        assert not runner.done()  # still waiting for the read
        release.set()
        await asyncio.gather(runner, return_exceptions=True)
        assert ended.is_set()
        assert scratch.engine.pool.checkedout() == 0

    run_in_thread(main)

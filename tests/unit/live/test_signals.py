"""``live.signal``: heard by a running hub once the transaction commits, never before and
never after a rollback; on PostgreSQL through NOTIFY and the hub's LISTEN connection, on
SQLite in-process.

Each test runs on its own database (a SQLite file, or a new PostgreSQL database when
TEST_DATABASE_URL is set), with a table the snapshot reads, so an event shows what was
committed when the snapshot ran.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from constitution import live
from constitution.db import Database, make_engine
from constitution.live.hub import SNAPSHOTS, Event, Hub, Limits, Subscriber
from constitution.live.postgres import APPLICATION_NAME
from tests.live.server import fresh_database

CHANNEL = "probe:1"


def probe(db: Session, channel: str) -> list[Event]:
    value = db.execute(text("SELECT v FROM live_probe")).scalar_one()
    return [("probe", {"v": value})]


@pytest.fixture
def real(tmp_path: Path) -> Iterator[Database]:
    with fresh_database(tmp_path) as url:
        database = Database(make_engine(url, pool_size=2))
        with database.transaction() as db:
            db.execute(text("CREATE TABLE live_probe (v INTEGER NOT NULL)"))
            db.execute(text("INSERT INTO live_probe (v) VALUES (0)"))
        live.register_snapshot("probe", probe)
        yield database
        SNAPSHOTS.pop("probe", None)
        database.close()


def run(database: Database, scenario: Callable[[Hub, Subscriber], Awaitable[None]]) -> None:
    async def main() -> None:
        hub = Hub(database, Limits(coalesce=0.05, resync=0))
        runner = asyncio.create_task(hub.run())
        try:
            for _ in range(2000):  # PostgreSQL: its listener connects
                if hub.listening:
                    break
                await asyncio.sleep(0.005)
            assert hub.listening
            subscriber = hub.subscribe(CHANNEL, "alice")
            assert await values(subscriber) == [0]
            await scenario(hub, subscriber)
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)

    asyncio.run(main())


async def values(subscriber: Subscriber, timeout: float = 3.0) -> list[int]:
    """The ``v`` of the next events the subscriber is offered ([] if none in ``timeout``)."""
    try:
        await asyncio.wait_for(subscriber.wake.wait(), timeout)
    except TimeoutError:
        return []
    return [json.loads(f.decode().split("data: ")[1])["v"] for f in subscriber.take()]


def write(database: Database, value: int, *, commit: bool = True) -> Session:
    session = database.write()
    session.begin()
    session.execute(text("UPDATE live_probe SET v = :v"), {"v": value})
    live.signal(session, CHANNEL)
    live.signal(session, CHANNEL)  # twice in one transaction: one signal
    if not commit:
        session.rollback()
    return session


def commit(session: Session) -> None:
    session.commit()
    session.close()


def test_a_signal_is_heard_once_committed(real: Database) -> None:
    async def scenario(hub: Hub, subscriber: Subscriber) -> None:
        session = await asyncio.to_thread(write, real, 1)
        assert await values(subscriber, 0.5) == []  # not before the commit
        signals = hub.signals
        await asyncio.to_thread(session.commit)
        await asyncio.to_thread(session.close)
        assert await values(subscriber) == [1]
        assert hub.signals == signals + 1

    run(real, scenario)


def test_a_signal_rolled_back_is_never_heard(real: Database) -> None:
    async def scenario(hub: Hub, subscriber: Subscriber) -> None:
        signals = hub.signals
        session = await asyncio.to_thread(write, real, 2, commit=False)
        assert await values(subscriber, 0.5) == []
        assert hub.signals == signals

        def again() -> None:  # the session's next transaction has nothing to signal
            with session.begin():
                session.execute(text("SELECT 1"))
            session.close()

        await asyncio.to_thread(again)
        await asyncio.sleep(0.3)
        assert hub.signals == signals

    run(real, scenario)


def test_a_signal_from_a_transaction_block_and_from_an_engine(real: Database) -> None:
    def block() -> None:
        with real.transaction() as db:
            db.execute(text("UPDATE live_probe SET v = 3"))
            live.signal(db, CHANNEL)

    def engine(engine: Engine) -> None:
        with engine.begin() as connection:
            connection.execute(text("UPDATE live_probe SET v = 4"))
        live.signal(engine, CHANNEL)

    async def scenario(hub: Hub, subscriber: Subscriber) -> None:
        await asyncio.to_thread(block)
        assert await values(subscriber) == [3]
        await asyncio.to_thread(engine, real.engine)
        assert await values(subscriber) == [4]

    run(real, scenario)


def test_the_listener_comes_back_and_catches_up(real: Database) -> None:
    """PostgreSQL: the listening connection is killed; the hub connects again, and a change
    signalled while it was away is shown once it listens again."""
    if real.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no listening connection")

    def kill_listener() -> int:
        with real.engine.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": APPLICATION_NAME},
            ).scalar_one()
        return int(killed)

    async def scenario(hub: Hub, subscriber: Subscriber) -> None:
        assert await asyncio.to_thread(kill_listener) == 1
        for _ in range(400):
            if not hub.listening:
                break
            await asyncio.sleep(0.005)
        assert not hub.listening
        await asyncio.to_thread(commit, await asyncio.to_thread(write, real, 6))  # heard by none
        assert await values(subscriber, 5.0) == [6]  # looked at again once listening
        assert hub.listening
        await asyncio.to_thread(commit, await asyncio.to_thread(write, real, 7))
        assert await values(subscriber) == [7]

    run(real, scenario)


def test_channel_names_are_checked() -> None:
    for bad in ("sitting", "sitting:", "Sitting:1", "sitting:1 2", "sitting:\n", "x:" + "1" * 101):
        with pytest.raises(ValueError):
            live.signal(Session(), bad)

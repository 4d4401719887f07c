"""Database engine, sessions, the declarative base and shared column types."""

from __future__ import annotations

import datetime as dt
import enum
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Protocol, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, String, TypeDecorator, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker

from constitution.errors import Invalid

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every engine (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


E = TypeVar("E", bound=enum.StrEnum)


class StrEnumType(TypeDecorator[E]):
    """A string enum stored as its value in a VARCHAR column (the same column as a plain
    string, so no migration and no engine-specific enum type); read back as the enum."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[E], length: int) -> None:
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_class(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_class(value)


# The largest id a request may name: it fits an INTEGER column on every engine.
MAX_ID = 2**31 - 1


def is_id(value: Any) -> bool:
    """A row id as JSON gives it: an integer (not a boolean) from 1 to ``MAX_ID``, so that
    no driver sees a number it cannot bind (2**64, 10**30)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def clean_id(value: Any, field: str, message: str) -> int:
    """The row id a request body names in ``field``; 422 with ``message`` for anything else."""
    if not is_id(value):
        raise Invalid(message, field=field)
    return int(value)


def clean_ids(value: Any, field: str, message: str) -> list[int]:
    """A list of row ids (each as ``clean_id``) a request body names in ``field``."""
    if not isinstance(value, list) or not all(is_id(v) for v in value):
        raise Invalid(message, field=field)
    return [int(v) for v in value]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


Timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime())]
OptTimestamp = Annotated[dt.datetime | None, mapped_column(UTCDateTime())]
Str100 = Annotated[str, mapped_column(String(100))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _tune_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, durable commits, and explicit BEGIN.

    pysqlite's own transaction handling is switched off so that SQLAlchemy emits BEGIN itself:
    a write transaction (execution option ``immediate``) takes the write lock up front with
    BEGIN IMMEDIATE, as a read-then-write transaction that begins deferred fails with
    "database is locked" under load.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def make_engine(url: str, *, pool_size: int = 4) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, pool_size=pool_size
        )
        _tune_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=pool_size, pool_pre_ping=True)


class FollowUp(Protocol):
    """Slow follow-up work of a write, in two steps: ``plan`` computes (diffs, merges) from
    what it reads; ``apply`` writes the plan, or returns False when what the plan was computed
    from has changed meanwhile (the plan is then computed again)."""

    def plan(self, db: Session) -> Any: ...

    def apply(self, db: Session, plan: Any) -> bool: ...


_FOLLOW_UPS = "follow_ups"
_DEFER = "defer_follow_ups"
FOLLOW_UP_ATTEMPTS = 5


def after_commit(db: Session, task: FollowUp) -> None:
    """Do ``task`` once the transaction of ``db`` has committed, outside the write lock.

    Where the session was opened by ``Database.transaction`` or the web layer (which mark it
    with ``defer_follow_ups``), the task waits for the commit, then plans in a read
    transaction and applies in a short write transaction (``run_follow_up``). On any other
    session (a script's, a test's) it is done at once, in the caller's transaction.
    """
    if db.info.get(_DEFER):
        db.info.setdefault(_FOLLOW_UPS, []).append(task)
        return
    if not task.apply(db, task.plan(db)):
        raise RuntimeError("a follow-up's plan went stale inside its own transaction")


def defer_follow_ups(db: Session) -> None:
    db.info[_DEFER] = True


def take_follow_ups(db: Session) -> list[FollowUp]:
    """The tasks ``after_commit`` left on ``db`` (and none left on it)."""
    tasks: list[FollowUp] = db.info.pop(_FOLLOW_UPS, [])
    return tasks


class Database:
    """The engine and two session factories: one for reads, one for writes."""

    # Follow-up tasks running in this process, each with "run it again" (see
    # ``run_follow_up``). Tasks are frozen dataclasses: equal tasks do the same work.
    _running: dict[FollowUp, bool]
    _running_lock: threading.Lock

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.track_follow_ups()
        self.read = sessionmaker(bind=engine, expire_on_commit=False)
        self.write = sessionmaker(
            bind=engine.execution_options(immediate=True), expire_on_commit=False
        )

    def track_follow_ups(self) -> None:
        self._running = {}
        self._running_lock = threading.Lock()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction; the follow-up work it left (``after_commit``) runs after it."""
        factory = self.write if write else self.read
        with factory() as session:
            defer_follow_ups(session)
            try:
                with session.begin():
                    yield session
            except BaseException:
                take_follow_ups(session)
                raise
            tasks = take_follow_ups(session)
        for task in tasks:
            self.run_follow_up(task)

    def run_follow_up(self, task: FollowUp) -> bool:
        """Plan in a read transaction, apply in a write one; plan again while what the plan
        was made from changes meanwhile (at most a few times). False when it never held:
        the work is left for the task's next run.

        Tasks equal to one already running in this process (the re-check of the same
        document, say) are not run twice at once: the running one runs again when it is
        done, and the caller goes on.
        """
        with self._running_lock:
            if task in self._running:
                self._running[task] = True  # run it again once the current run is done
                return True
            self._running[task] = False
        try:
            while True:
                done = self._run_once(task)
                with self._running_lock:
                    if not self._running[task]:
                        return done
                    self._running[task] = False
        finally:
            with self._running_lock:
                del self._running[task]

    def _run_once(self, task: FollowUp) -> bool:
        for _ in range(FOLLOW_UP_ATTEMPTS):
            with self.read() as session, session.begin():
                plan = task.plan(session)
            with self.write() as session, session.begin():
                defer_follow_ups(session)
                if task.apply(session, plan):
                    follow_ups = take_follow_ups(session)
                    break
                take_follow_ups(session)
        else:
            return False
        for follow_up in follow_ups:
            self.run_follow_up(follow_up)
        return True

"""Test harness: the schema comes from the migrations; every test rolls back.

By default the suite runs on a fresh SQLite file. Set TEST_DATABASE_URL to a PostgreSQL
database to run it there (its public schema is dropped and rebuilt at the start).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from constitution.app import create_app
from constitution.cli import migrate
from constitution.db import Database, make_engine
from constitution.settings import Settings
from constitution.web import framework
from constitution.wiring import wire

# A follow-up (re-check, conflicts) that fails in a test fails the test.
framework.RAISE_FOLLOW_UP_ERRORS = True

TEST_SECRET = "test-secret-key-that-is-long-enough-for-production-0123456789"


def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return worker_database(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def worker_database(url: str) -> str:
    """With pytest-xdist (``-n 2``), each worker gets a PostgreSQL database of its own on
    the same server (``NAME_gw0``, ...), created when missing; alone, ``url`` itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    server, _, name = url.rpartition("/")
    mine = f"{name}_{worker}"
    admin = make_engine(f"{server}/postgres", pool_size=1)
    try:
        with admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": mine}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{mine}"'))
    finally:
        admin.dispose()
    return f"{server}/{mine}"


def make_settings(url: str, var_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "secret_key": TEST_SECRET,
        "var_dir": var_dir,
        "password_hash_memory_kib": 1024,
        "password_hash_time_cost": 1,
        "threads": 2,
    }
    values.update(overrides)
    return Settings(**values)


def reset_postgres(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    url = database_url(tmp_path_factory)
    settings = make_settings(url, tmp_path_factory.mktemp("var"))
    if url.startswith("postgresql"):
        reset_postgres(url)
    migrate(settings)
    # The hooks between the parts, as the app factory and the command line register them
    # (unit tests call the services without building an app).
    wire()
    return settings


@pytest.fixture(scope="session")
def engine(base_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(base_settings.database_url, pool_size=2)
    yield engine
    engine.dispose()


class TestDatabase(Database):
    """Sessions joined to one connection's outer transaction, as savepoints."""

    def __init__(self, connection: Connection) -> None:
        self.engine = connection.engine
        self.connection = connection
        self.read = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self.write = self.read
        self.track_follow_ups()

    def close(self) -> None:
        """The connection belongs to the test, which rolls it back."""


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        if outer.is_active:
            outer.rollback()


@pytest.fixture
def database(connection: Connection) -> TestDatabase:
    return TestDatabase(connection)


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings


@pytest.fixture
def db(database: TestDatabase) -> Iterator[Session]:
    """A session for setting up and inspecting rows inside the test's transaction."""
    with database.write() as session:
        yield session


@pytest.fixture
def app(settings: Settings, database: TestDatabase) -> Starlette:
    return create_app(settings, database)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c

"""Slow work never holds the write lock: password checks (argon2) and the merges of the
re-check after a revision run while another writer can still take the lock.

Each test runs the real app on its own database (a SQLite file, or a fresh PostgreSQL
database), and, in the middle of the slow step, tries to take the write lock from another
connection without waiting: on SQLite ``BEGIN IMMEDIATE`` with no busy timeout, on
PostgreSQL the audit head's row lock with ``NOWAIT`` (every write appends to the chain).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from constitution.accounts import sessions
from constitution.amendments.services import proposing, rebase
from constitution.app import create_app
from constitution.cli import migrate
from constitution.db import Database, make_engine
from constitution.settings import Settings
from tests.conftest import make_settings
from tests.factories import PASSWORD, bearer, make_document, make_member, small_body
from tests.live.server import fresh_database


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Settings, Database, TestClient]]:
    with fresh_database(tmp_path) as url:
        settings = make_settings(url, tmp_path)
        migrate(settings)
        database = Database(make_engine(url, pool_size=2))
        app = create_app(settings, database)
        with TestClient(app) as client:
            yield settings, database, client
        database.close()


def lock_is_free(url: str) -> bool:
    """Could another connection take the write lock right now?"""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
        connection.isolation_level = None
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            connection.close()
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT seq FROM audit_head FOR UPDATE NOWAIT"))
            conn.rollback()
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def spy(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, url: str) -> list[bool]:
    """Wrap ``owner.name`` so that each call notes whether the write lock was free."""
    seen: list[bool] = []
    real: Callable[..., Any] = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        seen.append(lock_is_free(url))
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapped)
    return seen


def test_a_login_checks_the_password_without_the_write_lock(
    site: tuple[Settings, Database, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, database, client = site
    with database.write() as db:
        make_member(db, settings, "ama")
    seen = spy(monkeypatch, sessions, "check_password", settings.database_url)
    good = client.post("/api/v1/tokens", json={"username": "ama", "password": PASSWORD})
    assert good.status_code == 201
    bad = client.post("/api/v1/tokens", json={"username": "ama", "password": "wrong" * 3})
    assert bad.status_code == 401
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "username": "nobody", "password": "wrong" * 3, "next": "/"}
    assert client.post("/login", data=form).status_code == 401
    assert seen == [True, True, True]


def test_the_recheck_after_a_revision_merges_without_the_write_lock(
    site: tuple[Settings, Database, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, database, client = site
    with database.write() as db:
        editor = make_member(db, settings, "eda", ["member", "secretariat"])
        proposer = make_member(db, settings, "pya")
        document = make_document(db, small_body())
        slug = document.slug
        db.commit()
    proposer_token = bearer(sessions_token(database, settings, proposer.id))
    editor_token = bearer(sessions_token(database, settings, editor.id))
    amendment = client.post(
        f"/api/v1/documents/{slug}/amendments",
        json={
            "title": "A change",
            "changes": [
                {"op": "replace", "key": "art-1", "text": {"en": "The Union is a federation."}}
            ],
        },
        headers=proposer_token,
    )
    assert amendment.status_code == 201, amendment.text
    seen = spy(monkeypatch, rebase, "merge3", settings.database_url)
    revision = client.post(
        f"/api/v1/documents/{slug}/revisions",
        json={
            "reason": "Editorial correction",
            "changes": [{"op": "replace", "key": "art-1", "text": {"my": "ပြည်ထောင်စု။"}}],
        },
        headers=editor_token,
    )
    assert revision.status_code == 201, revision.text
    assert seen and all(seen), seen


def sessions_token(database: Database, settings: Settings, member_id: int) -> str:
    from constitution.accounts.models import Member

    with database.transaction() as db:
        return sessions.issue_token(db, settings, db.get_one(Member, member_id))


def test_a_proposal_checks_its_changes_without_the_write_lock(
    site: tuple[Settings, Database, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, database, client = site
    with database.write() as db:
        proposer = make_member(db, settings, "pyi")
        slug = make_document(db, small_body()).slug
        db.commit()
    headers = bearer(sessions_token(database, settings, proposer.id))
    seen = spy(monkeypatch, proposing, "_checked_changes", settings.database_url)
    change = {"op": "replace", "key": "art-1", "text": {"en": "The Union is a federation."}}
    created = client.post(
        f"/api/v1/documents/{slug}/amendments",
        json={"title": "A change", "changes": [change]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    change["text"] = {"en": "The Union is a democratic federation."}
    updated = client.post(
        f"/api/v1/amendments/{created.json()['id']}/changes",
        json={"changes": [change]},
        headers=headers,
    )
    assert updated.status_code == 200, updated.text
    assert seen == [True, True]

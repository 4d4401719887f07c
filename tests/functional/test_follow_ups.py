"""Follow-up work after a commit: a re-check cut short is caught up by the next one.

The revision's own write commits first; when its re-check never runs (the worker killed
after the commit, here: the re-check failing), ``Document.settled_rev`` stays behind, and
the next revision's re-check covers every revision since, so the amendment the first one
touched is still rebased or marked."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from constitution.amendments.models import Amendment, Status
from constitution.cli import migrate
from constitution.db import Database, make_engine
from constitution.settings import Settings
from constitution.texts.models import Document
from constitution.wiring import wire
from tests.conftest import make_settings
from tests.factories import edit_document, make_document, make_member, propose_amendment, small_body
from tests.live.server import fresh_database

# The module (the package exports its function under the same name).
recheck = importlib.import_module("constitution.amendments.services.recheck")


@pytest.fixture
def real(tmp_path: Path) -> Iterator[tuple[Settings, Database]]:
    wire()
    with fresh_database(tmp_path) as url:
        settings = make_settings(url, tmp_path)
        migrate(settings)
        database = Database(make_engine(url, pool_size=2))
        yield settings, database
        database.close()


def test_a_recheck_cut_short_is_caught_up_by_the_next(
    real: tuple[Settings, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, database = real
    with database.write() as db:
        editor = make_member(db, settings, "eda", ["member", "secretariat"])
        proposer = make_member(db, settings, "pya")
        document = make_document(db, small_body())
        db.commit()
        change = {"op": "replace", "key": "art-1", "text": {"en": "The Union is a federation."}}
        amendment = propose_amendment(db, settings, proposer, document, change)
        db.commit()
        ids = editor.id, document.id, amendment.id

    def killed(self: recheck.Recheck, db: object) -> None:
        raise RuntimeError("the worker was killed here")

    monkeypatch.setattr(recheck.Recheck, "plan", killed)
    with pytest.raises(RuntimeError), database.transaction() as db:
        overlap = {"op": "replace", "key": "art-1", "text": {"en": "The Union is a republic."}}
        edit_document(db, db.get_one(type(editor), ids[0]), db.get_one(Document, ids[1]), overlap)
    with database.transaction(write=False) as db:
        document = db.get_one(Document, ids[1])
        assert (document.current_rev, document.settled_rev) == (2, 1)
        assert db.get_one(Amendment, ids[2]).status == Status.DRAFT  # not re-checked yet

    monkeypatch.undo()
    with database.transaction() as db:
        elsewhere = {"op": "replace", "key": "art-3", "text": {"en": "Every State decides."}}
        edit_document(db, db.get_one(type(editor), ids[0]), db.get_one(Document, ids[1]), elsewhere)
    with database.transaction(write=False) as db:
        document = db.get_one(Document, ids[1])
        assert (document.current_rev, document.settled_rev) == (3, 3)
        # The first revision's overlapping change was caught up with.
        assert db.get_one(Amendment, ids[2]).status == Status.NEEDS_UPDATE

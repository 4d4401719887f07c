"""List pages say what each row is about: the provision an amendment changes, and the
reason and date of each revision in the compare selectors."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.settings import Settings
from tests.factories import (
    edit_document,
    login,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)

SLUG = "rows-draft"


def test_the_amendment_list_names_the_provisions_changed(
    client: TestClient, db: Session, settings: Settings
) -> None:
    document = make_document(db, small_body(SLUG))
    alice = make_member(db, settings, "alice")
    propose_amendment(
        db,
        settings,
        alice,
        document,
        {"op": "replace", "key": "art-2", "text": {"en": "Two."}},
        {"op": "delete", "key": "art-3"},
        title="Two things",
    )
    db.commit()
    login(client, alice)
    soup = BeautifulSoup(client.get(f"/documents/{SLUG}/amendments").text, "html.parser")
    row = soup.select_one("tbody tr")
    assert row is not None
    assert row.select_one("td .muted").get_text() == "Article 2, Article 3"
    assert "art-2" not in row.get_text()


def test_compare_selectors_show_reason_and_date(
    client: TestClient, db: Session, settings: Settings
) -> None:
    document = make_document(db, small_body(SLUG))
    editor = make_member(db, settings, "secretariat", ["member", "secretariat"])
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-2", "text": {"en": "Two."}},
        reason="Fix the numbering",
    )
    db.commit()
    login(client, editor)
    for ui, two in (("en", "2"), ("my", "၂")):
        editor.language = ui
        db.commit()
        soup = BeautifulSoup(client.get(f"/documents/{SLUG}/compare").text, "html.parser")
        options = [o.get_text() for o in soup.select('select[name="to"] option')]
        assert len(options) == 2
        assert options[1].startswith(f"{two} · ")
        assert options[1].endswith(" · Fix the numbering")
        selected = soup.select_one('select[name="to"] option[selected]')
        assert selected is not None and selected["value"] == "2"

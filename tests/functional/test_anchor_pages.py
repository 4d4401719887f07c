"""Honest anchors: a quoted passage is "found" only while its exact words are still in the
current text; otherwise the page and the API show it as changed, with the old quote and
where it most likely went."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.comments import services as comments
from constitution.comments.services import Thread
from constitution.settings import Settings
from constitution.texts.validation import Notices
from tests.factories import (
    ART_1_EN,
    ART_1_MY,
    api_token,
    bearer,
    edit_document,
    login,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)

SLUG = "anchor-draft"


@pytest.mark.parametrize(
    ("lang", "quote", "edit_", "near"),
    [
        ("en", "federal democratic", ("federal", "Federal"), "Federal democratic"),
        ("my", "ဖက်ဒရယ်ဒီမိုကရေစီနိုင်ငံ", ("ဖက်ဒရယ်", "ဖက်ဒရယ် "), "ဖက်ဒရယ် ဒီမိုကရေစီနိုင်ငံ"),
    ],
)
def test_a_changed_passage_is_not_found_and_shows_where_it_went(
    client: TestClient,
    db: Session,
    settings: Settings,
    lang: str,
    quote: str,
    edit_: tuple[str, str],
    near: str,
) -> None:
    document = make_document(db, small_body(SLUG))
    editor = make_member(db, settings, "secretariat", ["member", "secretariat"])
    reader = make_member(db, settings, "reader")
    other = make_member(db, settings, "other")
    text = {"en": ART_1_EN, "my": ART_1_MY}[lang]
    start = text.index(quote)
    anchor = {
        "key": "art-1",
        "language": lang,
        "exact": quote,
        "prefix": text[:start],
        "suffix": text[start + len(quote) :],
    }
    amendment = propose_amendment(
        db, settings, other, document, {"op": "replace", "key": "art-2", "text": {"en": "X."}}
    )
    thread = Thread(document, amendment_id=amendment.id, owner_id=other.id, number=1)
    comment = comments.add_comment(
        db, reader, thread, body="This passage.", anchor=anchor, notices=Notices()
    )
    on_page = comments.add_comment(
        db,
        reader,
        Thread(document, provision_key="art-1"),
        body="Here.",
        anchor=anchor,
        notices=Notices(),
    )
    db.commit()
    # One comma (or one space) changes: the exact words are no longer there.
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-1", "text": {lang: text.replace(*edit_, 1)}},
    )
    db.commit()
    token = api_token(client, reader)
    listed = client.get(f"/api/v1/amendments/{amendment.id}/comments", headers=bearer(token))
    found = next(c for c in listed.json() if c["id"] == comment.id)["anchor"]
    assert found["found"] is False
    assert (found["start"], found["end"]) == (None, None)
    assert found["exact"] == quote
    assert found["near"]["text"] == near
    current = text.replace(*edit_, 1)
    assert current[found["near"]["start"] : found["near"]["end"]] == near
    client.cookies.clear()
    login(client, reader)
    soup = BeautifulSoup(client.get(f"/documents/{SLUG}/p/art-1").text, "html.parser")
    item = soup.select_one(f"#c-{on_page.id}")
    assert item is not None
    quotes = [q.get_text() for q in item.select("blockquote")]
    assert quotes == [quote, near]
    assert "passage changed" in item.get_text()
    assert "found in the current text" not in item.get_text()


def test_an_untouched_passage_is_found(client: TestClient, db: Session, settings: Settings) -> None:
    document = make_document(db, small_body(SLUG))
    editor = make_member(db, settings, "secretariat", ["member", "secretariat"])
    reader = make_member(db, settings, "reader")
    anchor = {"key": "art-1", "language": "en", "exact": "federal democratic"}
    comment = comments.add_comment(
        db,
        reader,
        Thread(document, provision_key="art-1"),
        body="Here.",
        anchor=anchor,
        notices=Notices(),
    )
    db.commit()
    new = "Today, t" + ART_1_EN[1:]
    edit_document(db, editor, document, {"op": "replace", "key": "art-1", "text": {"en": new}})
    db.commit()
    login(client, reader)
    soup = BeautifulSoup(client.get(f"/documents/{SLUG}/p/art-1").text, "html.parser")
    item = soup.select_one(f"#c-{comment.id}")
    assert item is not None
    assert "found in the current text" in item.get_text()
    assert len(item.select("blockquote")) == 1

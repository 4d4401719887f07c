"""The home page (issue 10, point 1): logged in, it leads to the documents (the draft
revised last first, with its latest revision and what it changed), her amendments, her
committees' queues and her inbox; the header links to /documents."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.settings import Settings
from constitution.web.framework import LANG_COOKIE
from tests.factories import (
    edit_document,
    login,
    make_committee,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)


def test_home_leads_a_member_to_her_work(
    client: TestClient, db: Session, settings: Settings
) -> None:
    editor = make_member(db, settings, "editor", ["member", "secretariat"])
    nandar = make_member(db, settings, "nandar")
    sponsors = [
        make_member(db, settings, f"sponsor{i}") for i in range(settings.cosponsor_threshold)
    ]
    older = make_document(db, small_body("older-draft"))
    document = make_document(db, small_body("current-draft"))
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-2", "text": {"en": "Members are elected."}},
        reason="Clearer wording",
    )
    amendment = propose_amendment(
        db,
        settings,
        nandar,
        document,
        {"op": "replace", "key": "art-3", "text": {"en": "Every State has a constitution."}},
        title="States' constitutions",
        sponsors=sponsors,
        submit=True,
    )
    committee = make_committee(db, settings, "Committee on States", [nandar], ["part-2"])
    db.commit()
    login(client, nandar)
    html = client.get("/").text
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("header nav a[href='/documents']") is not None
    drafts = [a["href"] for a in soup.select("main .home-document h3 a")]
    assert drafts == ["/documents/current-draft", "/documents/older-draft"]
    first = soup.select("main .home-document")[0]
    text = first.get_text(" ", strip=True)
    assert "Revision 2" in text and "Clearer wording" in text
    assert [a["href"] for a in first.select(".home-changes a")] == [
        "/documents/current-draft/p/art-2"
    ]
    assert first.select_one("a[href='/documents/current-draft/compare?from=1&to=2']")
    assert "Amendments (1 open)" in text
    assert soup.select_one(f"main a[href='/amendments/{amendment.id}']") is not None
    queue = soup.select_one(f"main a[href='/committees/{committee.id}']")
    assert queue is not None
    assert "1 in the queue" in queue.parent.get_text(" ", strip=True)
    assert soup.select_one("main a[href='/inbox']") is not None
    assert older.id  # the older draft is listed after the current one


def test_home_in_burmese_uses_myanmar_digits(
    client: TestClient, db: Session, settings: Settings
) -> None:
    editor = make_member(db, settings, "editor", ["member", "secretariat"])
    nandar = make_member(db, settings, "nandar")
    document = make_document(db, small_body("current-draft"))
    edit_document(
        db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": "Members."}}
    )
    db.commit()
    login(client, nandar)
    client.cookies.set(LANG_COOKIE, "my")
    nandar.language = "my"
    db.commit()
    soup = BeautifulSoup(client.get("/").text, "html.parser")
    first = soup.select("main .home-document")[0]
    for part in first.select(".home-changes"):
        part.decompose()  # provision labels: stored text (labels per language: point 5)
    text = first.get_text(" ", strip=True)
    assert "၂" in text
    assert not any(c.isascii() and c.isdigit() for c in text), text


def test_home_for_a_visitor_offers_the_login(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/").text, "html.parser")
    assert soup.select_one("main a[href='/login']") is not None
    assert soup.select_one("main .home-document") is None

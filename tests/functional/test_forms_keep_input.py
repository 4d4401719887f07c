"""Proposing without friction and a language switch that keeps her place (issue 10, points
6 and 8), over HTTP: moving a provision from the page, the switch back to the same URL and
query, never to a 405, and a form's typed input kept across the switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.amendments.models import Amendment
from constitution.settings import Settings
from constitution.texts.models import Document
from tests.factories import (
    csrf_token,
    login,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)

SLUG = "small-draft"


@pytest.fixture
def document(db: Session) -> Iterator[Document]:
    document = make_document(db, small_body(SLUG))
    db.commit()
    yield document


@pytest.fixture
def alice(db: Session, settings: Settings) -> Member:
    member = make_member(db, settings, "alice")
    db.commit()
    return member


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def switch(client: TestClient, page_html: str, language: str) -> str:
    """Press the header's language button as a browser without JavaScript does."""
    form = soup_of(page_html).select_one("form.lang")
    assert form is not None
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    response = client.post(form["action"], data={**data, "language": language})
    assert response.status_code == 303, response.text[:300]
    return str(response.headers["location"])


def amendments(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Amendment)) or 0


def test_moving_a_provision_from_the_page(
    client: TestClient, db: Session, document: Document, alice: Member
) -> None:
    login(client, alice)
    url = f"/documents/{SLUG}/p/art-2/amend"
    step2 = soup_of(client.get(url + "?op=move").text)
    options = [o["value"] for o in step2.select("#move_to option")]
    assert "after:art-1" in options and "start:part-1" in options
    assert not any(value.endswith(":art-2") for value in options), "never after itself"
    assert step2.select_one("textarea[name=text_en]") is None
    token = csrf_token(client.get(url + "?op=move").text)
    data = {"csrf_token": token, "op": "move", "title": "Art 2 first", "move_to": "start:part-1"}
    response = client.post(url, data={**data, "action": "save"})
    assert response.status_code == 303, response.text[:500]
    amendment = db.scalars(select(Amendment)).one()
    change = amendment.changes[0]
    assert (change.op, change.key, change.parent, change.after) == ("move", "art-2", "part-1", None)


def test_a_move_to_nowhere_is_a_clear_error(
    client: TestClient, db: Session, document: Document, alice: Member
) -> None:
    login(client, alice)
    url = f"/documents/{SLUG}/p/art-2/amend"
    for target in ("", "after:nope", "sideways:art-1", "after:art-2"):
        data = {"csrf_token": csrf_token(client.get(url + "?op=move").text), "op": "move"}
        response = client.post(url, data={**data, "title": "T", "move_to": target})
        assert response.status_code == 422, (target, response.status_code)
        page = soup_of(response.text)
        assert page.select_one(".error") is not None
        assert page.select_one("input[name=title]")["value"] == "T"  # kept
    assert amendments(db) == 0


def test_the_switch_returns_to_the_same_url_and_query(
    client: TestClient, document: Document, alice: Member
) -> None:
    login(client, alice)
    path = f"/documents/{SLUG}/search?q=Union&lang=en"
    location = switch(client, client.get(path).text, "my")
    assert location == path
    assert soup_of(client.get(location).text).html["lang"] == "my"


def test_the_switch_after_a_refused_form_lands_on_a_page_not_a_405(
    client: TestClient, document: Document, alice: Member
) -> None:
    login(client, alice)
    amendment_url = f"/amendments/{_draft_id(client, alice)}"
    token = csrf_token(client.get(amendment_url).text)
    # Not on a committee: a refusal page at an address that may only be posted to.
    refused = client.post(
        f"{amendment_url}/recommendation",
        data={"csrf_token": token, "recommendation": "adopt", "note": "n"},
    )
    assert refused.status_code == 403
    location = switch(client, refused.text, "my")
    assert location == amendment_url
    assert client.get(location).status_code == 200


def _draft_id(client: TestClient, alice: Member) -> int:
    url = f"/documents/{SLUG}/p/art-1/amend"
    token = csrf_token(client.get(url + "?op=delete").text)
    response = client.post(
        url, data={"csrf_token": token, "op": "delete", "title": "Drop", "action": "save"}
    )
    assert response.status_code == 303
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_the_switch_keeps_what_she_typed_in_the_propose_form(
    client: TestClient, db: Session, document: Document, alice: Member
) -> None:
    login(client, alice)
    url = f"/documents/{SLUG}/p/art-1/amend"
    html = client.get(url + "?op=replace").text
    page = soup_of(html)
    buttons = page.select("header button[name=switch_language]")
    assert [b["value"] for b in buttons] == ["my"]
    assert buttons[0]["form"] == "propose" and buttons[0]["formaction"] == url
    typed = "The Union is a federal republic, typed but not saved."
    form = {
        "csrf_token": csrf_token(html),
        "op": "replace",
        "title": "Half written",
        "text_en": typed,
        "rationale_en": "Because.",
        "switch_language": "my",
    }
    response = client.post(url, data=form)
    assert response.status_code == 200
    shown = soup_of(response.text)
    assert shown.html["lang"] == "my"
    assert shown.select_one("#text_en").get_text() == typed
    assert shown.select_one("#title")["value"] == "Half written"
    assert shown.select_one("#rationale_en").get_text() == "Because."
    assert shown.select_one(".preview") is None and shown.select_one(".error") is None
    assert amendments(db) == 0, "the switch saves nothing"
    db.refresh(alice)
    assert alice.language == "my"


def test_an_unknown_language_in_the_switch_is_a_clear_error(
    client: TestClient, db: Session, document: Document, alice: Member
) -> None:
    login(client, alice)
    url = f"/documents/{SLUG}/p/art-1/amend"
    token = csrf_token(client.get(url + "?op=replace").text)
    response = client.post(
        url, data={"csrf_token": token, "op": "replace", "switch_language": "xx", "title": "T"}
    )
    assert response.status_code == 422
    assert amendments(db) == 0


@pytest.mark.parametrize(
    ("language", "message", "foreign"),
    [
        ("my", "ဤစာမျက်နှာ မရှိပါ။", "This page does not exist."),
        ("en", "This page does not exist.", "ဤ"),
    ],
)
def test_an_error_page_has_the_header_in_one_language(
    client: TestClient, language: str, message: str, foreign: str
) -> None:
    client.cookies.set("lang", language)
    for path, status in (("/no/such/page", 404), ("/logout", 405)):
        response = client.get(path)
        assert response.status_code == status
        page = soup_of(response.text)
        assert page.html["lang"] == language
        header = page.select_one("header.top")
        assert header is not None and header.select_one("a[href='/documents']") is not None
        text = page.get_text(" ", strip=True)
        assert (message in text) == (status == 404)
        assert foreign not in text, f"{path}: both languages on one page"


def test_the_switch_keeps_what_she_typed_in_the_update_form(
    client: TestClient, db: Session, document: Document, alice: Member
) -> None:
    login(client, alice)
    amendment_id = _draft_id(client, alice)
    url = f"/amendments/{amendment_id}/update"
    token = csrf_token(client.get(f"/amendments/{amendment_id}").text)
    preview = client.post(
        url, data={"csrf_token": token, "title": "Renamed", "action": "preview", "base_rev": "1"}
    )
    assert preview.status_code == 200
    button = soup_of(preview.text).select_one("header button[name=switch_language]")
    assert button is not None and button["form"] == "update" and button["formaction"] == url
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(preview.text),
            "title": "Renamed",
            "base_rev": "1",
            "switch_language": "my",
        },
    )
    assert response.status_code == 200
    shown = soup_of(response.text)
    assert shown.html["lang"] == "my" and shown.select_one("#u_title")["value"] == "Renamed"
    amendment = db.get_one(Amendment, amendment_id)
    db.refresh(amendment)
    assert amendment.title == "Drop", "the switch saves nothing"


PROPOSED_MY = "ပြည်ထောင်စုသည် ဖက်ဒရယ်ဒီမိုကရေစီ သမ္မတနိုင်ငံ ဖြစ်သည်။"


def test_a_comment_quotes_the_words_the_amendment_proposes(
    client: TestClient, db: Session, settings: Settings, document: Document, alice: Member
) -> None:
    amendment = propose_amendment(
        db,
        settings,
        alice,
        document,
        {"op": "replace", "key": "art-1", "text": {"my": PROPOSED_MY}},
    )
    db.commit()
    login(client, alice)
    url = f"/amendments/{amendment.id}"
    page = soup_of(client.get(url).text)
    assert [o["value"] for o in page.select("select[name=source] option")] == [
        "current",
        "proposal",
    ]
    base = {"body": "Why a republic?", "key": "art-1", "language": "my"}
    # Words only the proposal has: refused against the current text, kept in the form ...
    refused = client.post(
        f"{url}/comments",
        data={**base, "csrf_token": csrf_token(client.get(url).text), "exact": "သမ္မတနိုင်ငံ"},
    )
    assert refused.status_code == 422
    assert soup_of(refused.text).select_one("#c-exact")["value"] == "သမ္မတနိုင်ငံ"
    # ... and accepted from the proposal, shown as such, found in it.
    data = {**base, "source": "proposal", "exact": "သမ္မတနိုင်ငံ"}
    response = client.post(
        f"{url}/comments", data={**data, "csrf_token": csrf_token(client.get(url).text)}
    )
    assert response.status_code == 303, response.text[:400]
    shown = soup_of(client.get(url).text).select_one("article.comment")
    assert shown is not None and shown.select_one("blockquote").get_text() == "သမ္မတနိုင်ငံ"
    meta = shown.select_one("p.muted").get_text()
    assert (
        "quoted from the words this amendment proposes" in meta and "still in the proposal" in meta
    )
    listed = client.get(f"/api/v1/amendments/{amendment.id}/comments").json()
    assert listed[0]["anchor"]["source"] == "proposal" and listed[0]["anchor"]["found"] is True
    assert listed[0]["anchor"]["start"] == PROPOSED_MY.index("သမ္မတနိုင်ငံ")


@pytest.mark.parametrize(
    ("source", "exact"), [("proposal", "no such words"), ("elsewhere", "ပြည်ထောင်စု")]
)
def test_a_bad_quote_from_the_proposal_is_a_clear_error(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
    source: str,
    exact: str,
) -> None:
    amendment = propose_amendment(
        db,
        settings,
        alice,
        document,
        {"op": "replace", "key": "art-1", "text": {"my": PROPOSED_MY}},
    )
    db.commit()
    login(client, alice)
    url = f"/amendments/{amendment.id}"
    data = {"body": "B", "key": "art-1", "language": "my", "source": source, "exact": exact}
    response = client.post(
        f"{url}/comments", data={**data, "csrf_token": csrf_token(client.get(url).text)}
    )
    assert response.status_code == 422
    assert soup_of(response.text).select_one(".error") is not None
    assert client.get(f"/api/v1/amendments/{amendment.id}/comments").json() == []


def test_the_switch_after_a_refused_comment_keeps_what_she_typed(
    client: TestClient, db: Session, document: Document, alice: Member
) -> None:
    login(client, alice)
    url = f"/amendments/{_draft_id(client, alice)}"
    typed = {"body": "My long comment, typed on a slow link.", "key": "art-1", "language": "en"}
    refused = client.post(
        f"{url}/comments",
        data={**typed, "exact": "no such words", "csrf_token": csrf_token(client.get(url).text)},
    )
    assert refused.status_code == 422
    button = soup_of(refused.text).select_one("header button[name=switch_language]")
    assert button is not None and button["form"] == "form-new"
    assert button["formaction"] == f"{url}/comments"
    switched = client.post(
        f"{url}/comments",
        data={
            **typed,
            "exact": "no such words",
            "csrf_token": csrf_token(refused.text),
            "switch_language": "my",
        },
    )
    assert switched.status_code == 200
    page = soup_of(switched.text)
    assert page.html["lang"] == "my"
    assert page.select_one("#comment-body").get_text() == typed["body"]
    assert page.select_one("#c-exact")["value"] == "no such words"
    assert page.select_one("#comments .error") is None
    assert client.get(f"/api/v1{url}/comments").json() == []

"""No lost updates: an editorial correction or an amendment update made on revision N
(``base_rev``) is refused with 409 ``stale_base`` when a provision it changes has changed
since N, and nothing is written; the page forms carry base_rev and, refused, show her text
beside the current one."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.amendments.models import Amendment
from constitution.settings import Settings
from constitution.texts.models import Document
from tests.factories import (
    ART_1_EN,
    ART_1_MY,
    Api,
    api_token,
    counts,
    csrf_token,
    current,
    edit_document,
    login,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)

SLUG = "small-draft"
REVISIONS = f"/api/v1/documents/{SLUG}/revisions"
FIRST_EN = "The Union is a federal democratic state of equal nations."
SECOND_EN = "The Union is a federal state."


@pytest.fixture
def document(db: Session) -> Document:
    document = make_document(db, small_body(SLUG))
    db.commit()
    return document


@pytest.fixture
def editor(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "secretary", ["member", "secretariat"])


@pytest.fixture
def other_editor(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "other-secretary", ["member", "secretariat"])


@pytest.fixture
def proposer(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "aye")


def correction(key: str, en: str, base_rev: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reason": "Typo",
        "changes": [{"op": "replace", "key": key, "text": {"en": en}}],
    }
    if base_rev is not None:
        body["base_rev"] = base_rev
    return body


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    if code is not None:
        assert error["code"] == code, error
    assert error["message"]
    return error


# ---- the API: editorial corrections -----------------------------------------------------


def test_two_corrections_on_one_base_the_second_is_refused(
    client: TestClient, db: Session, document: Document, editor: Member, other_editor: Member
) -> None:
    first = Api(client, api_token(client, editor))
    second = Api(client, api_token(client, other_editor))
    assert first.post(REVISIONS, correction("art-1", FIRST_EN, 1)).status_code == 201
    before = counts(db)
    error = error_of(second.post(REVISIONS, correction("art-1", SECOND_EN, 1)), 409, "stale_base")
    assert error["field"] == "base_rev"
    assert (error["keys"], error["current_rev"]) == (["art-1"], 2)
    db.expire_all()
    assert counts(db) == before
    assert current(db, document, "art-1").text["en"] == FIRST_EN
    # On the new base, her correction goes through.
    assert second.post(REVISIONS, correction("art-1", SECOND_EN, 2)).status_code == 201


def test_without_base_rev_nothing_is_checked_and_another_provision_does_not_matter(
    client: TestClient, db: Session, document: Document, editor: Member
) -> None:
    api = Api(client, api_token(client, editor))
    assert api.post(REVISIONS, correction("art-2", "Members are elected.", 1)).status_code == 201
    # Article 2 changed since revision 1, Article 1 did not.
    assert api.post(REVISIONS, correction("art-1", FIRST_EN, 1)).status_code == 201
    error_of(api.post(REVISIONS, correction("art-2", "Elected.", 1)), 409, "stale_base")
    # A client that sends no base_rev saves as before.
    assert api.post(REVISIONS, correction("art-2", "Elected.")).status_code == 201
    db.expire_all()
    assert current(db, document, "art-2").text["en"] == "Elected."


def test_a_provision_removed_or_changed_under_a_removed_one_is_stale(
    client: TestClient, db: Session, document: Document, editor: Member
) -> None:
    api = Api(client, api_token(client, editor))
    delete = {"reason": "Gone", "changes": [{"op": "delete", "key": "art-2"}]}
    assert api.post(REVISIONS, delete).status_code == 201
    error_of(api.post(REVISIONS, correction("art-2", "Elected.", 1)), 409, "stale_base")
    # Deleting Article 1 on revision 1 would delete clause (a), changed since.
    assert api.post(REVISIONS, correction("art-1-a", "Rights.", 2)).status_code == 201
    delete_1 = {"reason": "Gone", "changes": [{"op": "delete", "key": "art-1"}], "base_rev": 2}
    error = error_of(api.post(REVISIONS, delete_1), 409, "stale_base")
    assert error["keys"] == ["art-1-a"]


@pytest.mark.parametrize("bad", [0, -1, "1", True, 1.5, 10**30, 2, [1], {"rev": 1}])
def test_a_bad_base_rev_is_422(
    client: TestClient, db: Session, document: Document, editor: Member, bad: Any
) -> None:
    """0, negative, a string, a boolean, a fraction, huge, a revision still to come."""
    api = Api(client, api_token(client, editor))
    before = counts(db)
    error = error_of(api.post(REVISIONS, correction("art-1", FIRST_EN, bad)), 422)
    assert error["field"] == "base_rev"
    db.expire_all()
    assert counts(db) == before


# ---- the API: amendment updates ---------------------------------------------------------


def _draft(db: Session, settings: Settings, proposer: Member, document: Document) -> Amendment:
    change = {"op": "replace", "key": "art-1", "text": {"en": FIRST_EN}}
    amendment = propose_amendment(db, settings, proposer, document, change)
    db.commit()
    return amendment


def update_body(en: str, base_rev: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"changes": [{"op": "replace", "key": "art-1", "text": {"en": en}}]}
    if base_rev is not None:
        body["base_rev"] = base_rev
    return body


def test_an_amendment_update_on_a_stale_base_is_refused(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    editor: Member,
    proposer: Member,
) -> None:
    amendment = _draft(db, settings, proposer, document)
    url = f"/api/v1/amendments/{amendment.id}/changes"
    api = Api(client, api_token(client, proposer))
    # Another provision changed: her update on revision 1 goes through.
    edit_document(db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": "X."}})
    db.commit()
    response = api.post(url, update_body(SECOND_EN, 1))
    assert response.status_code == 200, response.text
    assert response.json()["base_rev"] == 2
    # Article 1 changed in the text since revision 2.
    edit_document(db, editor, document, {"op": "replace", "key": "art-1", "text": {"en": "Y."}})
    db.commit()
    error = error_of(api.post(url, update_body("Z.", 2)), 409, "stale_base")
    assert error["keys"] == ["art-1"]
    db.expire_all()
    stored = db.get_one(Amendment, amendment.id)
    assert (stored.base_rev, stored.changes[0].text["en"]) == (2, SECOND_EN)
    # Without base_rev, as before.
    assert api.post(url, update_body("Z.")).status_code == 200


@pytest.mark.parametrize("bad", [0, -3, "2", 10**30, 9, False])
def test_a_bad_base_rev_of_an_amendment_update_is_422(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    proposer: Member,
    bad: Any,
) -> None:
    amendment = _draft(db, settings, proposer, document)
    api = Api(client, api_token(client, proposer))
    body = update_body(SECOND_EN)
    body["base_rev"] = bad
    error = error_of(api.post(f"/api/v1/amendments/{amendment.id}/changes", body), 422)
    assert error["field"] == "base_rev"


def test_openapi_names_base_rev_in_both_request_bodies(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/documents/{slug}/revisions",
        "/api/v1/amendments/{amendment_id}/changes",
    ):
        post = paths[path]["post"]
        schema = post["requestBody"]["content"]["application/json"]["schema"]
        assert schema["properties"]["base_rev"]["type"] == "integer", path
        assert "409" in post["responses"], path


# ---- the pages --------------------------------------------------------------------------


def form_data(soup: BeautifulSoup, action: str) -> dict[str, str]:
    form = soup.find("form", attrs={"action": action})
    assert form is not None, action
    data = {}
    for node in form.find_all(["input", "textarea"]):
        if node.get("name"):
            data[node["name"]] = node.get_text() if node.name == "textarea" else node["value"]
    return data


def test_the_correction_page_keeps_her_text_and_shows_the_current_one(
    client: TestClient, db: Session, document: Document, editor: Member, other_editor: Member
) -> None:
    login(client, editor)
    action = f"/documents/{SLUG}/p/art-1/edit"
    soup = BeautifulSoup(client.get(action).text, "html.parser")
    sent = form_data(soup, action)
    assert sent["base_rev"] == "1"
    # Meanwhile the other secretary corrects the English.
    edit_document(
        db, other_editor, document, {"op": "replace", "key": "art-1", "text": {"en": FIRST_EN}}
    )
    db.commit()
    mine_my = ART_1_MY.replace("ဖြစ်သည်", "ဖြစ်ပါသည်")
    response = client.post(action, data={**sent, "text_my": mine_my, "reason": "Burmese typo"})
    assert response.status_code == 409, response.text
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one(".error")
    # Her text stays in the form; the English she did not touch is the current English.
    assert page.select_one("#text_my").get_text() == mine_my
    assert page.select_one("#text_en").get_text() == FIRST_EN
    assert page.select_one("input[name=reason]")["value"] == "Burmese typo"
    stale = page.select_one("#stale")
    assert stale is not None
    assert FIRST_EN in [d.get_text() for d in stale.select(".ptext.current")]
    assert "of equal nations" in [i.get_text().strip() for i in stale.select(".diff ins")]
    again = form_data(page, action)
    assert again["base_rev"] == "2"
    db.expire_all()
    assert current(db, document, "art-1").text == {"my": ART_1_MY, "en": FIRST_EN}
    # Saved again on the new base: her Burmese, and the other secretary's English kept.
    assert client.post(action, data=again).status_code == 303
    db.expire_all()
    assert current(db, document, "art-1").text == {"my": mine_my, "en": FIRST_EN}


def test_the_correction_page_without_base_rev_saves_as_before(
    client: TestClient, db: Session, document: Document, editor: Member, other_editor: Member
) -> None:
    login(client, editor)
    action = f"/documents/{SLUG}/p/art-1/edit"
    page = client.get(action).text
    assert 'name="base_rev" value="1"' in page
    edit_document(
        db, other_editor, document, {"op": "replace", "key": "art-2", "text": {"en": "X."}}
    )
    db.commit()
    data = {
        "csrf_token": csrf_token(page),
        "text_my": ART_1_MY,
        "text_en": SECOND_EN,
        "reason": "r",
    }
    assert client.post(action, data={**data, "base_rev": "1"}).status_code == 303
    page = client.get(action).text
    data = {**data, "csrf_token": csrf_token(page), "text_en": FIRST_EN}
    assert client.post(action, data=data).status_code == 303  # no base_rev at all
    page = client.get(action).text
    bad = {**data, "csrf_token": csrf_token(page), "text_en": "Q.", "base_rev": "-1"}
    assert client.post(action, data=bad).status_code == 422
    db.expire_all()
    assert current(db, document, "art-1").text["en"] == FIRST_EN


def test_the_amendment_update_page_keeps_her_text_and_shows_the_current_one(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    editor: Member,
    proposer: Member,
) -> None:
    amendment = _draft(db, settings, proposer, document)
    login(client, proposer)
    action = f"/amendments/{amendment.id}/update"
    soup = BeautifulSoup(client.get(f"/amendments/{amendment.id}").text, "html.parser")
    sent = form_data(soup, action)
    assert sent["base_rev"] == "1"
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-1", "text": {"en": ART_1_EN + " Truly."}},
    )
    db.commit()
    # The amendment was rebased under her form (the words "Truly." merged into it).
    rebased = db.get_one(Amendment, amendment.id).changes[0].text["en"]
    assert rebased == FIRST_EN + " Truly."
    response = client.post(action, data={**sent, "c0_text_en": SECOND_EN, "action": "save"})
    assert response.status_code == 409, response.text
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("#c0_text_en").get_text() == SECOND_EN
    stale = page.select_one("#stale")
    assert stale is not None
    assert ART_1_EN + " Truly." in [d.get_text() for d in stale.select(".ptext.current")]
    assert "Truly." in [i.get_text().strip() for i in stale.select(".diff ins")]
    db.expire_all()
    assert db.get_one(Amendment, amendment.id).changes[0].text["en"] == rebased
    again = form_data(page, action)
    assert again["base_rev"] == "2"
    assert client.post(action, data={**again, "action": "save"}).status_code == 303
    db.expire_all()
    assert db.get_one(Amendment, amendment.id).changes[0].text["en"] == SECOND_EN

"""A committee's name in each language (issue 10: names in her language): the API takes
and shows ``names``, every page shows the name in its own language (else ``name``), the
admin form edits them, and bad names are refused with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.committees import save_committee
from constitution.accounts.models import Committee, Member
from constitution.amendments import services as amendment_services
from constitution.audit.services import verify
from constitution.settings import Settings
from constitution.texts.validation import Notices
from tests.factories import (
    api_token,
    bearer,
    login,
    make_document,
    make_member,
    post_form,
    propose_amendment,
    small_body,
)

NAMES = {"my": "ဖက်ဒရယ်စနစ်ဆိုင်ရာ ကော်မတီ", "en": "Committee on Federalism"}


def create(client: TestClient, token: str, **body: Any) -> Any:
    payload = {"name": "Federalism (Union)", "provisions": ["art-1"], **body}
    return client.post("/api/v1/committees", json=payload, headers=bearer(token))


def page_in(client: TestClient, db: Session, member: Member, language: str, path: str) -> str:
    member.language = language
    db.commit()
    client.cookies.clear()
    login(client, member)
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.text


def test_names_are_taken_shown_and_used_on_pages(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    aye = make_member(db, settings, "aye")
    token = api_token(client, admin)
    response = create(client, token, names=NAMES, members=[aye.id])
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["names"] == NAMES and created["name"] == "Federalism (Union)"
    plain = create(client, token, name="Rights", members=[aye.id])
    assert plain.json()["names"] == {}
    listed = client.get("/api/v1/committees", headers=bearer(api_token(client, aye))).json()
    assert {c["name"]: c["names"] for c in listed} == {"Federalism (Union)": NAMES, "Rights": {}}
    for language, shown, hidden in (
        ("my", NAMES["my"], NAMES["en"]),
        ("en", NAMES["en"], NAMES["my"]),
    ):
        for path in ("/committees", f"/committees/{created['id']}", "/"):
            page = page_in(client, db, aye, language, path)
            assert shown in page and hidden not in page, (language, path)
            assert "Federalism (Union)" not in page, (language, path)
        # A committee with no names of its own is shown by its name on both.
        assert "Rights" in page_in(client, db, aye, language, "/committees")
    with db.begin_nested():
        assert verify(db).ok


def test_the_admin_form_edits_the_names(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    login(client, admin)
    response = post_form(
        client,
        "/admin/committees",
        "/admin/committees",
        {"name": "States", "name_my": "ပြည်နယ်များ ကော်မတီ", "name_en": "", "provisions": "art-3"},
    )
    assert response.status_code == 303, response.text
    committee = db.scalars(select(Committee)).one()
    assert committee.names == {"my": "ပြည်နယ်များ ကော်မတီ"}
    form = client.get(f"/admin/committees/{committee.id}").text
    assert 'name="name_my"' in form and 'value="ပြည်နယ်များ ကော်မတီ"' in form
    response = post_form(
        client,
        f"/admin/committees/{committee.id}",
        f"/admin/committees/{committee.id}",
        {"name": "States", "name_my": "", "name_en": "States and Regions", "provisions": "art-3"},
    )
    assert response.status_code == 303, response.text
    db.expire_all()
    assert db.get_one(Committee, committee.id).names == {"en": "States and Regions"}


@pytest.mark.parametrize(
    "names",
    [
        "Federalism",
        ["my", "x"],
        {"fr": "Fédéralisme"},
        {"my": 5},
        {"my": "two\nlines"},
        {"en": "x" * 201},
        {"my": "က\u200b"},
    ],
    ids=["text", "list", "unknown-language", "number", "line-break", "too-long", "invisible"],
)
def test_bad_names_are_refused_and_nothing_is_stored(
    client: TestClient, db: Session, settings: Settings, names: Any
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    response = create(client, api_token(client, admin), names=names)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "names"
    assert db.scalar(select(func.count()).select_from(Committee)) == 0


def test_a_recommendation_names_its_committee_in_the_page_language(
    client: TestClient, db: Session, settings: Settings
) -> None:
    """The amendment page's recommendation and its recorded history show the committee's
    name in the page's language; the API gives its names too."""
    admin = make_member(db, settings, "root", ["member", "admin"])
    aye, su, mya, reviewer = (make_member(db, settings, n) for n in ("aye", "su", "mya", "rev"))
    document = make_document(db, small_body())
    committee = save_committee(
        db,
        admin,
        name="Federalism (Union)",
        names=NAMES,
        members=[reviewer.id],
        provisions=["part-1"],
    )
    amendment = propose_amendment(
        db,
        settings,
        aye,
        document,
        {"op": "replace", "key": "art-1", "text": {"en": "X y"}},
        sponsors=(su, mya),
        submit=True,
    )
    amendment_services.recommend(
        db, reviewer, amendment, {"recommendation": "adopt", "note": "Good."}, Notices()
    )
    db.commit()
    body = client.get(
        f"/api/v1/amendments/{amendment.id}", headers=bearer(api_token(client, aye))
    ).json()
    assert body["recommendation"]["committee"] == committee.id
    assert body["recommendation"]["committee_names"] == NAMES
    for language, shown, hidden in (
        ("my", NAMES["my"], NAMES["en"]),
        ("en", NAMES["en"], NAMES["my"]),
    ):
        page = page_in(client, db, aye, language, f"/amendments/{amendment.id}")
        assert page.count(shown) >= 2 and hidden not in page, language  # it and the history
        assert "Federalism (Union)" not in page


@pytest.mark.parametrize(
    ("language", "order"),
    [("my", ["က", "ခ"]), ("en", ["Alpha", "Beta"])],
)
def test_committees_are_listed_in_the_order_of_the_names_shown(
    client: TestClient, db: Session, settings: Settings, language: str, order: list[str]
) -> None:
    """Red when pages sort by the plain name: in Burmese, ``Alpha`` (ခ) came before
    ``Beta`` (က)."""
    from bs4 import BeautifulSoup

    admin = make_member(db, settings, "root", ["member", "admin"])
    aye = make_member(db, settings, "aye")
    for name, burmese in (("Alpha", "ခ ကော်မတီ"), ("Beta", "က ကော်မတီ")):
        save_committee(
            db, admin, name=name, names={"my": burmese}, members=[aye.id], provisions=["art-1"]
        )
    db.commit()
    html = page_in(client, db, aye, language, "/committees")
    names = [a.get_text(strip=True) for a in BeautifulSoup(html, "html.parser").select("main li a")]
    shown = [n.split()[0] for n in names if n.split()[0] in ("က", "ခ", "Alpha", "Beta")]
    assert shown == order, names

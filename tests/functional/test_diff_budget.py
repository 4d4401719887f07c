"""Bounded work per request for diffs (issue 8): a budget of zero simplifies every diff and
the pages and the API say so; a stored diff is not computed again; an amendment's size has
a limit, on the page and through the API."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.diffing.bounded import Budget, Diff
from constitution.settings import Settings
from constitution.texts import diffs as stored_diffs
from constitution.texts.models import Document, StoredDiff
from tests.factories import (
    ART_1_EN,
    ART_2_EN,
    ART_2_MY,
    Api,
    api_token,
    csrf_token,
    edit_document,
    login,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)

SLUG = "small-draft"
NOTICE = "This difference was simplified to save time."
NEW_1 = ART_1_EN.replace("Union", "Federation") + " A second sentence."
NEW_2 = ART_2_EN + " They serve five years."


@pytest.fixture
def budget_ms() -> int:
    return 500


@pytest.fixture
def settings(base_settings: Settings, budget_ms: int) -> Settings:
    return dataclasses.replace(base_settings, diff_budget_ms=budget_ms, amendment_max_chars=400)


@pytest.fixture
def alice(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "alice")


@pytest.fixture
def editor(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "editor", ["member", "secretariat"])


@pytest.fixture
def document(db: Session, editor: Member) -> Iterator[Document]:
    document = make_document(db, small_body(SLUG))
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-1", "text": {"en": NEW_1}},
        {"op": "replace", "key": "art-2", "text": {"en": NEW_2}},
    )
    db.commit()
    yield document


@pytest.fixture
def amendment_id(db: Session, settings: Settings, alice: Member, document: Document) -> int:
    change = {"op": "replace", "key": "art-1", "text": {"en": NEW_1 + " And one more."}}
    amendment = propose_amendment(db, settings, alice, document, change)
    db.commit()
    return amendment.id


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every diff the request's differ makes (the real one is called)."""
    calls: list[tuple[str, str]] = []
    real: Callable[[str, str, Budget], Diff] = stored_diffs.diff_texts

    def counted(old: str, new: str, budget: Budget) -> Diff:
        if old != new:
            calls.append((old, new))
        return real(old, new, budget)

    monkeypatch.setattr(stored_diffs, "diff_texts", counted)
    return calls


def diff_sections(html: str, selector: str) -> list[str]:
    return [str(node) for node in BeautifulSoup(html, "html.parser").select(selector)]


# ---- a budget of zero -------------------------------------------------------------------


@pytest.mark.parametrize("budget_ms", [0])
def test_with_no_budget_the_pages_say_the_diffs_were_simplified(
    client: TestClient, alice: Member, document: Document, amendment_id: int
) -> None:
    login(client, alice)
    compare = client.get(f"/documents/{SLUG}/compare?from=1&to=2")
    assert compare.status_code == 200
    assert compare.text.count(NOTICE) == 2  # art-1 and art-2
    assert "<del>Union</del>" in compare.text  # still word by word within the sentence
    detail = client.get(f"/amendments/{amendment_id}")
    assert detail.status_code == 200 and NOTICE in detail.text
    provision = client.get(f"/documents/{SLUG}/p/art-1")
    assert provision.status_code == 200 and NOTICE in provision.text


@pytest.mark.parametrize("budget_ms", [0])
def test_with_no_budget_the_api_marks_simplified_changes(
    client: TestClient, alice: Member, document: Document, amendment_id: int
) -> None:
    api = Api(client, api_token(client, alice))
    compare = api.get(f"/api/v1/documents/{SLUG}/compare?from=1&to=2").json()
    assert [c.get("simplified") for c in compare["changes"]] == [True, True]
    detail = api.get(f"/api/v1/amendments/{amendment_id}").json()
    assert detail["changes"][0]["simplified"] is True


def test_with_a_budget_small_diffs_are_not_simplified(
    client: TestClient, alice: Member, document: Document, amendment_id: int
) -> None:
    api = Api(client, api_token(client, alice))
    detail = api.get(f"/api/v1/amendments/{amendment_id}").json()
    assert "simplified" not in detail["changes"][0]
    login(client, alice)
    assert NOTICE not in client.get(f"/documents/{SLUG}/compare?from=1&to=2").text


# ---- stored diffs -----------------------------------------------------------------------


def test_a_second_compare_uses_the_stored_diffs(
    client: TestClient,
    db: Session,
    alice: Member,
    document: Document,
    spy: list[tuple[str, str]],
) -> None:
    api = Api(client, api_token(client, alice))
    url = f"/api/v1/documents/{SLUG}/compare?from=1&to=2"
    first = api.get(url).json()
    assert len(spy) == 2
    assert db.scalar(select(func.count()).select_from(StoredDiff)) == 2
    spy.clear()
    assert api.get(url).json() == first
    assert spy == []


def test_a_second_amendment_page_uses_the_stored_diffs(
    client: TestClient, alice: Member, amendment_id: int, spy: list[tuple[str, str]]
) -> None:
    login(client, alice)
    first = client.get(f"/amendments/{amendment_id}").text
    assert spy
    spy.clear()
    second = client.get(f"/amendments/{amendment_id}").text
    assert spy == []
    assert diff_sections(second, ".change") == diff_sections(first, ".change")


def test_the_amendment_list_stores_its_diffs_once(
    client: TestClient, alice: Member, amendment_id: int, spy: list[tuple[str, str]]
) -> None:
    api = Api(client, api_token(client, alice))
    first = api.get(f"/api/v1/documents/{SLUG}/amendments?include=diffs").json()
    assert len(spy) == 1
    spy.clear()
    assert api.get(f"/api/v1/documents/{SLUG}/amendments?include=diffs").json() == first
    assert api.get(f"/api/v1/amendments/{amendment_id}").json()["changes"] == first[0]["changes"]
    assert spy == []


# ---- the size of an amendment -----------------------------------------------------------


def _long(n: int) -> str:
    return " ".join(["The Union shall be a federal democratic state."] * n)


def test_the_api_refuses_an_amendment_over_the_size_limit(
    client: TestClient, alice: Member, document: Document, amendment_id: int
) -> None:
    api = Api(client, api_token(client, alice))
    too_long = {"op": "replace", "key": "art-2", "text": {"en": _long(9)}}
    response = api.post(
        f"/api/v1/documents/{SLUG}/amendments", {"title": "Long", "changes": [too_long]}
    )
    assert response.status_code == 422
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "amendment_too_large" and error["field"] == "changes"
    assert "too large" in error["message"]
    # Two changes that fit one by one but not together.
    half = [
        {"op": "replace", "key": "art-1", "text": {"en": _long(5)}},
        {"op": "replace", "key": "art-2", "text": {"en": _long(5)}},
    ]
    response = api.post(f"/api/v1/amendments/{amendment_id}/changes", {"changes": half})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "amendment_too_large"
    fits = [{"op": "replace", "key": "art-2", "text": {"en": _long(5)}}]
    response = api.post(f"/api/v1/amendments/{amendment_id}/changes", {"changes": fits})
    assert response.status_code == 200, response.text


def test_the_propose_page_refuses_an_amendment_over_the_size_limit(
    client: TestClient, alice: Member, document: Document
) -> None:
    login(client, alice)
    url = f"/documents/{SLUG}/p/art-2/amend"
    form = client.get(url)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(form.text),
            "title": "Long",
            "text_en": _long(9),
            "text_my": ART_2_MY,
        },
    )
    assert response.status_code == 422
    error = BeautifulSoup(response.text, "html.parser").select_one(".error")
    assert error is not None and "too large" in error.get_text(), response.text

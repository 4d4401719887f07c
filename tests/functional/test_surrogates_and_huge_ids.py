"""Lone surrogates in JSON text and ids beyond any row: 400/422 with the error shape, not 500.

The cases of issue 8 (part 4), and what the endpoint fuzzer found (tests/functional/
test_fuzz_endpoints.py): a JSON string may be the escape of half a UTF-16 pair ("\\udc00"),
which is valid JSON but no text (no database, password hash or JSON answer takes it); an id
may be an integer no driver binds (2**64, 10**30).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.settings import Settings
from tests.functional.test_authorization import SLUG, World, build_world
from tests.functional.test_fuzz import assert_api_shape

SURROGATE = "\\udc00"  # as written in the JSON text: the six characters \udc00


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    return build_world(db, settings)


def post(client: TestClient, world: World, path: str, raw: str, method: str = "POST") -> Any:
    client.cookies.clear()
    return client.request(
        method,
        path,
        content=raw.encode("ascii"),
        headers={
            "Authorization": f"Bearer {world.root_token}",
            "Content-Type": "application/json",
        },
    )


def assert_error(response: Any, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert_api_shape(response, response.text)
    if field is not None:
        assert response.json()["error"].get("field") == field, response.text


# (what, path, JSON text with S for the lone surrogate, the field named)
SURROGATE_CASES = [
    ("username", "/api/v1/tokens", '{"username": "S", "password": "a long password"}', "username"),
    ("password", "/api/v1/tokens", '{"username": "root", "password": "xxxxxxxxxxS"}', "password"),
    (
        "title",
        f"/api/v1/documents/{SLUG}/amendments",
        '{"title": "S", "changes": [{"op": "replace", "key": "art-1", "text": {"en": "U"}}]}',
        "title",
    ),
    ("comment", "/api/v1/amendments/{amendment}/comments", '{"body": "Why S?"}', "body"),
    (
        "display name",
        "/api/v1/invitations",
        '{"username": "newone", "display_name": "Ma S", "roles": ["member"]}',
        "display_name",
    ),
    (
        "nested text",
        f"/api/v1/documents/{SLUG}/revisions",
        '{"reason": "r", "changes": [{"op": "replace", "key": "art-1", "text": {"en": "S"}}]}',
        "changes.0.text.en",
    ),
    ("a key", "/api/v1/committees", '{"name": "N", "S": 1}', "body"),
    ("the whole body", "/api/v1/inbox/read", '"S"', "body"),
    ("a high surrogate", "/api/v1/committees", '{"name": "\\ud800"}', "name"),
]


@pytest.mark.parametrize(
    ("what", "path", "raw", "field"), SURROGATE_CASES, ids=[c[0] for c in SURROGATE_CASES]
)
def test_a_lone_surrogate_anywhere_in_the_json_is_400(
    client: TestClient, world: World, what: str, path: str, raw: str, field: str
) -> None:
    path = path.replace("{amendment}", str(world.amendment_id))
    response = post(client, world, path, raw.replace("S", SURROGATE))
    assert_error(response, 400, field)
    assert response.json()["error"]["code"] == "malformed_json"


def test_a_surrogate_in_a_key_the_service_would_name_is_400(
    client: TestClient, world: World
) -> None:
    """Fuzzer finding: an unknown key was named in the 422, whose JSON could not be written."""
    response = post(
        client, world, f"/api/v1/members/{world.subject.id}", '{"x\\udc00": 1}', method="PATCH"
    )
    assert_error(response, 400)


HUGE = [2**64, 10**30, 2**63]
# (field, path, JSON text with N for the number)
ID_CASES = [
    (
        "amends",
        f"/api/v1/documents/{SLUG}/amendments",
        '{"title": "T", "amends": N, '
        '"changes": [{"op": "replace", "key": "art-1", "text": {"en": "U"}}]}',
    ),
    ("parent", "/api/v1/amendments/{amendment}/comments", '{"body": "Yes.", "parent": N}'),
    ("ids", "/api/v1/inbox/read", '{"ids": [N]}'),
]


@pytest.mark.parametrize("number", HUGE, ids=[str(n) for n in HUGE])
@pytest.mark.parametrize(("field", "path", "raw"), ID_CASES, ids=[c[0] for c in ID_CASES])
def test_an_id_beyond_any_row_is_422_naming_the_field(
    client: TestClient, world: World, field: str, path: str, raw: str, number: int
) -> None:
    path = path.replace("{amendment}", str(world.amendment_id))
    response = post(client, world, path, raw.replace("N", str(number)))
    assert_error(response, 422, field)


@pytest.mark.parametrize("number", [2**31, 0, -1])
def test_inbox_ids_outside_the_range_of_ids_are_422(
    client: TestClient, world: World, number: int
) -> None:
    """As every other id in a body: one helper, 1 to MAX_ID (they were read as no match)."""
    response = post(client, world, "/api/v1/inbox/read", f'{{"ids": [{number}]}}')
    assert_error(response, 422, "ids")


# ---- what the fuzzer found on PostgreSQL ------------------------------------------------
# (SQLite compares any number and stores NUL; PostgreSQL refuses both, so these failed
# there, as 500s.)


@pytest.mark.parametrize("after", ["2147483648", "99999999999"])
def test_an_audit_cursor_past_every_event_is_an_empty_page(
    client: TestClient, world: World, after: str
) -> None:
    """The cursor was bound as an INTEGER: beyond 2**31 - 1, PostgreSQL refused it."""
    client.cookies.clear()
    response = client.get(
        f"/api/v1/audit?after={after}", headers={"Authorization": f"Bearer {world.root_token}"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == []


def test_a_nul_in_a_path_is_404(client: TestClient, world: World) -> None:
    """A slug with NUL was looked up: PostgreSQL refuses NUL in text."""
    client.cookies.clear()
    auth = {"Authorization": f"Bearer {world.root_token}"}
    for path in ["/api/v1/documents/%00", f"/api/v1/documents/{SLUG}%00x/amendments"]:
        assert_error(client.get(path, headers=auth), 404)
    response = post(client, world, "/api/v1/documents/a%00/amendments", '{"title": "T"}')
    assert_error(response, 404)

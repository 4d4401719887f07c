"""Bad input to the Amendments API: each refusal is a clear error naming the field, and
nothing is stored. Also what becomes of an amendment whose base goes stale."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.amendments.models import Amendment, AmendmentChange, Sponsor
from constitution.audit.models import AuditEvent
from constitution.comments.models import Comment
from constitution.inbox.models import Notification
from constitution.settings import Settings
from constitution.texts.models import Revision
from tests.factories import ART_1_EN, ART_1_MY
from tests.functional.test_api_amendments import (
    AMENDMENTS,
    NEW_EN,
    People,
    build_people,
    error_of,
    new_of,
    old_of,
    replace_en,
)

TABLES = (Amendment, AmendmentChange, Sponsor, Comment, Notification, AuditEvent, Revision)
EXISTING_KEYS = {"part-1", "art-1", "art-1-a", "art-1-b", "art-2", "part-2", "art-3"}
FUZZ = hypothesis_settings(
    max_examples=150,
    deadline=None,
    # One database transaction and one client for all examples: every example is refused,
    # so each meets the same state (which the example checks).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def people(client: TestClient, db: Session, settings: Settings) -> People:
    return build_people(client, db, settings)


def counts(db: Session) -> dict[str, int]:
    db.expire_all()
    return {t.__tablename__: db.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}


def refused(
    people: People,
    response: Any,
    status: int,
    field: str | None = None,
    code: str | None = None,
    *,
    before: dict[str, int],
) -> dict[str, Any]:
    error = error_of(response, status, code)
    if field is not None:
        assert error.get("field") == field, error
    assert counts(people.db) == before, "a refused request stored something"
    return error


def propose_body(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"title": "A title", "rationale": {"en": "Why."}, "changes": list(changes)}


# ---- changes that do not apply ----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (replace_en(key="art-3"), "changes[0].key", "unknown_provision"),
        (replace_en(key="art-99"), "changes[0].key", "unknown_provision"),
        ({"op": "delete", "key": "art-3"}, "changes[0].key", "unknown_provision"),
        ({"op": "move", "key": "art-3", "parent": "part-1"}, "changes[0].key", None),
        (
            {
                "op": "insert",
                "key": "art-3-a",
                "parent": "art-3",
                "label": "(a)",
                "kind": "clause",
                "text": {"my": "က", "en": "A"},
            },
            "changes[0].parent",
            "unknown_provision",
        ),
        (
            {
                "op": "insert",
                "key": "art-4",
                "parent": "part-2",
                "after": "art-3",
                "label": "Article 4",
                "kind": "article",
                "text": {"my": "က", "en": "A"},
            },
            "changes[0].after",
            None,
        ),
        (
            # The deleted provision's key is retired: it is not given to another.
            {
                "op": "insert",
                "key": "art-3",
                "parent": "part-2",
                "label": "Article 3",
                "kind": "article",
                "text": {"my": "က", "en": "A"},
            },
            "changes[0].key",
            "duplicate_key",
        ),
    ],
)
def test_amending_a_provision_that_no_longer_exists(
    people: People, change: dict[str, Any], field: str, code: str | None
) -> None:
    people.edit({"op": "delete", "key": "art-3"})
    before = counts(people.db)
    response = people.aye.post(AMENDMENTS, propose_body(change))
    refused(people, response, 422, field, code, before=before)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        (None, "changes", "empty_change"),
        ([], "changes", "empty_change"),
        ([{}], "changes[0].op", None),
        ([{"op": "replace", "key": "art-1"}], "changes[0].text", None),
        ([{"op": "replace", "key": "art-1", "text": {}}], "changes[0].text", "empty_change"),
        ([{"op": "replace", "key": "art-1", "text": {"my": " "}}], "changes[0].text.my", None),
        ([{"op": "replace", "key": "art-1", "text": {"fr": "Union"}}], "changes[0].text.fr", None),
        ([{"op": "confirm", "key": "art-1", "languages": ["en"]}], "changes[0].languages", None),
        ([replace_en(), replace_en("Other.")], "changes", None),
    ],
)
def test_an_empty_or_malformed_change(
    people: People, changes: Any, field: str, code: str | None
) -> None:
    before = counts(people.db)
    body = {"title": "Empty", "changes": changes}
    refused(people, people.aye.post(AMENDMENTS, body), 422, field, code, before=before)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (replace_en(ART_1_EN), "changes[0].text"),
        (
            {"op": "replace", "key": "art-1", "text": {"my": ART_1_MY, "en": ART_1_EN}},
            "changes[0].text",
        ),
        ({"op": "replace", "key": "art-1", "label": "Article 1"}, "changes[0].text"),
        ({"op": "move", "key": "art-2", "parent": "part-1", "after": "art-1"}, "changes[0].after"),
    ],
)
def test_a_change_identical_to_the_current_text(
    people: People, change: dict[str, Any], field: str
) -> None:
    before = counts(people.db)
    response = people.aye.post(AMENDMENTS, propose_body(change))
    refused(people, response, 422, field, "unchanged", before=before)

    # The same when she rewrites a draft: it keeps what it had.
    draft = people.aye.propose(replace_en())
    before = counts(people.db)
    url = f"/api/v1/amendments/{draft['id']}/changes"
    refused(
        people, people.aye.post(url, {"changes": [change]}), 422, field, "unchanged", before=before
    )
    assert people.aye.amendment(draft["id"]) == {k: v for k, v in draft.items() if k != "notices"}


def test_an_oversized_rationale_or_title(people: People) -> None:
    before = counts(people.db)
    long = "ဥ" * 20_001
    body = propose_body(replace_en())
    cases = [
        ({**body, "rationale": {"en": long}}, "rationale.en"),
        ({**body, "rationale": {"my": "က", "en": "x" * 20_001}}, "rationale.en"),
        # A plain string is the authoritative language's.
        ({**body, "rationale": long}, "rationale.my"),
        ({**body, "title": "t" * 301}, "title"),
        ({**body, "title": "Two\nlines"}, "title"),
    ]
    for value, field in cases:
        refused(people, people.aye.post(AMENDMENTS, value), 422, field, before=before)
    # At the limit it is accepted.
    accepted = people.aye.post(AMENDMENTS, {**body, "rationale": {"en": "x" * 20_000}})
    assert accepted.status_code == 201, accepted.text

    # Rewriting a draft with an oversized rationale changes nothing.
    draft = accepted.json()
    before = counts(people.db)
    url = f"/api/v1/amendments/{draft['id']}/changes"
    update = {"changes": [replace_en("The Union is one.")], "rationale": {"en": long}}
    refused(people, people.aye.post(url, update), 422, "rationale.en", before=before)
    assert people.aye.amendment(draft["id"]) == {k: v for k, v in draft.items() if k != "notices"}


def test_a_body_larger_than_a_megabyte_is_413(people: People) -> None:
    before = counts(people.db)
    body = propose_body(replace_en("x" * (1024 * 1024)))
    refused(people, people.aye.post(AMENDMENTS, body), 413, before=before)


# ---- a stale base -----------------------------------------------------------------------


def test_an_amendment_whose_provision_is_deleted_becomes_obsolete(people: People) -> None:
    submitted = people.sponsored(replace_en("Every State has a constitution.", key="art-3"))
    people.aye.ok(f"/api/v1/amendments/{submitted['id']}/submit")
    draft = people.su.propose({"op": "delete", "key": "art-3"}, title="Remove")
    people.edit({"op": "delete", "key": "art-3"})
    for amendment in (submitted, draft):
        body = people.aye.amendment(amendment["id"])
        assert body["status"] == "obsolete"
        assert body["conflicts"] == []
    assert [e.payload["to"] for e in people_events(people, "amendment.obsolete")] == [
        "obsolete",
        "obsolete",
    ]
    # Nothing more can be done with it.
    before = counts(people.db)
    url = f"/api/v1/amendments/{submitted['id']}"
    actions: list[tuple[Any, str, Any]] = [
        (people.mya, "sponsor", None),
        (people.aye, "submit", None),
        (people.aye, "withdraw", None),
        (people.aye, "changes", {"changes": [replace_en(key="art-2")]}),
    ]
    for api, action, body in actions:
        refused(people, api.post(f"{url}/{action}", body), 409, code="wrong_status", before=before)
    response = people.outsider.post(f"{url}/recommendation", {"recommendation": "adopt"})
    assert response.status_code in (403, 409), response.text
    assert counts(people.db) == before


def people_events(people: People, action: str) -> list[AuditEvent]:
    people.db.expire_all()
    return list(
        people.db.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
    )


def test_an_overlapping_revision_leaves_it_needing_an_update_with_the_problem(
    people: People,
) -> None:
    ours = "The Union is a federal state."
    amendment = people.sponsored(replace_en(ours), submit=True)
    theirs = "The Union is a democratic union."
    people.edit(replace_en(theirs))
    body = people.aye.amendment(amendment["id"])
    assert body["status"] == "needs_update"
    assert body["base_rev"] == 1
    assert body["problem"] == [
        {"key": "art-1", "language": "en", "base": ART_1_EN, "ours": ours, "theirs": theirs}
    ]
    before = counts(people.db)
    url = f"/api/v1/amendments/{amendment['id']}"
    refused(people, people.mya.post(f"{url}/sponsor"), 409, code="wrong_status", before=before)
    refused(people, people.aye.post(f"{url}/submit"), 409, code="wrong_status", before=before)
    response = people.reviewer.post(f"{url}/recommendation", {"recommendation": "adopt"})
    refused(people, response, 409, code="wrong_status", before=before)
    error = refused(people, people.su.post(f"{url}/changes", {"changes": []}), 403, before=before)
    assert error["code"] == "forbidden"

    # The proposer updates it against the current text: submitted again, on the new base.
    updated = people.aye.ok(f"{url}/changes", {"changes": [replace_en("Our Union is federal.")]})
    assert updated["status"] == "submitted"
    assert (updated["base_rev"], updated["problem"]) == (2, None)
    diff = updated["changes"][0]["diff"]["en"]
    assert (old_of(diff), new_of(diff)) == (theirs, "Our Union is federal.")


def test_a_draft_that_needs_an_update_is_a_draft_again_once_updated(people: People) -> None:
    """Updating must not submit a draft its proposer never submitted, nor skip the
    co-sponsors it needs."""
    draft = people.aye.propose(replace_en("The Union is a federal state."))
    people.edit(replace_en("The Union is a democratic union."))
    assert people.aye.amendment(draft["id"])["status"] == "needs_update"
    url = f"/api/v1/amendments/{draft['id']}"
    updated = people.aye.ok(f"{url}/changes", {"changes": [replace_en("Our Union is federal.")]})
    assert updated["status"] == "draft"
    assert updated["sponsors"] == []
    error_of(people.aye.post(f"{url}/submit"), 409, "needs_sponsors")


def test_a_revision_elsewhere_in_the_provision_rebases_it(people: People) -> None:
    amendment = people.sponsored(replace_en(NEW_EN), submit=True)
    people.edit(replace_en("Today, the Union is a federal democratic state."))
    body = people.aye.amendment(amendment["id"])
    assert (body["status"], body["base_rev"], body["problem"]) == ("submitted", 2, None)
    diff = body["changes"][0]["diff"]["en"]
    assert "".join(t for op, t in diff if op >= 0) == (
        "Today, the Union is a federal democratic state of equal nations."
    )


# ---- comments ---------------------------------------------------------------------------


def test_bad_comments_are_refused_and_not_stored(people: People) -> None:
    amendment = people.aye.propose(replace_en())
    other = people.su.propose(replace_en("Members are elected.", key="art-2"), title="Other")
    url = f"/api/v1/amendments/{amendment['id']}/comments"
    comment = people.su.ok(url, {"body": "Rude."}, 201)
    elsewhere = people.su.ok(f"/api/v1/amendments/{other['id']}/comments", {"body": "Hi"}, 201)
    people.chair.ok(f"/api/v1/comments/{comment['id']}/hide", {"reason": "Rude."})
    anchor = {"key": "art-1", "language": "en", "exact": "federal"}
    before = counts(people.db)
    cases: list[tuple[Any, int, str]] = [
        ({"body": "Why?", "parent": comment["id"]}, 409, "parent"),  # hidden
        ({"body": "Why?", "parent": elsewhere["id"]}, 422, "parent"),  # another amendment's
        ({"body": "Why?", "parent": 999_999}, 422, "parent"),
        ({"body": "Why?", "parent": str(comment["id"])}, 422, "parent"),
        ({"body": "Why?", "parent": True}, 422, "parent"),
        ({"body": ""}, 422, "body"),
        ({"body": "x" * 10_001}, 422, "body"),
        ({"body": ["x"]}, 422, "body"),
        ({}, 422, "body"),
        ({"body": "Here", "anchor": "federal"}, 422, "anchor"),
        ({"body": "Here", "anchor": {**anchor, "key": "art-99"}}, 422, "anchor.key"),
        ({"body": "Here", "anchor": {**anchor, "language": "fr"}}, 422, "anchor.language"),
        ({"body": "Here", "anchor": {**anchor, "exact": ""}}, 422, "anchor.exact"),
        ({"body": "Here", "anchor": {**anchor, "exact": "x" * 1001}}, 422, "anchor.exact"),
        ({"body": "Here", "anchor": {**anchor, "prefix": "p" * 65}}, 422, "anchor.prefix"),
        ({"body": "Here", "anchor": {**anchor, "exact": "monarchy"}}, 422, "anchor.exact"),
        ([], 422, "body"),
    ]
    for body, status, field in cases:
        refused(people, people.aye.post(url, body), status, field, before=before)
    error_of(people.aye.post(url, {"body": "Why?", "parent": comment["id"]}), 409, "comment_hidden")


# ---- malformed JSON ---------------------------------------------------------------------


def write_urls(people: People) -> list[str]:
    amendment = people.sponsored(replace_en(), submit=True)
    url = f"/api/v1/amendments/{amendment['id']}"
    comment = people.su.ok(f"{url}/comments", {"body": "Hi"}, 201)
    return [
        AMENDMENTS,
        f"{url}/changes",
        f"{url}/sponsor",
        f"{url}/submit",
        f"{url}/withdraw",
        f"{url}/recommendation",
        f"{url}/comments",
        f"/api/v1/comments/{comment['id']}/hide",
        "/api/v1/inbox/read",
    ]


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"title": "x",}', b"\xff\xfe{}", b'{"title": "\\ud800"', b"[" * 100_000, b"NaN]"],
)
def test_malformed_json_is_400_everywhere(people: People, raw: bytes) -> None:
    urls = write_urls(people)
    before = counts(people.db)
    headers = {**people.aye.headers, "Content-Type": "application/json"}
    for url in urls:
        response = people.aye.client.post(url, content=raw, headers=headers)
        refused(people, response, 400, code="malformed_json", before=before)


def test_a_body_that_is_not_an_object_is_422_naming_the_body(people: People) -> None:
    urls = [u for u in write_urls(people) if not u.endswith(("/sponsor", "/submit", "/withdraw"))]
    before = counts(people.db)
    not_objects: list[Any] = [[], "text", 3, True]
    for url in urls:
        for not_an_object in not_objects:
            response = people.reviewer.post(url, json=not_an_object)
            refused(people, response, 422, "body", before=before)


# ---- wrong types, generated -------------------------------------------------------------

NOT_TEXT = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
NOT_TEXT_OR_NONE = NOT_TEXT | st.none()
NOT_INT = st.one_of(
    st.text(max_size=5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
NOT_OBJECT = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)
NOT_LIST = st.one_of(
    st.integers(),
    st.booleans(),
    st.text(max_size=5),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
NOT_A_KEY = NOT_TEXT | st.text(max_size=12).filter(lambda k: k not in EXISTING_KEYS)
NOT_AN_OP = NOT_TEXT_OR_NONE | st.text(max_size=10).filter(
    lambda o: o not in ("replace", "insert", "delete", "move", "confirm")
)
NOT_A_LANGUAGE = NOT_TEXT_OR_NONE | st.text(max_size=4).filter(
    lambda lang: lang not in ("my", "en")
)

# route -> (a valid body, {path in the body: values of a wrong type or out of range})
Path = tuple[Any, ...]
CHANGE_FIELDS: dict[Path, st.SearchStrategy[Any]] = {
    ("changes",): NOT_LIST | st.none() | st.just([]),
    ("changes", 0): NOT_OBJECT | st.none(),
    ("changes", 0, "op"): NOT_AN_OP,
    ("changes", 0, "key"): NOT_A_KEY,
    ("changes", 0, "text"): NOT_OBJECT | st.none(),
    ("changes", 0, "text", "en"): NOT_TEXT,
}
FIELDS: dict[str, dict[Path, st.SearchStrategy[Any]]] = {
    "propose": {
        ("title",): NOT_TEXT_OR_NONE | st.just("") | st.just(" "),
        ("rationale",): st.one_of(st.integers(), st.booleans(), st.lists(st.text(), max_size=2)),
        ("rationale", "en"): NOT_TEXT,
        ("amends",): NOT_INT,
        **CHANGE_FIELDS,
    },
    "changes": {
        ("title",): NOT_TEXT_OR_NONE,
        ("rationale", "en"): NOT_TEXT,
        **CHANGE_FIELDS,
    },
    "recommendation": {
        ("recommendation",): NOT_TEXT_OR_NONE
        | st.text(max_size=8).filter(lambda c: c not in ("adopt", "reject", "modify")),
        ("note",): NOT_TEXT,
        ("text",): NOT_OBJECT
        | st.none()
        | st.just({})
        | st.fixed_dictionaries({"my": NOT_TEXT_OR_NONE, "en": NOT_TEXT}),
    },
    "comment": {
        ("body",): NOT_TEXT_OR_NONE | st.just(""),
        ("parent",): NOT_INT,
        ("anchor",): NOT_OBJECT,
        ("anchor", "key"): NOT_A_KEY,
        ("anchor", "language"): NOT_A_LANGUAGE,
        ("anchor", "exact"): NOT_TEXT_OR_NONE,
        ("anchor", "prefix"): NOT_TEXT,
    },
    "hide": {("reason",): NOT_TEXT_OR_NONE},
    "read": {("ids",): NOT_LIST | st.lists(NOT_INT, min_size=1, max_size=2)},
}


def field_name(path: Path) -> str:
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name


def with_value(body: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    copy: Any = list(body) if isinstance(body, list) else dict(body)
    copy[path[0]] = with_value(body[path[0]], path[1:], value)
    return copy


def test_wrong_types_name_their_field_and_store_nothing(people: People) -> None:
    submitted = people.sponsored(replace_en(), submit=True)
    draft = people.aye.propose(replace_en("Members are elected.", key="art-2"), title="Draft")
    comment = people.su.ok(f"/api/v1/amendments/{draft['id']}/comments", {"body": "Hi"}, 201)
    url = f"/api/v1/amendments/{submitted['id']}"
    change = replace_en("The Union is one.")
    targets: dict[str, tuple[Any, str, Any]] = {
        "propose": (people.aye, AMENDMENTS, {**propose_body(change), "amends": submitted["id"]}),
        "changes": (
            people.aye,
            f"/api/v1/amendments/{draft['id']}/changes",
            {"title": "New", "rationale": {"en": "Why"}, "changes": [change]},
        ),
        "recommendation": (
            people.reviewer,
            f"{url}/recommendation",
            {"recommendation": "modify", "note": "n", "text": {"my": ART_1_MY, "en": "One."}},
        ),
        "comment": (
            people.mya,
            f"{url}/comments",
            {
                "body": "Here",
                "parent": None,
                "anchor": {"key": "art-1", "language": "en", "exact": "Union", "prefix": "The "},
            },
        ),
        "hide": (people.chair, f"/api/v1/comments/{comment['id']}/hide", {"reason": "Rude"}),
        "read": (people.aye, "/api/v1/inbox/read", {"ids": []}),
    }
    choices = [(route, path) for route, fields in FIELDS.items() for path in fields]
    before = counts(people.db)
    details = {a["id"]: people.aye.amendment(a["id"]) for a in (submitted, draft)}
    unread = [n["read"] for n in people.aye.inbox()]

    @FUZZ
    @given(choice=st.sampled_from(choices), data=st.data())
    def check(choice: tuple[str, Path], data: st.DataObject) -> None:
        route, path = choice
        value = data.draw(FIELDS[route][path], label=field_name(path))
        api, target, valid = targets[route]
        response = api.post(target, with_value(valid, path, value))
        error = error_of(response, 422)
        field = error.get("field", "")
        name = field_name(path)
        assert field == name or field.startswith((f"{name}.", f"{name}[")), (name, error)
        assert counts(people.db) == before

    check()
    for amendment_id, detail in details.items():
        assert people.aye.amendment(amendment_id) == detail
    assert [n["read"] for n in people.aye.inbox()] == unread

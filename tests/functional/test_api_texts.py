"""The Texts part of the JSON API (API.md): documents, revisions, compare, search."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.settings import Settings
from tests.factories import (
    ART_1_EN,
    ART_1_MY,
    ART_2_EN,
    Api,
    api_token,
    bearer,
    counts,
    make_member,
    sample_body,
    small_body,
    tiny_body,
)

ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
HEX64 = re.compile(r"[0-9a-f]{64}")
PROVISION_KEYS = {"key", "label", "labels", "kind", "parent", "text", "version", "outdated"}
ZAWGYI = "ျမန္မာႏိုင္ငံ"
UNICODE = "မြန်မာနိုင်ငံ"
NOT_NFC = "\u1000\u103b\u1004\u103a\u1037\u101e\u102f\u1036\u1038\u101e\u100a\u103a"
MB = 1024 * 1024


@pytest.fixture
def editor(client: TestClient, db: Session, settings: Settings) -> Api:
    member = make_member(db, settings, "secretariat", ["member", "secretariat"])
    return Api(client, api_token(client, member))


@pytest.fixture
def reader(client: TestClient, db: Session, settings: Settings) -> Api:
    return Api(client, api_token(client, make_member(db, settings, "reader")))


@pytest.fixture
def small(editor: Api) -> Iterator[dict[str, Any]]:
    response = editor.post("/api/v1/documents", small_body())
    assert response.status_code == 201, response.text
    yield response.json()


def old_of(pairs: list[list[Any]]) -> str:
    return "".join(text for op, text in pairs if op in (0, -1))


def new_of(pairs: list[list[Any]]) -> str:
    return "".join(text for op, text in pairs if op in (0, 1))


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert re.fullmatch(r"[a-z][a-z0-9_]*", error["code"])
    assert error["message"]
    return error


# ---- POST /api/v1/documents -------------------------------------------------------------


def test_create_document_answers_201_with_the_document_at_revision_1(editor: Api) -> None:
    response = editor.post("/api/v1/documents", small_body())
    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in ("slug", "rev", "languages", "authoritative")} == {
        "slug": "small-draft",
        "rev": 1,
        "languages": ["my", "en"],
        "authoritative": "my",
    }
    assert body["title"] == small_body()["title"]
    assert body["notices"] == []
    assert [p["key"] for p in body["provisions"]] == [p["key"] for p in small_body()["provisions"]]
    for given, item in zip(small_body()["provisions"], body["provisions"], strict=True):
        assert set(item) == PROVISION_KEYS
        assert {k: item[k] for k in ("key", "label", "kind", "parent", "text")} == given
        assert (item["version"], item["outdated"]) == (1, [])


def test_create_document_from_the_sample_draft(editor: Api) -> None:
    body = sample_body()
    assert body is not None, "constitution/sample_data/draft.json is missing"
    response = editor.post("/api/v1/documents", body)
    assert response.status_code == 201, response.text
    assert len(response.json()["provisions"]) == len(body["provisions"])


def test_create_document_returns_nfc_and_reports_zawgyi(editor: Api) -> None:
    body = small_body()
    body["provisions"][1]["text"]["my"] = NOT_NFC
    body["provisions"][2]["text"]["my"] = ZAWGYI
    response = editor.post("/api/v1/documents", body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["provisions"][1]["text"]["my"] == unicodedata.normalize("NFC", NOT_NFC)
    assert created["provisions"][2]["text"]["my"] == UNICODE
    assert created["notices"] == [
        {"field": "provisions[2].text.my", "code": "converted_from_zawgyi"}
    ]


def test_a_missing_translation_is_reported_out_of_date(editor: Api) -> None:
    body = small_body()
    del body["provisions"][3]["text"]["en"]
    created = editor.post("/api/v1/documents", body).json()
    assert created["provisions"][3]["text"] == {"my": body["provisions"][3]["text"]["my"], "en": ""}
    assert created["provisions"][3]["outdated"] == ["en"]


def test_the_same_slug_twice_is_a_conflict(editor: Api, small: dict[str, Any]) -> None:
    error = error_of(editor.post("/api/v1/documents", small_body()), 409)
    assert (error["code"], error["field"]) == ("document_exists", "slug")


# ---- reading ----------------------------------------------------------------------------


def test_list_documents(editor: Api, reader: Api, small: dict[str, Any]) -> None:
    editor.post("/api/v1/documents", tiny_body())
    response = reader.get("/api/v1/documents")
    assert response.status_code == 200
    listed = {d["slug"]: d for d in response.json()}
    assert set(listed) == {"small-draft", "tiny-draft"}
    assert listed["small-draft"]["rev"] == 1
    assert listed["small-draft"]["title"] == small_body()["title"]


def test_document_detail_current_and_at_a_revision(
    editor: Api, reader: Api, small: dict[str, Any]
) -> None:
    detail = reader.get("/api/v1/documents/small-draft")
    assert detail.status_code == 200
    assert detail.json() == {k: v for k, v in small.items() if k != "notices"}
    change = {"op": "replace", "key": "art-1", "text": {"my": "ပြင်ဆင်ထားသည်။"}}
    posted = editor.post(
        "/api/v1/documents/small-draft/revisions", {"reason": "Fix", "changes": [change]}
    )
    assert posted.status_code == 201, posted.text
    now = reader.get("/api/v1/documents/small-draft").json()
    assert now["rev"] == 2
    art_1 = now["provisions"][1]
    assert art_1["text"] == {"my": "ပြင်ဆင်ထားသည်။", "en": ART_1_EN}
    assert (art_1["version"], art_1["outdated"]) == (2, ["en"])
    then = reader.get("/api/v1/documents/small-draft", params={"rev": 1}).json()
    assert then["rev"] == 1
    assert then["provisions"][1]["text"] == {"my": ART_1_MY, "en": ART_1_EN}
    assert then["provisions"] == small["provisions"]


@pytest.mark.parametrize(
    ("rev", "status"),
    [("0", 404), ("2", 404), ("abc", 422), ("-1", 422), ("1.0", 422), ("1" * 30, 422)],
)
def test_document_at_a_revision_that_does_not_exist(
    reader: Api, small: dict[str, Any], rev: str, status: int
) -> None:
    error = error_of(reader.get("/api/v1/documents/small-draft", params={"rev": rev}), status)
    if status == 422:
        assert error["field"] == "rev"


def test_unknown_document_is_404_everywhere(reader: Api) -> None:
    for path in ("", "/revisions", "/compare?from=1&to=1", "/search?q=x"):
        error = error_of(reader.get(f"/api/v1/documents/nothing{path}"), 404)
        assert error["code"] == "not_found"


def test_revisions_list(editor: Api, reader: Api, small: dict[str, Any]) -> None:
    editor.post(
        "/api/v1/documents/small-draft/revisions",
        {
            "reason": "ဘာသာပြန် ပြင်ဆင်ချက်",
            "changes": [{"op": "replace", "key": "art-2", "text": {"en": "Two."}}],
        },
    )
    response = reader.get("/api/v1/documents/small-draft/revisions")
    assert response.status_code == 200
    revisions = response.json()
    assert [r["rev"] for r in revisions] == [1, 2]
    for item in revisions:
        assert {"rev", "created_at", "author", "reason", "amendment", "hash"} <= set(item)
        assert ISO_Z.fullmatch(item["created_at"])
        assert HEX64.fullmatch(item["hash"])
        assert item["amendment"] is None
        assert item["author"] == "Secretariat"
    assert revisions[1]["reason"] == "ဘာသာပြန် ပြင်ဆင်ချက်"
    assert revisions[0]["hash"] != revisions[1]["hash"]
    # The hashes do not change when more revisions come.
    editor.post(
        "/api/v1/documents/small-draft/revisions",
        {"reason": "More", "changes": [{"op": "delete", "key": "art-3"}]},
    )
    later = reader.get("/api/v1/documents/small-draft/revisions").json()
    assert [r["hash"] for r in later[:2]] == [r["hash"] for r in revisions]


# ---- POST revisions ---------------------------------------------------------------------


def test_post_revision_answers_201_with_the_revision_and_notices(
    editor: Api, small: dict[str, Any]
) -> None:
    response = editor.post(
        "/api/v1/documents/small-draft/revisions",
        {
            "reason": "Editorial correction",
            "changes": [
                {"op": "replace", "key": "art-2", "text": {"my": ZAWGYI}},
                {
                    "op": "insert",
                    "key": "art-4",
                    "after": "art-3",
                    "parent": "part-2",
                    "label": "Article 4",
                    "kind": "article",
                    "text": {"my": "ပုဒ်မ ၄"},
                },
                {"op": "move", "key": "art-1-b", "parent": "art-1", "after": None},
                {"op": "delete", "key": "art-1-a"},
            ],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rev"] == 2
    assert body["reason"] == "Editorial correction"
    assert body["author"] == "Secretariat"
    assert HEX64.fullmatch(body["hash"]) and ISO_Z.fullmatch(body["created_at"])
    assert body["notices"] == [{"field": "changes[0].text.my", "code": "converted_from_zawgyi"}]
    document = editor.get("/api/v1/documents/small-draft").json()
    provisions = {p["key"]: p for p in document["provisions"]}
    assert provisions["art-2"]["text"] == {"my": UNICODE, "en": ART_2_EN}
    assert provisions["art-2"]["outdated"] == ["en"]
    assert provisions["art-4"]["outdated"] == ["en"]
    assert "art-1-a" not in provisions
    assert [p["key"] for p in document["provisions"]] == [
        "part-1",
        "art-1",
        "art-1-b",
        "art-2",
        "part-2",
        "art-3",
        "art-4",
    ]
    # A translation update clears the mark; a confirmation clears it without a change.
    response = editor.post(
        "/api/v1/documents/small-draft/revisions",
        {
            "reason": "Translations",
            "changes": [
                {"op": "replace", "key": "art-4", "text": {"en": "Article four"}},
                {"op": "confirm", "key": "art-2", "languages": ["en"]},
            ],
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["notices"] == []
    provisions = {
        p["key"]: p for p in editor.get("/api/v1/documents/small-draft").json()["provisions"]
    }
    assert (provisions["art-4"]["outdated"], provisions["art-2"]["outdated"]) == ([], [])
    assert provisions["art-2"]["text"]["en"] == ART_2_EN


# ---- compare ----------------------------------------------------------------------------


def test_compare_two_revisions(editor: Api, reader: Api, small: dict[str, Any]) -> None:
    new_my = "ပြည်ထောင်စုသည် ဖက်ဒရယ်ဒီမိုကရေစီ သမ္မတနိုင်ငံ ဖြစ်သည်။"
    editor.post(
        "/api/v1/documents/small-draft/revisions",
        {
            "reason": "Several",
            "changes": [
                {
                    "op": "replace",
                    "key": "art-1",
                    "text": {"my": new_my, "en": "The Union is a republic."},
                },
                {"op": "delete", "key": "art-1-b"},
                {"op": "move", "key": "art-2", "parent": "part-2", "after": "art-3"},
                {
                    "op": "insert",
                    "key": "art-4",
                    "parent": "part-2",
                    "label": "Article 4",
                    "kind": "article",
                    "text": {"my": "ပုဒ်မ ၄", "en": "Four"},
                },
            ],
        },
    )
    response = reader.get("/api/v1/documents/small-draft/compare", params={"from": 1, "to": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == (1, 2)
    changes = {c["key"]: c for c in body["changes"]}
    assert {k: c["change"] for k, c in changes.items()} == {
        "art-1": "modified",
        "art-1-b": "removed",
        "art-2": "moved",
        "art-4": "added",
    }
    then = {p["key"]: p for p in small["provisions"]}
    now = {p["key"]: p for p in reader.get("/api/v1/documents/small-draft").json()["provisions"]}
    for key, change in changes.items():
        assert {"key", "label", "change", "diff"} <= set(change)
        assert set(change["diff"]) == {"my", "en"}
        for lang, pairs in change["diff"].items():
            for pair in pairs:
                assert isinstance(pair, list) and len(pair) == 2
                assert pair[0] in (-1, 0, 1) and isinstance(pair[1], str)
            old = then[key]["text"][lang] if key in then else ""
            new = now[key]["text"][lang] if key in now else ""
            assert (old_of(pairs), new_of(pairs)) == (old, new), (key, lang)
    assert changes["art-4"]["label"] == "Article 4"
    # The same revision twice: nothing.
    same = reader.get("/api/v1/documents/small-draft/compare", params={"from": 2, "to": 2})
    assert same.json()["changes"] == []


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"to": "1"}, 422, "from"),
        ({"from": "1"}, 422, "to"),
        ({"from": "x", "to": "1"}, 422, "from"),
        ({"from": "1", "to": "9"}, 404, None),
        ({"from": "0", "to": "1"}, 404, None),
    ],
)
def test_compare_with_bad_parameters(
    reader: Api, small: dict[str, Any], params: dict[str, str], status: int, field: str | None
) -> None:
    error = error_of(reader.get("/api/v1/documents/small-draft/compare", params=params), status)
    assert error.get("field") == field


# ---- search -----------------------------------------------------------------------------


def test_search(reader: Api, small: dict[str, Any]) -> None:
    response = reader.get("/api/v1/documents/small-draft/search", params={"q": "၁၂"})
    assert response.status_code == 200
    hits = response.json()
    assert {(h["key"], h["language"]) for h in hits} == {("art-2", "my"), ("art-2", "en")}
    for hit in hits:
        assert set(hit) == {
            "key",
            "label",
            "labels",
            "language",
            "snippet",
            "highlights",
            "match",
        }
        assert hit["label"] == "Article 2"
    [hit] = reader.get("/api/v1/documents/small-draft/search", params={"q": "ဥ"}).json()
    assert (hit["key"], hit["language"]) == ("art-3", "my")
    assert "ဥပဒေ" in hit["snippet"]
    assert reader.get("/api/v1/documents/small-draft/search", params={"q": "%"}).json() == []
    assert (
        reader.get("/api/v1/documents/small-draft/search", params={"q": "FEDERAL"}).json()[0]["key"]
        == "art-1"
    )


def test_search_without_a_query_is_refused(reader: Api, small: dict[str, Any]) -> None:
    for params in ({}, {"q": ""}, {"q": "  "}, {"q": "x" * 201}):
        error = error_of(reader.get("/api/v1/documents/small-draft/search", params=params), 422)
        assert error["field"] == "q"


# ---- who may do what --------------------------------------------------------------------

READS = [
    "/api/v1/documents",
    "/api/v1/documents/small-draft",
    "/api/v1/documents/small-draft?rev=1",
    "/api/v1/documents/small-draft/revisions",
    "/api/v1/documents/small-draft/compare?from=1&to=1",
    "/api/v1/documents/small-draft/search?q=x",
]


def test_reading_needs_a_member(client: TestClient, reader: Api, small: dict[str, Any]) -> None:
    for path in READS:
        assert reader.get(path).status_code == 200, path
        error = error_of(client.get(path), 401)
        assert error["code"] == "not_authenticated"
        error_of(client.get(path, headers=bearer("not-a-token")), 401)


def test_a_member_may_not_create_or_edit(reader: Api, db: Session, small: dict[str, Any]) -> None:
    before = counts(db)
    error = error_of(reader.post("/api/v1/documents", small_body("by-member")), 403)
    assert error["code"] == "forbidden"
    change = {"op": "replace", "key": "art-2", "text": {"en": "x"}}
    error_of(
        reader.post(
            "/api/v1/documents/small-draft/revisions", {"reason": "x", "changes": [change]}
        ),
        403,
    )
    assert counts(db) == before


def test_an_admin_may_create_and_edit(client: TestClient, db: Session, settings: Settings) -> None:
    admin = Api(client, api_token(client, make_member(db, settings, "admin", ["member", "admin"])))
    assert admin.post("/api/v1/documents", tiny_body()).status_code == 201
    change = {"op": "replace", "key": "art-2", "text": {"en": "x"}}
    response = admin.post(
        "/api/v1/documents/tiny-draft/revisions", {"reason": "x", "changes": [change]}
    )
    assert response.status_code == 201, response.text


def test_a_chair_may_not_create(client: TestClient, db: Session, settings: Settings) -> None:
    chair = Api(client, api_token(client, make_member(db, settings, "chair", ["member", "chair"])))
    error_of(chair.post("/api/v1/documents", tiny_body()), 403)


def test_writing_without_a_token_is_401(
    client: TestClient, small: dict[str, Any], db: Session
) -> None:
    before = counts(db)
    error_of(client.post("/api/v1/documents", json=tiny_body()), 401)
    assert counts(db) == before


# ---- request size -----------------------------------------------------------------------


def big_body(size: int, slug: str = "big-draft", text_length: int = 40_000) -> dict[str, Any]:
    """A valid document of about ``size`` bytes of JSON, in provisions of ``text_length``."""
    body = tiny_body(slug)
    count = size // text_length + 1
    body["provisions"] = [body["provisions"][0]] + [
        {
            "key": f"art-{n}",
            "label": f"Article {n}",
            "kind": "article",
            "parent": "part-1",
            "text": {"my": "ပုဒ်မ", "en": "x" * text_length},
        }
        for n in range(count)
    ]
    return body


def test_a_2_mb_document_is_accepted(editor: Api) -> None:
    body = big_body(2 * MB)
    response = editor.post("/api/v1/documents", body)
    assert len(response.request.content) > 2 * MB
    assert response.status_code == 201, response.text[:300]
    assert len(response.json()["provisions"]) == len(body["provisions"])


def test_a_2_mb_document_with_a_text_too_long_is_refused_by_validation(
    editor: Api, db: Session
) -> None:
    before = counts(db)
    body = big_body(2 * MB, text_length=60_000)
    error = error_of(editor.post("/api/v1/documents", body), 422)
    assert error["field"] == "provisions[1].text.en"
    assert counts(db) == before


def test_a_17_mb_document_is_too_large(editor: Api, db: Session) -> None:
    before = counts(db)
    body = big_body(17 * MB)
    error = error_of(editor.post("/api/v1/documents", body), 413)
    assert error["code"] == "body_too_large"
    # Sent in chunks without a Content-Length, it is cut off all the same.
    raw = json.dumps(body).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(raw), MB):
            yield raw[start : start + MB]

    headers = {"content-type": "application/json", **editor.headers}
    response = editor.client.post("/api/v1/documents", content=chunks(), headers=headers)
    error_of(response, 413)
    assert counts(db) == before


def test_other_text_endpoints_take_1_mb(editor: Api, db: Session, small: dict[str, Any]) -> None:
    before = counts(db)
    changes = [
        {"op": "replace", "key": "art-2", "text": {"en": f"{n} " + "x" * 40_000}} for n in range(30)
    ]
    response = editor.post(
        "/api/v1/documents/small-draft/revisions", {"reason": "big", "changes": changes}
    )
    assert len(response.request.content) > MB
    assert error_of(response, 413)["code"] == "body_too_large"
    # Under the limit it reaches validation.
    small_changes = changes[:20]
    response = editor.post(
        "/api/v1/documents/small-draft/revisions", {"reason": "big", "changes": small_changes}
    )
    assert len(response.request.content) < MB
    assert response.status_code == 201, response.text[:300]
    assert counts(db)[1] == before[1] + 1

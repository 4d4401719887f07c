"""Bad text input: a clear error naming the field, and nothing stored.

Every refusal is checked against the number of documents, revisions and provision versions
in the database before and after.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.settings import Settings
from constitution.texts.validation import MAX_TEXT
from tests.factories import api_token, bearer, counts, make_member, small_body

DOCUMENTS = "/api/v1/documents"
REVISIONS = "/api/v1/documents/small-draft/revisions"
DELETE = object()


@pytest.fixture
def headers(client: TestClient, db: Session, settings: Settings) -> dict[str, str]:
    member = make_member(db, settings, "secretariat", ["member", "secretariat"])
    return bearer(api_token(client, member))


@pytest.fixture
def small(client: TestClient, headers: dict[str, str]) -> Iterator[None]:
    response = client.post(DOCUMENTS, json=small_body(), headers=headers)
    assert response.status_code == 201, response.text
    yield


def mutate(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``body`` with the value at a dotted path (list indexes as numbers) replaced or removed."""
    body = copy.deepcopy(body)
    target: Any = body
    parts = path.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last: Any = int(parts[-1]) if isinstance(target, list) else parts[-1]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return body


def refused(
    client: TestClient,
    db: Session,
    path: str,
    headers: dict[str, str],
    status: int,
    **kwargs: Any,
) -> dict[str, Any]:
    """POST, expect an error JSON with ``status``, and check that nothing was stored."""
    before = counts(db)
    response = client.post(path, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] and error["message"]
    assert counts(db) == before
    return error


# ---- documents --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "field", "code"),
    [
        ("provisions.1.parent", "nowhere", "provisions[1].parent", None),
        ("provisions.4.key", "art-1", "provisions[4].key", "duplicate_key"),
        ("provisions.0.parent", "part-1", "provisions[0].parent", "cycle"),
        ("provisions.1.parent", "art-1-b", "provisions[1].parent", "cycle"),
        ("provisions.4.parent", "part-2", "provisions[4].parent", None),  # parent after child
        ("provisions.1.text.my", "", "provisions[1].text.my", None),
        ("provisions.1.text.my", " \n ", "provisions[1].text.my", None),
        ("provisions.1.text.my", DELETE, "provisions[1].text.my", None),
        ("provisions.1.text", {"en": "English only"}, "provisions[1].text.my", None),
        ("provisions.1.text.fr", "Article premier", "provisions[1].text.fr", None),
        ("provisions.4.label", "Article 1", "provisions[4].label", "label_clash"),
        ("provisions.3.label", "(A)", "provisions[3].label", "label_clash"),
        ("provisions.6.label", "article 2", "provisions[6].label", "label_clash"),
        ("provisions.1.text.en", "x" * (MAX_TEXT + 1), "provisions[1].text.en", None),
        ("provisions.1.text.my", "က" * (MAX_TEXT + 1), "provisions[1].text.my", None),
        ("provisions.1.text.en", "nul\x00", "provisions[1].text.en", None),
        ("provisions.1.kind", "paragraph", "provisions[1].kind", None),
        ("provisions.1.key", "../etc", "provisions[1].key", None),
        ("provisions.1.key", DELETE, "provisions[1].key", None),
        ("provisions.1.label", "", "provisions[1].label", None),
        ("provisions.2", None, "provisions[2]", None),
        ("provisions", {}, "provisions", None),
        ("provisions", [], "provisions", None),
        ("languages", ["my", "klingon"], "languages[1]", None),
        ("languages", [], "languages", None),
        ("authoritative", "en-GB", "authoritative", None),
        ("title", "Draft", "title", None),
        ("title.en", "Two\nlines", "title.en", None),
        ("slug", "../x", "slug", None),
        ("slug", DELETE, "slug", None),
    ],
)
def test_a_bad_document_is_refused_naming_the_field(
    client: TestClient,
    db: Session,
    headers: dict[str, str],
    path: str,
    value: Any,
    field: str,
    code: str | None,
) -> None:
    body = mutate(small_body(), path, value)
    error = refused(client, db, DOCUMENTS, headers, 422, json=body)
    assert error["field"] == field
    if code is not None:
        assert error["code"] == code


def test_a_text_at_the_size_limit_is_accepted(
    client: TestClient, db: Session, headers: dict[str, str]
) -> None:
    body = mutate(small_body(), "provisions.1.text.my", "က" * MAX_TEXT)
    response = client.post(DOCUMENTS, json=body, headers=headers)
    assert response.status_code == 201, response.text[:300]


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b'{"slug": "x\xff\xfe"}', 400, "malformed_json"),  # not UTF-8
        (b"\xc3\x28", 400, "malformed_json"),
        (b'{"slug": "x",', 400, "malformed_json"),
        (b"{'slug': 'x'}", 400, "malformed_json"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "malformed_json"),
        (b"1" * 5000, 400, "malformed_json"),  # an integer too long to read
        (b"NaN", 422, "invalid_body"),
        (b"", 422, "invalid_body"),
        (b"[]", 422, "invalid_body"),
        (b'"a string"', 422, "invalid_body"),
        (b"null", 422, "invalid_body"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    client: TestClient,
    db: Session,
    headers: dict[str, str],
    small: None,
    content: bytes,
    status: int,
    code: str,
) -> None:
    for path in (DOCUMENTS, REVISIONS):
        json_headers = {**headers, "content-type": "application/json"}
        error = refused(client, db, path, json_headers, status, content=content)
        assert error["code"] == code
        if status == 422:
            assert error["field"] == "body"


def test_an_existing_slug_is_a_conflict_and_changes_nothing(
    client: TestClient, db: Session, headers: dict[str, str], small: None
) -> None:
    body = mutate(small_body(), "provisions.1.text.en", "Other text")
    error = refused(client, db, DOCUMENTS, headers, 409, json=body)
    assert (error["code"], error["field"]) == ("document_exists", "slug")


# ---- editorial revisions ----------------------------------------------------------------

INSERT = {
    "op": "insert",
    "key": "art-4",
    "parent": "part-2",
    "label": "Article 4",
    "kind": "article",
    "text": {"my": "ပုဒ်မ ၄", "en": "Four"},
}


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"reason": "x", "changes": []}, "changes", "empty_change"),
        ({"reason": "x"}, "changes", "empty_change"),
        ({"reason": "x", "changes": {"op": "delete"}}, "changes", "empty_change"),
        ({"changes": [{"op": "delete", "key": "art-3"}]}, "reason", None),
        ({"reason": " ", "changes": [{"op": "delete", "key": "art-3"}]}, "reason", None),
        ({"reason": "x", "changes": ["delete art-3"]}, "changes[0]", None),
        ({"reason": "x", "changes": [{"op": "rename", "key": "art-3"}]}, "changes[0].op", None),
        ({"reason": "x", "changes": [{"key": "art-3"}]}, "changes[0].op", None),
        (
            {"reason": "x", "changes": [{"op": "replace", "key": "art-9", "text": {"en": "x"}}]},
            "changes[0].key",
            "unknown_provision",
        ),
        (
            {"reason": "x", "changes": [{"op": "delete", "key": "art-9"}]},
            "changes[0].key",
            "unknown_provision",
        ),
        (
            {"reason": "x", "changes": [{"op": "move", "key": "art-9", "parent": None}]},
            "changes[0].key",
            "unknown_provision",
        ),
        (
            {
                "reason": "x",
                "changes": [
                    {
                        "op": "replace",
                        "key": "art-2",
                        "text": {"my": small_body()["provisions"][4]["text"]["my"]},
                    }
                ],
            },
            "changes[0].text",
            "unchanged",
        ),
        (
            {"reason": "x", "changes": [{"op": "replace", "key": "art-2", "text": {}}]},
            "changes[0].text",
            "empty_change",
        ),
        ({"reason": "x", "changes": [{"op": "replace", "key": "art-2"}]}, "changes[0].text", None),
        (
            {"reason": "x", "changes": [{"op": "replace", "key": "art-2", "text": {"my": ""}}]},
            "changes[0].text.my",
            None,
        ),
        (
            {"reason": "x", "changes": [{"op": "replace", "key": "art-2", "text": {"de": "Zwei"}}]},
            "changes[0].text.de",
            None,
        ),
        (
            {
                "reason": "x",
                "changes": [
                    {"op": "replace", "key": "art-2", "text": {"en": "x" * (MAX_TEXT + 1)}}
                ],
            },
            "changes[0].text.en",
            None,
        ),
        (
            {"reason": "x", "changes": [{"op": "replace", "key": "art-2", "label": "Article 1"}]},
            "changes[0].label",
            "label_clash",
        ),
        (
            {"reason": "x", "changes": [{**INSERT, "key": "art-1"}]},
            "changes[0].key",
            "duplicate_key",
        ),
        (
            {"reason": "x", "changes": [{**INSERT, "parent": "nowhere"}]},
            "changes[0].parent",
            "unknown_provision",
        ),
        ({"reason": "x", "changes": [{**INSERT, "after": "art-1"}]}, "changes[0].after", None),
        (
            {"reason": "x", "changes": [{**INSERT, "label": "Article 3"}]},
            "changes[0].label",
            "label_clash",
        ),
        ({"reason": "x", "changes": [{**INSERT, "kind": "part"}]}, "changes[0].kind", None),
        (
            {"reason": "x", "changes": [{**INSERT, "text": {"en": "Four"}}]},
            "changes[0].text.my",
            None,
        ),
        (
            {"reason": "x", "changes": [{"op": "move", "key": "part-1", "parent": "art-1-a"}]},
            "changes[0].parent",
            "cycle",
        ),
        (
            {"reason": "x", "changes": [{"op": "move", "key": "art-1", "parent": "art-1"}]},
            "changes[0].parent",
            "cycle",
        ),
        (
            {"reason": "x", "changes": [{"op": "confirm", "key": "art-1", "languages": ["en"]}]},
            "changes[0].languages",
            None,
        ),
        (
            # A good change, then a bad one: the whole revision is refused.
            {
                "reason": "x",
                "changes": [
                    {"op": "replace", "key": "art-2", "text": {"en": "Fine."}},
                    {"op": "delete", "key": "art-1"},
                    {"op": "replace", "key": "art-1-a", "text": {"en": "Gone."}},
                ],
            },
            "changes[2].key",
            "unknown_provision",
        ),
    ],
)
def test_a_bad_editorial_change_is_refused_naming_the_field(
    client: TestClient,
    db: Session,
    headers: dict[str, str],
    small: None,
    body: dict[str, Any],
    field: str,
    code: str | None,
) -> None:
    error = refused(client, db, REVISIONS, headers, 422, json=body)
    assert error["field"] == field
    if code is not None:
        assert error["code"] == code


def test_an_edit_of_an_unknown_document_is_404(
    client: TestClient, db: Session, headers: dict[str, str]
) -> None:
    body = {"reason": "x", "changes": [{"op": "delete", "key": "art-1"}]}
    refused(client, db, "/api/v1/documents/nothing/revisions", headers, 404, json=body)


# ---- wrong types everywhere -------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every dotted path inside a JSON value."""
    items = enumerate(value) if isinstance(value, list) else value.items()
    for key, item in items:
        path = f"{prefix}{key}"
        yield path
        if isinstance(item, (dict, list)) and item:
            yield from paths(item, f"{path}.")


DOCUMENT_PATHS = list(paths(small_body()))
EDIT = {
    "reason": "x",
    "changes": [
        {
            "op": "replace",
            "key": "art-2",
            "text": {"my": "ပြင်သည်", "en": "Changed"},
            "label": "Article 2",
        },
        {**INSERT, "after": "art-3"},
        {"op": "move", "key": "art-1-b", "parent": "art-1", "after": None},
        {"op": "confirm", "key": "art-2", "languages": ["en"]},
        {"op": "delete", "key": "art-3"},
    ],
}
EDIT_PATHS = list(paths(EDIT))
NO_FIXTURE_RESET = hypothesis_settings(
    max_examples=int(os.environ.get("TEXTS_FUZZ_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _assert_clean_answer(
    client: TestClient, db: Session, path: str, headers: dict[str, str], body: Any
) -> None:
    before = counts(db)
    response = client.post(path, json=body, headers=headers)
    assert response.status_code in (201, 409, 422), response.text
    if response.status_code != 201:
        error = response.json()["error"]
        assert error["code"] and error["message"]
        assert counts(db) == before
        if response.status_code == 422:
            assert error["field"]


@NO_FIXTURE_RESET
@given(path=st.sampled_from(DOCUMENT_PATHS), value=json_values | st.sampled_from([DELETE]))
def test_wrong_types_in_a_document_get_a_clear_error(
    client: TestClient, db: Session, headers: dict[str, str], path: str, value: Any
) -> None:
    body = mutate(small_body("typed-draft"), path, value)
    _assert_clean_answer(client, db, DOCUMENTS, headers, body)


@NO_FIXTURE_RESET
@given(path=st.sampled_from(EDIT_PATHS), value=json_values | st.sampled_from([DELETE]))
def test_wrong_types_in_an_editorial_change_get_a_clear_error(
    client: TestClient, db: Session, headers: dict[str, str], small: None, path: str, value: Any
) -> None:
    body = mutate(EDIT, path, value)
    before = counts(db)
    response = client.post(REVISIONS, json=body, headers=headers)
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        assert response.json()["error"]["field"]
        assert counts(db) == before


@NO_FIXTURE_RESET
@given(body=json_values)
def test_any_json_at_all_gets_a_clear_error(
    client: TestClient, db: Session, headers: dict[str, str], small: None, body: Any
) -> None:
    for path in (DOCUMENTS, REVISIONS):
        before = counts(db)
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"]
        assert counts(db) == before


# ---- Markdown import (command line) -----------------------------------------------------


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from constitution.cli import migrate

    path = tmp_path / "cli.sqlite3"
    url = f"sqlite:///{path}"
    migrate(Settings(database_url=url, secret_key="x" * 40, var_dir=tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    return path


GOOD_MD = """+++
slug = "md-draft"
languages = ["my", "en"]
authoritative = "my"
[title]
my = "မူကြမ်း"
en = "Draft"
+++

### part-1 | part | Part 1
[my]
အခြေခံမူများ
[en]
Principles

### art-1 | article | Article 1 | parent: part-1
[my]
ပြည်ထောင်စုသည် ဖက်ဒရယ်နိုင်ငံ ဖြစ်သည်။
[en]
The Union is a federal state.
"""


@pytest.mark.parametrize(
    ("source", "where"),
    [
        (GOOD_MD.replace("+++\n", "", 1), "(line 1)"),
        (GOOD_MD.replace('slug = "md-draft"', "slug = md-draft"), "(line 2)"),
        (GOOD_MD.replace("### art-1 | article", "### art-1 article"), "(line 16)"),
        (GOOD_MD.replace("[my]\nအခြေခံမူများ", "အခြေခံမူများ"), "(line 11)"),
        (GOOD_MD.replace("parent: part-1", "parent: part-9"), "(line 16: provisions[1].parent)"),
        (GOOD_MD.replace("ပြည်ထောင်စုသည် ဖက်ဒရယ်နိုင်ငံ ဖြစ်သည်။", ""), "(line 16: provisions[1].text.my)"),
        (
            GOOD_MD.replace("Article 1 |", "Part 1 |").replace("| article |", "| part |"),
            "(line 16: provisions[1].kind)",
        ),
        (
            GOOD_MD.replace("[en]\nPrinciples", "[fr]\nPrincipes"),
            "(line 10: provisions[0].text.fr)",
        ),
    ],
)
def test_markdown_errors_name_the_line_and_store_nothing(
    cli_database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, where: str
) -> None:
    import sqlite3

    from constitution.cli import main

    path = tmp_path / "draft.md"
    path.write_text(source, encoding="utf-8")
    assert main(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"refused {where}: "), err
    with sqlite3.connect(cli_database) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM revisions").fetchone() == (0,)
    # The good file imports.
    path.write_text(GOOD_MD, encoding="utf-8")
    assert main(["import", str(path)]) == 0


def test_cli_import_of_bad_bytes_and_bad_json(
    cli_database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from constitution.cli import main

    path = tmp_path / "draft.json"
    path.write_bytes(b'{"slug": "\xff"}')
    assert main(["import", str(path)]) == 1
    assert "not valid UTF-8" in capsys.readouterr().err
    path.write_text('{"slug": "x",\n', encoding="utf-8")
    assert main(["import", str(path)]) == 1
    assert "not valid JSON: line 2" in capsys.readouterr().err
    path.write_text(json.dumps(mutate(small_body(), "provisions.4.key", "art-1")), encoding="utf-8")
    assert main(["import", str(path)]) == 1
    assert "refused (provisions[4].key)" in capsys.readouterr().err

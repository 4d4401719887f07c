"""Text input through the API: lengths and runs of combining marks are checked before
Zawgyi is detected, so no text can hold the interpreter; single-line fields refuse
invisible characters and direction marks; quotes of the stored text are never converted."""

from __future__ import annotations

from typing import Any

import icu
import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution import myanmar
from constitution.settings import Settings
from tests.factories import ART_1_MY, small_body
from tests.functional.test_api_amendments import (
    AMENDMENTS,
    SLUG,
    Api,
    People,
    build_people,
    error_of,
    replace_en,
)

# Invisible characters and direction marks that make one name look like another.
INVISIBLE = [
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200d",  # zero width joiner
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
    "\ufeff",  # byte order mark
    "\u2060",  # word joiner
    "\u00ad",  # soft hyphen
]
# 20,000 vowel signs: ICU's Zawgyi conversion of that took 10 s.
MARKS = "က" + "\u102d" * 20_000


class Spy:
    """Counts what the Zawgyi model and ICU's converter are given (and calls them)."""

    def __init__(self) -> None:
        self.detected: list[int] = []
        self.converted: list[int] = []
        detector = myanmar._detector()
        converter = icu.Transliterator.createInstance("Zawgyi-my")
        spy = self

        class Detector:
            def get_zawgyi_probability(self, text: str) -> float:
                spy.detected.append(len(text))
                return float(detector.get_zawgyi_probability(text))

        class Converter:
            def transliterate(self, text: str) -> str:
                spy.converted.append(len(text))
                return str(converter.transliterate(text))

            def finishTransliteration(self, text: Any, position: Any) -> None:
                spy.converted.append(len(text))
                converter.finishTransliteration(text, position)

        self.detector = Detector()
        self.converter = Converter()


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    found = Spy()
    monkeypatch.setattr(myanmar, "_detector", lambda: found.detector)
    monkeypatch.setattr(myanmar, "_converter", lambda: found.converter)
    return found


@pytest.fixture
def people(client: TestClient, db: Session, settings: Settings) -> People:
    return build_people(client, db, settings)


@pytest.fixture
def admin(client: TestClient, people: People) -> Api:
    return Api(client, people.admin)


def comments_url(people: People) -> str:
    amendment = people.aye.propose(replace_en())
    return f"/api/v1/amendments/{amendment['id']}/comments"


# ---- bounded work ------------------------------------------------------------------------


def test_a_comment_of_20000_marks_is_refused_before_any_detection(people: People, spy: Spy) -> None:
    url = comments_url(people)
    error = error_of(people.su.post(url, {"body": MARKS}), 422)
    assert error["field"] == "body" and "longer than the limit" in error["message"]
    assert spy.detected == [] and spy.converted == []


def test_a_comment_within_the_limit_with_a_run_of_marks_is_refused(
    people: People, spy: Spy
) -> None:
    url = comments_url(people)
    error = error_of(people.su.post(url, {"body": MARKS[:9_000]}), 422, "too_many_marks")
    assert error["field"] == "body"
    assert spy.detected == [] and spy.converted == []
    # Real Burmese with its marks passes, and the model is asked about it.
    assert people.su.post(url, {"body": ART_1_MY}).status_code == 201


def test_titles_and_texts_with_runs_of_marks_are_refused(people: People, spy: Spy) -> None:
    response = people.aye.post(
        AMENDMENTS, {"title": MARKS, "rationale": {"en": "Because."}, "changes": [replace_en()]}
    )
    assert error_of(response, 422)["field"] == "title"
    body = small_body("marked")
    body["provisions"][1]["text"]["my"] = MARKS
    error = error_of(people.editor.post("/api/v1/documents", body), 422, "too_many_marks")
    assert error["field"] == "provisions[1].text.my"
    assert spy.detected == [] and spy.converted == []


def test_names_with_runs_of_marks_are_refused(admin: Api, spy: Spy) -> None:
    invite = {"username": "newbie", "display_name": MARKS, "roles": ["member"]}
    error = error_of(admin.post("/api/v1/invitations", invite), 422)
    assert error["field"] == "display_name"
    error = error_of(
        admin.post("/api/v1/invitations", {**invite, "display_name": MARKS[:40]}),
        422,
        "too_many_marks",
    )
    assert error["field"] == "display_name"
    assert spy.detected == [] and spy.converted == []


# ---- quotes ------------------------------------------------------------------------------


def test_a_quote_is_never_converted(people: People) -> None:
    """A text with a Zawgyi name in it is stored as it is (the model does not take the whole
    for Zawgyi); a quote of just that name must still find it, not be "converted"."""
    name = "ေဒၚခင္ခင္ေထြး"
    text = f"{ART_1_MY} {name}"
    people.edit({"op": "replace", "key": "art-1", "text": {"my": text}})
    assert people.editor.provision("art-1")["text"]["my"] == text
    assert myanmar.clean(name).converted_from_zawgyi
    url = comments_url(people)
    anchor = {"key": "art-1", "language": "my", "exact": name, "prefix": "", "suffix": ""}
    response = people.su.post(url, {"body": "Who?", "anchor": anchor})
    assert response.status_code == 201, response.text
    assert response.json()["anchor"]["exact"] == name


# ---- invisible characters in single-line fields ------------------------------------------


def assert_invisible_refused(response: Any, field: str) -> None:
    error = error_of(response, 422, "invisible_character")
    assert error["field"] == field
    assert "invisible" in error["message"]


@pytest.mark.parametrize("mark", INVISIBLE, ids=[f"U+{ord(m):04X}" for m in INVISIBLE])
def test_account_names_refuse_invisible_characters(admin: Api, mark: str) -> None:
    invite = {"username": "newbie", "display_name": "Newbie", "roles": ["member"]}
    for value in (mark, f"Aye{mark}Aye", f"ဒေါ်{mark}အေး", f"Aye{mark}"):
        assert_invisible_refused(
            admin.post("/api/v1/invitations", {**invite, "display_name": value}), "display_name"
        )
        assert_invisible_refused(
            admin.post("/api/v1/invitations", {**invite, "username": f"aye{mark}aye"}), "username"
        )
        assert_invisible_refused(
            admin.post("/api/v1/invitations", {**invite, "groups": {"party": value}}),
            "groups.party",
        )
        committee = {"name": value, "members": [], "provisions": []}
        assert_invisible_refused(admin.post("/api/v1/committees", committee), "name")
    assert_invisible_refused(
        admin.post("/api/v1/invitations", {**invite, "username": mark}), "username"
    )
    # Without the mark, the same names are taken.
    assert admin.post("/api/v1/invitations", invite).status_code == 201
    committee = {"name": "ဒေါ်အေး", "members": [], "provisions": []}
    assert admin.post("/api/v1/committees", committee).status_code == 201


@pytest.mark.parametrize("mark", INVISIBLE, ids=[f"U+{ord(m):04X}" for m in INVISIBLE])
def test_titles_labels_and_reasons_refuse_invisible_characters(people: People, mark: str) -> None:
    url = comments_url(people)
    comment = people.su.ok(url, {"body": "Hi"}, 201)
    for value in (mark, f"Equal{mark}nations", f"နေရာ{mark}အားလုံး"):
        body = small_body("marked")
        body["title"]["my"] = value
        assert_invisible_refused(people.editor.post("/api/v1/documents", body), "title.my")
        body = small_body("marked")
        body["provisions"][0]["label"] = value
        assert_invisible_refused(
            people.editor.post("/api/v1/documents", body), "provisions[0].label"
        )
        amendment = {"title": value, "rationale": {"en": "Because."}, "changes": [replace_en()]}
        assert_invisible_refused(people.aye.post(AMENDMENTS, amendment), "title")
        revision = {"reason": value, "changes": [replace_en()]}
        assert_invisible_refused(
            people.editor.post(f"/api/v1/documents/{SLUG}/revisions", revision), "reason"
        )
        change = {"op": "replace", "key": "art-1", "label": value}
        revision = {"reason": "Editorial", "changes": [change]}
        assert_invisible_refused(
            people.editor.post(f"/api/v1/documents/{SLUG}/revisions", revision),
            "changes[0].label",
        )
        hide = {"reason": value}
        assert_invisible_refused(
            people.chair.post(f"/api/v1/comments/{comment['id']}/hide", hide), "reason"
        )
    people.chair.ok(f"/api/v1/comments/{comment['id']}/hide", {"reason": "Off topic"})
    # Provision texts, comments and rationales are refused nothing new.
    assert people.su.post(url, {"body": f"Hi{mark}there"}).status_code == 201
    people.edit({"op": "replace", "key": "art-1", "text": {"en": f"The{mark}Union."}})
    amendment = {
        "title": "Equal nations",
        "rationale": {"en": f"Because{mark}."},
        "changes": [replace_en()],
    }
    assert people.aye.post(AMENDMENTS, amendment).status_code == 201

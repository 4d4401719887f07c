"""The Amendments part of the JSON API (API.md, "Amendments"): proposing, the workflow
actions, committee recommendations, comments with anchors, the inbox, and adoption."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.amendments import services
from constitution.amendments.models import Amendment
from constitution.audit.models import AuditEvent
from constitution.settings import Settings
from constitution.texts.models import ProvisionVersion, Revision
from tests import factories
from tests.factories import (
    ART_1_EN,
    ART_1_MY,
    ART_2_EN,
    adopt_amendment,
    api_token,
    make_committee,
    make_member,
    small_body,
)

SLUG = "small-draft"
AMENDMENTS = f"/api/v1/documents/{SLUG}/amendments"
CONTRACT_KEYS = {
    "id",
    "number",
    "document",
    "title",
    "rationale",
    "status",
    "base_rev",
    "proposer",
    "sponsors",
    "changes",
    "conflicts",
    "recommendation",
    "adopted_rev",
}
ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
NEW_EN = "The Union is a federal democratic state of equal nations."


class Api(factories.Api):
    """A client with one member's bearer token."""

    def __init__(self, client: TestClient, member: Member) -> None:
        super().__init__(client, api_token(client, member))
        self.member = member
        self.id = member.id

    # Shortcuts that expect success.

    def ok(self, path: str, body: Any = None, status: int = 200) -> Any:
        response = self.post(path, body)
        assert response.status_code == status, response.text
        return response.json()

    def propose(self, *changes: dict[str, Any], title: str = "Equal nations") -> Any:
        body = {"title": title, "rationale": {"en": "Because.", "my": "အကြောင်း"}}
        return self.ok(AMENDMENTS, {**body, "changes": list(changes)}, 201)

    def amendment(self, amendment_id: int) -> Any:
        response = self.get(f"/api/v1/amendments/{amendment_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def document(self) -> Any:
        response = self.get(f"/api/v1/documents/{SLUG}")
        assert response.status_code == 200, response.text
        return response.json()

    def provision(self, key: str) -> Any:
        return next((p for p in self.document()["provisions"] if p["key"] == key), None)

    def inbox(self) -> Any:
        response = self.get("/api/v1/inbox")
        assert response.status_code == 200, response.text
        return response.json()


@dataclass
class People:
    db: Session
    editor: Api  # the secretariat
    chair: Api
    aye: Api  # proposes
    su: Api  # co-sponsors
    mya: Api  # co-sponsors
    reviewer: Api  # on the committee for Part 1
    outsider: Api  # on the committee for Part 2 only
    admin: Member

    def sponsored(self, *changes: dict[str, Any], submit: bool = False) -> dict[str, Any]:
        """Aye proposes; Su and Mya co-sponsor; she submits when asked."""
        amendment = self.aye.propose(*changes)
        url = f"/api/v1/amendments/{amendment['id']}"
        self.su.ok(f"{url}/sponsor")
        result: dict[str, Any] = self.mya.ok(f"{url}/sponsor")
        if submit:
            result = self.aye.ok(f"{url}/submit")
        return result

    def edit(self, *changes: dict[str, Any]) -> Any:
        """An editorial revision by the secretariat."""
        body = {"reason": "Editorial", "changes": list(changes)}
        return self.editor.ok(f"/api/v1/documents/{SLUG}/revisions", body, 201)

    def adopt(self, amendment_id: int) -> Revision:
        """What the vote will do: schedule, then adopt through the service."""
        self.db.expire_all()
        amendment = self.db.get_one(Amendment, amendment_id)
        chair = self.db.get_one(Member, self.chair.id)
        revision = adopt_amendment(self.db, amendment, chair)
        self.db.commit()
        return revision


@pytest.fixture
def people(client: TestClient, db: Session, settings: Settings) -> People:
    return build_people(client, db, settings)


def build_people(client: TestClient, db: Session, settings: Settings) -> People:
    """The small draft (Part 1: articles 1 and 2; Part 2: article 3), its committees, and
    the members who propose, co-sponsor, review, chair and edit."""
    editor = make_member(db, settings, "secretariat", ["member", "secretariat"])
    admin = make_member(db, settings, "admin", ["member", "admin"])
    members = {
        name: make_member(db, settings, name) for name in ("aye", "su", "mya", "reviewer", "other")
    }
    chair = make_member(db, settings, "chair", ["member", "chair"])
    editor_api = Api(client, editor)
    response = editor_api.post("/api/v1/documents", small_body(SLUG))
    assert response.status_code == 201, response.text
    make_committee(db, settings, "Principles", [members["reviewer"]], ["part-1"], admin=admin)
    make_committee(db, settings, "States", [members["other"]], ["part-2"], admin=admin)
    db.commit()
    return People(
        db=db,
        editor=editor_api,
        chair=Api(client, chair),
        aye=Api(client, members["aye"]),
        su=Api(client, members["su"]),
        mya=Api(client, members["mya"]),
        reviewer=Api(client, members["reviewer"]),
        outsider=Api(client, members["other"]),
        admin=admin,
    )


INSERT_CLAUSE = {
    "op": "insert",
    "key": "art-1-c",
    "after": "art-1-b",
    "parent": "art-1",
    "label": "(c)",
    "kind": "clause",
    "text": {"my": "ဘာသာအားလုံး တန်းတူဖြစ်သည်။", "en": "All religions are equal."},
}


def replace_en(new: str = NEW_EN, key: str = "art-1") -> dict[str, Any]:
    return {"op": "replace", "key": key, "text": {"en": new}}


def old_of(pairs: list[list[Any]]) -> str:
    return "".join(text for op, text in pairs if op in (0, -1))


def new_of(pairs: list[list[Any]]) -> str:
    return "".join(text for op, text in pairs if op in (0, 1))


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert re.fullmatch(r"[a-z][a-z0-9_]*", error["code"]) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


def events(db: Session, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# ---- proposing, reading -----------------------------------------------------------------


def test_propose_answers_201_with_a_draft_on_the_current_revision(people: People) -> None:
    people.edit(replace_en(ART_1_EN + " It is one.", key="art-1"))  # the document is at rev 2
    response = people.aye.post(
        AMENDMENTS,
        {
            "title": "Equal nations",
            "rationale": {"my": "တန်းတူ", "en": "Equality"},
            "changes": [replace_en()],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) >= CONTRACT_KEYS
    assert body["status"] == "draft"
    assert body["base_rev"] == 2
    assert body["number"] == 1
    assert body["document"] == SLUG
    assert body["title"] == "Equal nations"
    assert body["rationale"] == {"my": "တန်းတူ", "en": "Equality"}
    assert body["proposer"] == people.aye.id
    assert (body["sponsors"], body["conflicts"]) == ([], [])
    assert (body["recommendation"], body["adopted_rev"]) == (None, None)
    assert body["notices"] == []
    assert ISO_Z.fullmatch(body["created_at"])
    [event] = events(people.db, "amendment.created")
    assert event.object == f"amendment:{body['id']}"
    assert event.actor_id == people.aye.id


def test_the_detail_has_the_contract_shape_and_changes_as_diffs(people: People) -> None:
    created = people.aye.propose(replace_en())
    body = people.aye.amendment(created["id"])
    assert body == {k: v for k, v in created.items() if k != "notices"}
    assert set(body) >= CONTRACT_KEYS
    [change] = body["changes"]
    assert {"op", "key", "diff"} <= set(change)
    assert (change["op"], change["key"]) == ("replace", "art-1")
    assert set(change["diff"]) == {"my", "en"}
    assert old_of(change["diff"]["en"]) == ART_1_EN
    assert new_of(change["diff"]["en"]) == NEW_EN
    assert [pair for pair in change["diff"]["en"] if pair[0] != 0] == [[1, " of equal nations"]]
    # The Burmese is not changed: nothing but equal parts.
    assert {op for op, _ in change["diff"]["my"]} == {0}
    assert old_of(change["diff"]["my"]) == new_of(change["diff"]["my"]) == ART_1_MY


def test_each_change_carries_the_labels_the_provision_has_once_adopted(people: People) -> None:
    """API.md: every response that has ``label`` has ``labels`` too. A change that gives no
    label carries the provision's current labels; one that relabels a provision with labels
    of its own, those with the authoritative language's entry following the new label (and
    adoption writes the same); a new provision none of its own. The list, with or without
    diffs, the same."""
    row = people.db.scalars(
        select(ProvisionVersion).where(
            ProvisionVersion.key == "art-1", ProvisionVersion.rev_to.is_(None)
        )
    ).one()
    row.labels = {"my": "ပုဒ်မ ၁", "en": "Article 1"}
    people.db.commit()
    plain = people.aye.propose(replace_en())
    relabel = people.su.propose(
        {"op": "replace", "key": "art-2", "label": "ပုဒ်မ ၂ (က)", "text": {"en": "Members."}},
        title="Relabel",
    )
    inserted = people.mya.propose(INSERT_CLAUSE, title="Insert")
    relabelled = people.sponsored(
        {"op": "replace", "key": "art-1", "label": "ပုဒ်မ ၁ (က)", "text": {"en": "Relabelled."}},
        submit=True,
    )
    expected = {
        plain["id"]: {"my": "ပုဒ်မ ၁", "en": "Article 1"},
        relabel["id"]: {},
        inserted["id"]: {},
        relabelled["id"]: {"my": "ပုဒ်မ ၁ (က)", "en": "Article 1"},
    }
    for created in (plain, relabel, inserted, relabelled):
        [change] = people.aye.amendment(created["id"])["changes"]
        assert change["labels"] == expected[created["id"]]
        assert "label" in change
    for params in ({}, {"include": "diffs"}):
        listed = people.mya.get(AMENDMENTS, params=params).json()
        assert {a["id"]: a["changes"][0]["labels"] for a in listed} == expected
    people.adopt(relabelled["id"])
    art_1 = people.aye.provision("art-1")
    assert art_1 is not None
    assert (art_1["label"], art_1["labels"]) == ("ပုဒ်မ ၁ (က)", expected[relabelled["id"]])


def test_an_unknown_amendment_is_404(people: People) -> None:
    error_of(people.aye.get("/api/v1/amendments/999999"), 404, "not_found")
    error_of(people.aye.post("/api/v1/amendments/999999/sponsor"), 404, "not_found")
    error_of(people.aye.get("/api/v1/documents/nope/amendments"), 404, "not_found")


def test_the_list_is_by_number_and_filters_by_status(people: People) -> None:
    first = people.aye.propose(replace_en())
    second = people.su.propose(replace_en("Members are elected.", key="art-2"), title="Second")
    people.aye.ok(f"/api/v1/amendments/{first['id']}/withdraw")
    listed = people.mya.get(AMENDMENTS)
    assert listed.status_code == 200
    assert [a["number"] for a in listed.json()] == [1, 2]
    assert all(set(a) >= CONTRACT_KEYS for a in listed.json())
    drafts = people.mya.get(AMENDMENTS, params={"status": "draft"}).json()
    assert [a["id"] for a in drafts] == [second["id"]]


def test_the_list_leaves_the_diffs_out_unless_asked(people: People) -> None:
    """API.md: the list's changes keep op and key, their diffs only with include=diffs (a
    list of long amendments stays small)."""
    amendment = people.aye.propose(replace_en())
    [listed] = people.mya.get(AMENDMENTS).json()
    assert [(c["op"], c["key"]) for c in listed["changes"]] == [("replace", "art-1")]
    assert all("diff" not in c for c in listed["changes"])
    [full] = people.mya.get(AMENDMENTS, params={"include": "diffs"}).json()
    assert full["changes"] == amendment["changes"]
    assert "diff" in full["changes"][0]
    bad = people.mya.get(AMENDMENTS, params={"status": "nonsense"})
    assert error_of(bad, 422, "invalid")["field"] == "status"
    bad = people.mya.get(AMENDMENTS, params={"include": "everything"})
    assert error_of(bad, 422, "invalid")["field"] == "include"


def test_a_replace_of_some_languages_keeps_the_others_and_marks_them_out_of_date(
    people: People,
) -> None:
    new_my = "ပြည်ထောင်စုသည် ဖက်ဒရယ်ဒီမိုကရေစီ သမ္မတနိုင်ငံ ဖြစ်သည်။"
    amendment = people.sponsored({"op": "replace", "key": "art-1", "text": {"my": new_my}})
    change = amendment["changes"][0]
    assert new_of(change["diff"]["my"]) == new_my
    assert {op for op, _ in change["diff"]["en"]} == {0}
    people.aye.ok(f"/api/v1/amendments/{amendment['id']}/submit")
    people.adopt(amendment["id"])
    art_1 = people.aye.provision("art-1")
    assert art_1 is not None
    assert art_1["text"] == {"my": new_my, "en": ART_1_EN}
    assert art_1["outdated"] == ["en"]

    # A replace that gives English brings the translation up to date.
    translation = people.sponsored(replace_en(), submit=True)
    people.adopt(translation["id"])
    art_1 = people.aye.provision("art-1")
    assert art_1 is not None
    assert art_1["text"] == {"my": new_my, "en": NEW_EN}
    assert art_1["outdated"] == []


def test_insert_delete_and_move(people: People) -> None:
    inserted = people.sponsored(INSERT_CLAUSE, submit=True)
    [change] = inserted["changes"]
    assert (change["op"], change["key"]) == ("insert", "art-1-c")
    assert change["diff"]["en"] == [[1, "All religions are equal."]]

    deleted = people.sponsored({"op": "delete", "key": "art-3"}, submit=True)
    [change] = deleted["changes"]
    assert (change["op"], change["key"]) == ("delete", "art-3")
    assert change["diff"]["en"] == [[-1, "Every State has its own constitution."]]

    moved = people.sponsored(
        {"op": "move", "key": "art-2", "parent": "part-2", "after": None}, submit=True
    )
    [change] = moved["changes"]
    assert (change["op"], change["key"]) == ("move", "art-2")
    assert change["diff"]["en"] == [[0, ART_2_EN]]

    for amendment in (inserted, deleted, moved):
        people.adopt(amendment["id"])
    provisions = people.aye.document()["provisions"]
    order = [(p["key"], p["parent"]) for p in provisions]
    assert order == [
        ("part-1", None),
        ("art-1", "part-1"),
        ("art-1-a", "art-1"),
        ("art-1-b", "art-1"),
        ("art-1-c", "art-1"),
        ("part-2", None),
        ("art-2", "part-2"),
    ]
    revisions = people.aye.get(f"/api/v1/documents/{SLUG}/revisions").json()
    assert [r["amendment"] for r in revisions[-3:]] == [a["id"] for a in (inserted, deleted, moved)]


def test_the_proposer_rewrites_her_draft(people: People) -> None:
    amendment = people.aye.propose(replace_en())
    url = f"/api/v1/amendments/{amendment['id']}/changes"
    error_of(people.su.post(url, {"changes": [replace_en("Other.")]}), 403, "forbidden")
    body = people.aye.ok(url, {"changes": [replace_en("The Union is one.")], "title": "One"})
    assert body["title"] == "One"
    assert new_of(body["changes"][0]["diff"]["en"]) == "The Union is one."
    assert len(events(people.db, "amendment.changed")) == 1
    people.su.ok(f"/api/v1/amendments/{amendment['id']}/sponsor")
    people.mya.ok(f"/api/v1/amendments/{amendment['id']}/sponsor")
    people.aye.ok(f"/api/v1/amendments/{amendment['id']}/submit")
    error_of(people.aye.post(url, {"changes": [replace_en("Again.")]}), 409, "wrong_status")


# ---- sponsor, submit, withdraw ----------------------------------------------------------


def test_sponsoring(people: People) -> None:
    amendment = people.aye.propose(replace_en())
    url = f"/api/v1/amendments/{amendment['id']}/sponsor"
    body = people.su.ok(url)
    assert body["sponsors"] == [people.su.id]
    assert body["status"] == "draft"
    error_of(people.su.post(url), 409, "already_sponsor")
    error_of(people.aye.post(url), 409, "own_amendment")
    assert people.aye.amendment(amendment["id"])["sponsors"] == [people.su.id]
    assert len(events(people.db, "amendment.sponsored")) == 1
    people.aye.ok(f"/api/v1/amendments/{amendment['id']}/withdraw")
    error_of(people.mya.post(url), 409, "wrong_status")


def test_submitting_needs_the_cosponsors_and_the_proposer(
    people: People, settings: Settings
) -> None:
    assert settings.cosponsor_threshold == 2
    amendment = people.aye.propose(replace_en())
    url = f"/api/v1/amendments/{amendment['id']}"
    error_of(people.aye.post(f"{url}/submit"), 409, "needs_sponsors")
    people.su.ok(f"{url}/sponsor")
    error_of(people.aye.post(f"{url}/submit"), 409, "needs_sponsors")
    people.mya.ok(f"{url}/sponsor")
    error_of(people.su.post(f"{url}/submit"), 403, "forbidden")
    assert people.aye.amendment(amendment["id"])["status"] == "draft"
    body = people.aye.ok(f"{url}/submit")
    assert body["status"] == "submitted"
    assert sorted(body["sponsors"]) == sorted([people.su.id, people.mya.id])
    error_of(people.aye.post(f"{url}/submit"), 409, "wrong_status")
    [event] = events(people.db, "amendment.submit")
    assert event.payload["from"] == "draft" and event.payload["to"] == "submitted"


def test_withdrawing(people: People) -> None:
    amendment = people.sponsored(replace_en(), submit=True)
    url = f"/api/v1/amendments/{amendment['id']}/withdraw"
    error_of(people.su.post(url), 403, "forbidden")
    error_of(people.chair.post(url), 403, "forbidden")
    body = people.aye.ok(url)
    assert body["status"] == "withdrawn"
    error_of(people.aye.post(url), 409, "wrong_status")
    assert len(events(people.db, "amendment.withdraw")) == 1


def test_a_scheduled_amendment_may_be_withdrawn_until_its_poll_opens(people: People) -> None:
    """Scheduled with no poll open on it, she may still withdraw it (the voting part's
    hook is asked; test_api_votes checks the refusal once its poll is open)."""
    amendment = people.sponsored(replace_en(), submit=True)
    people.db.expire_all()
    row = people.db.get_one(Amendment, amendment["id"])
    services.transition(people.db, row, "schedule", people.db.get_one(Member, people.chair.id))
    people.db.commit()
    people.aye.ok(f"/api/v1/amendments/{amendment['id']}/withdraw")
    assert people.aye.amendment(amendment["id"])["status"] == "withdrawn"


# ---- committee recommendations ----------------------------------------------------------


def test_only_a_member_of_a_covering_committee_recommends(people: People) -> None:
    amendment = people.sponsored(replace_en())
    url = f"/api/v1/amendments/{amendment['id']}/recommendation"
    adopt = {"recommendation": "adopt", "note": "Good."}
    # On a draft: the reviewer may, but the state does not allow it.
    error_of(people.reviewer.post(url, adopt), 409, "wrong_status")
    people.aye.ok(f"/api/v1/amendments/{amendment['id']}/submit")
    for stranger in (people.outsider, people.aye, people.chair):
        error_of(stranger.post(url, adopt), 403, "forbidden")
    error_of(people.reviewer.post(url, {"recommendation": "maybe"}), 422)
    body = people.reviewer.ok(url, adopt)
    assert body["status"] == "recommended"
    recommendation = body["recommendation"]
    assert recommendation["recommendation"] == "adopt"
    assert recommendation["note"] == "Good."
    assert isinstance(recommendation["committee"], int)
    assert recommendation["committee_name"] == "Principles"
    # Recommended, it may be revised while in review (the state moves once).
    people.reviewer.ok(url, {"recommendation": "reject"})
    assert people.aye.amendment(amendment["id"])["recommendation"]["recommendation"] == "reject"
    [event] = events(people.db, "amendment.recommend")
    assert event.actor_id == people.reviewer.id


def test_a_recommendation_to_reject(people: People) -> None:
    amendment = people.sponsored(replace_en(), submit=True)
    url = f"/api/v1/amendments/{amendment['id']}/recommendation"
    body = people.reviewer.ok(url, {"recommendation": "reject", "note": "Not needed."})
    assert body["recommendation"]["recommendation"] == "reject"
    assert body["recommendation"]["text"] is None


def test_a_committee_substitute_is_what_gets_adopted(people: People) -> None:
    amendment = people.sponsored(replace_en(), submit=True)
    url = f"/api/v1/amendments/{amendment['id']}/recommendation"
    error = error_of(people.reviewer.post(url, {"recommendation": "modify", "note": "x"}), 422)
    assert error["field"] == "text"
    substitute = {"my": ART_1_MY, "en": "The Union is a federal democratic state of equals."}
    body = people.reviewer.ok(
        url, {"recommendation": "modify", "note": "Shorter.", "text": substitute}
    )
    assert body["recommendation"]["recommendation"] == "modify"
    assert body["recommendation"]["text"] == {"art-1": substitute}
    revision = people.adopt(amendment["id"])
    assert people.aye.provision("art-1")["text"] == substitute
    assert people.aye.amendment(amendment["id"])["adopted_rev"] == revision.rev


# ---- adoption ---------------------------------------------------------------------------


def test_adoption_shows_adopted_rev_and_a_revision_of_kind_amendment(people: People) -> None:
    amendment = people.sponsored(replace_en(), submit=True)
    people.reviewer.ok(
        f"/api/v1/amendments/{amendment['id']}/recommendation", {"recommendation": "adopt"}
    )
    revision = people.adopt(amendment["id"])
    body = people.aye.amendment(amendment["id"])
    assert body["status"] == "adopted"
    assert body["adopted_rev"] == revision.rev == 2
    revisions = people.aye.get(f"/api/v1/documents/{SLUG}/revisions").json()
    assert revisions[-1]["rev"] == 2
    assert revisions[-1]["kind"] == "amendment"
    assert revisions[-1]["amendment"] == amendment["id"]
    assert "Equal nations" in revisions[-1]["reason"]
    assert people.aye.provision("art-1")["text"]["en"] == NEW_EN
    assert len(events(people.db, "amendment.adopt")) == 1


# ---- comments ---------------------------------------------------------------------------


def test_comments_with_anchors_replies_and_their_resolution(people: People) -> None:
    amendment = people.aye.propose(replace_en("The Union is a federal state.", key="art-2"))
    url = f"/api/v1/amendments/{amendment['id']}/comments"
    plain = people.su.ok(url, {"body": "I support this."}, 201)
    assert plain["author"] == people.su.id
    assert plain["parent"] is None
    assert "anchor" not in plain
    assert ISO_Z.fullmatch(plain["created_at"])

    quote_en = {"key": "art-1", "language": "en", "exact": "federal democratic"}
    quote_en |= {"prefix": "Union is a ", "suffix": " state"}
    quote_my = {"key": "art-1", "language": "my", "exact": "ဖက်ဒရယ်"}
    en = people.mya.ok(url, {"body": "This phrase.", "anchor": quote_en}, 201)
    my = people.mya.ok(url, {"body": "ဤစကားလုံး", "anchor": quote_my}, 201)
    start = ART_1_EN.index("federal democratic")
    assert en["anchor"]["found"] is True
    assert (en["anchor"]["start"], en["anchor"]["end"]) == (start, start + 18)
    assert en["anchor"]["rev"] == 1
    # Code points, not bytes nor UTF-16 units.
    start_my = ART_1_MY.index("ဖက်ဒရယ်")
    assert (my["anchor"]["start"], my["anchor"]["end"]) == (start_my, start_my + len("ဖက်ဒရယ်"))
    reply = people.aye.ok(url, {"body": "Thank you.", "parent": plain["id"]}, 201)
    assert reply["parent"] == plain["id"]

    listed = people.reviewer.get(url).json()
    assert [c["id"] for c in listed] == [plain["id"], en["id"], my["id"], reply["id"]]
    assert {"id", "author", "body", "parent", "created_at"} <= set(listed[0])

    # The text moves on: the anchor is found again further on, on the current revision.
    people.edit(replace_en("Today, " + ART_1_EN[0].lower() + ART_1_EN[1:]))
    moved = next(c for c in people.reviewer.get(url).json() if c["id"] == en["id"])
    assert moved["anchor"]["rev"] == 2
    assert moved["anchor"]["found"] is True
    assert moved["anchor"]["start"] == start + len("Today, ")
    # The passage is rewritten: not found, the old quote is kept.
    people.edit(replace_en("The Union is a state of equal nations."))
    gone = next(c for c in people.reviewer.get(url).json() if c["id"] == en["id"])
    assert gone["anchor"]["rev"] == 3
    assert gone["anchor"]["found"] is False
    assert (gone["anchor"]["start"], gone["anchor"]["end"]) == (None, None)
    assert gone["anchor"]["exact"] == "federal democratic"


def test_a_quote_not_in_the_text_is_refused(people: People) -> None:
    amendment = people.aye.propose(replace_en())
    url = f"/api/v1/amendments/{amendment['id']}/comments"
    anchor = {"key": "art-1", "language": "en", "exact": "monarchy"}
    error = error_of(people.su.post(url, {"body": "?", "anchor": anchor}), 422)
    assert error["field"] == "anchor.exact"


def test_hiding_a_comment(people: People) -> None:
    amendment = people.aye.propose(replace_en())
    url = f"/api/v1/amendments/{amendment['id']}/comments"
    comment = people.su.ok(url, {"body": "Something rude."}, 201)
    hide = f"/api/v1/comments/{comment['id']}/hide"
    error_of(people.mya.post(hide, {"reason": "Rude."}), 403, "forbidden")
    error_of(people.chair.post(hide, {}), 422)
    body = people.chair.ok(hide, {"reason": "Rude."})
    assert body["hidden"] is True
    assert body["body"] is None
    assert body["hidden_reason"] == "Rude."
    error_of(people.chair.post(hide, {"reason": "Again."}), 409, "comment_hidden")
    error_of(people.chair.post("/api/v1/comments/999999/hide", {"reason": "x"}), 404)
    # Nothing is deleted: the comment stays in the list, without its body.
    [listed] = people.aye.get(url).json()
    assert (listed["id"], listed["hidden"], listed["body"]) == (comment["id"], True, None)
    # A hidden comment cannot be answered.
    error = error_of(people.aye.post(url, {"body": "Why?", "parent": comment["id"]}), 409)
    assert (error["code"], error["field"]) == ("comment_hidden", "parent")
    assert len(people.aye.get(url).json()) == 1
    [event] = events(people.db, "comment.hidden")
    assert event.payload["reason"] == "Rude."
    assert any(n["kind"] == "comment_hidden" for n in people.su.inbox())


# ---- the inbox --------------------------------------------------------------------------


def kinds(api: Api) -> list[str]:
    return [n["kind"] for n in api.inbox()]


def test_the_inbox_tells_her_of_comments_sponsors_status_and_recommendations(
    people: People,
) -> None:
    amendment = people.aye.propose(replace_en())
    url = f"/api/v1/amendments/{amendment['id']}"
    assert people.aye.inbox() == []
    comment = people.su.ok(f"{url}/comments", {"body": "Good."}, 201)
    [entry] = people.aye.inbox()
    assert entry["kind"] == "comment"
    assert (entry["amendment"], entry["comment"]) == (amendment["id"], comment["id"])
    assert entry["read"] is False
    assert entry["payload"]["actor"] == "Su"
    assert ISO_Z.fullmatch(entry["created_at"])
    # Her own comment does not notify her.
    people.aye.ok(f"{url}/comments", {"body": "Thanks."}, 201)
    assert kinds(people.aye) == ["comment"]

    people.su.ok(f"{url}/sponsor")
    people.mya.ok(f"{url}/sponsor")
    assert kinds(people.aye) == ["sponsor", "sponsor", "comment"]
    people.aye.ok(f"{url}/submit")
    # The co-sponsors hear that it was submitted; the proposer did it herself.
    assert kinds(people.aye) == ["sponsor", "sponsor", "comment"]
    [status] = people.su.inbox()
    assert (status["kind"], status["payload"]["status"]) == ("status", "submitted")

    people.reviewer.ok(f"{url}/recommendation", {"recommendation": "adopt", "note": ""})
    latest = people.aye.inbox()[0]
    assert (latest["kind"], latest["payload"]["status"]) == ("status", "recommended")
    assert latest["payload"]["actor"] == "Reviewer"

    # Reading the inbox: some entries, then all of them.
    first = people.aye.inbox()[-1]["id"]
    assert people.aye.ok("/api/v1/inbox/read", {"ids": [first]}) == {"read": 1}
    assert [n["read"] for n in people.aye.inbox()] == [False, False, False, True]
    assert people.aye.ok("/api/v1/inbox/read") == {"read": 3}
    assert all(n["read"] for n in people.aye.inbox())
    # Nobody reads another's inbox.
    assert people.su.ok("/api/v1/inbox/read", {"ids": [first]}) == {"read": 0}
    error_of(people.aye.post("/api/v1/inbox/read", {"ids": ["x"]}), 422)


def test_the_inbox_tells_both_proposers_of_a_conflict(people: People) -> None:
    first = people.sponsored(replace_en("The Union is a federal state."), submit=True)
    second = people.su.propose(
        replace_en("The Union is a democratic federation."), title="Federation"
    )
    url = f"/api/v1/amendments/{second['id']}"
    people.aye.ok(f"{url}/sponsor")
    people.mya.ok(f"{url}/sponsor")
    body = people.su.ok(f"{url}/submit")
    assert body["conflicts"] == [first["id"]]
    assert people.aye.amendment(first["id"])["conflicts"] == [second["id"]]
    mine = [n for n in people.aye.inbox() if n["kind"] == "conflict"]
    theirs = [n for n in people.su.inbox() if n["kind"] == "conflict"]
    assert [(n["amendment"], n["payload"]["with"]) for n in mine] == [(first["id"], 2)]
    assert [(n["amendment"], n["payload"]["with"]) for n in theirs] == [(second["id"], 1)]
    # Withdrawn, it conflicts no more.
    people.su.ok(f"{url}/withdraw")
    assert people.aye.amendment(first["id"])["conflicts"] == []


def test_the_inbox_tells_her_when_her_amendment_needs_an_update(people: People) -> None:
    amendment = people.sponsored(replace_en("The Union is a federal state."), submit=True)
    people.edit(replace_en("The Union is a democratic union."))
    body = people.aye.amendment(amendment["id"])
    assert body["status"] == "needs_update"
    assert body["problem"][0]["key"] == "art-1"
    latest = people.aye.inbox()[0]
    assert (latest["kind"], latest["payload"]["status"]) == ("status", "needs_update")
    assert latest["payload"]["actor"] is None


def test_a_new_draft_lists_its_conflicts_at_once(people: People) -> None:
    """Drafts are open amendments too: a conflict shows from the moment it exists."""
    first = people.sponsored(replace_en("The Union is a federal state."), submit=True)
    second = people.su.propose(replace_en("The Union is a democratic federation."))
    assert second["conflicts"] == [first["id"]]
    assert people.aye.amendment(first["id"])["conflicts"] == [second["id"]]
    assert [n["kind"] for n in people.aye.inbox()].count("conflict") == 1
    # Rewritten so that it no longer overlaps, it conflicts no more.
    body = people.su.ok(
        f"/api/v1/amendments/{second['id']}/changes",
        {"changes": [replace_en("Members are elected by all.", key="art-2")]},
    )
    assert body["conflicts"] == []
    assert people.aye.amendment(first["id"])["conflicts"] == []

"""Labels in each language (API.md: ``labels``) and the search page: labels shown in the
page's language, a clash in one language refused, snippets highlighted, Zawgyi queries
converted, a search of combining marks alone answered with a clear message."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.settings import Settings
from constitution.texts.models import Document, Revision
from constitution.texts.services.hashing import document_hash
from constitution.texts.services.reading import versions_at
from tests.factories import Api, api_token, counts, login, make_member, small_body

MY_LABELS = {"part": "အပိုင်း", "article": "ပုဒ်မ"}
TO_MY = str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉")


def labelled_body(slug: str = "labelled") -> dict[str, Any]:
    body = small_body(slug)
    for item in body["provisions"]:
        if item["kind"] in MY_LABELS:
            number = item["label"].split()[-1]
            item["labels"] = {
                "my": f"{MY_LABELS[item['kind']]} {number.translate(TO_MY)}",
                "en": item["label"],
            }
        else:  # clauses: (a) is (က) in Burmese
            item["labels"] = {"my": {"(a)": "(က)", "(b)": "(ခ)"}[item["label"]]}
    return body


@pytest.fixture
def editor(client: TestClient, db: Session, settings: Settings) -> Api:
    member = make_member(db, settings, "secretariat", ["member", "secretariat"])
    return Api(client, api_token(client, member))


@pytest.fixture
def labelled(editor: Api, db: Session) -> Document:
    response = editor.post("/api/v1/documents", labelled_body())
    assert response.status_code == 201, response.text
    return db.query(Document).filter_by(slug="labelled").one()


# ---- the API ----------------------------------------------------------------------------


def test_labels_are_stored_and_returned_beside_label(editor: Api, labelled: Document) -> None:
    body = editor.get("/api/v1/documents/labelled").json()
    by_key = {p["key"]: p for p in body["provisions"]}
    assert by_key["art-2"]["label"] == "Article 2"
    assert by_key["art-2"]["labels"] == {"my": "ပုဒ်မ ၂", "en": "Article 2"}
    assert by_key["art-1-a"]["labels"] == {"my": "(က)"}
    search = editor.get("/api/v1/documents/labelled/search", params={"q": "ပုဒ်မ ၂"}).json()
    assert (search[0]["key"], search[0]["match"]) == ("art-2", "label")
    assert search[0]["labels"] == {"my": "ပုဒ်မ ၂", "en": "Article 2"}


def test_a_document_without_labels_answers_empty_labels(editor: Api) -> None:
    assert editor.post("/api/v1/documents", small_body("plain")).status_code == 201
    body = editor.get("/api/v1/documents/plain").json()
    assert all(p["labels"] == {} for p in body["provisions"])


def test_a_label_clash_in_one_language_is_refused_and_nothing_is_saved(
    editor: Api, db: Session
) -> None:
    body = labelled_body("clash")
    # Article 3's Burmese label is made Article 1's; their English labels differ.
    body["provisions"][-1]["labels"] = {"my": "ပုဒ်မ ၁", "en": "Article 3"}
    before = counts(db)
    response = editor.post("/api/v1/documents", body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "label_clash"
    assert error["field"] == "provisions[6].labels.my"
    assert counts(db) == before


def test_a_label_clash_in_one_language_is_refused_in_a_revision(
    editor: Api, db: Session, labelled: Document
) -> None:
    before = counts(db)
    response = editor.post(
        "/api/v1/documents/labelled/revisions",
        {
            "reason": "Renumbering",
            "changes": [{"op": "replace", "key": "art-3", "labels": {"my": "ပုဒ်မ ၂"}}],
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "label_clash"
    assert response.json()["error"]["field"].endswith("labels.my")
    assert counts(db) == before


def test_a_revision_may_change_one_language_label(
    editor: Api, db: Session, labelled: Document
) -> None:
    response = editor.post(
        "/api/v1/documents/labelled/revisions",
        {
            "reason": "Renumbering",
            "changes": [{"op": "replace", "key": "art-3", "labels": {"my": "ပုဒ်မ ၃ က"}}],
        },
    )
    assert response.status_code == 201, response.text
    body = editor.get("/api/v1/documents/labelled").json()
    art3 = next(p for p in body["provisions"] if p["key"] == "art-3")
    assert art3["labels"] == {"my": "ပုဒ်မ ၃ က", "en": "Article 3"}
    changes = editor.get("/api/v1/documents/labelled/compare?from=1&to=2").json()["changes"]
    assert [(c["key"], c["labels"]["my"]) for c in changes] == [("art-3", "ပုဒ်မ ၃ က")]
    # The labels are part of the text the revision's hash covers.
    db.expire_all()
    document = db.query(Document).filter_by(slug="labelled").one()
    for revision in db.query(Revision).filter_by(document_id=document.id):
        assert document_hash(document, versions_at(db, document, revision.rev)) == revision.hash


# ---- pages ------------------------------------------------------------------------------


def reader_in(client: TestClient, db: Session, settings: Settings, language: str) -> Member:
    member = make_member(db, settings, f"reader-{language}")
    member.language = language
    db.commit()
    login(client, member)
    return member


def soup_of(client: TestClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.text
    return BeautifulSoup(response.text, "html.parser")


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("my", "ပုဒ်မ ၂", "Article 2"), ("en", "Article 2", "ပုဒ်မ ၂")],
)
def test_pages_show_labels_in_the_page_language(
    client: TestClient,
    db: Session,
    settings: Settings,
    labelled: Document,
    language: str,
    shown: str,
    hidden: str,
) -> None:
    reader_in(client, db, settings, language)
    contents = soup_of(client, "/documents/labelled")
    labels = [a.get_text() for a in contents.select("main a[href*='#p-']")]
    assert shown in labels and hidden not in labels
    page = soup_of(client, "/documents/labelled/p/art-2")
    assert page.h1 is not None and page.h1.get_text(strip=True) == shown
    reading = soup_of(client, "/documents/labelled/read")
    assert shown in [a.get_text() for a in reading.select("a.label")]


def test_search_page_highlights_the_match_on_whole_syllables(
    client: TestClient, db: Session, settings: Settings, labelled: Document
) -> None:
    reader_in(client, db, settings, "my")
    # ည်န: the end of ပြည် and the start of နယ်, cut inside both syllables.
    soup = soup_of(client, "/documents/labelled/search?q=\u100a\u103a\u1014")
    marks = [m.get_text() for m in soup.select("ul.hits mark")]
    assert marks and set(marks) == {"ပြည်နယ်"}


def test_search_page_finds_a_provision_by_its_burmese_label(
    client: TestClient, db: Session, settings: Settings, labelled: Document
) -> None:
    reader_in(client, db, settings, "en")
    soup = soup_of(client, "/documents/labelled/search?q=ပုဒ်မ ၁")
    first = soup.select_one("ul.hits li a")
    assert first is not None
    assert first["href"] == "/documents/labelled/p/art-1"
    assert first.get_text() == "Article 1"


def test_a_zawgyi_query_is_converted_and_said_so(
    client: TestClient, db: Session, settings: Settings, labelled: Document
) -> None:
    reader_in(client, db, settings, "en")
    soup = soup_of(client, "/documents/labelled/search?q=ျပည္နယ္")
    notice = soup.select_one("p.notice")
    assert notice is not None and "ပြည်နယ်" in notice.get_text()
    assert soup.select("ul.hits li")


@pytest.mark.parametrize("language", ["my", "en"])
def test_a_search_of_combining_marks_only_gets_a_clear_message(
    client: TestClient, db: Session, settings: Settings, labelled: Document, language: str
) -> None:
    reader_in(client, db, settings, language)
    soup = soup_of(client, "/documents/labelled/search?q=\u102d\u102f", status=422)
    error = soup.select_one("p.error")
    assert error is not None and error.get_text(strip=True)
    assert soup.select_one("form.search input[name=q]") is not None  # she can try again


# ---- an amendment gives labels in each language -----------------------------------------


def propose_through_api(
    client: TestClient, db: Session, settings: Settings, changes: list[dict[str, Any]]
) -> Any:
    member = make_member(db, settings, "proposer")
    return Api(client, api_token(client, member)).post(
        "/api/v1/documents/labelled/amendments", {"title": "Labels", "changes": changes}
    )


def change_headings(page: BeautifulSoup) -> list[str]:
    """The provisions an amendment page names, one heading per change ("label · kind")."""
    return [h.get_text(" ", strip=True).split(" · ")[0] for h in page.select("h3")]


NEW_ARTICLE = {
    "op": "insert",
    "key": "art-2a",
    "after": "art-2",
    "parent": "part-1",
    "label": "ပုဒ်မ ၂ က",
    "labels": {"my": "ပုဒ်မ ၂ က", "en": "Article 2A"},
    "kind": "article",
    "text": {"my": "ပုဒ်မအသစ်။", "en": "A new article."},
}


def test_an_inserted_provision_keeps_its_labels_in_each_language_when_adopted(
    client: TestClient, db: Session, settings: Settings, editor: Api, labelled: Document
) -> None:
    """Red when the amendment drops ``labels`` (it did: checked, then not stored)."""
    from constitution.amendments import services as amendment_services
    from constitution.amendments.models import Amendment
    from constitution.audit.services import verify
    from tests.factories import adopt_amendment

    rename = {"op": "replace", "key": "art-3", "labels": {"en": "Article 3 (new)"}}
    response = propose_through_api(client, db, settings, [NEW_ARTICLE, rename])
    assert response.status_code == 201, response.text
    inserted, renamed = response.json()["changes"]
    assert inserted["labels"] == {"my": "ပုဒ်မ ၂ က", "en": "Article 2A"}
    assert renamed["labels"] == {"my": "ပုဒ်မ ၃", "en": "Article 3 (new)"}
    amendment = db.get(Amendment, response.json()["id"])
    assert amendment is not None
    proposer = db.get_one(Member, amendment.proposer_id)
    for name in ("one", "two"):
        amendment_services.sponsor(db, make_member(db, settings, name), amendment)
    amendment_services.submit(db, settings, proposer, amendment)
    adopt_amendment(db, amendment)
    db.commit()
    provisions = editor.get("/api/v1/documents/labelled").json()["provisions"]
    by_key = {p["key"]: p for p in provisions}
    assert by_key["art-2a"]["labels"] == {"my": "ပုဒ်မ ၂ က", "en": "Article 2A"}
    assert by_key["art-3"]["labels"] == {"my": "ပုဒ်မ ၃", "en": "Article 3 (new)"}
    assert verify(db).ok


def test_an_inserted_label_that_clashes_in_one_language_is_refused(
    client: TestClient, db: Session, settings: Settings, labelled: Document
) -> None:
    before = counts(db)
    clash = {**NEW_ARTICLE, "labels": {"my": "ပုဒ်မ ၂ က", "en": "Article 2"}}
    response = propose_through_api(client, db, settings, [clash])
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "label_clash"
    assert response.json()["error"]["field"] == "changes[0].labels.en"
    assert counts(db) == before


@pytest.mark.parametrize(("language", "shown"), [("my", "ပုဒ်မ ၂ က"), ("en", "Article 2A")])
def test_the_form_gives_a_new_provision_a_label_in_each_language(
    client: TestClient,
    db: Session,
    settings: Settings,
    labelled: Document,
    language: str,
    shown: str,
) -> None:
    from constitution.amendments.models import Amendment
    from tests.factories import csrf_token

    reader_in(client, db, settings, language)
    action = "/documents/labelled/p/art-2/amend"
    form = client.get(action + "?op=insert")
    assert form.status_code == 200, form.text
    data = {
        "csrf_token": csrf_token(form.text),
        "title": "A new article",
        "op": "insert",
        "new_key": "art-2a",
        "new_label_my": "ပုဒ်မ ၂ က",
        "new_label_en": "Article 2A",
        "new_kind": "article",
        "new_text_my": "ပုဒ်မအသစ်။",
        "new_text_en": "A new article.",
        "action": "save",
    }
    saved = client.post(action, data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    amendment = db.get(Amendment, int(saved.headers["location"].rsplit("/", 1)[1]))
    assert amendment is not None
    [change] = amendment.changes
    assert (change.label, change.labels) == ("ပုဒ်မ ၂ က", {"my": "ပုဒ်မ ၂ က", "en": "Article 2A"})
    page = soup_of(client, saved.headers["location"])
    assert shown in change_headings(page)
    listed = soup_of(client, "/documents/labelled/amendments").get_text()
    assert shown in listed
    # Her update form shows each label in its own field.
    assert page.select_one("#c0_label_en") is not None
    assert page.select_one("#c0_label_en")["value"] == "Article 2A"


def test_what_the_api_promises_a_rename_is_what_adoption_gives(
    client: TestClient, db: Session, settings: Settings, editor: Api, labelled: Document
) -> None:
    """A label with labels in other languages: the authoritative entry does not follow the
    label (as a revision applies it). Red when the promise and the adopted text differ."""
    from constitution.amendments import services as amendment_services
    from constitution.amendments.models import Amendment
    from tests.factories import adopt_amendment

    rename = {
        "op": "replace",
        "key": "art-3",
        "label": "Article 30",
        "labels": {"en": "Article 30"},
    }
    response = propose_through_api(client, db, settings, [rename])
    assert response.status_code == 201, response.text
    [promised] = response.json()["changes"]
    amendment = db.get_one(Amendment, response.json()["id"])
    for name in ("one", "two"):
        amendment_services.sponsor(db, make_member(db, settings, name), amendment)
    amendment_services.submit(db, settings, db.get_one(Member, amendment.proposer_id), amendment)
    adopt_amendment(db, amendment)
    db.commit()
    provisions = editor.get("/api/v1/documents/labelled").json()["provisions"]
    adopted = next(p for p in provisions if p["key"] == "art-3")
    assert promised["labels"] == adopted["labels"] == {"my": "ပုဒ်မ ၃", "en": "Article 30"}


def update_form_as_shown(client: TestClient, amendment_id: int) -> Any:
    """Post her update form with what it shows, unchanged (as a browser would)."""
    page = BeautifulSoup(client.get(f"/amendments/{amendment_id}").text, "html.parser")
    form = page.select_one("form#update")
    assert form is not None, "no update form"
    data = {t["name"]: t.get_text() for t in form.select("textarea[name]")}
    data |= {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    data |= {s["name"]: s.select_one("option[selected]")["value"] for s in form.select("select")}
    return client.post(str(form["action"]), data=data, follow_redirects=False)


@pytest.mark.parametrize(
    "labels", [{"my": "ပုဒ်မ ၂ က"}, None], ids=["burmese label only", "no labels (older)"]
)
def test_an_insert_saved_unchanged_from_her_update_form_shows_the_same_labels(
    client: TestClient,
    db: Session,
    settings: Settings,
    labelled: Document,
    labels: dict[str, str] | None,
) -> None:
    """Red when the update form loses the label: the English page then showed the
    Burmese one (the plain label, shown where a language has none, was overwritten)."""
    from constitution.amendments.models import Amendment
    from constitution.amendments.views.propose import initial_update

    change = {**NEW_ARTICLE, "label": "Article 2A"}
    if labels is None:
        del change["labels"]
    else:
        change["labels"] = labels
    response = propose_through_api(client, db, settings, [change])
    assert response.status_code == 201, response.text
    amendment = db.get_one(Amendment, response.json()["id"])
    document = db.get_one(Document, amendment.document_id)
    proposer = db.get_one(Member, amendment.proposer_id)
    shown_before = initial_update(document, amendment)["changes"][0]["labels"]
    expected = {"my": (labels or {}).get("my", "Article 2A"), "en": "Article 2A"}
    assert shown_before == expected
    login(client, proposer)
    saved = update_form_as_shown(client, amendment.id)
    assert saved.status_code == 303, saved.text
    db.expire_all()
    for language, label in expected.items():
        proposer.language = language
        db.commit()
        page = soup_of(client, f"/amendments/{amendment.id}")
        assert label in change_headings(page), (language, change_headings(page))

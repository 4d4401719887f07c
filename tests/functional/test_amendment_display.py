"""An amendment shown as it really is: one marked ``needs_update`` by an editorial
correction is not shown as undoing the corrections it never touched (in Burmese and in
English); its own change is shown against the current text where it still applies, the
conflict where it does not, and its status beside it. The inbox tells her when her
amendment was rebased cleanly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup, Tag
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.amendments.models import Amendment
from constitution.inbox.models import Notification
from constitution.settings import Settings
from constitution.texts.models import Document
from tests.factories import (
    document_body,
    edit_document,
    login,
    make_document,
    make_member,
    propose_amendment,
    provision,
)

SLUG = "display-draft"
MY = "ပြည်ထောင်စုသည် ဖက်ဒရယ်ဒီမိုကရေစီနိုင်ငံ ဖြစ်သည်။ လူတိုင်း တန်းတူ ဖြစ်သည်။"
EN = "The Union is a federal democratic state. Every person is equal before the law."
# The amendment: its own words in each language.
AMENDED_MY = MY.replace("လူတိုင်း", "နိုင်ငံသားတိုင်း")
AMENDED_EN = EN.replace("Every person", "Every citizen")
# The editorial correction: elsewhere in Burmese; elsewhere and on the same words in English.
FIXED_MY = MY.replace("ဖက်ဒရယ်ဒီမိုကရေစီနိုင်ငံ", "ဖက်ဒရယ် ဒီမိုကရေစီ နိုင်ငံ")
FIXED_EN = EN.replace("federal democratic", "federal, democratic").replace(
    "Every person", "Every human being"
)


@pytest.fixture
def editor(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "secretariat", ["member", "secretariat"])


@pytest.fixture
def alice(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "alice")


@pytest.fixture
def document(db: Session) -> Iterator[Document]:
    document = make_document(
        db,
        document_body(
            SLUG,
            [
                provision("part-1", "Part 1", "part", None, "အခြေခံမူများ", "Principles"),
                provision("art-1", "Article 1", "article", "part-1", MY, EN),
                provision("art-2", "Article 2", "article", "part-1", "ဒုတိယ။", "Second."),
            ],
        ),
    )
    db.commit()
    yield document


@pytest.fixture
def stale(
    db: Session, settings: Settings, document: Document, alice: Member, editor: Member
) -> Amendment:
    """Alice's amendment, then an editorial correction that clashes with it in English."""
    amendment = propose_amendment(
        db,
        settings,
        alice,
        document,
        {"op": "replace", "key": "art-1", "text": {"my": AMENDED_MY, "en": AMENDED_EN}},
        title="Citizens",
    )
    db.commit()
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-1", "text": {"my": FIXED_MY, "en": FIXED_EN}},
    )
    db.commit()
    db.refresh(amendment)
    assert amendment.status == "needs_update"
    return amendment


def reader(db: Session, client: TestClient, member: Member, language: str) -> None:
    member.language = language
    db.commit()
    client.cookies.clear()
    login(client, member)


def soup_of(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return BeautifulSoup(response.text, "html.parser")


def old_side(cell: Tag) -> str:
    """The text a diff starts from: everything but its insertions."""
    copy = BeautifulSoup(str(cell), "html.parser")
    for node in copy.select("ins"):
        node.decompose()
    return copy.get_text()


def marked(cell: Tag, tag: str) -> list[str]:
    return [node.get_text() for node in cell.select(tag)]


@pytest.mark.parametrize("ui", ["en", "my"])
@pytest.mark.parametrize("url", [f"/documents/{SLUG}/read", f"/documents/{SLUG}/read/part-1"])
def test_reading_view_shows_its_own_change_on_the_current_text(
    client: TestClient, db: Session, alice: Member, stale: Amendment, ui: str, url: str
) -> None:
    reader(db, client, alice, ui)
    soup = soup_of(client, f"{url}?lang=both&with=amendments")
    proposal = soup.select_one("#p-art-1 .proposal")
    assert proposal is not None
    # Burmese: merged onto the corrected text; it changes only its own words.
    # (Shown compactly: its changed words with some context of the current text.)
    my = proposal.select_one('.diff[lang="my"]')
    assert old_side(my).replace("…", "") in FIXED_MY
    assert marked(my, "ins") == ["နိုင်ငံသား"] and marked(my, "del") == ["လူ"]
    # English: the correction touched its words, so its own change is shown, on the text
    # it was made on, with the conflict said; never "Each" deleted, nor the comma.
    en = proposal.select_one('.diff[lang="en"]')
    assert old_side(en).replace("…", "") in EN
    assert marked(en, "del") == ["person"] and marked(en, "ins") == ["citizen"]
    assert proposal.select_one("p.outdated") is not None
    badge = proposal.select_one(".status.s-needs_update")
    assert badge is not None
    assert badge.get_text(strip=True) == ("Needs an update" if ui == "en" else "မွမ်းမံရန် လိုအပ်")


@pytest.mark.parametrize("ui", ["en", "my"])
def test_the_synopsis_does_not_revert_the_correction(
    client: TestClient, db: Session, alice: Member, stale: Amendment, ui: str
) -> None:
    reader(db, client, alice, ui)
    soup = soup_of(client, f"/amendments/{stale.id}")
    table = soup.select_one("table.synopsis")
    assert table is not None
    cells = {td["lang"]: td for td in table.select("tbody tr:nth-of-type(1) td")}
    amended = {td["lang"]: td for td in table.select("tbody tr:nth-of-type(2) td")}
    # Burmese: the current (corrected) text, and the amended one keeps the correction.
    assert cells["my"].get_text() == FIXED_MY
    assert amended["my"].get_text() == FIXED_MY.replace("လူတိုင်း", "နိုင်ငံသားတိုင်း")
    assert marked(cells["my"], "del") == ["လူ"]
    # English cannot be merged: the text it was made on and its own change, said so.
    assert cells["en"].get_text() == EN and amended["en"].get_text() == AMENDED_EN
    assert soup.select_one("section.change p.outdated") is not None


def test_the_provision_page_shows_it_compactly_with_its_status(
    client: TestClient, db: Session, alice: Member, stale: Amendment
) -> None:
    reader(db, client, alice, "en")
    soup = soup_of(client, f"/documents/{SLUG}/p/art-1")
    section = soup.select_one(f"#a-{stale.id}")
    assert section is not None
    assert section.select_one(".status.s-needs_update") is not None
    my = section.select_one('.diff[lang="my"]')
    assert marked(my, "ins") == ["နိုင်ငံသား"] and marked(my, "del") == ["လူ"]
    assert old_side(my).replace("…", "") in FIXED_MY
    assert section.select_one("p.outdated") is not None
    # In full, on request: the whole current text in Burmese, the text it was made on in
    # English (where it conflicts).
    link = section.find("a", href=f"/documents/{SLUG}/p/art-1?show={stale.id}#a-{stale.id}")
    assert link is not None
    full = soup_of(client, f"/documents/{SLUG}/p/art-1?show={stale.id}").select_one(
        f"#a-{stale.id}"
    )
    assert old_side(full.select_one('.diff[lang="my"]')) == FIXED_MY
    assert old_side(full.select_one('.diff[lang="en"]')) == EN


def test_a_clean_rebase_tells_her_in_her_inbox(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
    editor: Member,
) -> None:
    amendment = propose_amendment(
        db,
        settings,
        alice,
        document,
        {"op": "replace", "key": "art-1", "text": {"en": AMENDED_EN}},
        title="Citizens",
    )
    db.commit()
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-1", "text": {"en": EN.replace("the law", "the laws")}},
    )
    db.commit()
    db.refresh(amendment)
    assert amendment.status == "draft"
    assert amendment.changes[0].text["en"] == AMENDED_EN.replace("the law", "the laws")
    told = db.scalars(
        select(Notification).where(
            Notification.member_id == alice.id, Notification.kind == "rebased"
        )
    ).all()
    assert len(told) == 1
    assert told[0].payload["rev"] == document.current_rev
    for ui, words in (("en", "was brought onto revision"), ("my", "")):
        reader(db, client, alice, ui)
        inbox = soup_of(client, "/inbox")
        item = inbox.select_one("ol.inbox li")
        assert item is not None and item.select_one("a")["href"] == f"/amendments/{amendment.id}"
        assert "rebased" not in item.get_text()
        assert words in item.get_text()

"""Reading by part and chapter: each unit has its own page (one language or both, with or
without open amendments), previous and next, the contents; the contents lead to the unit's
page at the provision; a unit that does not exist is a 404 page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.settings import Settings
from constitution.texts.models import Document
from tests.factories import (
    document_body,
    login,
    make_document,
    make_member,
    propose_amendment,
    provision,
)

SLUG = "chaptered"


def chaptered_body() -> dict[str, object]:
    """Part 1 with two chapters (and an article before them), Part 2 without chapters."""
    return document_body(
        SLUG,
        [
            provision("part-1", "Part 1", "part", None, "အခြေခံမူများ", "Principles"),
            provision("art-0", "Article 0", "article", "part-1", "နိဒါန်း။", "Preamble."),
            provision("chap-1", "Chapter 1", "chapter", "part-1", "ပြည်ထောင်စု", "The Union"),
            provision("art-1", "Article 1", "article", "chap-1", "ပထမ ပုဒ်မ။", "First article."),
            provision("art-1-a", "(a)", "clause", "art-1", "ပထမ အပိုဒ်။", "First clause."),
            provision("art-2", "Article 2", "article", "chap-1", "ဒုတိယ ပုဒ်မ။", "Second one."),
            provision("chap-2", "Chapter 2", "chapter", "part-1", "အခွင့်အရေး", "Rights"),
            provision("art-3", "Article 3", "article", "chap-2", "တတိယ ပုဒ်မ။", "Third one."),
            provision("part-2", "Part 2", "part", None, "ပြည်နယ်များ", "The States"),
            provision("art-4", "Article 4", "article", "part-2", "စတုတ္ထ ပုဒ်မ။", "Fourth one."),
        ],
    )


@pytest.fixture
def reader(client: TestClient, db: Session, settings: Settings) -> Member:
    member = make_member(db, settings, "reader")
    login(client, member)
    return member


@pytest.fixture
def chaptered(db: Session, reader: Member) -> Iterator[Document]:
    document = make_document(db, chaptered_body())
    db.commit()
    yield document


def page(client: TestClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.text[:300])
    return BeautifulSoup(response.text, "html.parser")


def shown_keys(soup: BeautifulSoup) -> list[str]:
    return [node["id"].removeprefix("p-") for node in soup.select("section.prov")]


def test_a_chapter_page_shows_only_its_chapter(client: TestClient, chaptered: Document) -> None:
    soup = page(client, f"/documents/{SLUG}/read/chap-1")
    assert shown_keys(soup) == ["chap-1", "art-1", "art-1-a", "art-2"]
    assert "Chapter 1 · The Union" in soup.h1.get_text()
    crumbs = [a.get_text(strip=True) for a in soup.select(".crumbs a")]
    assert crumbs[1:] == ["Part 1"]


def test_a_part_page_lists_its_chapters_without_their_text(
    client: TestClient, chaptered: Document
) -> None:
    soup = page(client, f"/documents/{SLUG}/read/part-1")
    assert shown_keys(soup) == ["part-1", "art-0"]
    nested = soup.find_all("ol", class_="toc")[-1]
    assert [a["href"] for a in nested.select("a")] == [
        f"/documents/{SLUG}/read/chap-1?lang=en",
        f"/documents/{SLUG}/read/chap-2?lang=en",
    ]
    assert "Second one." not in soup.get_text()


def test_previous_and_next_follow_reading_order_and_keep_the_view(
    client: TestClient, chaptered: Document
) -> None:
    soup = page(client, f"/documents/{SLUG}/read/chap-2?lang=both&with=amendments")
    prev = soup.select_one(".pager a[rel=prev]")
    after = soup.select_one(".pager a[rel=next]")
    assert prev["href"] == f"/documents/{SLUG}/read/chap-1?lang=both&with=amendments"
    assert after["href"] == f"/documents/{SLUG}/read/part-2?lang=both&with=amendments"
    first = page(client, f"/documents/{SLUG}/read/part-1")
    assert first.select_one(".pager a[rel=prev]") is None
    last = page(client, f"/documents/{SLUG}/read/part-2")
    assert last.select_one(".pager a[rel=next]") is None
    # The contents of every unit are on the page, the current one marked.
    toc = soup.select("details.unit-toc a")
    assert len(toc) == 4
    assert (
        next(a for a in toc if a.get("aria-current") == "page").get_text().startswith("Chapter 2")
    )


@pytest.mark.parametrize(
    ("lang", "shown"), [("my", ["my"]), ("en", ["en"]), ("both", ["my", "en"])]
)
def test_a_chapter_in_one_language_or_side_by_side(
    client: TestClient, chaptered: Document, lang: str, shown: list[str]
) -> None:
    soup = page(client, f"/documents/{SLUG}/read/chap-1?lang={lang}")
    assert [div["lang"] for div in soup.select("#p-art-1 .ptext")] == shown
    assert ("columns" in soup.select_one(".reading")["class"]) == (len(shown) > 1)


def test_a_chapter_with_its_open_amendments(
    client: TestClient, db: Session, settings: Settings, chaptered: Document, reader: Member
) -> None:
    proposer = make_member(db, settings, "proposer")
    propose_amendment(
        db,
        settings,
        proposer,
        chaptered,
        {"op": "replace", "key": "art-2", "text": {"en": "Second article, amended."}},
    )
    propose_amendment(
        db,
        settings,
        proposer,
        chaptered,
        {"op": "replace", "key": "art-4", "text": {"en": "Fourth article, amended."}},
    )
    db.commit()
    soup = page(client, f"/documents/{SLUG}/read/chap-1?with=amendments")
    proposals = soup.select(".proposal")
    assert len(proposals) == 1  # the one in this chapter, not the one in Part 2
    assert "amended" in proposals[0].get_text()
    assert proposals[0].select_one(".status").get_text(strip=True) == "Draft"
    plain = page(client, f"/documents/{SLUG}/read/chap-1")
    assert not plain.select(".proposal")


def test_contents_lead_to_the_unit_page_at_the_provision(
    client: TestClient, chaptered: Document
) -> None:
    soup = page(client, f"/documents/{SLUG}")
    hrefs = [a["href"] for a in soup.select("ol.toc a")]
    base = f"/documents/{SLUG}/read"
    assert hrefs == [
        f"{base}/part-1",
        f"{base}/part-1#p-art-0",
        f"{base}/chap-1",
        f"{base}/chap-1#p-art-1",
        f"{base}/chap-1#p-art-2",
        f"{base}/chap-2",
        f"{base}/chap-2#p-art-3",
        f"{base}/part-2",
        f"{base}/part-2#p-art-4",
    ]
    for href in hrefs:
        target = page(client, href.split("#")[0])
        if "#p-" in href:
            assert target.find(id="p-" + href.split("#p-")[1]) is not None
    # Part and chapter headings are shown with their titles.
    strong = [s.get_text(" ", strip=True) for s in soup.select("ol.toc strong")]
    assert strong[1] == "Chapter 1 · The Union"
    # The whole text stays, for print and download.
    assert soup.find("a", href=base) is not None


def test_a_provision_key_leads_to_its_chapter(client: TestClient, chaptered: Document) -> None:
    response = client.get(f"/documents/{SLUG}/read/art-1-a?lang=my")
    assert response.status_code == 303
    assert response.headers["location"] == f"/documents/{SLUG}/read/chap-1?lang=my#p-art-1-a"
    provision_page = page(client, f"/documents/{SLUG}/p/art-1-a")
    assert provision_page.find("a", href=f"/documents/{SLUG}/read/art-1-a") is not None


@pytest.mark.parametrize("key", ["chap-9", "nothing", "%E1%80%80", "x" * 300])
def test_a_unit_that_does_not_exist_is_a_404_page(
    client: TestClient, chaptered: Document, key: str
) -> None:
    response = client.get(f"/documents/{SLUG}/read/{key}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no such part or chapter" in response.text


def test_an_old_revision_of_a_chapter(
    client: TestClient, chaptered: Document, db: Session, settings: Settings
) -> None:
    assert page(client, f"/documents/{SLUG}/read/chap-1?rev=1").select("section.prov")
    page(client, f"/documents/{SLUG}/read/chap-1?rev=7", status=404)

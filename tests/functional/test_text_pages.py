"""The draft's pages: contents, reading in one or both languages, history, compare, search.

They must work without JavaScript, stay small, link deep into the text, and escape
everything a member typed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.settings import Settings
from constitution.texts.models import Document
from tests.factories import (
    ART_1_EN,
    ART_1_MY,
    ART_2_EN,
    ART_2_MY,
    edit_document,
    login,
    make_document,
    make_member,
    provision,
    small_body,
    tiny_body,
)

NEW_MY = "ပြည်ထောင်စုသည် ဖက်ဒရယ်ဒီမိုကရေစီ သမ္မတနိုင်ငံ ဖြစ်သည်။"
NEW_EN = "The Union is a federal democratic republic."
EVIL = '<script>alert("x")</script> & <b>bold</b>'


@pytest.fixture
def editor(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "secretariat", ["member", "secretariat"])


@pytest.fixture
def reader(client: TestClient, db: Session, settings: Settings) -> Member:
    member = make_member(db, settings, "reader")
    login(client, member)
    return member


@pytest.fixture
def tiny(db: Session, editor: Member, reader: Member) -> Iterator[Document]:
    """Three provisions, then revision 2 changes Article 1 in both languages."""
    document = make_document(db, tiny_body())
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-1", "text": {"my": NEW_MY, "en": NEW_EN}},
        reason="Editorial correction",
    )
    db.commit()
    yield document


@pytest.fixture
def small(db: Session, reader: Member) -> Iterator[Document]:
    document = make_document(db, small_body())
    db.commit()
    yield document


def page(client: TestClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


def texts(soup: BeautifulSoup, selector: str) -> list[str]:
    return [node.get_text(" ", strip=True) for node in soup.select(selector)]


def section(soup: BeautifulSoup, key: str) -> Tag:
    node = soup.find(id=f"p-{key}")
    assert isinstance(node, Tag), f"no #p-{key}"
    return node


# ---- the pages --------------------------------------------------------------------------


def test_documents_list(client: TestClient, tiny: Document, small: Document) -> None:
    soup = page(client, "/documents")
    links = {a["href"]: a.get_text(strip=True) for a in soup.select("main a")}
    assert links["/documents/tiny-draft"] == "Draft constitution"  # the reader's language: en
    assert "/documents/small-draft" in links
    assert "revision 2" in soup.get_text()


def test_contents_links_every_heading_to_its_anchor(client: TestClient, small: Document) -> None:
    soup = page(client, "/documents/small-draft")
    hrefs = [a["href"] for a in soup.select("ol.toc a")]
    # Each heading leads to its part's reading page, at the provision.
    base = "/documents/small-draft/read"
    assert hrefs == [
        f"{base}/part-1",
        f"{base}/part-1#p-art-1",
        f"{base}/part-1#p-art-2",
        f"{base}/part-2",
        f"{base}/part-2#p-art-3",
    ]
    assert "Fundamental Principles" in soup.select_one("ol.toc").get_text()
    # The anchors exist on those pages.
    for href in hrefs:
        read = page(client, href.split("#")[0])
        section(read, href.split("#p-")[1] if "#p-" in href else href.rsplit("/", 1)[1])


@pytest.mark.parametrize(
    ("lang", "shown"),
    [("my", ["my"]), ("en", ["en"]), ("both", ["my", "en"]), ("", ["en"]), ("xx", ["en"])],
)
def test_reading_view_in_one_or_both_languages(
    client: TestClient, small: Document, lang: str, shown: list[str]
) -> None:
    soup = page(client, f"/documents/small-draft/read?lang={lang}")
    art_1 = section(soup, "art-1")
    assert [div["lang"] for div in art_1.select(".ptext")] == shown
    words = art_1.get_text()
    assert (ART_1_MY in words) == ("my" in shown)
    assert (ART_1_EN in words) == ("en" in shown)
    assert section(soup, "art-1").select_one("a.label")["href"] == "/documents/small-draft/p/art-1"


def test_reading_view_shows_every_provision_in_reading_order_with_an_anchor(
    client: TestClient, small: Document
) -> None:
    soup = page(client, "/documents/small-draft/read?lang=both")
    ids = [node["id"] for node in soup.select("section.prov")]
    assert ids == [f"p-{p['key']}" for p in small_body()["provisions"]]
    assert len(set(ids)) == len(ids)
    # Depth shows the tree: a clause is deeper than its article.
    assert "d2" in section(soup, "art-1-a")["class"]
    assert "d1" in section(soup, "art-1")["class"]


def test_an_outdated_translation_is_marked(
    client: TestClient, db: Session, editor: Member, small: Document
) -> None:
    edit_document(db, editor, small, {"op": "replace", "key": "art-2", "text": {"my": "ပြင်ဆင်သည်။"}})
    db.commit()
    soup = page(client, "/documents/small-draft/read?lang=both")
    [outdated] = soup.select(".outdated")
    assert outdated.find_parent(id="p-art-2") is not None
    assert outdated.parent["lang"] == "en"
    assert ART_2_EN in section(soup, "art-2").get_text()  # the old translation still shows


def test_document_at_an_earlier_revision_shows_the_old_text(
    client: TestClient, tiny: Document
) -> None:
    now = page(client, "/documents/tiny-draft/read?lang=both")
    assert NEW_MY in now.get_text() and ART_1_MY not in now.get_text()
    then = page(client, "/documents/tiny-draft/read?rev=1&lang=both")
    words = section(then, "art-1").get_text()
    assert ART_1_MY in words and ART_1_EN in words
    assert NEW_MY not in then.get_text() and NEW_EN not in then.get_text()
    assert then.select_one('main a[href="/documents/tiny-draft/read"]') is not None  # back to now
    contents = page(client, "/documents/tiny-draft?rev=1")
    assert contents.select_one("ol.toc a")["href"] == "/documents/tiny-draft/read/part-1?rev=1"


@pytest.mark.parametrize("rev", ["0", "3", "x", "-1", "9" * 20])
def test_a_revision_that_does_not_exist_is_404(
    client: TestClient, tiny: Document, rev: str
) -> None:
    page(client, f"/documents/tiny-draft/read?rev={rev}", 404)


def test_provision_page_with_its_history(client: TestClient, tiny: Document) -> None:
    soup = page(client, "/documents/tiny-draft/p/art-1")
    assert soup.h1.get_text(strip=True) == "Article 1"
    current = soup.select_one(".texts")
    assert NEW_MY in current.get_text() and NEW_EN in current.get_text()
    history = soup.select("ol.history > li")
    assert len(history) == 2
    assert history[0].a["href"] == "/documents/tiny-draft/compare?from=1&to=2"
    diffs = {div["lang"]: div for div in history[0].select(".diff")}
    assert set(diffs) == {"my", "en"}
    assert diffs["my"].find("ins") is not None
    assert "သမ္မတ" in diffs["my"].ins.get_text()
    assert diffs["en"].find("del") is not None and diffs["en"].find("ins") is not None
    assert "Revision 1" in history[1].get_text()
    assert soup.select_one('a[href="/documents/tiny-draft/read#p-art-1"]') is not None


def test_provision_page_of_a_removed_provision(
    client: TestClient, db: Session, editor: Member, tiny: Document
) -> None:
    edit_document(db, editor, tiny, {"op": "delete", "key": "art-2"})
    db.commit()
    soup = page(client, "/documents/tiny-draft/p/art-2")
    assert "removed" in soup.h1.get_text()
    assert ART_2_MY in soup.get_text()
    page(client, "/documents/tiny-draft/p/nothing", 404)
    page(client, "/documents/nothing/p/art-1", 404)


def test_revisions_list(client: TestClient, tiny: Document) -> None:
    soup = page(client, "/documents/tiny-draft/revisions")
    rows = soup.select("tbody tr")
    assert len(rows) == 2
    newest = rows[0].select("td")
    assert newest[0].a["href"] == "/documents/tiny-draft/read?rev=2"
    assert newest[2].get_text(strip=True) == "Secretariat"
    assert newest[3].get_text(strip=True) == "Editorial correction"
    assert newest[4].a["href"] == "/documents/tiny-draft/compare?from=1&to=2"
    assert rows[1].select("td")[0].a["href"] == "/documents/tiny-draft/read?rev=1"
    assert rows[1].select("td")[4].find("a") is None


def test_compare_inline(client: TestClient, tiny: Document) -> None:
    soup = page(client, "/documents/tiny-draft/compare?from=1&to=2")
    changes = soup.select("section.change")
    assert [c["id"] for c in changes] == ["p-art-1"]
    cells = {div["lang"]: div for div in changes[0].select("div.diff")}
    assert set(cells) == {"my", "en"}
    for cell in cells.values():
        assert cell.find("ins") is not None
    assert cells["en"].find("del") is not None
    # The old text is the equal and deleted parts; the new one, equal and inserted.
    for lang, old, new in (("my", ART_1_MY, NEW_MY), ("en", ART_1_EN, NEW_EN)):
        without_ins = BeautifulSoup(str(cells[lang]), "html.parser")
        for node in without_ins.find_all("ins"):
            node.decompose()
        assert without_ins.get_text() == old
        without_del = BeautifulSoup(str(cells[lang]), "html.parser")
        for node in without_del.find_all("del"):
            node.decompose()
        assert without_del.get_text() == new
    # Default: the last revision against the one before.
    default = page(client, "/documents/tiny-draft/compare")
    assert str(default.select_one("main section.change")) == str(changes[0])


def test_compare_side_by_side(client: TestClient, tiny: Document) -> None:
    soup = page(client, "/documents/tiny-draft/compare?from=1&to=2&view=side")
    [change] = soup.select("section.change")
    sides = change.select("div.side")
    assert [s["lang"] for s in sides] == ["my", "en"]
    for side, old, new in zip(sides, (ART_1_MY, ART_1_EN), (NEW_MY, NEW_EN), strict=True):
        before, after = side.select_one(".old"), side.select_one(".new")
        assert before.find("ins") is None and after.find("del") is None
        assert before.get_text() == old and after.get_text() == new
    assert sides[1].select_one(".old del") is not None
    assert sides[1].select_one(".new ins") is not None
    assert soup.select_one('select[name="view"] option[selected]')["value"] == "side"


def test_compare_lists_added_removed_and_moved(
    client: TestClient, db: Session, editor: Member, small: Document
) -> None:
    edit_document(
        db,
        editor,
        small,
        {"op": "delete", "key": "art-1-b"},
        {"op": "move", "key": "art-2", "parent": "part-2"},
        {
            "op": "insert",
            "key": "art-4",
            "label": "Article 4",
            "kind": "article",
            "parent": "part-2",
            "after": "art-3",
            "text": {"my": "ပုဒ်မ ၄", "en": "Four"},
        },
    )
    db.commit()
    soup = page(client, "/documents/small-draft/compare?from=1&to=2")
    classes = {s["id"]: s["class"] for s in soup.select("section.change")}
    assert classes == {
        "p-art-2": ["change", "c-moved"],
        "p-art-4": ["change", "c-added"],
        "p-art-1-b": ["change", "c-removed"],
    }
    assert section(soup, "art-4").select_one("div.diff ins").get_text() in ("ပုဒ်မ ၄", "Four")
    assert section(soup, "art-1-b").select_one("div.diff del") is not None
    same = page(client, "/documents/small-draft/compare?from=2&to=2")
    assert same.select("section.change") == []
    assert "No differences." in same.get_text()


def test_search_page(client: TestClient, small: Document) -> None:
    soup = page(client, "/documents/small-draft/search?q=12")
    hits = soup.select("ul.hits li")
    assert len(hits) == 2
    assert {li.a["href"] for li in hits} == {"/documents/small-draft/read#p-art-2"}
    assert {li.select_one("span[lang]")["lang"] for li in hits} == {"my", "en"}
    assert soup.select_one("input[name=q]")["value"] == "12"
    read = page(client, "/documents/small-draft/read")
    section(read, "art-2")
    # A one-character Burmese query.
    soup = page(client, "/documents/small-draft/search?q=ဥ")
    assert [li.a["href"] for li in soup.select("ul.hits li")] == [
        "/documents/small-draft/read#p-art-3"
    ]
    # Nothing typed: the form only.
    empty = page(client, "/documents/small-draft/search")
    assert empty.select("ul.hits") == [] and empty.select_one("form input[name=q]") is not None


def test_search_page_with_a_query_too_long(client: TestClient, small: Document) -> None:
    page(client, "/documents/small-draft/search?q=" + "x" * 300, 422)


# ---- pages for everyone: no script, small, deep links, escaped --------------------------

PAGES = [
    "/documents",
    "/documents/tiny-draft",
    "/documents/tiny-draft?rev=1",
    "/documents/tiny-draft/read",
    "/documents/tiny-draft/read?lang=my",
    "/documents/tiny-draft/read?lang=both&rev=1",
    "/documents/tiny-draft/p/art-1",
    "/documents/tiny-draft/revisions",
    "/documents/tiny-draft/compare?from=1&to=2",
    "/documents/tiny-draft/compare?from=1&to=2&view=side",
    "/documents/tiny-draft/search?q=ပြည်",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_work_without_javascript_and_stay_small(
    client: TestClient, tiny: Document, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert len(response.content) < 50_000
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.find("script") is None
    assert "<script" not in response.text.lower()
    assert not any(attr.startswith("on") for tag in soup.find_all(True) for attr in tag.attrs)
    assert soup.html["lang"] == "en"
    # Nothing from another host.
    for tag in soup.find_all(["a", "link", "img", "form", "iframe"]):
        for attr in ("href", "src", "action"):
            value = tag.get(attr)
            if value is not None:
                assert value.startswith(("/", "?", "#", "data:")), (url, value)
    # Every form works with a plain GET or a POST carrying its CSRF token.
    for form in soup.find_all("form"):
        method = form.get("method", "get").lower()
        if method == "post":
            assert form.find("input", attrs={"name": "csrf_token"}) is not None


def test_every_deep_link_into_the_text_has_its_anchor(client: TestClient, small: Document) -> None:
    read = page(client, "/documents/small-draft/read?lang=both")
    ids = {node["id"] for node in read.find_all(id=True)}
    for key in (p["key"] for p in small_body()["provisions"]):
        assert f"p-{key}" in ids
    for url in ("/documents/small-draft", "/documents/small-draft/search?q=ပ"):
        for a in page(client, url).select("main a[href*='#p-']"):
            assert a["href"].split("#")[1] in ids, a["href"]


def test_user_text_is_escaped_everywhere(
    client: TestClient, db: Session, editor: Member, reader: Member
) -> None:
    body = tiny_body("evil-draft")
    body["title"]["en"] = EVIL
    body["provisions"][1] = provision(
        "art-1", "<i>Art</i> 1", "article", "part-1", f"က {EVIL}", EVIL
    )
    document = make_document(db, body)
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-1", "text": {"my": f"ခ {EVIL}", "en": f"{EVIL} {EVIL}"}},
        reason=EVIL,
    )
    db.commit()
    urls = [
        "/documents",
        "/documents/evil-draft",
        "/documents/evil-draft/read?lang=both",
        "/documents/evil-draft/read?lang=both&rev=1",
        "/documents/evil-draft/p/art-1",
        "/documents/evil-draft/revisions",
        "/documents/evil-draft/compare?from=1&to=2",
        "/documents/evil-draft/compare?from=1&to=2&view=side",
        "/documents/evil-draft/search?q=<script>",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.find("script") is None, url
        assert soup.find("b") is None and soup.find("i") is None, url
        assert "<script>" not in response.text, url
        assert "&lt;script&gt;" in response.text, url
    read = page(client, "/documents/evil-draft/read?lang=both")
    assert EVIL in section(read, "art-1").get_text()
    assert section(read, "art-1").select_one("a.label").get_text() == "<i>Art</i> 1"
    search = page(client, "/documents/evil-draft/search?q=<script>")
    assert len(search.select("ul.hits li")) == 2


# ---- access -----------------------------------------------------------------------------


def test_pages_need_a_logged_in_member(app: Any, tiny: Document) -> None:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as anonymous:
        for url in PAGES:
            response = anonymous.get(url)
            assert response.status_code == 303, url
            assert response.headers["location"].startswith("/login")


def test_unknown_document_pages_are_404(client: TestClient, reader: Member) -> None:
    for url in (
        "/documents/nothing",
        "/documents/nothing/read",
        "/documents/nothing/revisions",
        "/documents/nothing/compare",
        "/documents/nothing/search?q=x",
    ):
        page(client, url, 404)

"""The amendment pages over HTTP: proposing with a preview, the amendment page and its
actions, committee queues, comments on passages and their moderation, the inbox.

Every form works without JavaScript (a POST with its one-time token, answered by a redirect),
every page stays small, and whatever a member typed is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup, Tag
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.amendments import services
from constitution.amendments.models import Amendment, Status
from constitution.comments.models import Comment
from constitution.inbox.models import Notification
from constitution.settings import Settings
from constitution.texts.models import Document
from tests.factories import (
    ART_1_EN,
    ART_1_MY,
    ART_2_EN,
    adopt_amendment,
    csrf_token,
    login,
    make_committee,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)

SLUG = "small-draft"
NEW_EN = "The Union is a federal democratic republic."
NEW_MY = "ပြည်ထောင်စုသည် ဖက်ဒရယ်ဒီမိုကရေစီ သမ္မတနိုင်ငံ ဖြစ်သည်။"
TITLE = "Call the Union a republic"
EVIL = '<script>alert("x")</script> & <b>bold</b>'
MAX_PAGE = 50_000


# ---- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture
def document(db: Session) -> Iterator[Document]:
    document = make_document(db, small_body(SLUG))
    db.commit()
    yield document


@pytest.fixture
def alice(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "alice")


@pytest.fixture
def bea(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "bea")


@pytest.fixture
def cora(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "cora")


@pytest.fixture
def chair(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "chair", ["member", "chair"])


def as_member(client: TestClient, member: Member) -> None:
    client.cookies.clear()
    login(client, member)


def page(client: TestClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.text[:500])
    return checked(response.text)


def checked(html: str) -> BeautifulSoup:
    """Every page: small, no inline script (only the site's own live.js, which a page
    showing live counts loads), nothing loaded from another host."""
    assert len(html.encode("utf-8")) < MAX_PAGE, len(html)
    soup = BeautifulSoup(html, "html.parser")
    for script in soup.find_all("script"):
        assert re.fullmatch(r"/static/live\.[0-9a-f]+\.js", script.get("src", "")), script
        assert not script.get_text().strip(), script
    for node in soup.find_all(["link", "img", "iframe"]):
        source = node.get("href") or node.get("src") or ""
        assert not str(source).startswith(("http:", "https:", "//")), source
    return soup


def form_for(soup: BeautifulSoup, action: str) -> Tag:
    """The last form posting to ``action`` (a new comment's, after the replies' forms)."""
    forms = soup.find_all("form", attrs={"action": action})
    assert forms, f"no form posting to {action}"
    found = forms[-1]
    assert isinstance(found, Tag)
    assert found.get("method") == "post"
    return found


def fields(form: Tag) -> dict[str, str]:
    """What a browser would send for the form as shown (checked radios, selected options)."""
    data: dict[str, str] = {}
    for node in form.find_all(["input", "textarea", "select"]):
        name = node.get("name")
        if not name:
            continue
        if node.name == "textarea":
            data[name] = node.get_text()
        elif node.name == "select":
            chosen = node.find("option", selected=True) or node.find("option")
            data[name] = chosen.get("value", "") if chosen else ""
        elif node.get("type") in ("radio", "checkbox"):
            if node.has_attr("checked"):
                data[name] = node.get("value", "on")
        else:
            data[name] = node.get("value", "")
    return data


def submit(
    client: TestClient, soup: BeautifulSoup, action: str, changes: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Send the form as the page shows it, with some fields changed: (status, location, html)."""
    data = {**fields(form_for(soup, action)), **(changes or {})}
    response = client.post(action, data=data)
    return response.status_code, response.headers.get("location", ""), response.text


def follow(client: TestClient, location: str) -> BeautifulSoup:
    return page(client, location.split("#")[0])


def flash(soup: BeautifulSoup) -> str:
    node = soup.select_one(".flash")
    return node.get_text(" ", strip=True) if node else ""


def propose(
    db: Session,
    settings: Settings,
    member: Member,
    document: Document,
    key: str = "art-1",
    text: dict[str, str] | None = None,
    title: str = TITLE,
) -> Amendment:
    change = {"op": "replace", "key": key, "text": text or {"en": NEW_EN}}
    amendment = propose_amendment(db, settings, member, document, change, title=title)
    db.commit()
    return amendment


def submitted(
    db: Session, settings: Settings, member: Member, document: Document, *sponsors: Member
) -> Amendment:
    change = {"op": "replace", "key": "art-1", "text": {"en": NEW_EN}}
    amendment = propose_amendment(
        db, settings, member, document, change, title=TITLE, sponsors=sponsors, submit=True
    )
    db.commit()
    return amendment


def amendments_count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Amendment)) or 0)


# ---- proposing --------------------------------------------------------------------------


def test_provision_page_links_to_the_propose_form(
    client: TestClient, document: Document, alice: Member
) -> None:
    as_member(client, alice)
    soup = page(client, f"/documents/{SLUG}/p/art-1")
    link = soup.find("a", href=f"/documents/{SLUG}/p/art-1/amend")
    assert link is not None
    # Step 1 asks what she wants to do (a GET form); step 2 shows only that change's fields.
    choose = page(client, f"/documents/{SLUG}/p/art-1/amend")
    step1 = choose.select_one("form#choose-op")
    assert step1 is not None and step1.get("method") == "get"
    assert [i["value"] for i in step1.select("input[name=op]")] == [
        "replace",
        "insert",
        "delete",
        "move",
    ]
    assert choose.select_one("textarea") is None
    form = page(client, f"/documents/{SLUG}/p/art-1/amend?op=replace")
    assert form.select_one("#text_my").get_text() == ART_1_MY
    assert form.select_one("#text_en").get_text() == ART_1_EN
    assert form.select_one("input[name=op]")["value"] == "replace"
    assert form.select_one("#new_key") is None and form.select_one("#move_to") is None
    insert = page(client, f"/documents/{SLUG}/p/art-1/amend?op=insert")
    assert {o["value"] for o in insert.select("select[name=new_kind] option")} >= {"article"}
    assert insert.select_one("#text_en") is None


def test_propose_with_a_preview_then_save(
    client: TestClient, db: Session, document: Document, alice: Member
) -> None:
    as_member(client, alice)
    action = f"/documents/{SLUG}/p/art-1/amend"
    soup = page(client, action + "?op=replace")
    sent_token = fields(form_for(soup, action))["csrf_token"]
    status, _location, html = submit(
        client, soup, action, {"title": "A republic", "text_en": NEW_EN, "action": "preview"}
    )
    assert status == 200
    preview = checked(html)
    assert amendments_count(db) == 0, "a preview creates nothing"
    shown = preview.select_one(".preview")
    assert shown is not None
    assert [i.get_text() for i in shown.select("ins")] == ["republic"]
    assert [d.get_text() for d in shown.select("del")] == ["state"]
    # The form comes back as typed, with a fresh token: the preview spent the first one.
    assert preview.select_one("#text_en").get_text() == NEW_EN
    assert preview.select_one("#title")["value"] == "A republic"
    assert fields(form_for(preview, action))["csrf_token"] != sent_token
    again = client.post(action, data={"csrf_token": sent_token, "action": "preview"})
    assert again.status_code == 409

    status, location, _html = submit(client, preview, action, {"action": "save"})
    assert status == 303
    amendment = db.scalars(select(Amendment)).one()
    assert location == f"/amendments/{amendment.id}"
    assert amendment.status == "draft" and amendment.proposer_id == alice.id
    assert amendment.changes[0].op == "replace"
    assert amendment.changes[0].text == {"my": ART_1_MY, "en": NEW_EN}
    shown_page = follow(client, location)
    assert "Amendment 1 was saved as a draft." in flash(shown_page)


def test_a_refused_proposal_keeps_what_was_typed(
    client: TestClient, db: Session, document: Document, alice: Member
) -> None:
    as_member(client, alice)
    action = f"/documents/{SLUG}/p/art-1/amend"
    soup = page(client, action + "?op=replace")
    status, _location, html = submit(
        client,
        soup,
        action,
        {"title": "", "text_en": NEW_EN, "rationale_en": "Why", "action": "save"},
    )
    assert status == 422
    again = checked(html)
    assert "This field is required." in again.select_one(".error").get_text()
    assert again.select_one("#text_en").get_text() == NEW_EN
    assert again.select_one("#rationale_en").get_text() == "Why"
    assert amendments_count(db) == 0
    # Nothing changed at all: the change is empty.
    status, _location, html = submit(client, again, action, {"title": "T", "text_en": ART_1_EN})
    assert status == 422
    assert "The change is empty." in checked(html).select_one(".error").get_text()


def test_propose_a_deletion_and_an_insertion(
    client: TestClient, db: Session, document: Document, alice: Member
) -> None:
    as_member(client, alice)
    action = f"/documents/{SLUG}/p/art-2/amend"
    status, location, _ = submit(
        client,
        page(client, action + "?op=delete"),
        action,
        {"title": "Drop it", "action": "save"},
    )
    assert status == 303
    deleted = db.get(Amendment, int(location.rsplit("/", 1)[1]))
    assert deleted is not None and deleted.changes[0].op == "delete"
    shown = follow(client, location)
    assert [d.get_text() for d in shown.select(".change .diff del")][-1] == ART_2_EN

    data = {
        "title": "A new article",
        "op": "insert",
        "new_key": "art-2a",
        "new_label": "Article 2A",
        "new_kind": "article",
        "new_text_my": "အသစ်",
        "new_text_en": "A new article.",
        "action": "save",
    }
    status, location, _ = submit(client, page(client, action + "?op=insert"), action, data)
    assert status == 303, _
    inserted = db.get(Amendment, int(location.rsplit("/", 1)[1]))
    assert inserted is not None
    change = inserted.changes[0]
    assert (change.op, change.key, change.after, change.parent) == (
        "insert",
        "art-2a",
        "art-2",
        "part-1",
    )
    shown = follow(client, location)
    assert "A new article." in [i.get_text() for i in shown.select(".change ins")]


# ---- the amendment page and its actions -------------------------------------------------


def test_the_amendment_page(
    client: TestClient, db: Session, settings: Settings, document: Document, alice: Member
) -> None:
    amendment = propose(db, settings, alice, document, text={"en": NEW_EN, "my": NEW_MY})
    as_member(client, alice)
    soup = page(client, f"/amendments/{amendment.id}")
    assert soup.h1.get_text() == "Amendment 1: Call the Union a republic"
    facts = soup.select_one("dl.facts").get_text(" ", strip=True)
    assert "Draft" in facts and "Alice" in facts and "Revision 1" in facts
    change = soup.select_one("section.change")
    assert "republic" in [i.get_text() for i in change.select("div.diff ins")]
    synopsis = change.select_one("table.synopsis")
    assert [th.get_text() for th in synopsis.select("thead th")][1:] == ["မြန်မာ", "English"]
    cells = synopsis.select("tbody tr")
    assert cells[0].select("td")[1].get_text() == ART_1_EN
    assert cells[1].select("td")[1].get_text() == NEW_EN
    side = page(client, f"/amendments/{amendment.id}?view=side")
    assert side.select(".side .diff.old del") and side.select(".side .diff.new ins")
    # The proposer is told how many more co-sponsors it takes before she can submit it (no
    # button leading to a refusal); she may withdraw and update it.
    assert not soup.find("form", action=f"/amendments/{amendment.id}/submit")
    assert (
        "still needed before it can be submitted: 2 of 2"
        in soup.select_one("#needs-sponsors").get_text()
    )
    assert soup.find("form", action=f"/amendments/{amendment.id}/withdraw")
    assert soup.find("form", action=f"/amendments/{amendment.id}/update")
    assert not soup.find("form", action=f"/amendments/{amendment.id}/sponsor")


def test_sponsor_then_submit_then_withdraw(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
    bea: Member,
    cora: Member,
) -> None:
    amendment = propose(db, settings, alice, document)
    url = f"/amendments/{amendment.id}"
    for sponsor in (bea, cora):
        as_member(client, sponsor)
        soup = page(client, url)
        assert not soup.find("form", action=f"{url}/submit")
        status, location, _ = submit(client, soup, f"{url}/sponsor")
        assert (status, location) == (303, url)
        after = follow(client, location)
        assert "You co-sponsor this amendment." in flash(after)
        assert not after.find("form", action=f"{url}/sponsor")
    as_member(client, alice)
    soup = page(client, url)
    assert "Bea, Cora" in soup.select_one("dl.facts").get_text()
    status, location, _ = submit(client, soup, f"{url}/submit")
    assert status == 303
    after = follow(client, location)
    assert "The amendment was submitted." in flash(after)
    assert after.select_one(".status").get_text() == "Submitted"
    status, location, _ = submit(client, after, f"{url}/withdraw")
    assert status == 303
    assert follow(client, location).select_one(".status").get_text() == "Withdrawn"


def test_submitting_without_co_sponsors_is_refused_with_the_reason(
    client: TestClient, db: Session, settings: Settings, document: Document, alice: Member
) -> None:
    """A submit sent anyway (an old page, a co-sponsor who withdrew meanwhile) returns to the
    amendment's page with the reason, not to a 409 page."""
    amendment = propose(db, settings, alice, document)
    as_member(client, alice)
    url = f"/amendments/{amendment.id}"
    response = client.post(f"{url}/submit", data={"csrf_token": csrf_token(client.get(url).text)})
    assert response.status_code == 303 and response.headers["location"] == url
    shown = follow(client, response.headers["location"])
    assert "needs more co-sponsors" in flash(shown)
    assert (
        "still needed before it can be submitted: 2 of 2"
        in shown.select_one("#needs-sponsors").get_text()
    )
    db.refresh(amendment)
    assert amendment.status == "draft"


def test_a_refused_co_sponsorship_returns_to_the_amendment_with_the_reason(
    client: TestClient, db: Session, settings: Settings, document: Document, alice: Member
) -> None:
    amendment = propose(db, settings, alice, document)
    as_member(client, alice)
    url = f"/amendments/{amendment.id}"
    response = client.post(f"{url}/sponsor", data={"csrf_token": csrf_token(client.get(url).text)})
    assert response.status_code == 303 and response.headers["location"] == url
    assert flash(follow(client, url)) != ""
    db.refresh(amendment)
    assert amendment.sponsors == []


def test_the_list_of_amendments_with_a_status_filter(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
    bea: Member,
    cora: Member,
) -> None:
    propose(db, settings, alice, document, key="art-2", text={"en": "Members are elected."})
    submitted(db, settings, alice, document, bea, cora)
    as_member(client, bea)
    contents = page(client, f"/documents/{SLUG}")
    assert contents.find("a", href=f"/documents/{SLUG}/amendments")
    soup = page(client, f"/documents/{SLUG}/amendments")
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")] for tr in soup.select("tbody tr")
    ]
    assert [r[0] for r in rows] == ["1", "2"]
    assert rows[1][2:] == ["Submitted", "Alice", "2", "0"]
    only = page(client, f"/documents/{SLUG}/amendments?status=submitted")
    assert [tr.select("td")[0].get_text() for tr in only.select("tbody tr")] == ["2"]
    assert page(client, f"/documents/{SLUG}/amendments?status=nonsense").select("tbody tr")
    index = page(client, "/amendments")
    assert index.find("a", href=f"/documents/{SLUG}/amendments")


def test_conflicting_amendments_link_each_other(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
    bea: Member,
) -> None:
    one = propose(db, settings, alice, document, text={"en": NEW_EN})
    two = propose(db, settings, bea, document, text={"en": "The Union is a federal state."})
    as_member(client, alice)
    soup = page(client, f"/amendments/{one.id}")
    assert soup.find("a", href=f"/amendments/{two.id}")
    listing = page(client, f"/documents/{SLUG}/amendments")
    assert [tr.select("td")[5].get_text() for tr in listing.select("tbody tr")] == ["1", "1"]


def test_an_amendment_that_needs_an_update_shows_why_and_can_be_updated(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
    bea: Member,
    cora: Member,
) -> None:
    first = submitted(db, settings, alice, document, bea, cora)
    change = {"op": "replace", "key": "art-1", "text": {"en": "The Union is a federal state."}}
    second = propose_amendment(
        db, settings, bea, document, change, title=TITLE, sponsors=(alice, cora), submit=True
    )
    adopt_amendment(db, first)
    db.commit()
    db.refresh(second)
    assert second.status == "needs_update"
    as_member(client, bea)
    url = f"/amendments/{second.id}"
    soup = page(client, url)
    problem = soup.select_one("section.problem")
    assert problem is not None
    assert [i.get_text() for i in problem.select("ins")] == ["republic"]
    assert soup.select_one("details[open] form[action$='/update']") is not None
    status, _location, html = submit(
        client,
        soup,
        f"{url}/update",
        {"c0_text_en": "The Union is a federal state and a republic.", "action": "preview"},
    )
    assert status == 200
    preview = checked(html).select_one(".preview")
    assert preview is not None and "and a" in preview.get_text()
    db.refresh(second)
    assert second.status == "needs_update"
    status, location, _ = submit(client, checked(html), f"{url}/update", {"action": "save"})
    assert status == 303
    after = follow(client, location)
    assert "The amendment was updated." in flash(after)
    db.refresh(second)
    assert second.status == "submitted"
    assert second.changes[0].text["en"] == "The Union is a federal state and a republic."


def test_an_amendment_to_an_amendment(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
    bea: Member,
) -> None:
    parent = propose(db, settings, alice, document, text={"en": NEW_EN})
    as_member(client, bea)
    soup = page(client, f"/amendments/{parent.id}")
    link = soup.find("a", href=f"/documents/{SLUG}/p/art-1/amend?amends={parent.id}")
    assert link is not None
    form = page(client, str(link["href"]))
    assert form.select_one("#text_en").get_text() == NEW_EN  # starts from the amendment
    action = f"/documents/{SLUG}/p/art-1/amend"
    status, location, _ = submit(
        client,
        form,
        action,
        {"title": "Say people's republic", "text_en": "The Union is a people's republic."},
    )
    assert status == 303
    child = db.get(Amendment, int(location.rsplit("/", 1)[1]))
    assert child is not None and child.amends_id == parent.id
    soup = page(client, f"/amendments/{parent.id}")
    assert soup.find("a", href=f"/amendments/{child.id}")


# ---- committees -------------------------------------------------------------------------


def test_the_committee_recommends_with_a_substitute(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
    bea: Member,
    cora: Member,
    chair: Member,
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    committee = make_committee(db, settings, "Principles", [cora], ["part-1"], admin=admin)
    db.commit()
    amendment = submitted(db, settings, alice, document, bea, chair)
    url = f"/committees/{committee.id}"

    as_member(client, bea)
    page(client, url, 403)
    assert not page(client, "/").find("a", href="/committees")

    as_member(client, cora)
    assert page(client, "/").find("a", href="/committees")
    listing = page(client, "/committees")
    assert listing.find("a", href=url)
    soup = page(client, url)
    queued = soup.select_one(f"#a-{amendment.id}")
    assert queued is not None and "republic" in [i.get_text() for i in queued.select("ins")]
    action = f"/amendments/{amendment.id}/recommendation"
    assert form_for(soup, action).select_one("textarea[name=sub_0_en]").get_text() == NEW_EN
    # A substitute left empty in the authoritative language is refused; the texts are kept.
    status, _location, html = submit(
        client,
        soup,
        action,
        {"recommendation": "modify", "note": "Keep it short", "sub_0_my": "", "sub_0_en": "X"},
    )
    assert status == 422
    again = checked(html)
    assert again.select_one(f"#a-{amendment.id} .error") is not None
    assert again.select_one(f"#note-{amendment.id}").get_text() == "Keep it short"
    substitute = "The Union is a federal democratic republic of equals."
    status, location, _ = submit(
        client,
        again,
        action,
        {"recommendation": "modify", "sub_0_my": NEW_MY, "sub_0_en": substitute},
    )
    assert (status, location) == (303, f"{url}#a-{amendment.id}")
    db.refresh(amendment)
    assert amendment.status == "recommended" and amendment.recommendation == "modify"
    shown = page(client, f"/amendments/{amendment.id}")
    assert "Adopt as modified" in shown.get_text() and "Principles" in shown.get_text()
    assert "of equals" in [i.get_text().strip() for i in shown.select("div.diff ins")]

    as_member(client, admin)
    admin_view = page(client, url)
    assert "You do not sit on this committee" in admin_view.get_text()
    assert not admin_view.find("form", action=action)


# ---- comments ---------------------------------------------------------------------------


def test_comments_replies_passages_and_moderation(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
    bea: Member,
    chair: Member,
) -> None:
    amendment = propose(db, settings, alice, document)
    url = f"/amendments/{amendment.id}"
    action = f"{url}/comments"
    as_member(client, bea)
    soup = page(client, url)
    assert not soup.find("form", action=lambda a: bool(a and a.endswith("/hide")))
    status, location, _ = submit(client, soup, action, {"body": "I support this."})
    assert status == 303
    first = db.scalars(select(Comment)).one()
    assert location == f"{url}#c-{first.id}"
    soup = follow(client, location)
    assert "Your comment was posted." in flash(soup)

    # A reply, from the form under the comment.
    reply_form = soup.select_one(f"#c-{first.id} form")
    data = {**fields(reply_form), "body": "So do I."}
    assert data["parent"] == str(first.id)
    assert client.post(action, data=data).status_code == 303

    # A passage: the quote is found in the current text.
    soup = page(client, url)
    status, _location, _ = submit(
        client,
        soup,
        action,
        {"body": "Why “democratic”?", "key": "art-1", "language": "en", "exact": "democratic"},
    )
    assert status == 303
    # A quote that is not in the text is refused; what she typed stays.
    status, _location, html = submit(
        client,
        page(client, url),
        action,
        {"body": "Long thoughts", "key": "art-1", "language": "en", "exact": "monarchy"},
    )
    assert status == 422
    again = checked(html)
    assert "not in the current text" in again.select_one("#comments .error").get_text()
    assert again.select_one("#comment-body").get_text() == "Long thoughts"
    assert again.select_one("#c-exact")["value"] == "monarchy"

    soup = page(client, url)
    articles = soup.select("article.comment")
    assert len(articles) == 3
    assert "d1" in articles[1]["class"]  # the reply, indented under what it answers
    quote = articles[2].select_one("blockquote")
    assert quote is not None and quote.get_text() == "democratic"
    assert "found in the current text" in articles[2].get_text()

    # The moderator hides the first comment with a reason.
    as_member(client, chair)
    soup = page(client, url)
    hide = f"/comments/{first.id}/hide"
    status, _location, html = submit(client, soup, hide, {"reason": ""})
    assert status == 422
    status, location, _ = submit(client, page(client, url), hide, {"reason": "Off topic"})
    assert status == 303
    soup = follow(client, location)
    hidden = soup.select_one(f"#c-{first.id}")
    assert "Hidden by a moderator: Off topic" in hidden.get_text()
    assert "I support this." not in soup.get_text()
    assert hidden.find("form") is None  # no reply, no second hiding

    # The member's own hide request is refused.
    as_member(client, bea)
    second = db.scalars(select(Comment).where(Comment.parent_id == first.id)).one()
    response = client.post(
        f"/comments/{second.id}/hide",
        data={"csrf_token": csrf_token(client.get(url).text), "reason": "x"},
    )
    assert response.status_code == 403


def test_comments_on_a_provision_and_a_changed_passage(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
) -> None:
    editor = make_member(db, settings, "sec", ["member", "secretariat"])
    as_member(client, alice)
    url = f"/documents/{SLUG}/p/art-1"
    status, location, _ = submit(
        client,
        page(client, url),
        f"{url}/comments",
        {"body": "On “federal”", "key": "art-1", "language": "en", "exact": "federal"},
    )
    assert status == 303 and location.startswith(f"{url}#c-")
    from tests.factories import edit_document

    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-1", "text": {"en": "The Union is a state."}},
    )
    db.commit()
    soup = page(client, url)
    comment = soup.select_one("article.comment")
    assert "passage changed" in comment.get_text()
    assert comment.select_one("blockquote").get_text() == "federal"


# ---- the provision page, the reading view, the inbox ------------------------------------


def test_open_amendments_on_the_provision_and_in_the_reading_view(
    client: TestClient, db: Session, settings: Settings, document: Document, alice: Member
) -> None:
    amendment = propose(db, settings, alice, document)
    as_member(client, alice)
    soup = page(client, f"/documents/{SLUG}/p/art-1")
    assert soup.find("a", href=f"/amendments/{amendment.id}")
    assert "republic" in [i.get_text() for i in soup.select("section.change ins")]
    plain = page(client, f"/documents/{SLUG}/read?lang=en")
    assert not plain.select(".proposal")
    assert plain.find("a", href="?lang=en&with=amendments")
    soup = page(client, f"/documents/{SLUG}/read?lang=en&with=amendments")
    proposal = soup.select_one("#p-art-1 .proposal")
    assert proposal is not None
    assert [i.get_text() for i in proposal.select("ins")] == ["republic"]
    assert soup.select_one("#p-art-2 .proposal") is None
    # Withdrawn: no longer shown.
    services.withdraw(db, alice, amendment)
    db.commit()
    assert not page(client, f"/documents/{SLUG}/read?with=amendments").select(".proposal")


def test_the_inbox(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
    bea: Member,
) -> None:
    amendment = propose(db, settings, alice, document)
    as_member(client, bea)
    url = f"/amendments/{amendment.id}"
    submit(client, page(client, url), f"{url}/sponsor")
    submit(client, page(client, url), f"{url}/comments", {"body": "Good."})
    as_member(client, alice)
    home = page(client, "/")
    inbox_link = home.find("a", href="/inbox")
    assert inbox_link is not None and "(2 new)" in inbox_link.get_text()
    soup = page(client, "/inbox")
    entries = [li.get_text(" ", strip=True) for li in soup.select("ol.inbox li")]
    assert entries[0].startswith("New Bea commented on your amendment 1.")
    assert entries[1].startswith("New Bea co-sponsors your amendment 1.")
    assert soup.select_one("ol.inbox li a")["href"].startswith(f"{url}#c-")
    status, location, _ = submit(client, soup, "/inbox/read")
    assert (status, location) == (303, "/inbox")
    after = follow(client, location)
    assert not after.select("li.unread")
    assert "new)" not in after.find("a", href="/inbox").get_text()
    unread = db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.member_id == alice.id, Notification.read_at.is_(None))
    )
    assert unread == 0


# ---- across pages -----------------------------------------------------------------------


def test_what_members_type_is_escaped(
    client: TestClient, db: Session, settings: Settings, document: Document, alice: Member
) -> None:
    amendment = propose(db, settings, alice, document, title=EVIL, text={"en": EVIL})
    as_member(client, alice)
    url = f"/amendments/{amendment.id}"
    submit(client, page(client, url), f"{url}/comments", {"body": EVIL})
    for path in (url, f"/documents/{SLUG}/amendments", f"/documents/{SLUG}/p/art-1", "/amendments"):
        response = client.get(path)
        assert "<script>alert" not in response.text and "<b>bold" not in response.text, path
        assert "&lt;script&gt;" in response.text, path
        checked(response.text)


def test_pages_come_in_burmese(
    client: TestClient, db: Session, settings: Settings, document: Document, alice: Member
) -> None:
    amendment = propose(db, settings, alice, document)
    alice.language = "my"
    db.commit()
    as_member(client, alice)
    soup = page(client, f"/amendments/{amendment.id}")
    assert soup.select_one(".status").get_text() == "မူကြမ်း"
    assert "Draft" not in soup.select_one("main").get_text()


def test_every_page_is_small_and_needs_a_login(
    client: TestClient,
    db: Session,
    settings: Settings,
    document: Document,
    alice: Member,
    bea: Member,
    chair: Member,
) -> None:
    committee = make_committee(db, settings, "Principles", [alice], ["part-1"], admin="root")
    db.commit()
    amendment = submitted(db, settings, alice, document, bea, chair)
    paths = [
        "/amendments",
        "/inbox",
        "/committees",
        f"/committees/{committee.id}",
        f"/documents/{SLUG}/amendments",
        f"/documents/{SLUG}/p/art-1/amend",
        f"/amendments/{amendment.id}",
        f"/amendments/{amendment.id}?view=side",
        f"/documents/{SLUG}/read?with=amendments&lang=both",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    as_member(client, alice)
    for path in paths:
        page(client, path)
    assert Status(db.get(Amendment, amendment.id).status) is Status.SUBMITTED
    page(client, "/amendments/999999", 404)
    page(client, "/committees/999999", 404)
    page(client, f"/documents/{SLUG}/p/nope/amend", 404)

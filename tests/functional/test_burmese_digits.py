"""No Burmese page shows Latin digits in its interface text.

The main pages are crawled with the sample draft, an amendment, a committee and a sitting,
as a member whose language is Burmese. Text in another language (an element with its own
``lang``, such as the English text of a provision) and machine strings (``code``: hashes,
keys) are left out; everything else a member reads must use Myanmar digits.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.amendments.services import recommend
from constitution.settings import Settings
from constitution.texts.validation import Notices
from tests.factories import (
    edit_document,
    login,
    make_committee,
    make_document,
    make_member,
    propose_amendment,
    sample_body,
)

LATIN_DIGIT = re.compile(r"[0-9]")
# The sample draft's internal keys (art-9, part-2, ch-2-1): never shown as text.
KEY = re.compile(r"\b(?:art|part|ch)-\d")


def interface_text(html: str, language: str = "my") -> list[str]:
    """The page's text in ``language``: no script, style, code, what she typed, nor text
    marked as in another language."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "code", "kbd", "samp", "template"]):
        tag.decompose()
    for tag in soup.select(".typed"):  # what she typed, shown back as she typed it
        tag.decompose()
    for tag in soup.find_all(attrs={"lang": True}):
        if isinstance(tag, Tag) and tag.name != "html" and tag.get("lang") != language:
            tag.decompose()
    return [s.strip() for s in soup.stripped_strings]


@pytest.fixture
def burmese(client: TestClient, db: Session, settings: Settings) -> dict[str, Any]:
    body = sample_body()
    assert body is not None
    editor = make_member(db, settings, "secretariat", ["member", "secretariat"])
    document = make_document(db, body)
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-1", "text": {"en": "The Union is a federal union."}},
        reason="Editorial correction",
    )
    member = make_member(db, settings, "nandar")
    member.language = "my"
    db.commit()
    amendment = propose_amendment(
        db,
        settings,
        member,
        document,
        {"op": "replace", "key": "art-2", "text": {"en": "Changed in 2026, with 12 words."}},
        title="ပုဒ်မ ၂ ပြင်ဆင်ချက်",
    )
    committee = make_committee(db, settings, "ကော်မတီ", [member], ["part-2"])
    # One in her committee's queue, recommended with a substitute text (the committee page
    # and the amendment page name the provision it changes).
    queued = propose_amendment(
        db,
        settings,
        make_member(db, settings, "other"),
        document,
        {"op": "replace", "key": "art-9", "text": {"en": "Changed in 2026."}},
        title="ပုဒ်မ ၉ ပြင်ဆင်ချက်",
        sponsors=[make_member(db, settings, "one"), make_member(db, settings, "two")],
        submit=True,
    )
    recommend(
        db,
        member,
        queued,
        {
            "recommendation": "modify",
            "note": "ပြင်ပါ",
            "text": {"my": "ပြင်ဆင်ထားသော စာသား။", "en": "Changed in 2027."},
        },
        Notices(),
    )
    db.commit()
    login(client, member)
    return {
        "document": document,
        "amendment": amendment,
        "member": member,
        "committee": committee,
        "queued": queued,
    }


def pages(burmese: dict[str, Any]) -> list[str]:
    document, amendment_id = burmese["document"], burmese["amendment"].id
    slug = document.slug
    return [
        f"/committees/{burmese['committee'].id}",
        f"/amendments/{burmese['queued'].id}",
        "/amendments",
        "/",
        "/documents",
        f"/documents/{slug}",
        f"/documents/{slug}/read",
        f"/documents/{slug}/read?view=both",
        f"/documents/{slug}/p/art-1",
        f"/documents/{slug}/p/art-2",
        f"/documents/{slug}/revisions",
        f"/documents/{slug}/compare?from=1&to=2",
        f"/documents/{slug}/search?q=12",
        f"/documents/{slug}/search?q=ပုဒ်မ ၁၂",
        f"/documents/{slug}/amendments",
        f"/amendments/{amendment_id}",
        "/inbox",
        "/account",
        "/sittings",
        "/committees",
    ]


def test_no_burmese_page_shows_latin_digits_or_keys_in_interface_text(
    client: TestClient, burmese: dict[str, Any]
) -> None:
    found: dict[str, list[str]] = {}
    for url in pages(burmese):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert '<html lang="my"' in response.text, url
        bad = [s for s in interface_text(response.text) if LATIN_DIGIT.search(s) or KEY.search(s)]
        if bad:
            found[url] = bad[:5]
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_check_sees_latin_digits(client: TestClient, burmese: dict[str, Any]) -> None:
    """The crawl's filter keeps interface text: a Latin number in it is caught."""
    assert interface_text('<p>ပုဒ်မ 12</p><p lang="en">Article 12</p><code>ab12</code>') == ["ပုဒ်မ 12"]


def submit(client: TestClient, page: str, action: str, data: dict[str, str]) -> Any:
    """POST the form of ``page`` as a browser would: its fields as shown, then ``data``."""
    form = BeautifulSoup(client.get(page).text, "html.parser")
    shown = {t["name"]: t.get_text() for t in form.select("textarea[name]")}
    shown |= {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    return client.post(action, data={**shown, **data})


def flash_of(client: TestClient, response: Any) -> str:
    assert response.status_code == 303, response.text
    page = BeautifulSoup(client.get(response.headers["location"]).text, "html.parser")
    flash = page.select_one(".flash")
    assert flash is not None, "no one-time message"
    return flash.get_text(" ", strip=True)


def test_one_time_messages_write_their_numbers_in_myanmar_digits(
    client: TestClient, db: Session, settings: Settings, burmese: dict[str, Any]
) -> None:
    """Red when a flash fills in its number with Latin digits ("ပြင်ဆင်ချက် အမှတ် 3")."""
    slug = burmese["document"].slug
    action = f"/documents/{slug}/p/art-3/amend"
    data = {"title": "ပြင်ဆင်ချက်", "op": "replace", "text_en": "Art three.", "action": "save"}
    saved = flash_of(client, submit(client, action + "?op=replace", action, data))
    number = burmese["queued"].number + 1
    assert str(number).translate(str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉")) in saved, saved
    assert not LATIN_DIGIT.search(saved), saved
    editor = make_member(db, settings, "editor", ["member", "secretariat"])
    editor.language = "my"
    db.commit()
    with TestClient(client.app, follow_redirects=False) as secretariat:
        login(secretariat, editor)
        edit = f"/documents/{slug}/p/art-4/edit"
        data = {"text_en": "Article four, corrected.", "reason": "ပြင်ဆင်မှု"}
        corrected = flash_of(secretariat, submit(secretariat, edit, edit, data))
    assert "၃" in corrected and not LATIN_DIGIT.search(corrected), corrected


# What an interface string must not hold on a page in each language: Latin digits or keys
# on a Burmese page; keys on an English one (Myanmar script may be there: what members
# typed in Burmese, and the language's own name, မြန်မာ, on its switch).
WRONG = {"my": (LATIN_DIGIT, KEY), "en": (KEY,)}


@pytest.mark.parametrize("language", ["my", "en"])
def test_every_page_in_either_language_shows_no_key_and_burmese_no_latin_digits(
    app: Any,
    client: TestClient,
    db: Session,
    settings: Settings,
    burmese: dict[str, Any],
    language: str,
) -> None:
    """Every GET page of the route table, with real objects, as an admin who holds every
    role, in each language: the list above, but no page left out."""
    from starlette.routing import Route

    from constitution.accounts import password_changes
    from constitution.accounts import services as accounts
    from constitution.amendments.services import thread_of
    from constitution.comments.services import add_comment
    from constitution.routes import PAGE_ROUTES
    from constitution.votes import services as votes

    roles = ["member", "admin", "secretariat", "chair"]
    root = make_member(db, settings, "root", roles, totp=True)
    root.language = language
    member, document = burmese["member"], burmese["document"]
    invited = accounts.invite(
        db, settings, root, username="invitee", display_name="ဖိတ်ကြားသူ", roles=["member"]
    )
    amendment = burmese["queued"]
    comment = add_comment(
        db, member, thread_of(amendment, document), body="ဘာကြောင့်လဲ။", notices=Notices()
    )
    sitting = votes.create_sitting(db, root, "အစည်းအဝေး", {"fraction": 0.5})
    votes.open_sitting(db, root, sitting)
    poll = votes.create_poll(db, root, sitting, amendment=amendment.id)
    proxy = votes.request_proxy(db, member, sitting, root.id)
    reset = password_changes.issue_reset(db, settings, root, member)
    db.commit()
    params = {
        "token": invited.token,
        "reset_token": reset.token,
        "member_id": member.id,
        "invitation_id": invited.invitation.id,
        "committee_id": burmese["committee"].id,
        "amendment_id": amendment.id,
        "comment_id": comment.id,
        "sitting_id": sitting.id,
        "poll_id": poll.id,
        "proxy_id": proxy.id,
        "slug": document.slug,
        "key": "art-9",
    }
    queries = {"texts.compare": "?from=1&to=2", "texts.search": "?q=ပြည်ထောင်စု"}
    with TestClient(app, follow_redirects=False) as admin:
        login(admin, root)
        found: dict[str, list[str]] = {}
        for route in PAGE_ROUTES:
            if "GET" not in (route.methods or ()):
                continue
            assert isinstance(route, Route)
            wanted = {k: v for k, v in params.items() if k in route.param_convertors}
            if route.name == "texts.read_unit":
                wanted["key"] = "ch-2-2"  # a part's or chapter's reading page
            url = str(app.url_path_for(route.name, **wanted)) + queries.get(route.name, "")
            response = admin.get(url)
            if response.status_code != 200 or "text/html" not in response.headers.get(
                "content-type", ""
            ):
                continue
            assert f'<html lang="{language}"' in response.text, url
            bad = [
                s
                for s in interface_text(response.text, language)
                if any(wrong.search(s) for wrong in WRONG[language])
            ]
            if bad:
                found[url] = bad[:5]
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)

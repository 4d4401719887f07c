"""Builders for tests: members, documents, committees, amendments; logins and forms.

Every test module builds its rows with these, so that a change to a service's arguments is
made here once.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pyotp
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.committees import save_committee
from constitution.accounts.models import Committee, Member
from constitution.accounts.passwords import hash_password
from constitution.amendments import services as amendment_services
from constitution.amendments.models import Amendment
from constitution.audit.models import AuditEvent, AuditHead
from constitution.audit.services import GENESIS, event_hash, record
from constitution.settings import Settings
from constitution.texts import services as text_services
from constitution.texts.models import Document, ProvisionVersion, Revision
from constitution.texts.validation import Notices, clean_document

PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SAMPLE = Path(__file__).resolve().parents[1] / "constitution" / "sample_data" / "draft.json"

# Burmese as typed by a Unicode keyboard, NFC, with the English beside it.
ART_1_MY = "ပြည်ထောင်စုသည် ဖက်ဒရယ်ဒီမိုကရေစီနိုင်ငံ ဖြစ်သည်။"
ART_1_EN = "The Union is a federal democratic state."
ART_2_MY = "လွှတ်တော်ကိုယ်စားလှယ်များကို ပုဒ်မ ၁၂ အရ ရွေးကောက်တင်မြှောက်သည်။"
ART_2_EN = "Members of parliament are elected under Article 12."

# ---- members ----------------------------------------------------------------------------


def make_member(
    db: Session,
    settings: Settings,
    username: str,
    roles: list[str] | None = None,
    *,
    password: str = PASSWORD,
    active: bool = True,
    totp: bool | None = None,
) -> Member:
    """A member; chairs, secretariat and admins get a confirmed second factor by default."""
    roles = roles or ["member"]
    member = Member(
        username=username,
        display_name=username.title(),
        password_hash=hash_password(settings, password),
        roles=roles,
        active=active,
        language="en",
    )
    if totp is None:
        totp = len(roles) > 1
    if totp:
        member.totp_secret = pyotp.random_base32()
        member.totp_confirmed = True
    db.add(member)
    db.flush()
    # As every service that creates a member does: the chain records her state.
    record(db, "member.created", f"member:{member.id}", actor_id=None, payload={"via": "test"})
    db.commit()
    return member


# ---- documents --------------------------------------------------------------------------


def small_body(
    slug: str = "small-draft",
    *,
    title: dict[str, str] | None = None,
    texts: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Two parts, three articles, two clauses: a tree three levels deep, in reading order.

    ``texts`` replaces the text of some provisions (by key), for a draft of the same shape.
    """
    provisions = [
        provision("part-1", "Part 1", "part", None, "အခြေခံမူများ", "Fundamental Principles"),
        provision("art-1", "Article 1", "article", "part-1", ART_1_MY, ART_1_EN),
        provision(
            "art-1-a",
            "(a)",
            "clause",
            "art-1",
            "အမျိုးသမီးများ၏ အခွင့်အရေးကို အာမခံသည်။",
            "The rights of women are guaranteed.",
        ),
        provision(
            "art-1-b",
            "(b)",
            "clause",
            "art-1",
            "တိုင်းရင်းသားလူမျိုးအားလုံး တန်းတူဖြစ်သည်။",
            "All ethnic nationalities are equal.",
        ),
        provision("art-2", "Article 2", "article", "part-1", ART_2_MY, ART_2_EN),
        provision("part-2", "Part 2", "part", None, "ပြည်နယ်များ", "The States"),
        provision(
            "art-3",
            "Article 3",
            "article",
            "part-2",
            "ပြည်နယ်တိုင်းတွင် ကိုယ်ပိုင်ဖွဲ့စည်းပုံအခြေခံဥပဒေ ရှိသည်။",
            "Every State has its own constitution.",
        ),
    ]
    for item in provisions:
        item["text"] = dict((texts or {}).get(item["key"], item["text"]))
    title = title or {"my": "ဖွဲ့စည်းပုံအခြေခံဥပဒေ မူကြမ်း", "en": "Draft constitution"}
    return document_body(slug, provisions, title=title)


def tiny_body(slug: str = "tiny-draft") -> dict[str, Any]:
    """Three provisions: a part and two articles."""
    body = small_body(slug)
    body["provisions"] = [p for p in body["provisions"] if p["key"] in ("part-1", "art-1", "art-2")]
    return body


def provision(
    key: str, label: str, kind: str, parent: str | None, my: str, en: str | None = None
) -> dict[str, Any]:
    text = {"my": my} if en is None else {"my": my, "en": en}
    return {"key": key, "label": label, "kind": kind, "parent": parent, "text": text}


def document_body(
    slug: str, provisions: list[dict[str, Any]], *, title: dict[str, str] | None = None
) -> dict[str, Any]:
    """A document in Burmese (authoritative) and English with these provisions."""
    return {
        "slug": slug,
        "title": title or {"my": "မူကြမ်း", "en": "Draft"},
        "languages": ["my", "en"],
        "authoritative": "my",
        "provisions": provisions,
    }


def sample_body() -> dict[str, Any] | None:
    """The bilingual sample draft when it is there (it is being written alongside)."""
    if not SAMPLE.exists():
        return None
    try:
        body: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return body


def make_document(db: Session, body: dict[str, Any], actor: Member | None = None) -> Document:
    """The document ``body`` describes (as the API takes it), created and flushed."""
    data = clean_document(copy.deepcopy(body), Notices())
    document = text_services.create_document(db, actor, data)
    db.flush()
    return document


def edit_document(
    db: Session,
    editor: Member,
    document: Document,
    *changes: dict[str, Any],
    reason: str = "Editorial correction",
    notices: Notices | None = None,
) -> Revision:
    body = {"reason": reason, "changes": list(changes)}
    revision = text_services.editorial_revision(db, editor, document, body, notices or Notices())
    db.flush()
    return revision


def at(db: Session, document: Document, rev: int | None = None) -> dict[str, dict[str, Any]]:
    """The content of every provision at ``rev`` (default: current), keyed, in reading order."""
    rows = text_services.versions_at(db, document, document.current_rev if rev is None else rev)
    return {row.key: row.content() for row in rows}


def current(db: Session, document: Document, key: str) -> ProvisionVersion:
    rows = [
        r for r in text_services.versions_at(db, document, document.current_rev) if r.key == key
    ]
    assert rows, f"{key} is not in the current revision"
    return rows[0]


def counts(db: Session) -> tuple[int, int, int]:
    """Documents, revisions and provision versions stored: a refusal changes none of them."""
    return (
        db.scalar(select(func.count()).select_from(Document)) or 0,
        db.scalar(select(func.count()).select_from(Revision)) or 0,
        db.scalar(select(func.count()).select_from(ProvisionVersion)) or 0,
    )


# ---- committees and amendments ----------------------------------------------------------


def make_committee(
    db: Session,
    settings: Settings,
    name: str,
    members: Iterable[Member],
    provisions: list[str],
    *,
    admin: Member | str = "admin",
) -> Committee:
    """A committee saved by ``admin`` (a new admin of that username when a name is given)."""
    if isinstance(admin, str):
        admin = make_member(db, settings, admin, ["member", "admin"])
    return save_committee(
        db, admin, name=name, members=[m.id for m in members], provisions=provisions
    )


def propose_amendment(
    db: Session,
    settings: Settings,
    proposer: Member,
    document: Document,
    *changes: dict[str, Any],
    title: str = "A change",
    rationale: dict[str, str] | None = None,
    sponsors: Iterable[Member] = (),
    submit: bool = False,
) -> Amendment:
    """An amendment with ``changes``, co-sponsored by ``sponsors``, submitted when asked."""
    body: dict[str, Any] = {"title": title, "changes": list(changes)}
    if rationale is not None:
        body["rationale"] = rationale
    amendment = amendment_services.propose(db, settings, proposer, document, body, Notices())
    for sponsor in sponsors:
        amendment_services.sponsor(db, sponsor, amendment)
    if submit:
        amendment_services.submit(db, settings, proposer, amendment)
    return amendment


def adopt_amendment(db: Session, amendment: Amendment, chair: Member | None = None) -> Revision:
    """What the vote will do: schedule the amendment, then adopt it into a new revision."""
    amendment_services.transition(db, amendment, "schedule", chair)
    return amendment_services.adopt(db, chair, amendment)


# ---- tampering with the audit chain, as an attacker with the database would -------------

APPEND_ONLY_TRIGGERS = {
    "sqlite": ["DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"],
    "postgresql": ["DROP TRIGGER audit_events_append_only ON audit_events"],
}


def drop_append_only_triggers(db: Session) -> None:
    """The test's transaction rolls the dropped triggers back afterwards."""
    dialect = db.get_bind().dialect.name
    assert dialect in APPEND_ONLY_TRIGGERS, f"no known append-only triggers on {dialect}"
    for statement in APPEND_ONLY_TRIGGERS[dialect]:
        db.execute(text(statement))


def rewrite_chain(db: Session, seq: int, **values: Any) -> None:
    """Change event ``seq`` (``payload=``, ``actor_id=``...), then recompute the hash of it
    and of every later event, and the head: a rewrite no bare hash chain can reveal."""
    drop_append_only_triggers(db)
    db.flush()
    db.execute(
        update(AuditEvent)
        .where(AuditEvent.seq == seq)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.expire_all()
    prev = db.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq - 1)) or GENESIS
    for event in db.scalars(
        select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)
    ).all():
        digest = event_hash(
            prev, event.seq, event.at, event.actor_id, event.action, event.object, event.payload
        )
        db.execute(
            update(AuditEvent)
            .where(AuditEvent.seq == event.seq)
            .values(prev_hash=prev, hash=digest)
            .execution_options(synchronize_session=False)
        )
        prev = digest
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))
    db.expire_all()


def cut_chain(db: Session, count: int = 1) -> None:
    """Delete the last ``count`` events and move the head back to the one before."""
    drop_append_only_triggers(db)
    last = db.scalar(select(func.max(AuditEvent.seq))) or 0
    db.execute(
        delete(AuditEvent)
        .where(AuditEvent.seq > last - count)
        .execution_options(synchronize_session=False)
    )
    row = db.execute(
        select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq == last - count)
    ).one()
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=row.seq, hash=row.hash))
    db.expire_all()


# ---- pages, forms and the API -----------------------------------------------------------


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def post_form(
    client: TestClient, page: str, action: str, data: dict[str, Any], **kwargs: Any
) -> httpx.Response:
    """Fetch ``page`` for its CSRF token, then POST ``data`` to ``action``."""
    token = csrf_token(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **data}, **kwargs)


def current_code(member: Member, step_offset: int = 0) -> str:
    totp = pyotp.TOTP(member.totp_secret)
    import time

    return str(totp.at(time.time() + 30 * step_offset))


def login(client: TestClient, member: Member, password: str = PASSWORD) -> httpx.Response:
    response = post_form(
        client, "/login", "/login", {"username": member.username, "password": password, "next": "/"}
    )
    assert response.status_code == 303, response.text
    if member.totp_confirmed:
        response = post_form(
            client, "/login/totp", "/login/totp", {"otp": current_code(member), "next": "/"}
        )
        assert response.status_code == 303, response.text
    return response


def api_token(client: TestClient, member: Member, password: str = PASSWORD) -> str:
    body: dict[str, Any] = {"username": member.username, "password": password}
    if member.totp_confirmed:
        body["otp"] = current_code(member)
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """A client with a bearer token: ``api.get(path)`` and ``api.post(path, json)``."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.headers = bearer(token)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        if body is not None:
            kwargs["json"] = body
        return self.client.post(path, headers=self.headers, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, headers=self.headers, **kwargs)

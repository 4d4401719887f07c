"""Small bilingual documents for the text tests, and helpers to create and edit them.

Imported by the unit tests here and by the functional tests as ``tests.unit.texts.documents``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.texts import services
from constitution.texts.models import Document, ProvisionVersion, Revision
from constitution.texts.validation import Notices, clean_document

SAMPLE = Path(__file__).resolve().parents[3] / "constitution" / "sample_data" / "draft.json"

# Burmese as typed by a Unicode keyboard, NFC, with the English beside it.
ART_1_MY = "ပြည်ထောင်စုသည် ဖက်ဒရယ်ဒီမိုကရေစီနိုင်ငံ ဖြစ်သည်။"
ART_1_EN = "The Union is a federal democratic state."
ART_2_MY = "လွှတ်တော်ကိုယ်စားလှယ်များကို ပုဒ်မ ၁၂ အရ ရွေးကောက်တင်မြှောက်သည်။"
ART_2_EN = "Members of parliament are elected under Article 12."


def small_body(slug: str = "small-draft") -> dict[str, Any]:
    """Two parts, three articles, two clauses: a tree three levels deep, in reading order."""
    return {
        "slug": slug,
        "title": {"my": "ဖွဲ့စည်းပုံအခြေခံဥပဒေ မူကြမ်း", "en": "Draft constitution"},
        "languages": ["my", "en"],
        "authoritative": "my",
        "provisions": [
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
        ],
    }


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


def sample_body() -> dict[str, Any] | None:
    """The bilingual sample draft when it is there (it is being written alongside)."""
    if not SAMPLE.exists():
        return None
    try:
        body: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return body


def create(db: Session, body: dict[str, Any], actor: Member | None = None) -> Document:
    data = clean_document(copy.deepcopy(body), Notices())
    document = services.create_document(db, actor, data)
    db.flush()
    return document


def edit(
    db: Session,
    editor: Member,
    document: Document,
    *changes: dict[str, Any],
    reason: str = "Editorial correction",
    notices: Notices | None = None,
) -> Revision:
    body = {"reason": reason, "changes": list(changes)}
    revision = services.editorial_revision(db, editor, document, body, notices or Notices())
    db.flush()
    return revision


def at(db: Session, document: Document, rev: int | None = None) -> dict[str, dict[str, Any]]:
    """The content of every provision at ``rev`` (default: current), keyed, in reading order."""
    rows = services.versions_at(db, document, document.current_rev if rev is None else rev)
    return {row.key: row.content() for row in rows}


def current(db: Session, document: Document, key: str) -> ProvisionVersion:
    rows = [r for r in services.versions_at(db, document, document.current_rev) if r.key == key]
    assert rows, f"{key} is not in the current revision"
    return rows[0]


def counts(db: Session) -> tuple[int, int, int]:
    """Documents, revisions and provision versions stored: a refusal changes none of them."""
    return (
        db.scalar(select(func.count()).select_from(Document)) or 0,
        db.scalar(select(func.count()).select_from(Revision)) or 0,
        db.scalar(select(func.count()).select_from(ProvisionVersion)) or 0,
    )

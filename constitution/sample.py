"""Sample content for a development database: members with one-time passwords, committees."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constitution.accounts.committees import save_committee
from constitution.accounts.models import Member
from constitution.accounts.password_changes import set_password
from constitution.accounts.services import create_member
from constitution.settings import Settings

SAMPLE_DRAFT = Path(__file__).resolve().parent / "sample_data" / "draft.json"

# Pseudonymous sample members; nobody real.
SAMPLE_MEMBERS = [
    ("admin", "စီမံသူ (Admin)", ["member", "admin"], {}),
    ("chair", "ဥက္ကဋ္ဌ (Chair)", ["member", "chair"], {}),
    ("secretariat", "အတွင်းရေးမှူး (Secretariat)", ["member", "secretariat"], {}),
    ("nandar", "နန္ဒာ", ["member"], {"state_region": "Mandalay"}),
    ("hkawng", "ခေါင်လု", ["member"], {"state_region": "Kachin", "ethnicity": "Kachin"}),
    ("mon", "မွန်မေ", ["member"], {"state_region": "Mon", "ethnicity": "Mon"}),
]


def load_sample(db: Session, settings: Settings, *, reset_passwords: bool = False) -> str:
    """Fill an empty database; returns what to print (the one-time passwords).

    On a database that has members already, nothing is loaded; with ``reset_passwords``
    the sample members still there get fresh passwords instead (printed once)."""
    if db.scalar(select(func.count(Member.id))):
        if reset_passwords:
            return reset_sample_passwords(db, settings)
        return (
            "the database already has members; no sample loaded (delete var/ to start afresh, "
            "or run `constitution sample --reset-passwords` for fresh sample passwords)"
        )
    lines = ["Sample members (passwords are shown once; keep them):"]
    created: dict[str, Member] = {}
    for username, display, roles, groups in SAMPLE_MEMBERS:
        password = secrets.token_urlsafe(12)
        office_holder = len(roles) > 1
        created[username] = create_member(
            db,
            settings,
            username=username,
            display_name=display,
            password=password,
            roles=roles,
            groups=groups,
            second_factor=office_holder,
            via="sample",
        )
        extra = f"  second factor: .venv/bin/constitution otp {username}" if office_holder else ""
        lines.append(f"  {username:12} {password}{extra}")
    admin = created["admin"]
    save_committee(
        db,
        admin,
        name="Committee on Fundamental Rights",
        names={"my": "အခြေခံအခွင့်အရေးများဆိုင်ရာ ကော်မတီ", "en": "Committee on Fundamental Rights"},
        members=[created["nandar"].id, created["mon"].id],
        provisions=["part-2"],
    )
    save_committee(
        db,
        admin,
        name="Committee on Federal Structure",
        names={"my": "ဖက်ဒရယ်ဖွဲ့စည်းပုံဆိုင်ရာ ကော်မတီ", "en": "Committee on Federal Structure"},
        members=[created["hkawng"].id, created["chair"].id],
        provisions=["part-3"],
    )
    draft = SAMPLE_DRAFT
    if draft.exists():
        from constitution.texts.services import create_document
        from constitution.texts.validation import Notices, clean_document

        data = clean_document(json.loads(draft.read_text(encoding="utf-8")), Notices())
        document = create_document(db, None, data)
        lines.append(
            f"Sample draft: /documents/{document.slug} ({len(data.provisions)} provisions)"
        )
    return "\n".join(lines)


def reset_sample_passwords(db: Session, settings: Settings) -> str:
    """Fresh passwords for the sample members the database holds; their sessions end."""
    lines = ["Sample members, with fresh passwords (shown once; their sessions have ended):"]
    for username, _display, _roles, _groups in SAMPLE_MEMBERS:
        member = db.scalar(select(Member).where(Member.username == username))
        if member is None:
            continue
        password = secrets.token_urlsafe(12)
        set_password(db, settings, member, password, via="sample")
        extra = (
            f"  second factor: .venv/bin/constitution otp {username}"
            if member.totp_confirmed
            else ""
        )
        lines.append(f"  {username:12} {password}{extra}")
    if len(lines) == 1:
        return "no sample member in this database; no password changed"
    return "\n".join(lines)

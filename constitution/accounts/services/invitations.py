"""Invitations: a signed, single-use, expiring link an admin issues, and its acceptance,
which creates the member."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from constitution.accounts.models import (
    Invitation,
    Member,
    Role,
)
from constitution.accounts.services.checks import (
    clean_groups,
    clean_password,
    clean_roles,
    clean_text,
    clean_username,
    require_admin,
    rowcount,
    sha256,
)
from constitution.accounts.services.members import (
    add_member,
    username_taken,
)
from constitution.audit.services import record
from constitution.db import utcnow
from constitution.errors import N_, Invalid, NotFound, StateConflict
from constitution.settings import Settings


def _invitation_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="invitation")


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


def invite(
    db: Session,
    settings: Settings,
    actor: Member,
    *,
    username: Any,
    display_name: Any,
    roles: Any,
    groups: Any = None,
) -> IssuedInvitation:
    require_admin(actor)
    name = clean_username(username)
    shown = clean_text(display_name, "display_name", max_length=100)
    role_list = clean_roles(roles if roles is not None else [Role.MEMBER.value])
    group_map = clean_groups(groups)
    if username_taken(db, name):
        raise StateConflict(N_("This username is taken."), field="username", code="username_taken")
    nonce = secrets.token_urlsafe(24)
    invitation = Invitation(
        nonce_hash=sha256(nonce),
        username=name,
        display_name=shown,
        roles=role_list,
        created_by_id=actor.id,
        expires_at=utcnow() + dt.timedelta(days=settings.invitation_days),
        **group_map,
    )
    db.add(invitation)
    db.flush()
    record(
        db,
        "invitation.created",
        f"invitation:{invitation.id}",
        actor_id=actor.id,
        payload={"username": name, "roles": role_list},
    )
    token = _invitation_serializer(settings).dumps(nonce)
    return IssuedInvitation(invitation, token)


def list_invitations(db: Session) -> list[Invitation]:
    return list(db.scalars(select(Invitation).order_by(Invitation.id.desc()).limit(500)))


def revoke_invitation(db: Session, actor: Member, invitation_id: int) -> Invitation:
    require_admin(actor)
    invitation = db.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(N_("There is no such invitation."))
    if invitation.used_at is not None or invitation.revoked_at is not None:
        raise StateConflict(N_("This invitation can no longer be revoked."))
    invitation.revoked_at = utcnow()
    record(db, "invitation.revoked", f"invitation:{invitation.id}", actor_id=actor.id)
    return invitation


def find_invitation(db: Session, settings: Settings, token: Any) -> Invitation:
    """The open invitation a token names, or a clear refusal (forged, expired, used)."""
    if not isinstance(token, str) or not token or len(token) > 500:
        raise Invalid(
            N_("This invitation link is not valid."), field="token", code="invitation_invalid"
        )
    try:
        nonce = _invitation_serializer(settings).loads(
            token, max_age=settings.invitation_days * 86400
        )
    except SignatureExpired:
        raise StateConflict(
            N_("This invitation link has expired. Ask for a new one."), code="invitation_expired"
        ) from None
    except BadSignature:
        raise Invalid(
            N_("This invitation link is not valid."), field="token", code="invitation_invalid"
        ) from None
    invitation = db.scalar(select(Invitation).where(Invitation.nonce_hash == sha256(str(nonce))))
    if invitation is None:
        raise Invalid(
            N_("This invitation link is not valid."), field="token", code="invitation_invalid"
        )
    if invitation.used_at is not None:
        raise StateConflict(N_("This invitation has already been used."), code="invitation_used")
    if invitation.revoked_at is not None:
        raise StateConflict(N_("This invitation was revoked."), code="invitation_revoked")
    if invitation.expires_at <= utcnow():
        raise StateConflict(
            N_("This invitation link has expired. Ask for a new one."), code="invitation_expired"
        )
    return invitation


def accept_invitation(
    db: Session, settings: Settings, token: Any, password: Any, *, language: str = "my"
) -> Member:
    """The new member the invitation names, with her password and interface language."""
    invitation = find_invitation(db, settings, token)
    secret = clean_password(password, invitation.username)
    # Spend the invitation with a conditional update, so two acceptances cannot both win.
    spent = rowcount(
        db.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    if spent != 1:
        raise StateConflict(N_("This invitation has already been used."), code="invitation_used")
    if db.scalar(select(Member.id).where(Member.username == invitation.username)) is not None:
        raise StateConflict(N_("This username is taken."), code="username_taken")
    member = add_member(
        db,
        settings,
        username=invitation.username,
        display_name=invitation.display_name,
        password=secret,
        roles=list(invitation.roles),
        groups={
            "party": invitation.party,
            "state_region": invitation.state_region,
            "ethnicity": invitation.ethnicity,
            "chamber": invitation.chamber,
        },
        language=language,
    )
    db.refresh(invitation)
    invitation.member_id = member.id
    record(
        db,
        "invitation.accepted",
        f"invitation:{invitation.id}",
        actor_id=member.id,
        payload={"member": member.id},
    )
    record(
        db,
        "member.created",
        f"member:{member.id}",
        actor_id=member.id,
        payload={"username": member.username, "roles": member.roles, "via": "invitation"},
    )
    return member

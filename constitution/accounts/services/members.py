"""Members: reading them, creating them without an invitation, changing them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyotp
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from constitution.accounts.models import (
    ApiToken,
    AuthSession,
    DeviceToken,
    Invitation,
    LoginThrottle,
    Member,
    Role,
)
from constitution.accounts.passwords import hash_password
from constitution.accounts.services.checks import (
    clean_groups,
    clean_password,
    clean_roles,
    clean_text,
    clean_username,
    require_admin,
    rowcount,
)
from constitution.audit.services import record
from constitution.db import MAX_ID, utcnow
from constitution.errors import N_, NotFound, StateConflict
from constitution.settings import Settings


def get_member(db: Session, member_id: int) -> Member:
    member = db.get(Member, member_id)
    if member is None:
        raise NotFound(N_("There is no such member."))
    return member


def list_members(db: Session) -> list[Member]:
    return list(db.scalars(select(Member).order_by(func.lower(Member.display_name), Member.id)))


def username_taken(db: Session, username: str) -> bool:
    if db.scalar(select(Member.id).where(Member.username == username)) is not None:
        return True
    pending = select(Invitation.id).where(
        Invitation.username == username,
        Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow(),
    )
    return db.scalar(pending) is not None


def add_member(
    db: Session,
    settings: Settings,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: list[str],
    groups: Mapping[str, str | None],
    language: str = "my",
) -> Member:
    """Add a member from values already checked; flushed, so that it has an id."""
    member = Member(
        username=username,
        display_name=display_name,
        password_hash=hash_password(settings, password),
        roles=roles,
        active=True,
        language=language,
        **groups,
    )
    db.add(member)
    db.flush()
    return member


def create_member(
    db: Session,
    settings: Settings,
    *,
    username: Any,
    display_name: Any,
    password: Any,
    roles: Any,
    groups: Any = None,
    second_factor: bool = False,
    actor: Member | None = None,
    via: str,
) -> Member:
    """Create a member without an invitation, recorded as ``member.created`` ``via`` whom.

    ``actor`` is the admin who does it, or ``None`` for the command line and the sample.
    ``second_factor`` gives the member a confirmed second factor at once (the development
    sample does, so that its office holders can log in with ``constitution otp``).
    """
    if actor is not None:
        require_admin(actor)
    name = clean_username(username)
    shown = clean_text(display_name, "display_name", max_length=100)
    role_list = clean_roles(roles)
    group_map = clean_groups(groups)
    if username_taken(db, name):
        raise StateConflict(N_("This username is taken."), field="username", code="username_taken")
    member = add_member(
        db,
        settings,
        username=name,
        display_name=shown,
        password=clean_password(password, name),
        roles=role_list,
        groups=group_map,
    )
    if second_factor:
        member.totp_secret = pyotp.random_base32()
        member.totp_confirmed = True
        db.flush()
    record(
        db,
        "member.created",
        f"member:{member.id}",
        actor_id=actor.id if actor is not None else None,
        payload={"username": name, "roles": member.roles, "via": via},
    )
    return member


def create_admin(db: Session, settings: Settings, username: str, password: str) -> Member:
    """The first administrator, from the command line; named by the username."""
    name = clean_username(username)
    return create_member(
        db,
        settings,
        username=name,
        display_name=name,
        password=password,
        roles=[Role.ADMIN.value],
        via="create-admin",
    )


def end_member_sessions(db: Session, member: Member) -> int:
    """End every browser session and API token of a member at once (the count), and forget
    her device tokens: no client counts as one she used before."""
    ended = rowcount(db.execute(delete(AuthSession).where(AuthSession.member_id == member.id)))
    ended += rowcount(db.execute(delete(ApiToken).where(ApiToken.member_id == member.id)))
    db.execute(delete(DeviceToken).where(DeviceToken.member_id == member.id))
    return ended


def end_sessions_of(db: Session, actor: Member, member: Member) -> int:
    """An admin ends every session and API token of a member (a lost or seized phone)."""
    require_admin(actor)
    count = end_member_sessions(db, member)
    record(
        db,
        "member.sessions_ended",
        f"member:{member.id}",
        actor_id=actor.id,
        payload={"count": count},
    )
    return count


def reset_totp(db: Session, actor: Member, member: Member) -> None:
    """An admin removes a member's second factor (her authenticator is lost).

    Her sessions and tokens end too: one that passed the old factor must not set up the
    new one. A role that needs a second factor reaches nothing but its setup until she has
    confirmed a new one.
    """
    require_admin(actor)
    member.totp_secret = None
    member.totp_confirmed = False
    member.totp_last_step = 0
    db.execute(delete(LoginThrottle).where(LoginThrottle.username == f"totp#{member.id}"))
    count = end_member_sessions(db, member)
    record(
        db,
        "member.totp_reset",
        f"member:{member.id}",
        actor_id=actor.id,
        payload={"sessions_ended": count},
    )
    db.flush()


def update_member(
    db: Session,
    actor: Member,
    member: Member,
    *,
    active: bool | None = None,
    roles: list[str] | None = None,
) -> Member:
    require_admin(actor)
    changes: dict[str, Any] = {}
    if roles is not None:
        new_roles = clean_roles(roles)
        if member.id == actor.id and Role.ADMIN.value not in new_roles:
            raise StateConflict(N_("You cannot remove your own admin role."), field="roles")
        if new_roles != member.roles:
            changes["roles"] = {"from": member.roles, "to": new_roles}
            member.roles = new_roles
    if active is not None and active != member.active:
        if member.id == actor.id and not active:
            raise StateConflict(N_("You cannot disable your own account."), field="active")
        changes["active"] = active
        member.active = active
        if not active:
            end_member_sessions(db, member)
    if changes:
        record(db, "member.updated", f"member:{member.id}", actor_id=actor.id, payload=changes)
    db.flush()
    return member


def set_language(db: Session, member: Member, language: str) -> None:
    if language != member.language:
        member.language = language
        record(
            db,
            "member.language_set",
            f"member:{member.id}",
            actor_id=member.id,
            payload={"language": language},
        )


def members_by_ids(db: Session, ids: Iterable[int]) -> list[Member]:
    # An id beyond the column's range names nobody (and would overflow the driver).
    wanted = {i for i in ids if 0 < i <= MAX_ID}
    if not wanted:
        return []
    return list(db.scalars(select(Member).where(Member.id.in_(wanted))))


def display_names(db: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Member id -> display name, for the people a page names."""
    return {m.id: m.display_name for m in members_by_ids(db, {i for i in ids if i})}

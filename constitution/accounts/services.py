"""Members and invitations: the only code that writes them."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import pyotp
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import Session

from constitution import myanmar
from constitution.accounts import permissions
from constitution.accounts.models import (
    ROLES,
    ApiToken,
    AuthSession,
    Invitation,
    Member,
    Role,
)
from constitution.accounts.passwords import hash_password
from constitution.audit.services import record
from constitution.db import MAX_ID, utcnow
from constitution.errors import N_, Forbidden, Invalid, NotFound, StateConflict
from constitution.settings import Settings

USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{2,39}")
GROUP_FIELDS = ("party", "state_region", "ethnicity")
PASSWORD_MIN = 10
PASSWORD_MAX = 1024


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# ---- validation -------------------------------------------------------------------------


def clean_username(value: Any, field: str = "username") -> str:
    if not isinstance(value, str):
        raise Invalid(N_("Give a username."), field=field)
    name = myanmar.nfc(value).strip().lower()
    if not USERNAME.fullmatch(name):
        raise Invalid(
            N_(
                "A username has 3 to 40 characters: Latin letters, digits, dot, dash or "
                "underscore, starting with a letter or digit."
            ),
            field=field,
        )
    return name


def clean_text(value: Any, field: str, *, max_length: int, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise Invalid(N_("This field must be text."), field=field)
    text = myanmar.clean(value).text.strip()
    if myanmar.has_control_characters(text):
        raise Invalid(N_("This field contains control characters."), field=field)
    if required and not text:
        raise Invalid(N_("This field is required."), field=field)
    if len(text) > max_length:
        raise Invalid(N_("This field is too long."), field=field)
    return text


def clean_roles(value: Any, field: str = "roles") -> list[str]:
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise Invalid(N_("Roles must be a list of role names."), field=field)
    unknown = [r for r in value if r not in ROLES]
    if unknown:
        raise Invalid(N_("Unknown role."), field=field)
    roles = sorted(set(value) | {Role.MEMBER.value}, key=ROLES.index)
    return roles


def clean_groups(value: Any, field: str = "groups") -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise Invalid(N_("Groups must be an object."), field=field)
    unknown = set(value) - set(GROUP_FIELDS)
    if unknown:
        raise Invalid(N_("Unknown group."), field=f"{field}.{sorted(unknown)[0]}")
    groups: dict[str, str] = {}
    for key in GROUP_FIELDS:
        text = clean_text(value.get(key), f"{field}.{key}", max_length=100, required=False)
        if text:
            groups[key] = text
    return groups


def clean_password(value: Any, username: str, field: str = "password") -> str:
    if not isinstance(value, str):
        raise Invalid(N_("Give a password."), field=field)
    password = myanmar.nfc(value)
    if len(password) < PASSWORD_MIN:
        raise Invalid(N_("A password needs at least 10 characters."), field=field)
    if len(password) > PASSWORD_MAX:
        raise Invalid(N_("This password is too long."), field=field)
    if password.strip().lower() == username:
        raise Invalid(N_("The password must not be the username."), field=field)
    return password


def require_admin(actor: Member) -> None:
    if not actor.active or not permissions.is_admin(actor):
        raise Forbidden(N_("You are not allowed to do this."))


# ---- members ----------------------------------------------------------------------------


def get_member(db: Session, member_id: int) -> Member:
    member = db.get(Member, member_id)
    if member is None:
        raise NotFound(N_("There is no such member."))
    return member


def list_members(db: Session) -> list[Member]:
    return list(db.scalars(select(Member).order_by(func.lower(Member.display_name), Member.id)))


def _username_taken(db: Session, username: str) -> bool:
    if db.scalar(select(Member.id).where(Member.username == username)) is not None:
        return True
    pending = select(Invitation.id).where(
        Invitation.username == username,
        Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow(),
    )
    return db.scalar(pending) is not None


def _add_member(
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
    if _username_taken(db, name):
        raise StateConflict(N_("This username is taken."), field="username", code="username_taken")
    member = _add_member(
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
    """End every browser session and API token of a member at once."""
    ended = rowcount(db.execute(delete(AuthSession).where(AuthSession.member_id == member.id)))
    ended += rowcount(db.execute(delete(ApiToken).where(ApiToken.member_id == member.id)))
    return ended


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


# ---- invitations ------------------------------------------------------------------------


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
    if _username_taken(db, name):
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
    member = _add_member(
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


def members_by_ids(db: Session, ids: Iterable[int]) -> list[Member]:
    # An id beyond the column's range names nobody (and would overflow the driver).
    wanted = {i for i in ids if 0 < i <= MAX_ID}
    if not wanted:
        return []
    return list(db.scalars(select(Member).where(Member.id.in_(wanted))))


def display_names(db: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Member id -> display name, for the people a page names."""
    return {m.id: m.display_name for m in members_by_ids(db, {i for i in ids if i})}

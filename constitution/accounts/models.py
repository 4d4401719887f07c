from __future__ import annotations

import enum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from constitution.db import Base, OptTimestamp, Timestamp, utcnow


class Role(enum.StrEnum):
    MEMBER = "member"
    CHAIR = "chair"
    SECRETARIAT = "secretariat"
    ADMIN = "admin"
    # A partner organisation's reader: sees documents, amendments, comments and results,
    # takes no part (no proposing, sponsoring, commenting, voting); never with another role.
    OBSERVER = "observer"


ROLES = tuple(r.value for r in Role)
# Roles that may act only after confirming a second factor.
TOTP_ROLES = frozenset({Role.CHAIR, Role.SECRETARIAT, Role.ADMIN})
LANGUAGES = ("my", "en")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    party: Mapped[str | None] = mapped_column(String(100))
    state_region: Mapped[str | None] = mapped_column(String(100))
    ethnicity: Mapped[str | None] = mapped_column(String(100))
    # The parliament she was elected to ("union", "state_region"), where recorded.
    chamber: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(8), default="my")
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    # How many reset links were issued for her: part of each link's fingerprint, so a new
    # link voids every one issued before it.
    reset_serial: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles

    @property
    def needs_totp(self) -> bool:
        """True when a role requires a second factor that is not yet confirmed."""
        return not self.totp_confirmed and any(r in TOTP_ROLES for r in self.roles)

    @property
    def groups(self) -> dict[str, str]:
        values = {
            "party": self.party,
            "state_region": self.state_region,
            "ethnicity": self.ethnicity,
            "chamber": self.chamber,
        }
        return {k: v for k, v in values.items() if v}


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(40))
    display_name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list[str]] = mapped_column(JSON)
    party: Mapped[str | None] = mapped_column(String(100))
    state_region: Mapped[str | None] = mapped_column(String(100))
    ethnicity: Mapped[str | None] = mapped_column(String(100))
    chamber: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    expires_at: Mapped[Timestamp]
    used_at: Mapped[OptTimestamp]
    revoked_at: Mapped[OptTimestamp]
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class AuthSession(Base):
    """A browser session. The cookie holds a signed random id; only its hash is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    csrf_secret: Mapped[str] = mapped_column(String(64))
    # False while the member has given her password but not yet her TOTP code.
    second_factor_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    last_seen_at: Mapped[Timestamp] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(lazy="joined")


class UsedFormToken(Base):
    """A form's one-time token, spent with the action it carried: a resubmission is refused."""

    __tablename__ = "used_form_tokens"
    __table_args__ = (UniqueConstraint("session_id", "nonce"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(32))
    used_at: Mapped[Timestamp] = mapped_column(default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    expires_at: Mapped[Timestamp]

    member: Mapped[Member] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed logins per username, known or not, so both get the same answer.

    For a username this counts the attempts of clients without a device token (the
    "untrusted clients" of that username); ``totp#<member id>`` counts wrong codes.
    """

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(String(40), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[OptTimestamp]
    # When the last failure was counted: a row with no lock and no recent failure is purged.
    last_failure_at: Mapped[OptTimestamp]


class DeviceToken(Base):
    """A browser or API client that has logged in as this member before (OWASP "device
    cookies"): its failed logins count against it alone, not against her username.

    The client holds a signed token naming the username and a random nonce; only the
    nonce's SHA-256 is stored, for its own lockout and for revocation. No address, no
    client description.
    """

    __tablename__ = "device_tokens"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[OptTimestamp]
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)


class Committee(Base):
    __tablename__ = "committees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Its name in each language that has one of its own (``name`` is shown elsewhere).
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)

    members: Mapped[list[CommitteeMember]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CommitteeMember.member_id"
    )
    provisions: Mapped[list[CommitteeProvision]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CommitteeProvision.key"
    )


class CommitteeMember(Base):
    __tablename__ = "committee_members"

    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committees.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)


class CommitteeProvision(Base):
    """A provision key assigned to a committee; it covers the provision and its subtree."""

    __tablename__ = "committee_provisions"

    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committees.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100), primary_key=True)

"""Login, throttling, second factor, browser sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyotp
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from constitution.accounts.models import (
    TOTP_ROLES,
    ApiToken,
    AuthSession,
    DeviceToken,
    LoginThrottle,
    Member,
)
from constitution.accounts.passwords import check_password, hash_password, needs_rehash
from constitution.accounts.services import end_member_sessions, sha256
from constitution.audit.services import record
from constitution.db import utcnow
from constitution.errors import N_, Invalid, StateConflict, Throttled, Unauthenticated
from constitution.myanmar import nfc
from constitution.settings import Settings

LOGIN_FAILED = N_("The username or password is not right, or the account is locked for a while.")
TOTP_ISSUER = "Constitution"


# ---- throttled login --------------------------------------------------------------------


def _throttle_key(username: Any) -> str:
    # No username holds a NUL, and PostgreSQL text cannot: refuse it before any query.
    if not isinstance(username, str) or "\x00" in username:
        return ""
    return nfc(username).strip().lower()[:40]


def _throttle(db: Session, key: str) -> LoginThrottle:
    row = db.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(username=key, failures=0)
        db.add(row)
        db.flush()
    return row


# What failed logins count against: a username's untrusted clients, or one device token.
Counter = LoginThrottle | DeviceToken


def _locked(counter: Counter, now: dt.datetime) -> bool:
    return counter.locked_until is not None and counter.locked_until > now


def _count_failure(settings: Settings, counter: Counter, now: dt.datetime) -> None:
    counter.failures += 1
    if isinstance(counter, LoginThrottle):
        counter.last_failure_at = now
    if counter.failures >= settings.login_max_failures:
        counter.locked_until = now + dt.timedelta(minutes=settings.login_lock_minutes)
        counter.failures = 0


def authenticate(
    db: Session,
    settings: Settings,
    username: Any,
    password: Any,
    device: Any = None,
    begin_write: Callable[[], None] | None = None,
) -> Member:
    """The member whose password this is, or one refusal for every kind of failure.

    Unknown usernames, wrong passwords, disabled accounts and locked usernames all get the
    same message and the same argon2 work, and unknown usernames are throttled too.

    ``device`` is the device token the client holds, if any (``issue_device``). Failures
    with a valid one count against that token alone; failures without one count against
    the username's untrusted clients. So somebody who floods wrong passwords for a username
    locks out only clients that never logged in as her, not the phone she uses.

    Three steps: the lookup (member, device token), the password check, and the outcome
    recorded on the counter. The first two only read: a caller in a read transaction
    passes ``begin_write``, called between the password check and the outcome, so that
    argon2's work never holds the write lock; the counter is read again under it.
    """
    key = _throttle_key(username)
    secret = nfc(password) if isinstance(password, str) else ""
    if not key or not secret or len(secret) > 1024:
        raise Unauthenticated(LOGIN_FAILED, code="login_failed")
    # 1. Lookup.
    member = db.scalar(select(Member).where(Member.username == key))
    trusted = find_device(db, settings, key, member, device)
    trusted_id = trusted.nonce_hash if trusted is not None else None
    # 2. The password check: the same work whatever the lookup found.
    ok = check_password(settings, member.password_hash if member else None, secret)
    # 3. The outcome, under the write lock, on the counter as it is now.
    if begin_write is not None:
        begin_write()
        db.expire_all()
        if member is not None:
            member = db.get(Member, member.id)
    device_row = db.get(DeviceToken, trusted_id) if trusted_id is not None else None
    counter: Counter = device_row if device_row is not None else _throttle(db, key)
    now = utcnow()
    if _locked(counter, now):
        raise Throttled(LOGIN_FAILED, code="login_failed")
    if not ok or member is None or not member.active:
        _count_failure(settings, counter, now)
        raise Unauthenticated(LOGIN_FAILED, code="login_failed", keep_changes=True)
    counter.failures = 0
    counter.locked_until = None
    if member.password_hash and needs_rehash(settings, member.password_hash):
        member.password_hash = hash_password(settings, secret)
    return member


# ---- device tokens ----------------------------------------------------------------------

DEVICE_SALT = "device"
# Device tokens kept per member; a new login beyond this replaces her oldest.
MAX_DEVICES = 10


def _device_serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=DEVICE_SALT)


def find_device(
    db: Session, settings: Settings, key: str, member: Member | None, raw: Any
) -> DeviceToken | None:
    """The live device token ``raw`` names, when it was issued to this username's member;
    None for anything else (missing, forged, another member's, expired, revoked)."""
    if member is None or not isinstance(raw, str) or not raw or len(raw) > 300:
        return None
    try:
        value = _device_serializer(settings).loads(raw)
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2 and value[0] == key):
        return None
    if not isinstance(value[1], str):
        return None
    row = db.get(DeviceToken, sha256(value[1]))
    if row is None or row.member_id != member.id:
        return None
    if row.created_at + dt.timedelta(days=settings.device_token_days) <= utcnow():
        return None
    return row


def issue_device(db: Session, settings: Settings, member: Member, previous: Any = None) -> str:
    """A new device token for a client that has just logged in (password and second factor).

    The one it showed, if any, is replaced; she keeps at most ``MAX_DEVICES``.
    """
    old = find_device(db, settings, member.username, member, previous)
    if old is not None:
        db.delete(old)
    nonce = secrets.token_urlsafe(24)
    db.add(DeviceToken(nonce_hash=sha256(nonce), member_id=member.id, failures=0))
    db.flush()
    kept = select(DeviceToken.nonce_hash).where(DeviceToken.member_id == member.id)
    surplus = list(
        db.scalars(
            kept.order_by(DeviceToken.created_at.desc(), DeviceToken.nonce_hash).offset(MAX_DEVICES)
        )
    )
    if surplus:
        db.execute(delete(DeviceToken).where(DeviceToken.nonce_hash.in_(surplus)))
    return _device_serializer(settings).dumps([member.username, nonce])


# ---- second factor ----------------------------------------------------------------------


def totp_begin(db: Session, member: Member) -> tuple[str, str]:
    """A new, unconfirmed secret for the member's authenticator app."""
    if member.totp_confirmed:
        raise StateConflict(N_("A second factor is already set up."), code="totp_already_confirmed")
    member.totp_secret = pyotp.random_base32()
    record(db, "member.totp_started", f"member:{member.id}", actor_id=member.id)
    return member.totp_secret, totp_uri(member)


def totp_uri(member: Member) -> str:
    """The otpauth:// URI an authenticator app reads (typed in by hand or scanned)."""
    totp = pyotp.TOTP(member.totp_secret or "")
    return str(totp.provisioning_uri(name=member.username, issuer_name=TOTP_ISSUER))


MYANMAR_DIGITS = str.maketrans("၀၁၂၃၄၅၆၇၈၉", "0123456789")


def check_totp(db: Session, settings: Settings, member: Member, code: Any) -> None:
    """Accept a code once; wrong codes count towards a lock, as failed passwords do.

    A code (or an older one) that was already used is refused. Codes typed with Myanmar
    digits are accepted. Refusals keep their count (``keep_changes``).
    """
    if not member.totp_secret:
        raise StateConflict(N_("No second factor has been set up."), code="totp_not_set_up")
    throttle = _throttle(db, f"totp#{member.id}")
    now = utcnow()
    if throttle.locked_until is not None and throttle.locked_until > now:
        raise Throttled(
            N_("Too many wrong codes. Wait a while and try again."),
            field="otp",
            code="otp_throttled",
        )
    text = "".join(code.split()).translate(MYANMAR_DIGITS) if isinstance(code, str) else ""
    if not (len(text) == 6 and text.isascii() and text.isdigit()):
        raise Invalid(N_("The code has six digits."), field="otp", code="otp_invalid")
    totp = pyotp.TOTP(member.totp_secret)
    for drift in (0, -1, 1):
        at = now + dt.timedelta(seconds=30 * drift)
        step = totp.timecode(at)
        if secrets.compare_digest(totp.at(at), text):
            if step <= member.totp_last_step:
                raise Invalid(
                    N_("This code has already been used. Wait for the next one."),
                    field="otp",
                    code="otp_replayed",
                )
            member.totp_last_step = step
            throttle.failures = 0
            db.flush()
            return
    throttle.failures += 1
    if throttle.failures >= settings.login_max_failures:
        throttle.locked_until = now + dt.timedelta(minutes=settings.login_lock_minutes)
        throttle.failures = 0
    raise Invalid(N_("The code is not right."), field="otp", code="otp_invalid", keep_changes=True)


def totp_confirm(
    db: Session,
    settings: Settings,
    member: Member,
    code: Any,
    *,
    session: AuthSession | None = None,
) -> None:
    """Turn the second factor on with a first code; ``session`` (hers) then counts as
    having passed it."""
    if member.totp_confirmed:
        raise StateConflict(N_("A second factor is already set up."), code="totp_already_confirmed")
    check_totp(db, settings, member, code)
    member.totp_confirmed = True
    if session is not None:
        session.second_factor_ok = True
    record(db, "member.totp_confirmed", f"member:{member.id}", actor_id=member.id)


def pass_second_factor(db: Session, settings: Settings, session: AuthSession, code: Any) -> None:
    """The second step of a login: a right code completes the session."""
    check_totp(db, settings, session.member, code)
    session.second_factor_ok = True
    record(
        db,
        "session.second_factor_passed",
        f"member:{session.member_id}",
        actor_id=session.member_id,
    )


# ---- browser sessions -------------------------------------------------------------------


def start_session(db: Session, member: Member) -> tuple[AuthSession, str]:
    raw = secrets.token_urlsafe(32)
    session = AuthSession(
        id_hash=sha256(raw),
        member_id=member.id,
        csrf_secret=secrets.token_hex(16),
        second_factor_ok=not member.totp_confirmed,
    )
    db.add(session)
    db.flush()
    record(db, "session.started", f"member:{member.id}", actor_id=member.id)
    return session, raw


def rotate_session(db: Session, session: AuthSession) -> str:
    """Give the session a new id (and CSRF secret): the cookie before it no longer works."""
    raw = secrets.token_urlsafe(32)
    session.id_hash = sha256(raw)
    session.csrf_secret = secrets.token_hex(16)
    db.flush()
    return raw


@dataclass(frozen=True)
class SessionState:
    session: AuthSession | None
    # True when the session row must be touched (last seen) or removed (expired).
    needs_write: bool


# A live session's last use is written when it is older than this (``needs_write``).
TOUCH_AFTER = dt.timedelta(seconds=60)


def _ended(
    settings: Settings, created_at: dt.datetime, last_seen_at: dt.datetime, now: dt.datetime
) -> bool:
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    absolute = dt.timedelta(hours=settings.session_absolute_hours)
    return last_seen_at + idle <= now or created_at + absolute <= now


def _expired(settings: Settings, session: AuthSession, now: dt.datetime) -> bool:
    return (
        _ended(settings, session.created_at, session.last_seen_at, now) or not session.member.active
    )


@dataclass(frozen=True)
class LiveSession:
    """What a kept page is served on (``web.page_cache``), read without the ORM."""

    id_hash: str
    csrf_secret: str
    language: str
    roles: tuple[str, ...]
    extra: tuple[Any, ...]


class _MemberColumn:
    """Stands for the session's member in the extra columns' queries: ``.id`` is the
    session row's ``member_id`` column, so they are correlated subqueries of one row."""

    id = AuthSession.member_id


_LIVE_STATEMENTS: dict[Any, Any] = {}


def live_session(
    db: Session,
    settings: Settings,
    raw: str,
    extra: Callable[[Any], list[Any]],
    extra_key: Any,
) -> LiveSession | None:
    """The session a cookie names, in one Core statement with ``extra(member)``'s columns,
    when it is live, fully logged in (second factor done, none missing), its member
    active, and its last use needs no write now; otherwise None (the caller then takes
    the full path: ``load_session`` and the gate's access check)."""
    statement = _LIVE_STATEMENTS.get(extra_key)
    if statement is None:
        statement = _LIVE_STATEMENTS[extra_key] = (
            select(
                AuthSession.csrf_secret,
                AuthSession.second_factor_ok,
                AuthSession.created_at,
                AuthSession.last_seen_at,
                Member.active,
                Member.language,
                Member.roles,
                Member.totp_confirmed,
                *extra(_MemberColumn),
            )
            .join(Member, Member.id == AuthSession.member_id)
            .where(AuthSession.id_hash == bindparam("id_hash"))
        )
    id_hash = sha256(raw)
    row = db.connection().execute(statement, {"id_hash": id_hash}).one_or_none()
    if row is None:
        return None
    secret, factor_ok, created_at, last_seen_at, active, language, roles, totp_ok = row[:8]
    now = utcnow()
    needs_totp = not totp_ok and any(r in TOTP_ROLES for r in roles)
    if (
        not active
        or not factor_ok
        or needs_totp
        or _ended(settings, created_at, last_seen_at, now)
        or now - last_seen_at > TOUCH_AFTER
    ):
        return None
    return LiveSession(id_hash, secret, language, tuple(roles), tuple(row[8:]))


# Every page asks it: built once (building the expression costs more than running it).
_SESSION_BY_HASH = select(AuthSession).where(AuthSession.id_hash == bindparam("id_hash"))


def _find_session(db: Session, raw: str) -> AuthSession | None:
    return db.scalar(_SESSION_BY_HASH, {"id_hash": sha256(raw)})


def load_session(db: Session, settings: Settings, raw: str) -> SessionState:
    """The live session a cookie names. Reads only; ``touch_or_expire`` does the writing."""
    session = _find_session(db, raw)
    if session is None:
        return SessionState(None, False)
    now = utcnow()
    if _expired(settings, session, now):
        return SessionState(None, True)
    return SessionState(session, now - session.last_seen_at > TOUCH_AFTER)


def touch_or_expire(db: Session, settings: Settings, raw: str) -> None:
    session = _find_session(db, raw)
    if session is None:
        return
    now = utcnow()
    if _expired(settings, session, now):
        db.delete(session)
    else:
        session.last_seen_at = now
    db.flush()


def end_session(db: Session, session: AuthSession) -> None:
    record(db, "session.ended", f"member:{session.member_id}", actor_id=session.member_id)
    db.delete(session)
    db.flush()


def end_all_sessions(db: Session, member: Member) -> int:
    count = end_member_sessions(db, member)
    record(
        db,
        "session.ended_everywhere",
        f"member:{member.id}",
        actor_id=member.id,
        payload={"count": count},
    )
    return count


def list_sessions(db: Session, member: Member) -> list[AuthSession]:
    return list(
        db.scalars(
            select(AuthSession)
            .where(AuthSession.member_id == member.id)
            .order_by(AuthSession.created_at.desc())
        )
    )


# ---- API tokens -------------------------------------------------------------------------


def issue_token(db: Session, settings: Settings, member: Member) -> str:
    raw = secrets.token_urlsafe(32)
    db.add(
        ApiToken(
            token_hash=sha256(raw),
            member_id=member.id,
            expires_at=utcnow() + dt.timedelta(days=settings.api_token_days),
        )
    )
    db.flush()
    record(db, "token.issued", f"member:{member.id}", actor_id=member.id)
    return raw


def load_token(db: Session, raw: str) -> ApiToken | None:
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == sha256(raw)))
    if token is None:
        return None
    if token.expires_at <= utcnow() or not token.member.active:
        return None
    return token


def revoke_token(db: Session, token: ApiToken) -> None:
    record(db, "token.revoked", f"member:{token.member_id}", actor_id=token.member_id)
    db.delete(token)
    db.flush()

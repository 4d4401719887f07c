"""Where accounts meet the web layer: the session cookie, access levels and form nonces.

``BrowserGate`` is what the route table hands to ``make_endpoint`` for pages; the API's
gate (``constitution.api.auth``) builds on it. Views get their member with
``current_member(ctx)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from constitution import i18n
from constitution.accounts import permissions
from constitution.accounts import services as account_services
from constitution.accounts import sessions as session_service
from constitution.accounts.models import AuthSession, Member, UsedFormToken
from constitution.db import Database
from constitution.errors import N_, Forbidden, Invalid, Unauthenticated
from constitution.settings import Settings
from constitution.web.framework import LANG_COOKIE, Access, Ctx, FormAlreadySent, sign, unsign

SESSION_COOKIE_DEV = "session"
SESSION_COOKIE_PROD = "__Host-session"
DEVICE_COOKIE_DEV = "device"
DEVICE_COOKIE_PROD = "__Host-device"

# What each access level beyond "a member" asks of her.
LEVELS: dict[Access, Callable[[Member], bool]] = {
    Access.CHAIR: permissions.is_chair,
    Access.SECRETARIAT: permissions.is_secretariat,
    Access.ADMIN: permissions.is_admin,
    Access.EDITOR: permissions.is_editor,
}


def session_cookie_name(settings: Settings) -> str:
    return SESSION_COOKIE_PROD if settings.production else SESSION_COOKIE_DEV


def set_session_cookie(ctx: Ctx, raw: str) -> None:
    """Hand the browser its session (the raw id, signed)."""
    ctx.set_cookie(session_cookie_name(ctx.settings), sign(ctx.settings, "session", raw), None)


def clear_session_cookie(ctx: Ctx) -> None:
    ctx.set_cookie(session_cookie_name(ctx.settings), "", None)


def device_cookie_name(settings: Settings) -> str:
    return DEVICE_COOKIE_PROD if settings.production else DEVICE_COOKIE_DEV


def device_cookie(ctx: Ctx) -> str | None:
    """The device token this browser holds (checked by the login service), if any."""
    return ctx.request.cookies.get(device_cookie_name(ctx.settings))


def issue_device_cookie(ctx: Ctx, member: Member) -> None:
    """After a complete login: a long-lived device token, replacing the browser's old one."""
    token = session_service.issue_device(ctx.db, ctx.settings, member, device_cookie(ctx))
    ctx.set_cookie(device_cookie_name(ctx.settings), token, ctx.settings.device_token_days * 86400)


def current_member(ctx: Ctx) -> Member:
    """The member of a view whose access level requires one."""
    member = ctx.member
    if not isinstance(member, Member):
        raise Unauthenticated(N_("Please log in."), code="not_authenticated")
    return member


def switch_language(ctx: Ctx, language: str | None) -> bool:
    """Make ``language`` the interface language from this answer on (her account's, or the
    browser's cookie); False when none was asked for. A form that carries the switch (its
    fields kept) calls this, then shows itself again, saving nothing else."""
    if language is None:
        return False
    if language not in i18n.LANGUAGES:
        raise Invalid(N_("Unknown language."), field="language")
    if ctx.member is not None:
        ctx.begin_write()
        account_services.set_language(ctx.db, current_member(ctx), language)
    ctx.set_cookie(LANG_COOKIE, language, 365 * 86400)
    i18n.current_language.set(language)
    ctx.lang = language
    return True


def current_session(ctx: Ctx) -> AuthSession | None:
    """The browser session of the request (None for a bearer token or nobody)."""
    session = ctx.session
    return session if isinstance(session, AuthSession) else None


def load_browser_session(ctx: Ctx, database: Database) -> None:
    """Set ``ctx.session`` and ``ctx.member`` from the session cookie, when it is live.

    A dead session's cookie is removed; a live one's last use is written now and then.
    """
    cookie = ctx.request.cookies.get(session_cookie_name(ctx.settings))
    raw = unsign(ctx.settings, "session", cookie)
    if raw is None:
        return
    state = session_service.load_session(ctx.db, ctx.settings, raw)
    if state.session is None:
        clear_session_cookie(ctx)
    else:
        ctx.session = state.session
        ctx.member = state.session.member
    if not state.needs_write or ctx.preflight:
        # The check before a body is read writes nothing; the request itself will.
        return
    if ctx.writing:
        # The request's own transaction writes and already holds SQLite's write lock: a
        # second writer would wait for it until the busy timeout, then fail.
        session_service.touch_or_expire(ctx.db, ctx.settings, raw)
    else:
        # A separate short write: the request's own transaction is read-only.
        with database.transaction(write=True) as db:
            session_service.touch_or_expire(db, ctx.settings, raw)


def check_access(ctx: Ctx, access: Access) -> None:
    if access in (Access.PUBLIC, Access.ANONYMOUS):
        return
    if ctx.member is None or (ctx.session is not None and not ctx.session.second_factor_ok):
        raise Unauthenticated(N_("Please log in."), code="not_authenticated")
    if access is Access.PARTIAL:
        return
    member = current_member(ctx)
    if permissions.needs_second_factor(member):
        raise Forbidden(
            N_("Your role requires a second factor. Set it up first."), code="totp_required"
        )
    allowed = LEVELS.get(access)
    if allowed is not None and not allowed(member):
        raise Forbidden(N_("You are not allowed to see this page."))


def spend_form_nonce(ctx: Ctx, nonce: str) -> None:
    """A logged-in form's token works once: a resubmission is refused, not done again."""
    session = current_session(ctx)
    if session is None:
        return
    ctx.db.add(UsedFormToken(session_id=session.id, nonce=nonce))
    try:
        with ctx.db.begin_nested():
            ctx.db.flush()
    except IntegrityError:
        raise FormAlreadySent from None


class BrowserGate:
    """Pages: the member comes from the session cookie."""

    def authenticate(self, ctx: Ctx, database: Database, unsafe: bool) -> None:
        load_browser_session(ctx, database)

    def live_session(
        self, ctx: Ctx, extra: Callable[[Any], list[Any]], extra_key: Any
    ) -> session_service.LiveSession | None:
        """The cookie's session with ``extra``'s columns, when it is live and fully logged
        in and needs no write (the kept pages' fast path, ``web.page_cache``)."""
        raw = unsign(
            ctx.settings, "session", ctx.request.cookies.get(session_cookie_name(ctx.settings))
        )
        if raw is None:
            return None
        return session_service.live_session(ctx.db, ctx.settings, raw, extra, extra_key)

    def check_access(self, ctx: Ctx, access: Access) -> None:
        check_access(ctx, access)

    def spend_form_nonce(self, ctx: Ctx, nonce: str) -> None:
        spend_form_nonce(ctx, nonce)

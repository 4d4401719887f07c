"""Web pages for a member's own account: login, second factor, invitation, sessions.

The views read and call services; every write (and its audit event) is a service's."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from starlette.responses import Response
from starlette.routing import Match

from constitution import i18n
from constitution.accounts import password_changes, services, sessions
from constitution.accounts.web import (
    clear_session_cookie,
    current_member,
    current_session,
    device_cookie,
    issue_device_cookie,
    set_session_cookie,
    switch_language,
)
from constitution.errors import N_, DomainError, Forbidden, Invalid
from constitution.web.framework import Ctx
from constitution.web.render import render


def _safe_next(ctx: Ctx, value: str | None) -> str:
    """Where to go next: a path on this site, else the home page.

    Browsers drop tabs and line breaks from a URL (``/\t/evil.example`` is ``//evil…``),
    so a value with any control character is refused too."""
    if (
        value
        and len(value) <= 500
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and value.isprintable()
    ):
        return value
    return ctx.url("home")


def login_form(ctx: Ctx) -> Response:
    if ctx.member is not None and ctx.session is not None and ctx.session.second_factor_ok:
        return ctx.redirect(ctx.url("home"))
    return render(
        ctx,
        "accounts/login.html",
        {
            "next": _safe_next(ctx, ctx.request.query_params.get("next")),
            "error": None,
            "username": "",
        },
    )


def login(ctx: Ctx) -> Response:
    username = ctx.form.get("username", "")
    target = _safe_next(ctx, ctx.form.get("next"))
    try:
        member = sessions.authenticate(
            ctx.db,
            ctx.settings,
            username,
            ctx.form.get("password"),
            device_cookie(ctx),
            begin_write=ctx.begin_write,
        )
    except DomainError as error:
        context = {"next": target, "error": ctx._(error.message), "username": username[:40]}
        return render(ctx, "accounts/login.html", context, status=error.status)
    previous = current_session(ctx)
    if previous is not None:
        sessions.end_session(ctx.db, previous)
    _session, raw = sessions.start_session(ctx.db, member)
    set_session_cookie(ctx, raw)
    if member.totp_confirmed:
        # The device token waits for the second factor.
        return ctx.redirect(ctx.url("accounts.totp_login_form") + "?next=" + quote(target, safe=""))
    issue_device_cookie(ctx, member)
    if member.needs_totp:
        return ctx.redirect(ctx.url("accounts.totp_form"))
    return ctx.redirect(target, N_("You are logged in."))


def totp_login_form(ctx: Ctx) -> Response:
    if ctx.session is None:
        return ctx.redirect(ctx.url("accounts.login_form"))
    if ctx.session.second_factor_ok:
        return ctx.redirect(ctx.url("home"))
    target = _safe_next(ctx, ctx.request.query_params.get("next"))
    return render(ctx, "accounts/totp_login.html", {"next": target, "error": None})


def totp_login(ctx: Ctx) -> Response:
    session = current_session(ctx)
    if session is None or ctx.member is None:
        return ctx.redirect(ctx.url("accounts.login_form"))
    target = _safe_next(ctx, ctx.form.get("next"))
    try:
        sessions.pass_second_factor(ctx.db, ctx.settings, session, ctx.form.get("otp"))
    except DomainError as error:
        return render(
            ctx,
            "accounts/totp_login.html",
            {"next": target, "error": ctx._(error.message)},
            status=error.status,
        )
    # A new session id now that the login is complete (the one before the code is dead).
    set_session_cookie(ctx, sessions.rotate_session(ctx.db, session))
    issue_device_cookie(ctx, current_member(ctx))
    return ctx.redirect(target, N_("You are logged in."))


def logout(ctx: Ctx) -> Response:
    session = current_session(ctx)
    if session is not None:
        sessions.end_session(ctx.db, session)
    clear_session_cookie(ctx)
    return ctx.redirect(ctx.url("accounts.login_form"), N_("You are logged out."))


def logout_everywhere(ctx: Ctx) -> Response:
    sessions.end_all_sessions(ctx.db, current_member(ctx))
    clear_session_cookie(ctx)
    return ctx.redirect(ctx.url("accounts.login_form"), N_("All your sessions have ended."))


def set_language(ctx: Ctx) -> Response:
    """The language switch: back to the same page and query, in the other language. A page
    shown for a form sent (an error, a refusal) has an address that may only be posted to:
    then back to the page the form was on, never to a 405."""
    language = ctx.form.get("language", "")
    if language not in i18n.LANGUAGES:
        raise Forbidden(N_("Unknown language."))
    switch_language(ctx, language)
    target = _safe_next(ctx, ctx.form.get("next"))
    path = urlsplit(target).path
    while not _shows_page(ctx, path):
        # A form's address (``/amendments/7/comments``): the page it belongs to.
        path = path.rstrip("/").rpartition("/")[0] or "/"
        target = path
    return ctx.redirect(target)


def _shows_page(ctx: Ctx, path: str) -> bool:
    """Whether a GET of ``path`` finds a page (or is the home page, which always does)."""
    scope = {"type": "http", "path": path, "method": "GET"}
    return path == "/" or any(
        route.matches(scope)[0] == Match.FULL for route in ctx.request.app.routes
    )


def _invitation_context(ctx: Ctx, token: str, error: str | None = None) -> dict[str, Any]:
    return {"token": token, "error": error, "invitation": None}


def accept_form(ctx: Ctx) -> Response:
    token = ctx.request.path_params["token"]
    try:
        invitation = services.find_invitation(ctx.db, ctx.settings, token)
    except DomainError as error:
        return render(
            ctx,
            "errors/error.html",
            {"status": error.status, "message": ctx._(error.message)},
            status=error.status,
        )
    return render(
        ctx, "accounts/accept.html", {"token": token, "invitation": invitation, "error": None}
    )


def accept(ctx: Ctx) -> Response:
    token = ctx.request.path_params["token"]
    password = ctx.form.get("password", "")
    if password != ctx.form.get("password_again", ""):
        invitation = services.find_invitation(ctx.db, ctx.settings, token)
        return render(
            ctx,
            "accounts/accept.html",
            {
                "token": token,
                "invitation": invitation,
                "error": ctx._("The two passwords are not the same."),
            },
            status=422,
        )
    try:
        services.accept_invitation(ctx.db, ctx.settings, token, password, language=ctx.lang)
    except DomainError as error:
        if error.field == "password":
            invitation = services.find_invitation(ctx.db, ctx.settings, token)
            return render(
                ctx,
                "accounts/accept.html",
                {"token": token, "invitation": invitation, "error": ctx._(error.message)},
                status=error.status,
            )
        raise
    return ctx.redirect(
        ctx.url("accounts.login_form"),
        N_("Your account is ready. Log in with your new password."),
    )


def account(ctx: Ctx) -> Response:
    return render(
        ctx,
        "accounts/account.html",
        {"sessions": sessions.list_sessions(ctx.db, current_member(ctx)), "current": ctx.session},
    )


def _totp_context(ctx: Ctx, error: str | None = None) -> dict[str, Any]:
    member = current_member(ctx)
    secret = None if member.totp_confirmed else member.totp_secret
    uri = sessions.totp_uri(member) if secret else None
    return {"secret": secret, "uri": uri, "error": error}


def totp_setup_form(ctx: Ctx) -> Response:
    return render(ctx, "accounts/totp_setup.html", _totp_context(ctx))


def totp_start(ctx: Ctx) -> Response:
    sessions.totp_begin(ctx.db, current_member(ctx))
    return ctx.redirect(ctx.url("accounts.totp_form"))


def totp_confirm(ctx: Ctx) -> Response:
    member = current_member(ctx)
    try:
        sessions.totp_confirm(
            ctx.db, ctx.settings, member, ctx.form.get("otp"), session=current_session(ctx)
        )
    except DomainError as error:
        return render(
            ctx,
            "accounts/totp_setup.html",
            _totp_context(ctx, ctx._(error.message)),
            status=error.status,
        )
    return ctx.redirect(ctx.url("accounts.account"), N_("Your second factor is set up."))


# ---- passwords ----------------------------------------------------------------------------


def _password_page(ctx: Ctx, error: DomainError | None = None) -> Response:
    context = {
        "error": ctx._(error.message) if error is not None else None,
        "field": error.field if error is not None else None,
    }
    status = error.status if error is not None else 200
    return render(ctx, "accounts/password.html", context, status=status)


def password_form(ctx: Ctx) -> Response:
    return _password_page(ctx)


def password_change(ctx: Ctx) -> Response:
    """She changes her password; her other sessions and tokens end, this one goes on (with a
    new id)."""
    new = ctx.form.get("new", "")
    if new != ctx.form.get("new_again", ""):
        mismatch = Invalid(N_("The two new passwords are not the same."), field="new_again")
        return _password_page(ctx, mismatch)
    session = current_session(ctx)
    try:
        password_changes.change_password(
            ctx.db,
            ctx.settings,
            current_member(ctx),
            current=ctx.form.get("current", ""),
            new=new,
            otp=ctx.form.get("otp"),
            keep_session=session,
            begin_write=ctx.begin_write,
        )
    except DomainError as error:
        return _password_page(ctx, error)
    if session is not None:
        set_session_cookie(ctx, sessions.rotate_session(ctx.db, session))
    return ctx.redirect(
        ctx.url("accounts.account"),
        N_("Your password was changed. Your other sessions have ended."),
    )


def _reset_page(
    ctx: Ctx, token: str, member: Any, error: DomainError | None = None, status: int = 200
) -> Response:
    context = {
        "token": token,
        "subject": member,
        "error": ctx._(error.message) if error is not None else None,
        "field": error.field if error is not None else None,
    }
    return render(ctx, "accounts/reset.html", context, status=status)


def reset_form(ctx: Ctx) -> Response:
    token = ctx.request.path_params["reset_token"]
    member = password_changes.find_reset(ctx.db, ctx.settings, token)
    return _reset_page(ctx, token, member)


def reset_accept(ctx: Ctx) -> Response:
    token = ctx.request.path_params["reset_token"]
    member = password_changes.find_reset(ctx.db, ctx.settings, token)
    password = ctx.form.get("password", "")
    if password != ctx.form.get("password_again", ""):
        mismatch = Invalid(N_("The two passwords are not the same."), field="password_again")
        return _reset_page(ctx, token, member, mismatch, 422)
    try:
        password_changes.accept_reset(ctx.db, ctx.settings, token, password, ctx.begin_write)
    except DomainError as error:
        if error.field != "password":
            raise
        return _reset_page(ctx, token, member, error, error.status)
    previous = current_session(ctx)
    if previous is not None and previous.member_id != member.id:
        sessions.end_session(ctx.db, previous)
    clear_session_cookie(ctx)
    return ctx.redirect(
        ctx.url("accounts.login_form"),
        N_("Your new password is set. Log in with it."),
    )

"""Web pages for a member's own account: login, second factor, invitation, sessions."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution import i18n
from constitution.accounts import services, sessions
from constitution.errors import N_, DomainError, Forbidden
from constitution.web.framework import LANG_COOKIE, Ctx
from constitution.web.render import render


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:500]
    return "/"


def home(ctx: Ctx) -> Response:
    return render(ctx, "home.html")


def login_form(ctx: Ctx) -> Response:
    if ctx.member is not None and ctx.session is not None and ctx.session.second_factor_ok:
        return ctx.redirect("/")
    return render(
        ctx,
        "accounts/login.html",
        {"next": _safe_next(ctx.request.query_params.get("next")), "error": None, "username": ""},
    )


def login(ctx: Ctx) -> Response:
    username = ctx.form.get("username", "")
    target = _safe_next(ctx.form.get("next"))
    try:
        member = sessions.authenticate(ctx.db, ctx.settings, username, ctx.form.get("password"))
    except DomainError as error:
        context = {"next": target, "error": ctx._(error.message), "username": username[:40]}
        return render(ctx, "accounts/login.html", context, status=error.status)
    if ctx.session is not None:
        sessions.end_session(ctx.db, ctx.session)
    _session, raw = sessions.start_session(ctx.db, member)
    ctx.set_cookie("session", ctx._signer("session").dumps(raw), None)
    if member.totp_confirmed:
        return ctx.redirect(f"/login/totp?next={target}")
    if member.needs_totp:
        return ctx.redirect("/account/totp")
    return ctx.redirect(target, N_("You are logged in."))


def totp_login_form(ctx: Ctx) -> Response:
    if ctx.session is None:
        return ctx.redirect("/login")
    if ctx.session.second_factor_ok:
        return ctx.redirect("/")
    target = _safe_next(ctx.request.query_params.get("next"))
    return render(ctx, "accounts/totp_login.html", {"next": target, "error": None})


def totp_login(ctx: Ctx) -> Response:
    if ctx.session is None or ctx.member is None:
        return ctx.redirect("/login")
    target = _safe_next(ctx.form.get("next"))
    try:
        sessions.check_totp(ctx.db, ctx.settings, ctx.member, ctx.form.get("otp"))
    except DomainError as error:
        return render(
            ctx,
            "accounts/totp_login.html",
            {"next": target, "error": ctx._(error.message)},
            status=error.status,
        )
    ctx.session.second_factor_ok = True
    return ctx.redirect(target, N_("You are logged in."))


def logout(ctx: Ctx) -> Response:
    if ctx.session is not None:
        sessions.end_session(ctx.db, ctx.session)
    ctx.set_cookie("session", "", None)
    return ctx.redirect("/login", N_("You are logged out."))


def logout_everywhere(ctx: Ctx) -> Response:
    assert ctx.member is not None
    sessions.end_all_sessions(ctx.db, ctx.member)
    ctx.set_cookie("session", "", None)
    return ctx.redirect("/login", N_("All your sessions have ended."))


def set_language(ctx: Ctx) -> Response:
    language = ctx.form.get("language", "")
    if language not in i18n.LANGUAGES:
        raise Forbidden(N_("Unknown language."))
    if ctx.member is not None:
        services.set_language(ctx.db, ctx.member, language)
    ctx.set_cookie(LANG_COOKIE, language, 365 * 86400)
    i18n.current_language.set(language)
    return ctx.redirect(_safe_next(ctx.form.get("next")))


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
        member = services.accept_invitation(ctx.db, ctx.settings, token, password)
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
    member.language = ctx.lang
    return ctx.redirect("/login", N_("Your account is ready. Log in with your new password."))


def account(ctx: Ctx) -> Response:
    assert ctx.member is not None
    return render(
        ctx,
        "accounts/account.html",
        {"sessions": sessions.list_sessions(ctx.db, ctx.member), "current": ctx.session},
    )


def _totp_context(ctx: Ctx, error: str | None = None) -> dict[str, Any]:
    assert ctx.member is not None
    secret = None if ctx.member.totp_confirmed else ctx.member.totp_secret
    uri = sessions.totp_uri(ctx.member) if secret else None
    return {"secret": secret, "uri": uri, "error": error}


def totp_setup_form(ctx: Ctx) -> Response:
    return render(ctx, "accounts/totp_setup.html", _totp_context(ctx))


def totp_start(ctx: Ctx) -> Response:
    assert ctx.member is not None
    sessions.totp_begin(ctx.db, ctx.member)
    return ctx.redirect("/account/totp")


def totp_confirm(ctx: Ctx) -> Response:
    assert ctx.member is not None
    try:
        sessions.totp_confirm(ctx.db, ctx.settings, ctx.member, ctx.form.get("otp"))
    except DomainError as error:
        return render(
            ctx,
            "accounts/totp_setup.html",
            _totp_context(ctx, ctx._(error.message)),
            status=error.status,
        )
    if ctx.session is not None:
        ctx.session.second_factor_ok = True
    return ctx.redirect("/account", N_("Your second factor is set up."))

"""Error pages: a refusal as a page (or the redirect it calls for), and the plain error
page or JSON that needs no database (404, 405, 500)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from constitution import i18n
from constitution.errors import DomainError, Unauthenticated
from constitution.web.framework import Ctx
from constitution.web.render import render

STATUS_TEXT = {
    404: ("ဤစာမျက်နှာ မရှိပါ။", "This page does not exist.", "not_found"),
    405: ("ဤနည်းဖြင့် မရနိုင်ပါ။", "This method is not allowed here.", "method_not_allowed"),
    500: (
        "တစ်ခုခု မှားယွင်းသွားသည်။ သိမ်းပြီးသားအရာ မပျောက်ပါ။ ထပ်မံကြိုးစားပါ။",
        "Something went wrong on our side. Nothing you saved was lost. Please try again.",
        "server_error",
    ),
}


def _redirect(ctx: Ctx, name: str, query: str = "") -> Response:
    return RedirectResponse(ctx.url(name) + query, status_code=303)


def render_page_error(ctx: Ctx, error: DomainError) -> Response:
    """Not logged in: to the login (or second factor) form; second factor missing: to its
    setup; anything else: the error page with the refusal's message."""
    if isinstance(error, Unauthenticated) and ctx.session is not None:
        return _redirect(ctx, "accounts.totp_login_form")
    if isinstance(error, Unauthenticated):
        target = ctx.request.url.path
        if ctx.request.url.query:
            target += "?" + ctx.request.url.query
        if ctx.request.method == "GET" and target.startswith("/") and not target.startswith("//"):
            return _redirect(ctx, "accounts.login_form", f"?next={quote(target, safe='/')}")
        return _redirect(ctx, "accounts.login_form")
    if error.code == "totp_required":
        return _redirect(ctx, "accounts.totp_form")
    return render(
        ctx,
        "errors/error.html",
        {"status": error.status, "message": i18n.gettext(error.message)},
        status=error.status,
    )


def plain_error(request: Request, status: int) -> Response:
    """An error page or error JSON that needs no database (404, 405, 500): the page has the
    site's header and navigation, all in one language (the browser's chosen one)."""
    burmese, english, code = STATUS_TEXT.get(status, STATUS_TEXT[500])
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": {"code": code, "message": english}}, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    language = request.cookies.get("lang")
    if language not in i18n.LANGUAGES:
        language = i18n.negotiate(request.headers.get("accept-language"))
    token = i18n.current_language.set(language)
    try:
        html = templates.get_template("errors/plain.html").render(
            request=request,
            status=status,
            message=burmese if language == "my" else english,
            lang=language,
        )
    finally:
        i18n.current_language.reset(token)
    return HTMLResponse(html, status_code=status)

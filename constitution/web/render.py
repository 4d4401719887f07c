"""Rendering pages and error pages with Jinja2."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from constitution import i18n
from constitution.errors import DomainError, Unauthenticated
from constitution.settings import PROJECT_ROOT
from constitution.web.framework import FLASH_COOKIE, Ctx

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"


@functools.cache
def static_hash(name: str) -> str:
    path = STATIC_DIR / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """A static asset's URL with a content hash, so it can be cached for long."""
    return f"/static/{name}?v={static_hash(name)}"


def make_templates(directory: Path = TEMPLATES_DIR) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.globals["static_url"] = static_url
    env.globals["LANGUAGE_NAMES"] = i18n.LANGUAGE_NAMES
    return Jinja2Templates(env=env)


def _take_flash(ctx: Ctx) -> str | None:
    raw = ctx.request.cookies.get(FLASH_COOKIE)
    if not raw or ctx.request.method != "GET":
        return None
    ctx.set_cookie(FLASH_COOKIE, "", None)
    try:
        message = URLSafeSerializer(ctx.settings.secret_key, salt="flash").loads(raw)
    except BadSignature:
        return None
    if isinstance(message, list) and len(message) == 2 and isinstance(message[1], str):
        return message[1]
    return i18n.gettext(message) if isinstance(message, str) else None


NavItem = Callable[[Session, Any], int]
NAV_ITEMS: dict[str, NavItem] = {}


def register_nav_item(name: str, count: NavItem) -> None:
    """Register (or replace) a count the navigation shows (``nav.<name>`` in templates)."""
    NAV_ITEMS[name] = count


def _nav(ctx: Ctx) -> dict[str, int]:
    """The navigation's counts for a member who is fully logged in, loaded here so that no
    template queries the database."""
    member, session = ctx.member, ctx.session
    if member is None or session is None or not session.second_factor_ok or member.needs_totp:
        return {}
    return {name: count(ctx.db, member) for name, count in NAV_ITEMS.items()}


def render(
    ctx: Ctx, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    templates: Jinja2Templates = ctx.request.app.state.templates
    full = {
        "ctx": ctx,
        "member": ctx.member,
        "lang": ctx.lang,
        "csrf_token": ctx.csrf_token,
        "flash": _take_flash(ctx),
        "nav": _nav(ctx),
        **(context or {}),
    }
    return templates.TemplateResponse(ctx.request, name, full, status_code=status)


def render_page_error(ctx: Ctx, error: DomainError) -> Response:
    if isinstance(error, Unauthenticated) and ctx.session is not None:
        return RedirectResponse("/login/totp", status_code=303)
    if isinstance(error, Unauthenticated):
        target = ctx.request.url.path
        if ctx.request.url.query:
            target += "?" + ctx.request.url.query
        if ctx.request.method == "GET" and target.startswith("/") and not target.startswith("//"):
            return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
        return RedirectResponse("/login", status_code=303)
    if error.code == "totp_required":
        return RedirectResponse("/account/totp", status_code=303)
    return render(
        ctx,
        "errors/error.html",
        {"status": error.status, "message": i18n.gettext(error.message)},
        status=error.status,
    )


STATUS_TEXT = {
    404: ("ဤစာမျက်နှာ မရှိပါ။", "This page does not exist.", "not_found"),
    405: ("ဤနည်းဖြင့် မရနိုင်ပါ။", "This method is not allowed here.", "method_not_allowed"),
    500: (
        "တစ်ခုခု မှားယွင်းသွားသည်။ သိမ်းပြီးသားအရာ မပျောက်ပါ။ ထပ်မံကြိုးစားပါ။",
        "Something went wrong on our side. Nothing you saved was lost. Please try again.",
        "server_error",
    ),
}


def plain_error(request: Request, status: int) -> Response:
    """An error page or error JSON that needs no database (404, 405, 500)."""
    burmese, english, code = STATUS_TEXT.get(status, STATUS_TEXT[500])
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": {"code": code, "message": english}}, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    language = request.cookies.get("lang")
    language = language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    html = templates.get_template("errors/plain.html").render(
        status=status, burmese=burmese, english=english, lang=language
    )
    return HTMLResponse(html, status_code=status)

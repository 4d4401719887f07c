"""Rendering pages with Jinja2.

Parts add to every page by registration (called from ``constitution.wiring``), never by
being imported here: navigation counts (``register_nav_item``) and what the member may do
(``register_permission``, shown to templates as ``may``).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from constitution import i18n
from constitution.settings import PROJECT_ROOT
from constitution.web.framework import FLASH_COOKIE, Ctx, path_for

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"

# A navigation count: (database, the logged-in member) -> a number.
NavItem = Callable[[Session, Any], int]
NAV_ITEMS: dict[str, NavItem] = {}
# The query of a count, when it has one (the logged-in member) -> a SELECT of one number:
# the navigation asks all of them in one statement.
NavQuery = Callable[[Any], Select[Any]]
NAV_QUERIES: dict[str, NavQuery] = {}
# Something a member may do: (the logged-in member) -> yes or no.
Permission = Callable[[Any], bool]
PERMISSIONS: dict[str, Permission] = {}


def register_nav_item(name: str, count: NavItem, query: NavQuery | None = None) -> None:
    """Show ``count`` in the navigation as ``nav[name]`` (registering again replaces it).

    With ``query`` (the SELECT that ``count`` runs), the navigation asks it together with
    the other counts' queries, in one round trip.
    """
    NAV_ITEMS[name] = count
    if query is None:
        NAV_QUERIES.pop(name, None)
    else:
        NAV_QUERIES[name] = query


def register_permission(name: str, allowed: Permission) -> None:
    """Let templates ask ``may[name]`` of the logged-in member (again: replaces it)."""
    PERMISSIONS[name] = allowed


@functools.cache
def static_hash(name: str) -> str:
    path = STATIC_DIR / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def hashed_name(name: str) -> str:
    """``site.css`` as ``site.<hash of its content>.css``: a new name for each version."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        return f"{name}.{static_hash(name)}"
    return f"{stem}.{static_hash(name)}.{suffix}"


def static_url(name: str) -> str:
    """A static asset's URL under its content-hashed name, cached for a year
    (``constitution.web.static``); templates name assets only through this."""
    return f"/static/{hashed_name(name)}"


CRITICAL_CSS = "critical.css"


def critical_style() -> Markup:
    """The critical stylesheet for a ``<style>`` element: our own file, not user text."""
    return Markup(critical_css())  # noqa: S704 - our file in static/, never user input


@functools.cache
def critical_css() -> str:
    """The small stylesheet put in every page's ``<head>``: the first paint needs no
    second request (the rest, ``site.css``, loads at the end of the page)."""
    text = (STATIC_DIR / CRITICAL_CSS).read_text(encoding="utf-8")
    return re.sub(r"/\*.*?\*/\s*", "", text, flags=re.DOTALL).strip()


def critical_css_source() -> str:
    """The CSP source that allows exactly the inline critical stylesheet, nothing else."""
    digest = hashlib.sha256(critical_css().encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@jinja2.pass_context
def url_for(context: jinja2.runtime.Context, name: str, /, **params: Any) -> str:
    """The path (never a full URL) of the route called ``name``."""
    request: Request = context["request"]
    return path_for(request.app, name, params)


@jinja2.pass_context
def digits(context: jinja2.runtime.Context, value: Any) -> str:
    """The ``digits`` filter: ``{{ count|digits }}`` in the page's language."""
    return i18n.localize_digits(value, str(context.get("lang", "")))


def natural_moment(moment: dt.datetime, language: str) -> str:
    """A UTC moment as a person writes it: "May 1, 2031, 09:30 UTC" in English,
    "၂၀၃၁ မေ ၁ ၀၉:၃၀ UTC" in Burmese (Babel's month names, Myanmar digits)."""
    from babel.dates import format_date

    moment = moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    locale = language if language in i18n.LANGUAGES else "en"
    day = format_date(moment, "long", locale=locale)
    separator = ", " if locale == "en" else " "
    return i18n.localize_digits(f"{day}{separator}{moment:%H:%M} UTC", language)


@jinja2.pass_context
def when(context: jinja2.runtime.Context, moment: dt.datetime | None) -> str:
    """The ``when`` filter: a UTC moment in the page's language and digits."""
    if moment is None:
        return "—"
    return natural_moment(moment, str(context.get("lang", "")))


@jinja2.pass_context
def day(context: jinja2.runtime.Context, moment: dt.datetime | dt.date | None) -> str:
    """The ``day`` filter: a date as a person writes it, in the page's language and digits."""
    from babel.dates import format_date

    if moment is None:
        return "—"
    language = str(context.get("lang", ""))
    locale = language if language in i18n.LANGUAGES else "en"
    return i18n.localize_digits(format_date(moment, "long", locale=locale), language)


@jinja2.pass_context
def label(context: jinja2.runtime.Context, item: Any) -> str:
    """The ``label`` filter: a provision's label in the page's language (its ``labels``
    entry for that language, else its ``label``); ``item`` is a row or a mapping."""
    if isinstance(item, Mapping):
        plain, labels = item.get("label"), item.get("labels")
    else:
        plain, labels = getattr(item, "label", None), getattr(item, "labels", None)
    own = (labels or {}).get(str(context.get("lang", "")))
    return str(own or plain or "")


@jinja2.pass_context
def named(context: jinja2.runtime.Context, item: Any) -> str:
    """The ``named`` filter: a committee's name in the page's language (its ``names``
    entry for that language, else its ``name``)."""
    own = (getattr(item, "names", None) or {}).get(str(context.get("lang", "")))
    return str(own or getattr(item, "name", "") or "")


def _localized(context: jinja2.runtime.Context, variables: dict[str, Any]) -> dict[str, Any]:
    """Numbers among a message's variables written in the page's digits."""
    return i18n.localized(variables, str(context.get("lang", "")))


@jinja2.pass_context
def template_gettext(context: jinja2.runtime.Context, message: str, /, **variables: Any) -> str:
    """``_()`` in templates: the translation, its numbers in the page's digits."""
    text = i18n.gettext(message)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - our catalogue, as Jinja does; variables escaped
    return text % _localized(context, variables)  # always a format string, as Jinja's


@jinja2.pass_context
def template_ngettext(
    context: jinja2.runtime.Context, singular: str, plural: str, n: int, /, **variables: Any
) -> str:
    """``ngettext()`` in templates: the catalogue's plural form; ``num`` is ``n``."""
    variables.setdefault("num", n)
    text = i18n.ngettext(singular, plural, n)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - our catalogue, as Jinja does; variables escaped
    return text % _localized(context, variables)


def make_templates(directory: Path = TEMPLATES_DIR, *, auto_reload: bool = True) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        auto_reload=auto_reload,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    # Our own newstyle callables, which write the numbers they format in the page's digits.
    env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
    env.filters["digits"] = digits
    env.filters["when"] = when
    env.filters["label"] = label
    env.filters["named"] = named
    env.filters["day"] = day
    env.globals["static_url"] = static_url
    env.globals["critical_style"] = critical_style
    env.globals["url_for"] = url_for  # before Jinja2Templates, which would add its own
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


def _nav(ctx: Ctx) -> dict[str, int]:
    """What the navigation counts for a member who is fully logged in (the registered
    items), loaded here so that no template queries the database."""
    member, session = ctx.member, ctx.session
    if member is None or session is None or not session.second_factor_ok or member.needs_totp:
        return {}
    asked = [name for name in NAV_ITEMS if name in NAV_QUERIES]
    counts: dict[str, int] = {}
    if asked:
        row = ctx.db.execute(
            select(*(NAV_QUERIES[name](member).scalar_subquery().label(name) for name in asked))
        ).one()
        counts = {name: int(value or 0) for name, value in zip(asked, row, strict=True)}
    return {
        name: counts[name] if name in counts else count(ctx.db, member)
        for name, count in NAV_ITEMS.items()
    }


def _may(ctx: Ctx) -> dict[str, bool]:
    """Each registered permission for the logged-in member; all False for nobody."""
    member = ctx.member
    return {name: member is not None and allowed(member) for name, allowed in PERMISSIONS.items()}


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
        "may": _may(ctx),
        **(context or {}),
    }
    return templates.TemplateResponse(ctx.request, name, full, status_code=status)

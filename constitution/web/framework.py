"""How a request becomes a call to a view: one transaction, the member, the language, CSRF.

A view is a plain function ``view(ctx) -> Response`` that runs in the worker thread pool.
``make_endpoint`` wraps it; the route table hands it a ``Gate`` (who is asking, may she
reach this view, spending a form's one-time token) and, for the JSON API, a body parser.
The wrapper reads the body (in the event loop), then in a worker thread opens one database
transaction, lets the gate load the member, checks access and CSRF, calls the view, and
commits; on any error it rolls back (keeping only what a refusal asks to keep) and answers
with a clear page or error JSON.

This module knows no domain: the member and the session are whatever the gate loads, seen
here only through the small protocols below.
"""

from __future__ import annotations

import enum
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from constitution import i18n
from constitution.db import Database, utcnow
from constitution.errors import N_, DomainError, Forbidden, NotFound
from constitution.security import cross_site, make_csrf_token, read_csrf_token
from constitution.settings import Settings

log = logging.getLogger("constitution")

ANON_COOKIE = "anon"
LANG_COOKIE = "lang"
FLASH_COOKIE = "flash"
MAX_FORM_FIELDS = 200


class Access(enum.Enum):
    """Who may reach a view (the gate decides what each level means)."""

    PUBLIC = "public"  # anybody, logged in or not
    ANONYMOUS = "anonymous"  # only people not logged in (login form); others are redirected
    PARTIAL = "partial"  # logged in, even before the second factor is done or set up
    MEMBER = "member"
    CHAIR = "chair"
    SECRETARIAT = "secretariat"
    ADMIN = "admin"
    EDITOR = "editor"  # secretariat or admin: may change the text directly


class MemberLike(Protocol):
    """What this module uses of a logged-in member."""

    @property
    def language(self) -> str: ...

    @property
    def needs_totp(self) -> bool: ...


class SessionLike(Protocol):
    """What this module uses of a browser session."""

    @property
    def csrf_secret(self) -> str: ...

    @property
    def second_factor_ok(self) -> bool: ...


@dataclass
class Ctx:
    """Everything a view needs about its request."""

    request: Request
    settings: Settings
    db: Session
    lang: str
    member: MemberLike | None = None
    session: SessionLike | None = None
    token: Any = None
    form: dict[str, str] = field(default_factory=dict)
    form_lists: dict[str, list[str]] = field(default_factory=dict)
    body: Any = None
    cookies: list[tuple[str, str, int | None]] = field(default_factory=list)
    anon_binding: str | None = None

    def _(self, message: str) -> str:
        return i18n.gettext(message)

    def csrf_token(self) -> str:
        if self.session is not None:
            binding = self.session.csrf_secret
        else:
            if self.anon_binding is None:
                # Keep the browser's binding, so that forms open in other tabs stay valid.
                cookie = self.request.cookies.get(ANON_COOKIE)
                self.anon_binding = unsign(self.settings, "anon", cookie)
            if self.anon_binding is None:
                self.anon_binding = secrets.token_hex(16)
                self.set_cookie(ANON_COOKIE, sign(self.settings, "anon", self.anon_binding), None)
            binding = self.anon_binding
        return make_csrf_token(self.settings.secret_key, binding)

    def set_cookie(self, name: str, value: str, max_age: int | None) -> None:
        self.cookies.append((name, value, max_age))

    def flash(self, message: str) -> None:
        """A message id, translated when shown."""
        self.set_cookie(FLASH_COOKIE, sign(self.settings, "flash", message), 300)

    def flash_text(self, text: str) -> None:
        """An already translated message (with values filled in)."""
        self.set_cookie(FLASH_COOKIE, sign(self.settings, "flash", ["text", text]), 300)

    def redirect(self, url: str, message: str | None = None) -> Response:
        if message:
            self.flash(message)
        return RedirectResponse(url, status_code=303)

    def start_over(self) -> None:
        """Undo what a refused call wrote; the page is then read in a fresh transaction."""
        self.db.rollback()
        self.db.begin()

    def url(self, name: str, **params: Any) -> str:
        """The path (never a full URL) of the route called ``name``."""
        return str(self.request.app.url_path_for(name, **params))


def _apply_cookies(ctx: Ctx, response: Response) -> Response:
    secure = ctx.settings.production
    for name, value, max_age in ctx.cookies:
        if value == "":
            response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
        else:
            response.set_cookie(
                name,
                value,
                max_age=max_age,
                path="/",
                secure=secure,
                httponly=True,
                samesite="lax",
            )
    return response


def sign(settings: Settings, purpose: str, value: Any) -> str:
    """A cookie value only this server can have made (for ``purpose`` only)."""
    return URLSafeSerializer(settings.secret_key, salt=purpose).dumps(value)


def unsign(settings: Settings, purpose: str, value: str | None) -> str | None:
    """The string ``sign`` put in ``value``, or None when it is missing or forged."""
    if not value or len(value) > 500:
        return None
    try:
        result = URLSafeSerializer(settings.secret_key, salt=purpose).loads(value)
    except BadSignature:
        return None
    return result if isinstance(result, str) else None


def _choose_language(ctx: Ctx) -> str:
    if ctx.member is not None:
        return ctx.member.language
    cookie = ctx.request.cookies.get(LANG_COOKIE)
    if cookie in i18n.LANGUAGES:
        return cookie
    return i18n.negotiate(ctx.request.headers.get("accept-language"))


def _check_form_token(ctx: Ctx, gate: Gate) -> None:
    """CSRF: same site, a valid token bound to this browser, and (logged in) used only once."""
    request = ctx.request
    if cross_site(request.headers, request.url.netloc):
        raise Forbidden(
            N_("This form was sent from another site and was refused."), code="cross_site"
        )
    token = read_csrf_token(
        ctx.settings.secret_key,
        ctx.form.get("csrf_token"),
        max_age=ctx.settings.session_absolute_hours * 3600,
    )
    if ctx.session is not None:
        binding = ctx.session.csrf_secret
    else:
        binding = unsign(ctx.settings, "anon", request.cookies.get(ANON_COOKIE)) or ""
        ctx.anon_binding = binding or None
    if token is None or not binding or not secrets.compare_digest(token.binding, binding):
        raise Forbidden(
            N_(
                "This form has expired or did not come from this site. Reload the page and "
                "try again."
            ),
            code="csrf_failed",
        )
    if ctx.session is not None:
        gate.spend_form_nonce(ctx, token.nonce)


class FormAlreadySent(DomainError):
    status = 409
    code = "form_already_sent"

    def __init__(self) -> None:
        super().__init__(N_("This form was already sent; it was not done a second time."))


def _check_path(ctx: Ctx) -> None:
    """A path naming a row by a string with NUL in it names none: 404 before any query
    (PostgreSQL refuses NUL in text, and would make it a 500)."""
    for value in ctx.request.path_params.values():
        if isinstance(value, str) and "\x00" in value:
            raise NotFound(N_("Not found."))


ViewFn = Callable[[Ctx], Response]
ErrorRenderer = Callable[[Ctx, DomainError], Response]
# An answer that needs no database and no Ctx (here: 500 after an unexpected error).
PlainErrorRenderer = Callable[[Request, int], Response]
BodyParser = Callable[[bytes], Any]


class Gate(Protocol):
    """What a part that knows members hands to ``make_endpoint``."""

    def authenticate(self, ctx: Ctx, database: Database, unsafe: bool) -> None:
        """Set ``ctx.member``, ``ctx.session`` or ``ctx.token`` from the request, if any.

        ``unsafe`` is True for a request that may write (POST and the like).
        """

    def check_access(self, ctx: Ctx, access: Access) -> None:
        """Raise ``Unauthenticated`` or ``Forbidden`` unless ``ctx`` may reach ``access``."""

    def spend_form_nonce(self, ctx: Ctx, nonce: str) -> None:
        """Record a logged-in form's one-time nonce; raise ``FormAlreadySent`` when reused."""


async def _read_form(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type != "application/x-www-form-urlencoded":
        return {}, {}
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, strict_parsing=False
        )
    except (UnicodeDecodeError, ValueError):
        return {}, {}
    single: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    for key, value in pairs:
        single.setdefault(key, value)
        lists.setdefault(key, []).append(value)
    return single, lists


def make_endpoint(
    view: ViewFn,
    *,
    access: Access,
    gate: Gate,
    render_error: ErrorRenderer,
    plain_error: PlainErrorRenderer,
    parse_body: BodyParser | None = None,
    csrf: bool = True,
) -> Callable[[Request], Any]:
    """Wrap ``view``.

    Without ``parse_body`` (a page) the body is read as an urlencoded form into
    ``ctx.form`` and, when ``csrf``, its token is checked and spent. With it (the API) the
    raw body is parsed into ``ctx.body``; the gate checks what the API needs instead.
    """

    async def endpoint(request: Request) -> Response:
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
        form: tuple[dict[str, str], dict[str, list[str]]] = ({}, {})
        raw_body = b""
        if unsafe:
            if parse_body is None:
                form = await _read_form(request)
            else:
                raw_body = await request.body()
        try:
            return await run_in_threadpool(_run, request, form, raw_body, unsafe)
        except Exception:
            # Logged without the request's address; the person gets a generic page.
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            return plain_error(request, 500)

    def _run(
        request: Request,
        form: tuple[dict[str, str], dict[str, list[str]]],
        raw_body: bytes,
        unsafe: bool,
    ) -> Response:
        settings: Settings = request.app.state.settings
        database: Database = request.app.state.database
        token_lang = i18n.current_language.set(i18n.DEFAULT_LANGUAGE)
        try:
            with database.write() if unsafe else database.read() as db:
                ctx = Ctx(
                    request=request,
                    settings=settings,
                    db=db,
                    lang=i18n.DEFAULT_LANGUAGE,
                    form=form[0],
                    form_lists=form[1],
                )
                response = _handle(ctx, database, unsafe, raw_body)
            return _apply_cookies(ctx, response)
        finally:
            i18n.current_language.reset(token_lang)

    def _handle(ctx: Ctx, database: Database, unsafe: bool, raw_body: bytes) -> Response:
        db = ctx.db
        db.begin()
        try:
            gate.authenticate(ctx, database, unsafe)
            ctx.lang = _choose_language(ctx)
            i18n.current_language.set(ctx.lang)
            if unsafe and parse_body is not None:
                ctx.body = parse_body(raw_body)
            gate.check_access(ctx, access)
            _check_path(ctx)
            if unsafe and csrf and parse_body is None:
                _check_form_token(ctx, gate)
            response = view(ctx)
            db.commit()
            return response
        except DomainError as error:
            if error.keep_changes:
                db.commit()
            else:
                db.rollback()
            return render_error(ctx, error)
        except BaseException:
            db.rollback()
            raise

    endpoint.__name__ = getattr(view, "__name__", "endpoint")
    endpoint.__doc__ = view.__doc__
    return endpoint


def json_response(data: Any, status: int = 200) -> Response:
    return JSONResponse(data, status_code=status)


def api_error(error: DomainError) -> Response:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.field:
        body["field"] = error.field
    return JSONResponse({"error": body}, status_code=error.status)


def json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


__all__ = [
    "Access",
    "Ctx",
    "FormAlreadySent",
    "Gate",
    "MemberLike",
    "SessionLike",
    "api_error",
    "json_response",
    "make_endpoint",
    "utcnow",
]

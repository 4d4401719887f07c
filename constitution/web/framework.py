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

import asyncio
import enum
import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from constitution import i18n
from constitution.db import (
    Database,
    FollowUp,
    after_commit,
    defer_follow_ups,
    take_follow_ups,
    utcnow,
)
from constitution.errors import N_, Busy, DomainError, Forbidden, NotFound
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
    database: Database | None = None
    # True while ``db`` is in a write transaction (on SQLite: holding the write lock).
    writing: bool = False
    # True in the check before a write request's body is read: nothing may be written.
    preflight: bool = False
    pending_nonce: str | None = None
    gate: Gate | None = None
    # While a kept page is built (``web.page_cache``): what stands for each CSRF token.
    csrf_slot: str | None = None
    # The time limits of this request's work (diff budgets): a page built past one
    # (``ran_out``) shows less than it would with time to spare and is not kept.
    limits: list[Any] = field(default_factory=list)

    def _(self, message: str) -> str:
        return i18n.gettext(message)

    def message(self, message: str, **values: Any) -> str:
        """``message`` translated, with ``values`` filled in: numbers in the page's digits
        (for a flash text; templates' ``_()`` does the same)."""
        return i18n.gettext(message) % i18n.localized(values, self.lang)

    def csrf_token(self) -> str:
        if self.csrf_slot is not None:
            return self.csrf_slot
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
        take_follow_ups(self.db)
        self.db.begin()
        if self.writing:
            self.db.connection(execution_options={"immediate": True})

    def begin_write(self) -> None:
        """In a phased view: end the read transaction and take the write lock now.

        Slow work (password hashing, diffs) is done before this call, on what was read;
        after it, the view must check that what it relied on has not changed meanwhile
        (rows read before may be stale). A form's one-time token is spent here.
        """
        if self.writing:
            return
        self.db.commit()
        self.db.begin()
        self.db.connection(execution_options={"immediate": True})
        self.writing = True
        if self.pending_nonce is not None and self.gate is not None:
            nonce, self.pending_nonce = self.pending_nonce, None
            self.gate.spend_form_nonce(self, nonce)

    def answer_after_commit(self, render: Callable[[Session], Response]) -> Response:
        """An answer made after the commit and its follow-up work (for instance an
        amendment with the conflicts its follow-up found), in a fresh read transaction."""
        return AnswerLater(render)

    def after_commit(self, task: FollowUp) -> None:
        """Do ``task`` once this request's writes have committed, outside the write lock,
        before the answer is sent (see ``constitution.db.after_commit``). When it fails,
        the request's writes stand and the task's work waits for its next run."""
        after_commit(self.db, task)

    def url(self, name: str, **params: Any) -> str:
        """The path (never a full URL) of the route called ``name``."""
        return path_for(self.request.app, name, params)


# Route paths one app remembers (all forgotten past it, to start again).
ROUTE_PATHS = 10_000


def path_for(app: Any, name: str, params: dict[str, Any]) -> str:
    """The path of the route called ``name``, remembered per app: Starlette tries the routes
    one by one, and a page asks for the same few paths many times."""
    cache: dict[tuple[str, tuple[tuple[str, Any], ...]], str] | None
    cache = getattr(app.state, "route_paths", None)
    if cache is None:
        cache = app.state.route_paths = {}
    try:
        key = (name, tuple(sorted(params.items())))
        found = cache.get(key)
    except TypeError:  # a parameter that cannot be a key: ask the router itself
        return str(app.url_path_for(name, **params))
    if found is None:
        found = str(app.url_path_for(name, **params))
        if len(cache) >= ROUTE_PATHS:
            cache.clear()
        cache[key] = found
    return found


class AnswerLater(Response):
    """What ``Ctx.answer_after_commit`` returns: replaced by ``make(db)`` once committed."""

    def __init__(self, render: Callable[[Session], Response]) -> None:
        super().__init__(status_code=204)
        self.make = render


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
        if ctx.writing:
            gate.spend_form_nonce(ctx, token.nonce)
        else:
            # A phased view spends it when it takes the write lock.
            ctx.pending_nonce = token.nonce


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


class RequestPool:
    """At most ``size`` requests of one kind in progress per worker, and at most ``queue``
    waiting (each up to ``wait`` seconds) for a place; any more are refused at once with
    503 and Retry-After. A flood of logins (argon2's work each) then takes ``size`` threads
    of the worker's pool, never all of them, and costs the flooder, not the members.

    Used from the event loop only: the counters need no lock."""

    def __init__(self, size: int, *, queue: int = 8, wait: float = 2.0, retry_after: int = 5):
        self.size = size
        self.queue = queue
        self.wait = wait
        self.retry_after = retry_after
        self.in_use = 0
        self.waiting = 0
        self._freed: asyncio.Event | None = None

    async def take(self) -> bool:
        """A place (True), or False when the pool and its queue are full."""
        if self.in_use < self.size:
            self.in_use += 1
            return True
        if self.waiting >= self.queue:
            return False
        self.waiting += 1
        try:
            deadline = asyncio.get_running_loop().time() + self.wait
            while self.in_use >= self.size:
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    return False
                if self._freed is None:
                    self._freed = asyncio.Event()
                freed = self._freed
                try:
                    await asyncio.wait_for(freed.wait(), left)
                except TimeoutError:
                    return False
            self.in_use += 1
            return True
        finally:
            self.waiting -= 1

    def give_back(self) -> None:
        self.in_use -= 1
        if self._freed is not None:
            # Wake every waiter; the first to run takes the place, the others wait again.
            self._freed.set()
            self._freed = None


class Lanes:
    """Fair shares of a worker's threads: each credential (a bearer token, a session cookie)
    has a lane of ``size`` requests in progress at once, and every request without one
    shares the anonymous lane. A member whose phone is used against the network, or a flood
    of strangers, then occupies a lane's threads, not the worker's: other members' requests
    keep being served. Lanes are made when first used and dropped when idle."""

    def __init__(self, size: int = 1, anonymous: int = 2) -> None:
        self.size = size
        self.anonymous = anonymous
        self.lanes: dict[str, RequestPool] = {}

    @staticmethod
    def key(request: Request) -> str:
        header = request.headers.get("authorization")
        if header:
            return "token:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()
        cookie = request.cookies.get("session") or request.cookies.get("__Host-session")
        if cookie:
            return "session:" + hashlib.sha256(cookie.encode("utf-8", "replace")).hexdigest()
        return "anonymous"

    def lane(self, key: str) -> RequestPool:
        pool = self.lanes.get(key)
        if pool is None:
            size = self.anonymous if key == "anonymous" else self.size
            pool = self.lanes[key] = RequestPool(size, queue=16, wait=10.0)
        return pool

    def release(self, key: str, pool: RequestPool) -> None:
        pool.give_back()
        self.release_unused(key, pool)

    def release_unused(self, key: str, pool: RequestPool) -> None:
        if pool.in_use == 0 and pool.waiting == 0 and self.lanes.get(key) is pool:
            del self.lanes[key]


LANES = Lanes()


# Errors by which the database says its write lock (or a row lock) stayed taken: SQLite's
# "database is locked" after the busy timeout, PostgreSQL's lock and statement timeouts,
# serialization failures and deadlocks. The request wrote nothing; trying again may work.
_BUSY_SQLSTATES = {"40001", "40P01", "55P03", "57014"}


def is_busy_error(error: BaseException) -> bool:
    if not isinstance(error, OperationalError):
        return False
    original = error.orig
    if "database is locked" in str(original) or "database is busy" in str(original):
        return True
    return getattr(original, "sqlstate", None) in _BUSY_SQLSTATES


def make_endpoint(
    view: ViewFn,
    *,
    access: Access,
    gate: Gate,
    render_error: ErrorRenderer,
    plain_error: PlainErrorRenderer,
    parse_body: BodyParser | None = None,
    csrf: bool = True,
    phased: bool = False,
    pool: RequestPool | None = None,
) -> Callable[[Request], Any]:
    """Wrap ``view``.

    Without ``parse_body`` (a page) the body is read as an urlencoded form into
    ``ctx.form`` and, when ``csrf``, its token is checked and spent. With it (the API) the
    raw body is parsed into ``ctx.body``; the gate checks what the API needs instead.

    A write request to a view that needs a member is first checked from its headers alone
    (in a read transaction): a request that would be refused is answered before its body is
    read or parsed. A write request otherwise runs in a write transaction from the start;
    a ``phased`` view instead starts in a read transaction and takes the write lock itself
    with ``ctx.begin_write()`` once its slow work is done. With ``pool``, requests beyond
    the pool's size are answered 503 at once. When the database's lock stays taken the
    answer is 503 with Retry-After, never a 500.
    """
    needs_member = access not in (Access.PUBLIC, Access.ANONYMOUS)
    # A page kept for this session (``web.page_cache.cached``): served before the gate.
    kept: Callable[[Ctx], Response | None] | None = getattr(view, "kept", None)

    async def endpoint(request: Request) -> Response:
        key = LANES.key(request)
        lane = LANES.lane(key)
        if not await lane.take():
            LANES.release_unused(key, lane)
            return await run_in_threadpool(_refuse, request, Busy(retry_after=lane.retry_after))
        try:
            if pool is not None and not await pool.take():
                return await run_in_threadpool(_refuse, request, Busy(retry_after=pool.retry_after))
            try:
                return await _serve(request)
            finally:
                if pool is not None:
                    pool.give_back()
        finally:
            LANES.release(key, lane)

    async def _serve(request: Request) -> Response:
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
        form: tuple[dict[str, str], dict[str, list[str]]] = ({}, {})
        raw_body = b""
        if unsafe and needs_member:
            refusal = await _guarded(request, _preflight, request)
            if refusal is not None:
                return refusal
        if unsafe:
            # Outside the guard: a body over the limit is the limit middleware's 413.
            try:
                if parse_body is None:
                    form = await _read_form(request)
                else:
                    raw_body = await request.body()
            except ClientDisconnect:
                return client_left()
        response = await _guarded(request, _run, request, form, raw_body, unsafe)
        assert response is not None
        return response

    async def _guarded(
        request: Request, work: Callable[..., Response | None], *args: Any
    ) -> Response | None:
        """``work`` in a worker thread; a busy database is a 503, anything else a 500."""
        try:
            return await run_in_threadpool(work, *args)
        except Exception as error:
            if is_busy_error(error):
                log.warning("database busy on %s %s", request.method, request.url.path)
                return await run_in_threadpool(_refuse, request, Busy())
            # Logged without the request's address; the person gets a generic page.
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            return plain_error(request, 500)

    def _context(request: Request, db: Session, database: Database) -> Ctx:
        return Ctx(
            request=request,
            settings=request.app.state.settings,
            db=db,
            lang=i18n.DEFAULT_LANGUAGE,
            database=database,
            gate=gate,
        )

    def _refuse(request: Request, error: DomainError) -> Response:
        """The error page or JSON of a refusal decided before the view ran."""
        database: Database = request.app.state.database
        token_lang = i18n.current_language.set(i18n.DEFAULT_LANGUAGE)
        try:
            with database.read() as db:
                ctx = _context(request, db, database)
                ctx.preflight = True
                ctx.lang = _choose_language(ctx)
                i18n.current_language.set(ctx.lang)
                response = _with_retry_after(render_error(ctx, error), error)
            return _apply_cookies(ctx, response)
        finally:
            i18n.current_language.reset(token_lang)

    def _preflight(request: Request) -> Response | None:
        """The refusal of a write request its headers already decide, or None."""
        database: Database = request.app.state.database
        token_lang = i18n.current_language.set(i18n.DEFAULT_LANGUAGE)
        try:
            with database.read() as db, db.begin():
                ctx = _context(request, db, database)
                ctx.preflight = True
                try:
                    gate.authenticate(ctx, database, True)
                    ctx.lang = _choose_language(ctx)
                    i18n.current_language.set(ctx.lang)
                    gate.check_access(ctx, access)
                except DomainError as error:
                    return _apply_cookies(ctx, _with_retry_after(render_error(ctx, error), error))
                return None
        finally:
            i18n.current_language.reset(token_lang)

    def _run(
        request: Request,
        form: tuple[dict[str, str], dict[str, list[str]]],
        raw_body: bytes,
        unsafe: bool,
    ) -> Response:
        database: Database = request.app.state.database
        token_lang = i18n.current_language.set(i18n.DEFAULT_LANGUAGE)
        writing = unsafe and not phased
        try:
            with database.write() if writing else database.read() as db:
                defer_follow_ups(db)
                ctx = _context(request, db, database)
                ctx.writing = writing
                ctx.form, ctx.form_lists = form
                response = _handle(ctx, database, unsafe, raw_body)
                tasks = take_follow_ups(db)
            for task in tasks:
                _run_task(task, database, request)
            if isinstance(response, AnswerLater):
                with database.read() as db, db.begin():
                    ctx.db = db
                    response = response.make(db)
            return _apply_cookies(ctx, response)
        finally:
            i18n.current_language.reset(token_lang)

    def _handle(ctx: Ctx, database: Database, unsafe: bool, raw_body: bytes) -> Response:
        db = ctx.db
        db.begin()
        try:
            if kept is not None and not unsafe:
                response = kept(ctx)
                if response is not None:
                    db.commit()
                    return response
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
            if ctx.pending_nonce is not None:
                # A phased view that wrote nothing (a preview) still used its form once.
                ctx.begin_write()
            db.commit()
            return response
        except DomainError as error:
            if error.keep_changes:
                db.commit()
            else:
                db.rollback()
                take_follow_ups(db)
            return _with_retry_after(render_error(ctx, error), error)
        except BaseException:
            db.rollback()
            take_follow_ups(db)
            raise

    endpoint.__name__ = getattr(view, "__name__", "endpoint")
    endpoint.__doc__ = view.__doc__
    return endpoint


def _with_retry_after(response: Response, error: DomainError) -> Response:
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


# Tests set this: a follow-up that fails there is a bug to see, not a line in a log.
RAISE_FOLLOW_UP_ERRORS = False


def _run_task(task: FollowUp, database: Database, request: Request) -> None:
    try:
        if not database.run_follow_up(task):
            log.warning("follow-up work kept changing under it after %s", request.url.path)
    except Exception:
        if RAISE_FOLLOW_UP_ERRORS:
            raise
        # The request's own writes are committed; the task's work waits for its next run.
        log.exception("follow-up work failed after %s %s", request.method, request.url.path)


def json_response(data: Any, status: int = 200) -> Response:
    return JSONResponse(data, status_code=status)


def api_error(error: DomainError) -> Response:
    body: dict[str, Any] = {**error.details, "code": error.code, "message": error.message}
    if error.field:
        body["field"] = error.field
    return _with_retry_after(JSONResponse({"error": body}, status_code=error.status), error)


def client_left() -> Response:
    """The answer to a request whose client went away before its body arrived: nothing
    was done, and nobody reads it (not an error of ours to log)."""
    return Response(status_code=400)


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
    "client_left",
    "json_response",
    "make_endpoint",
    "utcnow",
]

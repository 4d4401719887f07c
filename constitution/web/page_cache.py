"""Reading pages kept, rendered, for the browser session that asked for them, until
anything they could show changes.

A member reads the same chapter, provision or list again and again between changes: each
time the page would be built from the same rows. A view wrapped with :func:`cached` is
built once per browser session, language, URL and **stamp**, and served from memory after.

The stamp is read in one statement at the start of the request's read transaction:

* the registered stamp queries (``constitution.wiring`` registers the audit chain's head:
  every change to what pages show is appended to the chain in the transaction that makes
  it, so the head's number moves with every commit that changes them; the head is locked
  while appended, so it moves in commit order), and
* the member's navigation counts (unread notifications are marked read without an audit
  event, and the header shows how many are left).

The page is built in the same transaction, after the stamp is read, so what it shows is at
least as new as its stamp: a page is never kept under a stamp older than its content's.
Entries also expire after ``page_cache_seconds``, which bounds how long anything that no
stamp covers could be shown stale.

What is never shared: an entry belongs to one browser session (the hash of its id, which
changes when the session is rotated, is part of the key), so a member never sees a page
built for another member or another session, with another's controls. Forms in a kept page
get a **fresh** CSRF token each time it is served: the page is built with a placeholder
where each token goes, and each placeholder is filled with a new token (each with its own
one-time nonce) on the way out. Only complete ``200`` pages of a ``GET`` that set no
cookie and show no one-time message are kept, and none built past one of its request's
time limits (``ctx.limits``: a diff budget that ran out). Past it, the merges that place
each amendment on the current text are coarser, and they are worked out afresh for each
page built; a simplified diff itself is stored and shown, flagged, either way.

Each worker has its own cache, bounded in bytes (``page_cache_mb``; 0 turns it off), least
recently used first out. Workers need not agree: each reads the stamp from the database.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ScalarSelect, Select, select
from starlette.responses import Response

from constitution.security import make_csrf_token
from constitution.web.framework import FLASH_COOKIE, Ctx

__all__ = ["PageCache", "cached", "register_stamp"]

# Scalar subqueries whose values together say whether anything changed (registered).
StampQuery = Callable[[], ScalarSelect[Any]]
STAMP_QUERIES: dict[str, StampQuery] = {}


def register_stamp(name: str, query: StampQuery) -> None:
    """Make ``query`` (a scalar subquery) part of every kept page's stamp."""
    STAMP_QUERIES[name] = query


@dataclass(frozen=True)
class _Entry:
    body: bytes  # with a placeholder where each CSRF token goes
    headers: tuple[tuple[str, str], ...]
    media_type: str | None
    expires: float
    owner: str = ""  # the session it was built for (the hash of its id)


# Most pages one browser session may have kept in a worker: query strings the views do not
# read make new URLs, and one session (a script, a seized phone) must not push out
# everyone else's pages.
PER_SESSION = 64
# Expired entries dropped from the least recently used end at each put: the pages of an
# ended session do not stay in memory until a full cache pushes them out.
SWEEP = 8


class PageCache:
    """Kept pages of one worker: a least-recently-used map bounded in bytes."""

    def __init__(self, max_bytes: int, seconds: float) -> None:
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._owned: dict[str, int] = {}
        self._lock = threading.Lock()
        # What stands for a CSRF token in a kept page: random, so no text a member writes
        # can name it (and a page showing it by chance would only get a fresh token there).
        self.slot = f"csrf-slot-{secrets.token_hex(16)}"
        self._slot_bytes = self.slot.encode()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, now: float, *, count_miss: bool = True) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.expires <= now:
                if entry is not None:
                    self._drop(key)
                self.misses += count_miss
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Hashable, entry: _Entry, now: float | None = None) -> None:
        cost = len(entry.body)
        if cost > self.max_bytes // 8:
            return  # one page may not push out most of the others
        with self._lock:
            if key in self._entries:
                self._drop(key)
            if self._owned.get(entry.owner, 0) >= PER_SESSION:
                return
            self._entries[key] = entry
            self._owned[entry.owner] = self._owned.get(entry.owner, 0) + 1
            self.size += cost
            while self.size > self.max_bytes:
                self._drop(next(iter(self._entries)))
            if now is not None:
                for _ in range(SWEEP):
                    oldest = next(iter(self._entries), None)
                    if oldest is None or self._entries[oldest].expires > now:
                        break
                    self._drop(oldest)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._owned.clear()
            self.size = 0

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key)
        self.size -= len(entry.body)
        left = self._owned[entry.owner] - 1
        if left:
            self._owned[entry.owner] = left
        else:
            del self._owned[entry.owner]

    def fill(self, body: bytes, token: Callable[[], str]) -> bytes:
        """``body`` with a new CSRF token in each placeholder."""
        pieces = body.split(self._slot_bytes)
        if len(pieces) == 1:
            return body
        out = [pieces[0]]
        for piece in pieces[1:]:
            out.append(token().encode())
            out.append(piece)
        return b"".join(out)


def _columns_key() -> Hashable | None:
    """What the stamp's columns are made of; None when a count has no query (it could
    change unseen) or nothing says when pages change: then no page is kept."""
    from constitution.web.render import NAV_ITEMS, NAV_QUERIES

    if not STAMP_QUERIES or any(name not in NAV_QUERIES for name in NAV_ITEMS):
        return None
    return (tuple(STAMP_QUERIES.items()), tuple(NAV_ITEMS), tuple(NAV_QUERIES.items()))


def _columns(member: Any) -> list[Any]:
    """The stamp's columns for ``member`` (anything with an ``id``: a member, or the
    session row's member column on the fast path): the registered stamp queries, then her
    navigation counts."""
    from constitution.web.render import NAV_ITEMS, NAV_QUERIES

    columns = [query().label(f"stamp_{name}") for name, query in sorted(STAMP_QUERIES.items())]
    columns += [
        NAV_QUERIES[name](member).scalar_subquery().label(f"nav_{name}") for name in NAV_ITEMS
    ]
    return columns


# The stamp's statement of each member (its counts are hers), built once: building the
# expression costs more than running it.
_STATEMENTS: OrderedDict[Hashable, Select[Any]] = OrderedDict()
_STATEMENTS_SIZE = 1024
_statements_lock = threading.Lock()


def _statement(member: Any) -> Select[Any] | None:
    made_of = _columns_key()
    if made_of is None:
        return None
    key = (member.id, made_of)
    with _statements_lock:
        found = _STATEMENTS.get(key)
        if found is not None:
            _STATEMENTS.move_to_end(key)
            return found
    statement: Select[Any] = select(*_columns(member))
    with _statements_lock:
        _STATEMENTS[key] = statement
        while len(_STATEMENTS) > _STATEMENTS_SIZE:
            _STATEMENTS.popitem(last=False)
    return statement


def _stamp(ctx: Ctx) -> tuple[Any, ...] | None:
    """What the kept page depends on besides its URL and session, in one statement; None
    when the member is not fully logged in (no page of hers is kept)."""
    member = ctx.member
    session = ctx.session
    if member is None or session is None or not session.second_factor_ok or member.needs_totp:
        return None
    statement = _statement(member)
    if statement is None:
        return None
    return tuple(ctx.db.execute(statement).one())


def _keepable(ctx: Ctx, cache: PageCache | None) -> bool:
    request = ctx.request
    return cache is not None and request.method == "GET" and not request.cookies.get(FLASH_COOKIE)


def cached(view: Callable[[Ctx], Response]) -> Callable[[Ctx], Response]:
    """``view`` with its pages kept (see the module's text); unchanged when the app has no
    page cache or the request is not a member's plain ``GET``.

    The wrapper's ``kept(ctx)`` is the fast path ``make_endpoint`` tries first, before the
    gate: the gate's ``live_session`` reads the session with the stamp in one statement,
    and a page kept for that session under that stamp is served. A kept page was built
    by a request of the same session that passed the full path (the gate and the view's
    access level); what could change that since is audited (roles, second factor, an
    account's end), so the stamp moves, or is checked again (the session's end, its
    times, the member's second factor). Anything else takes the full path.
    """
    name = (view.__module__, view.__qualname__)

    def key_of(
        request: Any, id_hash: str, language: str, roles: Any, stamp: tuple[Any, ...]
    ) -> Hashable:
        # Her roles too: on PostgreSQL the gate reads them before the stamp, in an earlier
        # snapshot, and the page's controls follow them.
        kept_roles = tuple(sorted(str(role) for role in roles or ()))
        return (name, request.url.path, request.url.query, id_hash, language, kept_roles, stamp)

    def kept(ctx: Ctx) -> Response | None:
        cache: PageCache | None = getattr(ctx.request.app.state, "page_cache", None)
        live = getattr(ctx.gate, "live_session", None)
        made_of = _columns_key()
        if cache is None or live is None or made_of is None or not _keepable(ctx, cache):
            return None
        found = live(ctx, _columns, made_of)
        if found is None:
            return None
        key = key_of(ctx.request, found.id_hash, found.language, found.roles, found.extra)
        entry = cache.get(key, time.monotonic(), count_miss=False)
        if entry is None:
            return None
        secret_key, binding = ctx.settings.secret_key, found.csrf_secret
        return Response(
            cache.fill(entry.body, lambda: make_csrf_token(secret_key, binding)),
            headers=dict(entry.headers),
            media_type=entry.media_type,
        )

    def serve(ctx: Ctx) -> Response:
        cache: PageCache | None = getattr(ctx.request.app.state, "page_cache", None)
        id_hash = getattr(ctx.session, "id_hash", None)
        if cache is None or not _keepable(ctx, cache) or not isinstance(id_hash, str):
            return view(ctx)
        stamp = _stamp(ctx)
        if stamp is None:
            return view(ctx)
        key = key_of(ctx.request, id_hash, ctx.lang, getattr(ctx.member, "roles", ()), stamp)
        now = time.monotonic()
        entry = cache.get(key, now)
        if entry is not None:
            return Response(
                cache.fill(entry.body, ctx.csrf_token),
                headers=dict(entry.headers),
                media_type=entry.media_type,
            )
        ctx.csrf_slot = cache.slot
        try:
            cookies_before = len(ctx.cookies)
            response = view(ctx)
        finally:
            ctx.csrf_slot = None
        body = bytes(response.body)
        if (
            response.status_code == 200
            and len(ctx.cookies) == cookies_before
            and "set-cookie" not in response.headers
            and not any(limit.ran_out for limit in ctx.limits)
        ):
            headers = tuple(
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in ("content-length", "content-type")
            )
            entry = _Entry(body, headers, response.media_type, now + cache.seconds, id_hash)
            cache.put(key, entry, now)
        filled = cache.fill(body, ctx.csrf_token)
        response.body = filled
        response.headers["content-length"] = str(len(filled))
        return response

    serve.__name__ = getattr(view, "__name__", "page")
    serve.__qualname__ = getattr(view, "__qualname__", "page")
    serve.__doc__ = view.__doc__
    serve.__module__ = view.__module__
    serve.kept = kept  # type: ignore[attr-defined]
    return serve

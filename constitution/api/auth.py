"""API authentication (bearer token, or the browser session plus a CSRF header) and JSON.

``ApiGate`` is what the route table hands to ``make_endpoint`` for the API, with
``parse_json`` as its body parser.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from constitution.accounts import sessions as session_service
from constitution.accounts.web import BrowserGate, load_browser_session
from constitution.db import Database
from constitution.errors import N_, DomainError, Forbidden, Unauthenticated
from constitution.security import read_csrf_token
from constitution.web.framework import Ctx


class MalformedJson(DomainError):
    status = 400
    code = "malformed_json"


SURROGATE = re.compile("[\ud800-\udfff]")
SEGMENT_MAX = 60
FIELD_PATH_MAX = 200

# Where a value sits in the body: (key or index, where its parent sits), None at the top.
Trail = tuple[str, "Trail"] | None


def parse_json(raw: bytes) -> Any:
    """The JSON value of a request body; 400 for anything that is not JSON of real text."""
    if not raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedJson(N_("The request body is not valid UTF-8.")) from None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # ValueError: also an integer of > 4300 digits
        raise MalformedJson(N_("The request body is not valid JSON.")) from None
    where = lone_surrogate(value)
    if where is not None:
        # An escape such as "\udc00" is valid JSON but no text: no database, password hash
        # or page could take it.
        raise MalformedJson(
            N_("The request body contains text that is not valid Unicode (a lone surrogate)."),
            field=where,
        )
    return value


def lone_surrogate(value: Any) -> str | None:
    """Where in a parsed JSON value a string (a key or a value) holds a lone surrogate, as a
    dotted path ("changes.0.text.my"; "body" for the whole), or None when there is none.

    Iterative, so that any depth ``json.loads`` returned is walked without recursion; the
    path is written out only when one is found.
    """
    stack: list[tuple[Any, Trail]] = [(value, None)]
    while stack:
        item, trail = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and SURROGATE.search(item):
                return _path(trail)
        elif isinstance(item, dict):
            for key, child in item.items():
                if not key.isascii() and SURROGATE.search(key):
                    return _path(trail)
                stack.append((child, (key, trail)))
        elif isinstance(item, list):
            stack.extend((child, (str(i), trail)) for i, child in enumerate(item))
    return None


def _path(trail: Trail) -> str:
    segments: list[str] = []
    while trail is not None:
        segment, trail = trail
        segments.append(segment[:SEGMENT_MAX])
    return ".".join(reversed(segments))[:FIELD_PATH_MAX] or "body"


def authenticate_api(ctx: Ctx, database: Database, unsafe: bool) -> None:
    """Bearer token first; else the browser session, whose writes need X-CSRF-Token."""
    header = ctx.request.headers.get("authorization")
    if header is not None:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip() or len(raw) > 200:
            raise Unauthenticated(
                N_("The Authorization header must be 'Bearer TOKEN'."), code="not_authenticated"
            )
        token = session_service.load_token(ctx.db, raw.strip())
        if token is None:
            raise Unauthenticated(
                N_("This token is not valid or has expired."), code="invalid_token"
            )
        ctx.token = token
        ctx.member = token.member
        return
    load_browser_session(ctx, database)
    if ctx.session is not None and unsafe:
        csrf = read_csrf_token(
            ctx.settings.secret_key,
            ctx.request.headers.get("x-csrf-token"),
            max_age=ctx.settings.session_absolute_hours * 3600,
        )
        if csrf is None or not secrets.compare_digest(csrf.binding, ctx.session.csrf_secret):
            raise Forbidden(
                N_("Send the X-CSRF-Token header with a session cookie."), code="csrf_failed"
            )


class ApiGate(BrowserGate):
    """The API: a bearer token, or the browser session whose writes carry X-CSRF-Token.

    Access levels and form nonces work as for pages (the API reads no forms).
    """

    def authenticate(self, ctx: Ctx, database: Database, unsafe: bool) -> None:
        authenticate_api(ctx, database, unsafe)

    def parse_body(self, raw: bytes) -> Any:
        return parse_json(raw)

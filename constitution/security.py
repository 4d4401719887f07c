"""What every response and every write goes through: headers, body limits, CSRF."""

from __future__ import annotations

import functools
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"
)


def csp(*style_sources: str) -> str:
    """The policy, its ``style-src`` also allowing ``style_sources`` (the hash of the one
    inline critical stylesheet; never 'unsafe-inline')."""
    return CSP.replace("style-src 'self'", " ".join(["style-src 'self'", *style_sources]))


SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response, and no-store to dynamic ones."""

    def __init__(
        self, app: ASGIApp, *, production: bool, style_sources: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.production = production
        self.headers = [
            (b"content-security-policy", csp(*style_sources).encode()),
            *SECURITY_HEADERS[1:],
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {h for h, _ in SECURITY_HEADERS}
                ]
                headers.extend(self.headers)
                if self.production:
                    headers.append(HSTS)
                if not is_static and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _too_large(scope: Scope) -> tuple[bytes, bytes]:
    if scope["path"].startswith("/api/"):
        body = json.dumps(
            {"error": {"code": "body_too_large", "message": "The request body is too large."}}
        ).encode()
        return body, b"application/json"
    page = (
        "<!doctype html><html lang=my><meta charset=utf-8><title>413</title>"
        "<p>ပို့သည့်အချက်အလက် များလွန်းသည်။</p><p>The request body is too large.</p></html>"
    )
    return page.encode(), b"text/html; charset=utf-8"


class BodyLimitMiddleware:
    """Refuses a body over the limit with 413, before reading it when Content-Length says so."""

    def __init__(self, app: ASGIApp, *, default: int, large: int, large_paths: tuple[str, ...]):
        self.app = app
        self.default = default
        self.large = large
        self.large_paths = large_paths

    def _limit(self, path: str) -> int:
        return self.large if path in self.large_paths else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._reject(scope, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._reject(scope, send)

    async def _reject(self, scope: Scope, send: Send) -> None:
        body, content_type = _too_large(scope)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


# ---- CSRF -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsrfToken:
    binding: str
    nonce: str


@functools.lru_cache(maxsize=4)
def csrf_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="csrf")


def make_csrf_token(secret_key: str, binding: str) -> str:
    return csrf_serializer(secret_key).dumps([binding, secrets.token_hex(12)])


def read_csrf_token(secret_key: str, token: str | None, max_age: int) -> CsrfToken | None:
    if not token or len(token) > 400:
        return None
    try:
        value = csrf_serializer(secret_key).loads(token, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value):
        return None
    return CsrfToken(binding=value[0], nonce=value[1])


def cross_site(headers: Headers, own_netloc: str) -> bool:
    """True when the browser says the request came from another site.

    Sec-Fetch-Site, when sent, decides (under a ``no-referrer`` policy browsers send
    ``Origin: null`` even on a same-origin post, which is why the policy is ``same-origin``).
    Otherwise a foreign or opaque Origin is refused.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is not None and origin != "null":
        return urlsplit(origin).netloc != own_netloc
    return origin == "null"

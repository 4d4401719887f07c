"""The security baseline of DESIGN.md, over HTTP: headers, CSP, CSRF, body limits, sessions,
timeouts, throttling and cookies."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from itsdangerous import TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from constitution.accounts import sessions
from constitution.accounts.models import (
    ApiToken,
    AuthSession,
    Invitation,
    LoginThrottle,
    Member,
    UsedFormToken,
)
from constitution.app import create_app
from constitution.audit.models import AuditEvent
from constitution.cli import migrate
from constitution.db import Database, make_engine, utcnow
from constitution.models import metadata
from constitution.routes import API_ROUTES, PAGE_ROUTES
from constitution.security import make_csrf_token
from constitution.settings import Settings
from constitution.web.render import critical_css, critical_css_source
from tests.factories import (
    PASSWORD,
    api_token,
    bearer,
    csrf_token,
    current_code,
    login,
    make_member,
    post_form,
)
from tests.functional.test_authorization import World, build_world, path_for
from tests.live.sse import fetch


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    return build_world(db, settings)


MB = 1024 * 1024
LIMIT_PATHS = ("/login", "/api/v1/tokens")


# ---- helpers ----------------------------------------------------------------------------


def tamper(signed: str) -> str:
    """The value with one signature character changed (not the last: in base64 its low
    bits are padding, so changing it may decode to the same signature)."""
    i = len(signed) - 6
    return signed[:i] + ("A" if signed[i] != "A" else "B") + signed[i + 1 :]


def new_client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as other:
        yield other


@pytest.fixture
def other_client(app: Starlette) -> Iterator[TestClient]:
    yield from new_client(app)


def count(db: Session, model: Any, *where: Any) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def audit_actions(db: Session, action: str) -> int:
    return count(db, AuditEvent, AuditEvent.action == action)


def invite_form(client: TestClient, token: str, username: str = "newbie") -> Any:
    return client.post(
        "/admin/invitations",
        data={
            "csrf_token": token,
            "username": username,
            "display_name": "Newbie",
            "roles": ["member"],
        },
    )


def page_token(client: TestClient, path: str = "/") -> str:
    return csrf_token(client.get(path).text)


def session_of(db: Session, member: Member) -> AuthSession:
    db.expire_all()
    return db.scalars(select(AuthSession).where(AuthSession.member_id == member.id)).one()


def set_cookies(client: TestClient, cookies: dict[str, str]) -> None:
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)


@pytest.fixture
def admin(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "root", ["member", "admin"])


# ---- headers and CSP --------------------------------------------------------------------

EXPECTED_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
# Never a page address sent to another site (same-origin still lets browsers send Origin).
PRIVATE_REFERRER = ("no-referrer", "same-origin")


def assert_security_headers(response: Any) -> None:
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.request.url)
    assert response.headers.get("referrer-policy") in PRIVATE_REFERRER
    assert "content-security-policy" in response.headers
    assert_strict_csp(response.headers["content-security-policy"])


def assert_strict_csp(policy: str) -> None:
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert "form-action" in directives
    for name, sources in directives.items():
        for source in sources:
            # Only this site (or inline images as data:): no host, no scheme-wide source,
            # no 'unsafe-inline', 'unsafe-eval' or nonce; one hash: that of the critical
            # stylesheet every page inlines (static/critical.css), for styles only.
            if source.startswith("'sha256-"):
                assert (name, source) == ("style-src", critical_css_source()), (name, source)
                continue
            assert source in ("'self'", "'none'", "data:"), (name, source)
            if source == "data:":
                assert name == "img-src", name
    assert "unsafe" not in policy
    assert "http" not in policy and "*" not in policy


def too_big_body(size: int = MB + 1) -> Iterator[bytes]:
    chunk = b"a" * 65536
    sent = 0
    while sent < size:
        piece = chunk[: size - sent]
        sent += len(piece)
        yield piece


@pytest.mark.parametrize(
    ("method", "path", "status", "content_type"),
    [
        ("GET", "/", 200, "text/html"),
        ("GET", "/login", 200, "text/html"),
        ("GET", "/account", 303, None),
        ("GET", "/no/such/page", 404, "text/html"),
        ("GET", "/logout", 405, "text/html"),
        ("GET", "/api/v1/openapi.json", 200, "application/json"),
        ("GET", "/api/v1/me", 401, "application/json"),
        ("GET", "/api/v1/no/such/thing", 404, "application/json"),
        ("GET", "/static/site.css", 200, "text/css"),
        ("GET", "/static/missing.css", 404, None),
        ("POST", "/login", 403, "text/html"),
    ],
)
def test_every_kind_of_response_has_the_security_headers(
    client: TestClient, method: str, path: str, status: int, content_type: str | None
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    if content_type:
        assert response.headers["content-type"].startswith(content_type)
    assert_security_headers(response)
    if not path.startswith("/static/"):
        assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", LIMIT_PATHS)
def test_a_413_has_the_security_headers(client: TestClient, path: str) -> None:
    response = client.post(path, content=b"a" * (MB + 1))
    assert response.status_code == 413
    assert_security_headers(response)


def test_a_500_has_the_security_headers_and_says_nothing(
    app: Starlette, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from constitution.pages import home as views  # the home page's view

    def broken(_ctx: Any) -> Any:
        raise RuntimeError("secret detail /etc/passwd")

    monkeypatch.setattr(views, "render", lambda *a, **k: broken(None))
    response = client.get("/")
    assert response.status_code == 500
    assert_security_headers(response)
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text


def test_production_adds_hsts(settings: Settings, database: Any) -> None:
    app = create_app(dataclasses.replace(settings, production=True), database)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as secure:
        response = secure.get("/")
    assert response.headers["strict-transport-security"].startswith("max-age=")


def pages_to_inspect(client: TestClient, world: World, app: Starlette) -> list[str]:
    names = [r.name for r in PAGE_ROUTES if "GET" in (r.methods or ())]
    return [path_for(app, name, world) for name in names]


def test_pages_have_no_inline_script_style_or_third_party_source(
    app: Starlette,
    client: TestClient,
    world: World,
    db: Session,
    settings: Settings,
) -> None:
    """What the CSP forbids must not be in the markup either, or the page breaks."""
    anonymous_pages = [client.get("/").text, client.get("/login").text]
    anonymous_pages.append(client.get(path_for(app, "accounts.accept_form", world)).text)
    login(client, make_member(db, settings, "looker", ["member", "admin", "secretariat"]))
    pages = anonymous_pages + [client.get(p).text for p in pages_to_inspect(client, world, app)]
    for html in pages:
        soup = BeautifulSoup(html, "html.parser")
        for script in soup.find_all("script"):
            assert script.get("src"), "inline script"
        styles = soup.find_all("style")
        assert len(styles) <= 1, "more than one inline <style>"
        # The one allowed: the critical stylesheet, exactly (its hash is in the CSP).
        assert all(style.string == critical_css() for style in styles), "inline <style>"
        for tag in soup.find_all(True):
            for attribute, value in tag.attrs.items():
                assert attribute != "style", f"style attribute on <{tag.name}>"
                assert not attribute.startswith("on"), f"event handler {attribute}"
                if attribute in ("src", "href", "action", "formaction"):
                    text = value if isinstance(value, str) else " ".join(value)
                    assert not re.match(r"^\s*(https?:|//|javascript:)", text, re.I), text


# ---- no state change on GET -------------------------------------------------------------

VOLATILE = {("auth_sessions", "last_seen_at")}
# Stored diffs are a cache of what the texts already determine (texts.diffs), not state.
CACHES = {"diff_cache"}


def snapshot(db: Session) -> dict[str, list[tuple[Any, ...]]]:
    db.expire_all()
    state = {}
    for table in metadata.sorted_tables:
        if table.name in CACHES:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
        rows = db.execute(select(*columns)).all()
        state[table.name] = sorted((tuple(map(repr, row)) for row in rows), key=str)
    return state


@pytest.mark.parametrize("who", ["anonymous", "member", "admin", "admin_without_totp"])
def test_no_get_route_changes_anything(
    app: Starlette,
    client: TestClient,
    db: Session,
    settings: Settings,
    world: World,
    who: str,
) -> None:
    if who == "member":
        login(client, make_member(db, settings, "looker"))
    elif who == "admin":
        login(client, make_member(db, settings, "looker", ["member", "admin", "secretariat"]))
    elif who == "admin_without_totp":
        login(client, make_member(db, settings, "looker", ["member", "admin"], totp=False))
    get_routes = [r for r in [*PAGE_ROUTES, *API_ROUTES] if "GET" in (r.methods or ())]
    assert len(get_routes) >= 20
    before = snapshot(db)
    for route in get_routes:
        response = fetch(client, "GET", path_for(app, route.name, world))  # a stream too
        assert response.status_code < 500, route.name
        assert snapshot(db) == before, f"GET {route.path} changed the database"


def post_only_paths() -> list[str]:
    by_path: dict[str, set[str]] = {}
    for route in [*PAGE_ROUTES, *API_ROUTES]:
        by_path.setdefault(route.path, set()).update(route.methods or ())
    return sorted(p for p, methods in by_path.items() if "GET" not in methods)


def test_get_on_a_post_only_route_is_405_and_does_nothing(
    app: Starlette, client: TestClient, db: Session, settings: Settings
) -> None:
    member = make_member(db, settings, "aye")
    login(client, member)
    paths = post_only_paths()
    assert "/logout" in paths and "/logout/everywhere" in paths
    before = snapshot(db)
    for path in paths:
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        response = client.get(concrete)
        assert response.status_code == 405, path
        if path.startswith("/api/"):
            assert response.json()["error"]["code"] == "method_not_allowed"
    assert snapshot(db) == before
    # GET /logout did not log her out.
    assert client.get("/account").status_code == 200


# ---- CSRF -------------------------------------------------------------------------------


def test_form_without_token_is_refused(client: TestClient, db: Session, admin: Member) -> None:
    login(client, admin)
    response = client.post(
        "/admin/invitations", data={"username": "newbie", "display_name": "N", "roles": "member"}
    )
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    assert count(db, Invitation) == 0


def test_form_token_of_another_session_is_refused(
    client: TestClient, other_client: TestClient, db: Session, settings: Settings, admin: Member
) -> None:
    login(client, admin)
    other = make_member(db, settings, "other", ["member", "admin"])
    login(other_client, other)
    stolen = page_token(other_client, "/admin/invitations")
    assert invite_form(client, stolen).status_code == 403
    # Nor may an anonymous page's token stand in for a session's.
    anonymous = page_token(TestClient(client.app), "/login")
    assert invite_form(client, anonymous).status_code == 403
    assert count(db, Invitation) == 0


def forged_tokens(settings: Settings, binding: str, good: str) -> dict[str, str]:
    old = URLSafeTimedSerializer(settings.secret_key, salt="csrf")
    signer_time = int(utcnow().timestamp()) - settings.session_absolute_hours * 3600 - 60
    old_signer = old.make_signer("csrf")
    assert isinstance(old_signer, TimestampSigner)
    payload = old.dump_payload([binding, secrets.token_hex(12)])
    old_signer.get_timestamp = lambda: signer_time  # type: ignore[method-assign]
    expired = old_signer.sign(payload).decode()
    return {
        "random": secrets.token_urlsafe(40),
        "empty": "",
        "truncated": good[:-3],
        "flipped": tamper(good),
        "other key": make_csrf_token("another-secret-key-" * 3, binding),
        "other salt": URLSafeTimedSerializer(settings.secret_key, salt="session").dumps(
            [binding, "0" * 24]
        ),
        "not a list": URLSafeTimedSerializer(settings.secret_key, salt="csrf").dumps(binding),
        "expired": expired,
        "huge": good * 20,
        "unicode": "မြန်မာ" * 10,
    }


def test_forged_or_garbled_tokens_are_refused(
    client: TestClient, db: Session, settings: Settings, admin: Member
) -> None:
    login(client, admin)
    binding = session_of(db, admin).csrf_secret
    good = page_token(client, "/admin/invitations")
    for kind, token in forged_tokens(settings, binding, good).items():
        response = invite_form(client, token)
        assert response.status_code == 403, kind
    assert count(db, Invitation) == 0
    # The good one still works: the refusals were about the tokens.
    assert invite_form(client, good).status_code == 201


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"},
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver.evil.example"},
        {"Origin": "null"},
    ],
)
def test_cross_site_form_is_refused_even_with_a_valid_token(
    client: TestClient, db: Session, admin: Member, headers: dict[str, str]
) -> None:
    login(client, admin)
    token = page_token(client, "/admin/invitations")
    response = client.post(
        "/admin/invitations",
        data={"csrf_token": token, "username": "newbie", "display_name": "N"},
        headers=headers,
    )
    assert response.status_code == 403
    assert count(db, Invitation) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "http://testserver"},
        {},
    ],
)
def test_same_site_form_is_accepted(
    client: TestClient, db: Session, admin: Member, headers: dict[str, str]
) -> None:
    login(client, admin)
    token = page_token(client, "/admin/invitations")
    response = client.post(
        "/admin/invitations",
        data={"csrf_token": token, "username": "newbie", "display_name": "N"},
        headers=headers,
    )
    assert response.status_code == 201, response.text


def test_a_resubmitted_form_is_refused_and_acts_once(
    client: TestClient, db: Session, admin: Member
) -> None:
    login(client, admin)
    token = page_token(client, "/admin/invitations")
    spent = count(db, UsedFormToken)
    first = invite_form(client, token)
    assert first.status_code == 201
    again = invite_form(client, token)
    assert again.status_code == 409
    assert "already sent" in again.text
    # The same token with other content is refused too: the token is spent, not the content.
    other = invite_form(client, token, username="someone")
    assert other.status_code == 409
    assert count(db, Invitation) == 1
    assert audit_actions(db, "invitation.created") == 1
    assert count(db, UsedFormToken) == spent + 1


def test_anonymous_form_needs_its_own_cookie(client: TestClient, db: Session, settings) -> None:
    make_member(db, settings, "aye")
    token = page_token(client, "/login")
    form = {"csrf_token": token, "username": "aye", "password": PASSWORD}
    assert (
        client.post("/login", data={k: v for k, v in form.items() if k != "csrf_token"}).status_code
        == 403
    )
    with TestClient(client.app, follow_redirects=False) as stranger:
        assert stranger.post("/login", data=form).status_code == 403
    assert client.post("/login", data=form).status_code == 303


def test_anonymous_token_survives_other_pages_in_other_tabs(
    client: TestClient, db: Session, settings: Settings
) -> None:
    """A login form opened first still works after other pages were opened meanwhile."""
    make_member(db, settings, "aye")
    token = page_token(client, "/login")
    client.get("/")
    client.get("/login")
    response = client.post(
        "/login", data={"csrf_token": token, "username": "aye", "password": PASSWORD}
    )
    assert response.status_code == 303


def test_api_with_session_cookie_needs_the_csrf_header(
    client: TestClient, other_client: TestClient, db: Session, settings: Settings, admin: Member
) -> None:
    login(client, admin)
    body = {"username": "newbie", "display_name": "Newbie"}
    refused = client.post("/api/v1/invitations", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    for garbage in ("", "x", "a" * 500):
        response = client.post("/api/v1/invitations", json=body, headers={"X-CSRF-Token": garbage})
        assert response.status_code == 403
    other = make_member(db, settings, "other", ["member", "admin"])
    login(other_client, other)
    stolen = page_token(other_client)
    response = client.post("/api/v1/invitations", json=body, headers={"X-CSRF-Token": stolen})
    assert response.status_code == 403
    patch = client.patch(f"/api/v1/members/{other.id}", json={"active": False})
    assert patch.status_code == 403
    assert count(db, Invitation) == 0
    assert count(db, Member, Member.active.is_(False)) == 0

    ok = client.post("/api/v1/invitations", json=body, headers={"X-CSRF-Token": page_token(client)})
    assert ok.status_code == 201


def test_api_with_bearer_token_needs_no_csrf(
    client: TestClient, db: Session, settings: Settings, admin: Member
) -> None:
    token = sessions.issue_token(db, settings, admin)
    db.commit()
    body = {"username": "newbie", "display_name": "Newbie"}
    assert client.post("/api/v1/invitations", json=body, headers=bearer(token)).status_code == 201


# ---- body size --------------------------------------------------------------------------


@pytest.mark.parametrize("path", LIMIT_PATHS)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_one_megabyte_is_413(
    client: TestClient, db: Session, settings: Settings, path: str, chunked: bool
) -> None:
    make_member(db, settings, "aye")
    content: Any = too_big_body() if chunked else b"a" * (MB + 1)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if path.startswith("/api/"):
        headers = {"Content-Type": "application/json"}
    response = client.post(path, content=content, headers=headers)
    assert response.status_code == 413
    if chunked:
        assert "content-length" not in response.request.headers
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "body_too_large"
    else:
        assert response.headers["content-type"].startswith("text/html")
        assert "too large" in response.text
    assert count(db, LoginThrottle) == 0


@pytest.mark.parametrize("path", LIMIT_PATHS)
def test_body_of_exactly_one_megabyte_is_read(client: TestClient, path: str) -> None:
    response = client.post(path, content=b"a" * MB)
    assert response.status_code not in (413, 500)


def test_logged_in_page_post_over_the_limit_is_413(
    client: TestClient, db: Session, admin: Member
) -> None:
    login(client, admin)
    token = page_token(client, "/admin/invitations")
    big = "x" * (MB + 1)
    response = client.post(
        "/admin/invitations",
        data={"csrf_token": token, "username": "newbie", "display_name": big},
    )
    assert response.status_code == 413
    assert count(db, Invitation) == 0


def test_document_import_has_the_larger_limit(
    client: TestClient, db: Session, settings: Settings
) -> None:
    editor = make_member(db, settings, "importer", ["member", "secretariat"])
    headers = bearer(api_token(client, editor))
    response = client.post("/api/v1/documents", content=b"a" * (2 * MB), headers=headers)
    assert response.status_code == 400  # read, then refused as malformed, not for its size
    big = client.post("/api/v1/documents", content=too_big_body(17 * MB), headers=headers)
    assert big.status_code == 413


def test_unauthenticated_write_is_refused_before_its_body_is_read(client: TestClient) -> None:
    """A stranger's 16 MB body is never read or parsed: the answer comes from the headers
    (the body here would be a 413 if it were read, and a 400 if it were parsed)."""
    response = client.post("/api/v1/documents", content=too_big_body(17 * MB))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    forged = {"Authorization": "Bearer not-a-token"}
    response = client.post("/api/v1/documents", content=b"{" * MB, headers=forged)
    assert response.status_code == 401
    response = client.post("/amendments/1/comments", content=too_big_body(2 * MB))
    assert response.status_code == 303  # to the login form


# ---- session cookies --------------------------------------------------------------------


def test_forged_or_random_session_cookie_is_logged_out(
    client: TestClient, db: Session, settings: Settings
) -> None:
    member = make_member(db, settings, "aye")
    login(client, member)
    good = client.cookies["session"]
    signer = URLSafeSerializer(settings.secret_key, salt="session")
    cookies = {
        "random": secrets.token_urlsafe(32),
        "bad signature": tamper(good),
        "other key": URLSafeSerializer("another-key-" * 4, salt="session").dumps("x"),
        "signed unknown id": signer.dumps(secrets.token_urlsafe(32)),
        "signed non-string": signer.dumps({"id": 1}),
        "other salt": URLSafeSerializer(settings.secret_key, salt="flash").dumps("x"),
        "huge": "a" * 3000,
        "empty": "",
    }
    for kind, value in cookies.items():
        set_cookies(client, {"session": value})
        page = client.get("/account")
        assert page.status_code == 303, kind
        assert page.headers["location"].startswith("/login")
        api = client.get("/api/v1/me")
        assert api.status_code == 401, kind
        assert client.get("/").status_code == 200, kind
    set_cookies(client, {"session": good})
    assert client.get("/account").status_code == 200


def test_a_signed_cookie_for_no_session_is_removed(client: TestClient, settings: Settings) -> None:
    signer = URLSafeSerializer(settings.secret_key, salt="session")
    set_cookies(client, {"session": signer.dumps(secrets.token_urlsafe(32))})
    response = client.get("/")
    assert response.status_code == 200
    assert_session_cookie_removed(response)


def test_session_cookie_is_refused_after_logout(
    client: TestClient, db: Session, settings: Settings
) -> None:
    member = make_member(db, settings, "aye")
    login(client, member)
    stolen = dict(client.cookies)
    header = page_token(client)
    assert post_form(client, "/account", "/logout", {}).status_code == 303
    set_cookies(client, stolen)
    assert client.get("/account").status_code == 303
    assert client.get("/api/v1/me", headers={"X-CSRF-Token": header}).status_code == 401
    assert count(db, AuthSession) == 0


def test_log_out_everywhere_ends_other_sessions_and_tokens(
    app: Starlette, client: TestClient, other_client: TestClient, db: Session, settings
) -> None:
    member = make_member(db, settings, "aye")
    bystander = make_member(db, settings, "bystander")
    login(client, member)
    login(other_client, member)
    token = sessions.issue_token(db, settings, member)
    kept_token = sessions.issue_token(db, settings, bystander)
    db.commit()
    with TestClient(app, follow_redirects=False) as third:
        login(third, bystander)
        assert count(db, AuthSession, AuthSession.member_id == member.id) == 2

        response = post_form(client, "/account", "/logout/everywhere", {})
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        assert other_client.get("/account").status_code == 303
        assert client.get("/account").status_code == 303
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
        assert count(db, AuthSession, AuthSession.member_id == member.id) == 0
        assert count(db, ApiToken, ApiToken.member_id == member.id) == 0
        # Only hers.
        assert third.get("/account").status_code == 200
        assert client.get("/api/v1/me", headers=bearer(kept_token)).status_code == 200
    assert audit_actions(db, "session.ended_everywhere") == 1


def test_disabling_a_member_ends_her_sessions_at_once(
    client: TestClient, other_client: TestClient, db: Session, settings: Settings, admin: Member
) -> None:
    member = make_member(db, settings, "aye")
    login(client, member)
    stolen = dict(client.cookies)
    token = sessions.issue_token(db, settings, member)
    db.commit()
    assert client.get("/account").status_code == 200
    login(other_client, admin)
    response = post_form(
        other_client,
        f"/admin/members/{member.id}",
        f"/admin/members/{member.id}",
        {"roles": ["member"]},  # "active" unticked
    )
    assert response.status_code == 303
    assert client.get("/account").status_code == 303
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert count(db, AuthSession, AuthSession.member_id == member.id) == 0
    assert count(db, ApiToken, ApiToken.member_id == member.id) == 0
    # She cannot log in again, and enabling her again does not revive the old session.
    failed = post_form(client, "/login", "/login", {"username": "aye", "password": PASSWORD})
    assert failed.status_code == 401
    enabled = post_form(
        other_client,
        f"/admin/members/{member.id}",
        f"/admin/members/{member.id}",
        {"roles": ["member"], "active": "on"},
    )
    assert enabled.status_code == 303
    set_cookies(client, stolen)
    assert client.get("/account").status_code == 303


def test_a_member_disabled_directly_in_the_database_is_refused(
    client: TestClient, db: Session, settings: Settings
) -> None:
    """The session check itself looks at ``active``, not only the disabling service."""
    member = make_member(db, settings, "aye")
    login(client, member)
    token = sessions.issue_token(db, settings, member)
    db.execute(update(Member).where(Member.id == member.id).values(active=False))
    db.commit()
    assert client.get("/account").status_code == 303
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


# ---- timeouts ---------------------------------------------------------------------------
# (Whether the expired row is deleted cannot be seen here: the test database runs the
# request's transactions nested in one connection, and a refusal rolls them back.)


def assert_session_cookie_removed(response: Any) -> None:
    assert any(
        h.startswith("session=") and "max-age=0" in h.lower()
        for h in response.headers.get_list("set-cookie")
    ), response.headers.get_list("set-cookie")


def age_session(db: Session, member: Member, **ages: dt.timedelta) -> None:
    now = utcnow()
    values = {column: now - age for column, age in ages.items()}
    db.execute(update(AuthSession).where(AuthSession.member_id == member.id).values(**values))
    db.commit()


def test_idle_session_ends(client: TestClient, db: Session, settings: Settings) -> None:
    member = make_member(db, settings, "aye")
    login(client, member)
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    age_session(db, member, last_seen_at=idle - dt.timedelta(minutes=1))
    assert client.get("/account").status_code == 200
    # That request counted as activity.
    assert utcnow() - session_of(db, member).last_seen_at < dt.timedelta(minutes=1)
    age_session(db, member, last_seen_at=idle + dt.timedelta(seconds=1))
    response = client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert_session_cookie_removed(response)
    assert client.get("/account").status_code == 303


def test_absolute_timeout_ends_a_busy_session(
    client: TestClient, db: Session, settings: Settings
) -> None:
    member = make_member(db, settings, "aye")
    login(client, member)
    header = page_token(client)
    absolute = dt.timedelta(hours=settings.session_absolute_hours)
    age_session(
        db,
        member,
        created_at=absolute - dt.timedelta(minutes=1),
        last_seen_at=dt.timedelta(seconds=0),
    )
    assert client.get("/account").status_code == 200
    age_session(
        db,
        member,
        created_at=absolute + dt.timedelta(seconds=1),
        last_seen_at=dt.timedelta(seconds=0),
    )
    kept = dict(client.cookies)
    assert client.get("/api/v1/me", headers={"X-CSRF-Token": header}).status_code == 401
    set_cookies(client, kept)
    response = client.get("/account")
    assert response.status_code == 303
    assert_session_cookie_removed(response)


def test_a_form_sent_after_a_pause_works_on_a_real_database(
    tmp_path: Path, settings: Settings
) -> None:
    """With one connection per transaction, as in production: a POST whose session must be
    touched (last seen over a minute ago) once waited for its own write lock, then failed."""
    real = dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'real.sqlite3'}")
    migrate(real)
    database = Database(make_engine(real.database_url, pool_size=2))
    try:
        with database.write() as db:
            member = make_member(db, real, "aye")

        def pause(minutes: int) -> None:
            with database.transaction() as db:
                then = utcnow() - dt.timedelta(minutes=minutes)
                db.execute(update(AuthSession).values(last_seen_at=then))

        with TestClient(create_app(real, database), follow_redirects=False) as client:
            login(client, member)
            token = page_token(client, "/account")
            pause(2)
            started = time.monotonic()
            response = client.post("/language", data={"csrf_token": token, "language": "en"})
            assert response.status_code == 303
            assert time.monotonic() - started < 5
            with database.transaction(write=False) as db:
                seen = db.scalars(select(AuthSession.last_seen_at)).one()
            assert utcnow() - seen < dt.timedelta(minutes=1)
            # And an idle session is refused and its row removed.
            pause(real.session_idle_minutes + 1)
            assert client.get("/account").status_code == 303
            with database.transaction(write=False) as db:
                assert db.scalars(select(AuthSession)).all() == []
    finally:
        database.close()


def test_expired_api_token_is_refused(client: TestClient, db: Session, settings) -> None:
    member = make_member(db, settings, "aye")
    token = sessions.issue_token(db, settings, member)
    db.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    db.execute(update(ApiToken).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


# ---- throttling and what a login says ---------------------------------------------------


def login_error(response: Any) -> str:
    soup = BeautifulSoup(response.text, "html.parser")
    box = soup.select_one(".error")
    assert box is not None, response.text
    return box.get_text(strip=True)


def page_login(client: TestClient, username: str, password: str) -> Any:
    return post_form(client, "/login", "/login", {"username": username, "password": password})


def test_lock_after_max_failures_and_the_same_answer_for_unknown_users(
    client: TestClient, db: Session, settings: Settings
) -> None:
    make_member(db, settings, "aye")
    for attempt in range(settings.login_max_failures):
        known = page_login(client, "aye", f"wrong password {attempt}")
        unknown = page_login(client, "nobody", f"wrong password {attempt}")
        assert known.status_code == unknown.status_code == 401
        assert login_error(known) == login_error(unknown)
    # Locked now: even the right password is refused, and so is the unknown name.
    locked = page_login(client, "aye", PASSWORD)
    locked_unknown = page_login(client, "nobody", PASSWORD)
    assert locked.status_code == locked_unknown.status_code
    assert locked.status_code in (401, 429)
    assert login_error(locked) == login_error(locked_unknown) == login_error(known)
    assert "session" not in client.cookies
    assert client.get("/account").status_code == 303
    # The same username written otherwise is the same lock.
    assert page_login(client, " AYE ", PASSWORD).status_code == locked.status_code
    # The API is locked too, with the same answer for both.
    api_known = client.post("/api/v1/tokens", json={"username": "aye", "password": PASSWORD})
    api_unknown = client.post("/api/v1/tokens", json={"username": "nobody", "password": PASSWORD})
    assert api_known.status_code == api_unknown.status_code == locked.status_code
    assert api_known.json() == api_unknown.json()
    # When the lock runs out, the right password works again.
    db.execute(update(LoginThrottle).values(locked_until=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    assert page_login(client, "aye", PASSWORD).status_code == 303


def test_api_failures_count_towards_the_lock(
    client: TestClient, db: Session, settings: Settings
) -> None:
    make_member(db, settings, "aye")
    for attempt in range(settings.login_max_failures):
        known = client.post("/api/v1/tokens", json={"username": "aye", "password": f"no {attempt}"})
        unknown = client.post(
            "/api/v1/tokens", json={"username": "zed", "password": f"no {attempt}"}
        )
        assert known.status_code == unknown.status_code == 401
        assert known.json() == unknown.json()
    response = client.post("/api/v1/tokens", json={"username": "aye", "password": PASSWORD})
    assert response.status_code in (401, 429)
    assert "token" not in response.json()


def test_guessing_the_second_factor_is_throttled(
    client: TestClient, db: Session, settings: Settings
) -> None:
    member = make_member(db, settings, "chair", ["member", "chair"])
    response = page_login(client, "chair", PASSWORD)
    assert response.headers["location"].startswith("/login/totp")
    for guess in range(settings.login_max_failures + 1):
        post_form(client, "/login/totp", "/login/totp", {"otp": f"{guess:06d}"})
    right = post_form(client, "/login/totp", "/login/totp", {"otp": current_code(member)})
    assert right.status_code != 303
    assert client.get("/account").status_code == 303


def normalise(html: str, *names: str) -> str:
    html = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', html)
    for name in names:
        html = html.replace(name, "NAME")
    return html


def test_login_answers_say_nothing_about_which_usernames_exist(
    client: TestClient, db: Session, settings: Settings
) -> None:
    make_member(db, settings, "aye")
    make_member(db, settings, "bee", active=False)
    answers = {
        "wrong password": page_login(client, "aye", "not the password"),
        "unknown user": page_login(client, "zed", "not the password"),
        "disabled user": page_login(client, "bee", PASSWORD),
    }
    statuses = {k: r.status_code for k, r in answers.items()}
    assert set(statuses.values()) == {401}, statuses
    bodies = {normalise(r.text, "aye", "zed", "bee") for r in answers.values()}
    assert len(bodies) == 1
    cookie_names = {
        tuple(sorted(h.split("=")[0] for h in r.headers.get_list("set-cookie")))
        for r in answers.values()
    }
    assert len(cookie_names) == 1
    # The form itself is the same whatever name is asked about.
    # (The language switch's return address carries the query, so the name asked for.)
    forms = {normalise(client.get(f"/login?username={n}").text, n) for n in ("aye", "zed")}
    assert len(forms) == 1
    apis = [
        client.post("/api/v1/tokens", json={"username": n, "password": "not the password"})
        for n in ("aye", "zed", "bee")
    ]
    assert {r.status_code for r in apis} == {401}
    assert len({r.text for r in apis}) == 1


def test_typed_username_is_escaped(client: TestClient) -> None:
    response = page_login(client, "<script>alert(1)</script>", "x" * 12)
    assert response.status_code == 401
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.text


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_login_does_not_redirect_to_another_site(
    client: TestClient, db: Session, settings: Settings, target: str
) -> None:
    make_member(db, settings, "aye")
    form = BeautifulSoup(client.get(f"/login?next={target}").text, "html.parser")
    hidden = form.select_one('form[action="/login"] input[name="next"]')
    assert hidden is not None and hidden["value"] == "/"
    response = post_form(
        client, "/login", "/login", {"username": "aye", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


# ---- cookies ----------------------------------------------------------------------------


def cookie_headers(response: Any) -> list[str]:
    return list(response.headers.get_list("set-cookie"))


def test_every_cookie_is_httponly_and_samesite_lax(
    client: TestClient, db: Session, settings: Settings
) -> None:
    member = make_member(db, settings, "aye")
    headers = cookie_headers(client.get("/login"))
    response = post_form(client, "/login", "/login", {"username": "aye", "password": PASSWORD})
    headers += cookie_headers(response)
    headers += cookie_headers(client.get("/"))
    headers += cookie_headers(post_form(client, "/", "/language", {"language": "en"}))
    headers += cookie_headers(post_form(client, "/", "/logout", {}))
    names = {h.split("=")[0] for h in headers}
    assert {"anon", "session", "flash", "lang"} <= names, names
    for header in headers:
        lowered = header.lower()
        assert "httponly" in lowered, header
        assert "samesite=lax" in lowered, header
        assert "path=/" in lowered, header
    assert member.id


def test_production_cookies_are_secure_and_host_only(
    settings: Settings, database: Any, db: Session
) -> None:
    make_member(db, settings, "aye")
    app = create_app(dataclasses.replace(settings, production=True), database)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as secure:
        token = page_token(secure, "/login")
        response = secure.post(
            "/login", data={"csrf_token": token, "username": "aye", "password": PASSWORD}
        )
        assert response.status_code == 303
        headers = cookie_headers(response)
        session = [h for h in headers if h.startswith("__Host-session=")]
        assert session, headers
        for header in headers:
            assert "secure" in header.lower(), header
            assert "domain=" not in header.lower(), header
        assert secure.get("/account").status_code == 200

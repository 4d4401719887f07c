"""No malicious lockout (OWASP "device cookies"): wrong passwords from clients that never
logged in as a member lock out only such clients; a browser or API client that has logged
in before keeps working, and its own failures lock only its own token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from constitution.accounts.models import DeviceToken, Member
from constitution.settings import Settings
from tests.factories import PASSWORD, current_code, login, make_member, post_form

FLOOD = 20


@contextmanager
def browser(app: Starlette) -> Iterator[TestClient]:
    """Another browser, with cookies of its own."""
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client


def page_login(client: TestClient, username: str, password: str) -> Any:
    return post_form(client, "/login", "/login", {"username": username, "password": password})


def api_login(client: TestClient, username: str, password: str, device: str | None = None) -> Any:
    body = {"username": username, "password": password}
    if device is not None:
        body["device"] = device
    return client.post("/api/v1/tokens", json=body)


def logged_in(response: Any) -> bool:
    return response.status_code == 303 and "session=" in response.headers.get("set-cookie", "")


def refused(response: Any) -> bool:
    return response.status_code in (401, 429) and "session=" not in response.headers.get(
        "set-cookie", ""
    )


def device_tokens(db: Session, member: Member) -> int:
    db.expire_all()
    query = select(func.count()).select_from(DeviceToken).where(DeviceToken.member_id == member.id)
    return int(db.scalar(query) or 0)


def test_a_flood_of_wrong_passwords_does_not_lock_out_her_known_browser_or_client(
    app: Starlette, client: TestClient, db: Session, settings: Settings
) -> None:
    alice = make_member(db, settings, "alice")
    # Her phone's browser and her API client have logged in before.
    response = login(client, alice)
    cookie = [h for h in response.headers.get_list("set-cookie") if h.startswith("device=")]
    assert cookie, "no device cookie after a login"
    assert "httponly" in cookie[0].lower() and "samesite=lax" in cookie[0].lower()
    assert int(cookie[0].lower().split("max-age=")[1].split(";")[0]) >= 30 * 86400
    post_form(client, "/account", "/logout", {})
    with browser(app) as app_client:
        first = api_login(app_client, "alice", PASSWORD)
    assert first.status_code == 201
    device = first.json()["device"]

    with browser(app) as attacker:
        for attempt in range(FLOOD):
            if attempt % 2:
                response = page_login(attacker, "alice", f"guess number {attempt}")
            else:
                response = api_login(attacker, "alice", f"guess number {attempt}")
            assert response.status_code in (401, 429)
        # The attacker's client (and any client unknown for alice) is locked out now...
        assert refused(page_login(attacker, "alice", PASSWORD))
        assert api_login(attacker, "alice", PASSWORD).status_code in (401, 429)
    with browser(app) as unknown:
        assert refused(page_login(unknown, "alice", PASSWORD))
        # ...but an unknown client with a made-up or another username's token is too.
        assert api_login(unknown, "alice", PASSWORD, "made-up").status_code in (401, 429)

    # Her browser and her API client are not.
    assert logged_in(page_login(client, "alice", PASSWORD))
    assert client.get("/account").status_code == 200
    with browser(app) as app_client:
        again = api_login(app_client, "alice", PASSWORD, device)
        assert again.status_code == 201, again.text
        # Each login gives a new device token; the one shown is spent.
        assert again.json()["device"] != device
        assert api_login(app_client, "alice", PASSWORD, again.json()["device"]).status_code == 201
        assert api_login(app_client, "alice", PASSWORD, device).status_code in (401, 429)


def test_wrong_passwords_with_a_device_token_lock_that_token_only(
    app: Starlette, client: TestClient, db: Session, settings: Settings
) -> None:
    alice = make_member(db, settings, "alice")
    login(client, alice)
    post_form(client, "/account", "/logout", {})
    with browser(app) as tablet, browser(app) as unknown:
        login(tablet, alice)
        post_form(tablet, "/account", "/logout", {})
        for attempt in range(settings.login_max_failures):
            assert page_login(client, "alice", f"mistyped {attempt}").status_code == 401
        # This browser's token is locked, even with the right password...
        assert refused(page_login(client, "alice", PASSWORD))
        # ...her other browser's is not, and clients she never used are not locked either.
        assert logged_in(page_login(tablet, "alice", PASSWORD))
        assert logged_in(page_login(unknown, "alice", PASSWORD))


def test_a_forged_or_other_members_device_token_counts_as_none(
    app: Starlette, client: TestClient, db: Session, settings: Settings
) -> None:
    make_member(db, settings, "alice")
    bob = make_member(db, settings, "bob")
    bobs = api_login(client, "bob", PASSWORD).json()["device"]
    serializer = URLSafeSerializer(settings.secret_key, salt="device")
    forged = [
        bobs,  # another member's
        serializer.dumps(["alice", "a-nonce-never-issued"]),  # well signed, never issued
        URLSafeSerializer("another key", salt="device").dumps(["alice", "x"]),
        bobs[:-2] + ("AA" if not bobs.endswith("AA") else "BB"),  # tampered
        "",
        "x" * 5000,
    ]
    for index in range(settings.login_max_failures):
        token = forged[index % len(forged)]
        assert api_login(client, "alice", f"guess {index}", token).status_code == 401
    # Each counted against alice's untrusted clients: she is locked for all of them.
    for token in forged:
        assert api_login(client, "alice", PASSWORD, token).status_code in (401, 429)
    with browser(app) as other:
        other.cookies.set("device", bobs)
        assert refused(page_login(other, "alice", PASSWORD))
    # Bob's own token is untouched.
    assert api_login(client, "bob", PASSWORD, bobs).status_code == 201
    assert bob.id


def test_the_device_token_comes_only_after_the_second_factor(
    client: TestClient, db: Session, settings: Settings
) -> None:
    chair = make_member(db, settings, "chair", ["member", "chair"])
    response = page_login(client, "chair", PASSWORD)
    assert response.headers["location"].startswith("/login/totp")
    assert "device=" not in response.headers.get("set-cookie", "")
    assert device_tokens(db, chair) == 0
    done = post_form(client, "/login/totp", "/login/totp", {"otp": current_code(chair)})
    assert done.status_code == 303
    assert "device=" in done.headers.get("set-cookie", "")
    assert device_tokens(db, chair) == 1
    # The API: no device token for a right password with a missing code.
    body = {"username": "chair", "password": PASSWORD}
    assert "device" not in client.post("/api/v1/tokens", json=body).json()
    assert device_tokens(db, chair) == 1


def test_logging_out_everywhere_forgets_her_devices(
    client: TestClient, db: Session, settings: Settings
) -> None:
    alice = make_member(db, settings, "alice")
    login(client, alice)
    assert device_tokens(db, alice) == 1
    post_form(client, "/account", "/logout/everywhere", {})
    assert device_tokens(db, alice) == 0

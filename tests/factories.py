"""Shared helpers for tests: members, logins, forms."""

from __future__ import annotations

import re
from typing import Any

import httpx2 as httpx
import pyotp
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.accounts.passwords import hash_password
from constitution.settings import Settings

PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_member(
    db: Session,
    settings: Settings,
    username: str,
    roles: list[str] | None = None,
    *,
    password: str = PASSWORD,
    active: bool = True,
    totp: bool | None = None,
) -> Member:
    """A member; chairs, secretariat and admins get a confirmed second factor by default."""
    roles = roles or ["member"]
    member = Member(
        username=username,
        display_name=username.title(),
        password_hash=hash_password(settings, password),
        roles=roles,
        active=active,
        language="en",
    )
    if totp is None:
        totp = len(roles) > 1
    if totp:
        member.totp_secret = pyotp.random_base32()
        member.totp_confirmed = True
    db.add(member)
    db.commit()
    return member


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def post_form(
    client: TestClient, page: str, action: str, data: dict[str, Any], **kwargs: Any
) -> httpx.Response:
    """Fetch ``page`` for its CSRF token, then POST ``data`` to ``action``."""
    token = csrf_token(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **data}, **kwargs)


def current_code(member: Member, step_offset: int = 0) -> str:
    totp = pyotp.TOTP(member.totp_secret)
    import time

    return str(totp.at(time.time() + 30 * step_offset))


def login(client: TestClient, member: Member, password: str = PASSWORD) -> httpx.Response:
    response = post_form(
        client, "/login", "/login", {"username": member.username, "password": password, "next": "/"}
    )
    assert response.status_code == 303, response.text
    if member.totp_confirmed:
        response = post_form(
            client, "/login/totp", "/login/totp", {"otp": current_code(member), "next": "/"}
        )
        assert response.status_code == 303, response.text
    return response


def api_token(client: TestClient, member: Member, password: str = PASSWORD) -> str:
    body: dict[str, Any] = {"username": member.username, "password": password}
    if member.totp_confirmed:
        body["otp"] = current_code(member)
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}

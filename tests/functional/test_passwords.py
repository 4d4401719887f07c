"""Passwords after the invitation (API.md "Passwords"): a member changes hers, which ends
her other sessions; an admin issues a single-use, expiring reset link. Bad input is a clear
error and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts import password_changes
from constitution.accounts.models import ApiToken, AuthSession, Member
from constitution.accounts.passwords import check_password
from constitution.audit.models import AuditEvent
from constitution.audit.services import verify
from constitution.db import utcnow
from constitution.settings import Settings
from constitution.web.framework import LANG_COOKIE
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

NEW = "a fresh and much longer password"


def events(db: Session, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def audit_count(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def password_of(db: Session, member: Member) -> str | None:
    db.expire_all()
    return db.get_one(Member, member.id).password_hash


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    return dict(body["error"])


# ---- a member changes her password (API) ------------------------------------------------


def test_change_ends_her_other_sessions_and_tokens_but_not_this_one(
    client: TestClient, db: Session, settings: Settings
) -> None:
    nandar = make_member(db, settings, "nandar")
    other = make_member(db, settings, "other")
    kept = api_token(client, nandar)
    ended = api_token(client, nandar)
    theirs = api_token(client, other)
    browser = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    login(browser, nandar)
    response = client.post(
        "/api/v1/me/password", json={"current": PASSWORD, "new": NEW}, headers=bearer(kept)
    )
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert client.get("/api/v1/me", headers=bearer(kept)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(ended)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(theirs)).status_code == 200
    assert browser.get("/account", follow_redirects=False).status_code == 303
    assert check_password(settings, password_of(db, nandar), NEW)
    # The old password no longer logs in; the new one does.
    old = client.post("/api/v1/tokens", json={"username": "nandar", "password": PASSWORD})
    assert old.status_code == 401
    api_token(client, nandar, NEW)
    [event] = events(db, "member.password_changed")
    assert event.actor_id == nandar.id and event.object == f"member:{nandar.id}"
    assert event.payload["sessions_ended"] == 2
    assert "password" not in str(event.payload.get("states", "")).replace("password_", "")
    assert verify(db).ok


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"current": "not the password", "new": NEW}, 422, "wrong_password", "current"),
        ({"new": NEW}, 422, "wrong_password", "current"),
        ({"current": PASSWORD, "new": "short"}, 422, None, "new"),
        ({"current": PASSWORD, "new": "1234567890"}, 422, "password_common", "new"),
        ({"current": PASSWORD, "new": "Qwertyuiop"}, 422, "password_common", "new"),
        ({"current": PASSWORD, "new": PASSWORD}, 422, "password_unchanged", "new"),
        ({"current": PASSWORD, "new": "nandar"}, 422, None, "new"),
        ({"current": PASSWORD, "new": 12345678901}, 422, None, "new"),
        ({"current": PASSWORD}, 422, None, "new"),
    ],
)
def test_bad_change_is_a_clear_error_and_changes_nothing(
    client: TestClient,
    db: Session,
    settings: Settings,
    body: dict[str, Any],
    status: int,
    code: str | None,
    field: str,
) -> None:
    nandar = make_member(db, settings, "nandar")
    token = api_token(client, nandar)
    other = api_token(client, nandar)
    before = password_of(db, nandar)
    response = client.post("/api/v1/me/password", json=body, headers=bearer(token))
    assert response.status_code == status, response.text
    error = error_of(response)
    assert error["field"] == field
    if code is not None:
        assert error["code"] == code
    assert password_of(db, nandar) == before
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200
    assert events(db, "member.password_changed") == []


def test_wrong_current_passwords_lock_the_change_for_a_while(
    client: TestClient, db: Session, settings: Settings
) -> None:
    nandar = make_member(db, settings, "nandar")
    token = api_token(client, nandar)
    wrong = {"current": "not the password", "new": NEW}
    for _ in range(settings.login_max_failures):
        response = client.post("/api/v1/me/password", json=wrong, headers=bearer(token))
        assert response.status_code == 422
    right = {"current": PASSWORD, "new": NEW}
    response = client.post("/api/v1/me/password", json=right, headers=bearer(token))
    assert response.status_code == 429, response.text
    assert error_of(response)["code"] == "password_throttled"
    assert check_password(settings, password_of(db, nandar), PASSWORD)


def test_a_member_with_a_second_factor_gives_her_code_too(
    client: TestClient, db: Session, settings: Settings
) -> None:
    chair = make_member(db, settings, "chair", ["member", "chair"])
    token = api_token(client, chair)
    before = password_of(db, chair)
    body = {"current": PASSWORD, "new": NEW}
    missing = client.post("/api/v1/me/password", json=body, headers=bearer(token))
    assert missing.status_code == 422 and error_of(missing)["code"] == "otp_required"
    wrong = client.post(
        "/api/v1/me/password", json={**body, "otp": "000000"}, headers=bearer(token)
    )
    assert wrong.status_code == 422 and error_of(wrong)["field"] == "otp"
    assert password_of(db, chair) == before
    right = client.post(
        "/api/v1/me/password",
        json={**body, "otp": current_code(chair, 1)},
        headers=bearer(token),
    )
    assert right.status_code == 204, right.text
    assert check_password(settings, password_of(db, chair), NEW)


# ---- an admin issues a reset link (API) -------------------------------------------------


def issue(client: TestClient, admin_token: str, member: Member) -> dict[str, Any]:
    response = client.post(f"/api/v1/members/{member.id}/reset", headers=bearer(admin_token))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_reset_link_sets_a_password_once_and_ends_her_sessions(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    nandar = make_member(db, settings, "nandar")
    admin_token = api_token(client, admin)
    her_token = api_token(client, nandar)
    link = issue(client, admin_token, nandar)
    assert set(link) == {"token", "url", "expires_at"}
    assert link["url"].endswith(f"/resets/{link['token']}")
    expires = dt.datetime.fromisoformat(link["expires_at"].replace("Z", "+00:00"))
    assert dt.timedelta(hours=1) < expires - utcnow() <= dt.timedelta(hours=49)
    # Issuing changes nothing yet: her token works, her password is the same.
    assert client.get("/api/v1/me", headers=bearer(her_token)).status_code == 200
    accept = {"token": link["token"], "password": NEW}
    response = client.post("/api/v1/resets/accept", json=accept)
    assert response.status_code == 204, response.text
    assert client.get("/api/v1/me", headers=bearer(her_token)).status_code == 401
    assert check_password(settings, password_of(db, nandar), NEW)
    # Used twice: a clear refusal, nothing changed.
    after = password_of(db, nandar)
    again = client.post("/api/v1/resets/accept", json={**accept, "password": "yet another one!"})
    assert again.status_code == 409, again.text
    assert error_of(again)["code"] == "reset_used"
    assert password_of(db, nandar) == after
    [issued] = events(db, "member.password_reset_issued")
    assert issued.actor_id == admin.id and issued.object == f"member:{nandar.id}"
    assert link["token"] not in str(issued.payload)
    [used] = events(db, "member.password_reset")
    assert used.actor_id == nandar.id and used.payload["sessions_ended"] == 1
    assert verify(db).ok


def test_reset_link_that_expired_or_was_forged_is_refused(
    client: TestClient, db: Session, settings: Settings
) -> None:
    nandar = make_member(db, settings, "nandar")
    before = password_of(db, nandar)
    old = password_changes.reset_token(settings, nandar, utcnow() - dt.timedelta(minutes=1))
    response = client.post("/api/v1/resets/accept", json={"token": old, "password": NEW})
    assert response.status_code == 409 and error_of(response)["code"] == "reset_expired"
    forged = old[:-3] + ("AAA" if not old.endswith("AAA") else "BBB")
    for token in (forged, "", None, 7, "x" * 600):
        response = client.post("/api/v1/resets/accept", json={"token": token, "password": NEW})
        assert response.status_code == 422, (token, response.text)
        assert error_of(response)["code"] == "reset_invalid"
    assert password_of(db, nandar) == before
    assert events(db, "member.password_reset") == []


def test_reset_refuses_a_short_or_common_password_and_the_link_still_works(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    nandar = make_member(db, settings, "nandar")
    link = issue(client, api_token(client, admin), nandar)
    before = password_of(db, nandar)
    for bad, code in (("short", None), ("password123", "password_common")):
        response = client.post(
            "/api/v1/resets/accept", json={"token": link["token"], "password": bad}
        )
        assert response.status_code == 422, response.text
        assert error_of(response)["field"] == "password"
        if code:
            assert error_of(response)["code"] == code
    assert password_of(db, nandar) == before
    response = client.post("/api/v1/resets/accept", json={"token": link["token"], "password": NEW})
    assert response.status_code == 204


def test_a_password_changed_meanwhile_spends_the_link(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    nandar = make_member(db, settings, "nandar")
    link = issue(client, api_token(client, admin), nandar)
    token = api_token(client, nandar)
    changed = client.post(
        "/api/v1/me/password", json={"current": PASSWORD, "new": NEW}, headers=bearer(token)
    )
    assert changed.status_code == 204
    response = client.post(
        "/api/v1/resets/accept", json={"token": link["token"], "password": "another long one"}
    )
    assert response.status_code == 409 and error_of(response)["code"] == "reset_used"
    assert check_password(settings, password_of(db, nandar), NEW)


def test_a_newer_link_voids_the_ones_issued_before_it(
    client: TestClient, db: Session, settings: Settings
) -> None:
    """Red without the serial in the fingerprint: a link an admin replaced (sent to a
    number that is no longer hers, say) would still set her password."""
    admin = make_member(db, settings, "root", ["member", "admin"])
    nandar = make_member(db, settings, "nandar")
    admin_token = api_token(client, admin)
    # A link issued before links were numbered keeps working until the next is issued.
    unnumbered = password_changes.reset_token(settings, nandar, utcnow() + dt.timedelta(hours=1))
    assert password_changes.find_reset(db, settings, unnumbered).id == nandar.id
    first = issue(client, admin_token, nandar)
    second = issue(client, admin_token, nandar)
    before = password_of(db, nandar)
    for token in (unnumbered, first["token"]):
        response = client.post("/api/v1/resets/accept", json={"token": token, "password": NEW})
        assert response.status_code == 409 and error_of(response)["code"] == "reset_used"
        assert "a newer link was issued" in error_of(response)["message"]
    assert password_of(db, nandar) == before
    accept = {"token": second["token"], "password": NEW}
    assert client.post("/api/v1/resets/accept", json=accept).status_code == 204
    assert check_password(settings, password_of(db, nandar), NEW)
    assert verify(db).ok


def test_only_an_admin_issues_a_reset_link(
    client: TestClient, db: Session, settings: Settings
) -> None:
    nandar = make_member(db, settings, "nandar")
    mon = make_member(db, settings, "mon")
    response = client.post(
        f"/api/v1/members/{mon.id}/reset", headers=bearer(api_token(client, nandar))
    )
    assert response.status_code == 403
    assert events(db, "member.password_reset_issued") == []


def test_no_reset_link_for_a_disabled_account(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    gone = make_member(db, settings, "gone", active=False)
    response = client.post(
        f"/api/v1/members/{gone.id}/reset", headers=bearer(api_token(client, admin))
    )
    assert response.status_code == 409 and error_of(response)["code"] == "member_inactive"


# ---- the pages --------------------------------------------------------------------------


def test_change_page_changes_it_and_keeps_this_session(
    client: TestClient, db: Session, settings: Settings
) -> None:
    nandar = make_member(db, settings, "nandar")
    login(client, nandar)
    elsewhere = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    login(elsewhere, nandar)
    page = client.get("/account")
    assert 'href="/account/password"' in page.text
    form = client.get("/account/password")
    assert form.status_code == 200
    assert 'name="otp"' not in form.text  # no second factor: no code asked
    data = {"current": PASSWORD, "new": NEW, "new_again": NEW}
    response = post_form(client, "/account/password", "/account/password", data)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/account"
    assert client.get("/account").status_code == 200
    assert elsewhere.get("/account", follow_redirects=False).status_code == 303
    assert check_password(settings, password_of(db, nandar), NEW)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"current": "wrong one here", "new": NEW, "new_again": NEW}, "current password is not"),
        ({"current": PASSWORD, "new": NEW, "new_again": NEW + "!"}, "are not the same"),
        ({"current": PASSWORD, "new": "short", "new_again": "short"}, "at least 10"),
        (
            {"current": PASSWORD, "new": "iloveyou12", "new_again": "iloveyou12"},
            "most common",
        ),
    ],
)
def test_change_page_errors_say_why_and_change_nothing(
    client: TestClient, db: Session, settings: Settings, data: dict[str, str], message: str
) -> None:
    nandar = make_member(db, settings, "nandar")
    login(client, nandar)
    before = password_of(db, nandar)
    response = post_form(client, "/account/password", "/account/password", data)
    assert response.status_code in (422, 409), response.text
    assert 'role="alert"' in response.text and message in response.text
    assert password_of(db, nandar) == before


def test_admin_page_issues_a_link_that_works_once(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    nandar = make_member(db, settings, "nandar")
    her = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    login(her, nandar)
    login(client, admin)
    page = client.get(f"/admin/members/{nandar.id}")
    assert f'action="/admin/members/{nandar.id}/reset"' in page.text
    token = csrf_token(page.text)
    created = client.post(f"/admin/members/{nandar.id}/reset", data={"csrf_token": token})
    assert created.status_code == 201, created.text
    url = created.text.split('id="reset-url">')[1].split("<")[0]
    path = url[url.index("/resets/") :]
    visitor = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    visitor.cookies.set(LANG_COOKIE, "en")
    form = visitor.get(path)
    assert form.status_code == 200 and "Nandar" in form.text
    mismatch = post_form(visitor, path, path, {"password": NEW, "password_again": "other"})
    assert mismatch.status_code == 422 and "not the same" in mismatch.text
    done = post_form(visitor, path, path, {"password": NEW, "password_again": NEW})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert her.get("/account", follow_redirects=False).status_code == 303
    assert check_password(settings, password_of(db, nandar), NEW)
    used = visitor.get(path)
    assert used.status_code == 409 and "already been used" in used.text
    again = post_form(visitor, "/login", path, {"password": NEW, "password_again": NEW})
    assert again.status_code == 409
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(AuthSession)) == 1  # the admin's
    assert db.scalar(select(func.count()).select_from(ApiToken)) == 0

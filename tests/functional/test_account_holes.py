"""Small holes in logins and accounts: the session id after the second factor, ``next``
through the second factor, and an admin ending a member's sessions or resetting her second
factor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from constitution.accounts import sessions
from constitution.accounts.models import ApiToken, AuthSession, Member
from constitution.audit.models import AuditEvent
from constitution.settings import Settings
from tests.factories import PASSWORD, Api, bearer, current_code, login, make_member, post_form


@pytest.fixture
def admin_browser(app: Starlette, db: Session, settings: Settings) -> Iterator[TestClient]:
    admin = make_member(db, settings, "root", ["member", "admin"])
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as browser:
        login(browser, admin)
        yield browser


def count(db: Session, model: Any, *where: Any) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def events(db: Session, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def password_step(client: TestClient, username: str, next_: str = "/") -> Any:
    return post_form(
        client, "/login", "/login", {"username": username, "password": PASSWORD, "next": next_}
    )


# ---- the session id after the second factor ---------------------------------------------


def test_the_session_id_changes_after_the_second_factor(
    client: TestClient, db: Session, settings: Settings
) -> None:
    chair = make_member(db, settings, "chair", ["member", "chair"])
    assert password_step(client, "chair").status_code == 303
    before = client.cookies["session"]
    done = post_form(client, "/login/totp", "/login/totp", {"otp": current_code(chair)})
    assert done.status_code == 303
    after = client.cookies["session"]
    assert after != before
    assert client.get("/account").status_code == 200
    # The cookie from before the code no longer works.
    kept = {**dict(client.cookies), "session": before}
    client.cookies.clear()
    for name, value in kept.items():
        client.cookies.set(name, value)
    assert client.get("/account").status_code == 303
    assert count(db, AuthSession, AuthSession.member_id == chair.id) == 1


# ---- next through the second factor -----------------------------------------------------

TARGETS = [
    "/documents/draft/search?q=Union&from=1",
    "/documents/draft/read#art-1",
    "/documents/draft/search?q=ပြည်ထောင်စု ဖက်ဒရယ်&page=2",
    "/documents/a b/p/x?c=d&e=f#g",
]


@pytest.mark.parametrize("target", TARGETS)
def test_next_comes_back_intact_after_the_second_factor(
    client: TestClient, db: Session, settings: Settings, target: str
) -> None:
    chair = make_member(db, settings, "chair", ["member", "chair"])
    response = password_step(client, "chair", target)
    location = response.headers["location"]
    assert urlsplit(location).path == "/login/totp"
    assert urlsplit(location).fragment == ""
    assert parse_qs(urlsplit(location).query)["next"] == [target]
    page = BeautifulSoup(client.get(location).text, "html.parser")
    hidden = page.select_one('form[action="/login/totp"] input[name="next"]')
    assert hidden is not None and hidden["value"] == target
    done = post_form(
        client, location, "/login/totp", {"otp": current_code(chair), "next": hidden["value"]}
    )
    assert done.status_code == 303
    assert unquote(done.headers["location"]) == target


OFF_SITE = ["//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example"]


def test_next_through_the_second_factor_stays_on_this_site(
    client: TestClient, db: Session, settings: Settings
) -> None:
    chair = make_member(db, settings, "chair", ["member", "chair"])
    for target in OFF_SITE:  # a tab is dropped by browsers: "/\t/evil" is "//evil"
        location = password_step(client, "chair", target).headers["location"]
        assert parse_qs(urlsplit(location).query)["next"] == ["/"], target
        form = {"otp": current_code(chair), "next": target}
        done = post_form(client, "/login/totp", "/login/totp", form)
        assert done.headers["location"] == "/", target
        post_form(client, "/", "/logout", {})
        # The same code again, for the next round (each code works once).
        db.execute(update(Member).where(Member.id == chair.id).values(totp_last_step=0))
        db.commit()


# ---- an admin ends a member's sessions, resets her second factor ------------------------


def test_an_admin_ends_a_members_sessions_from_her_page(
    app: Starlette, client: TestClient, admin_browser: TestClient, db: Session, settings: Settings
) -> None:
    aye = make_member(db, settings, "aye")
    login(client, aye)
    token = sessions.issue_token(db, settings, aye)
    db.commit()
    page = admin_browser.get(f"/admin/members/{aye.id}")
    assert f'action="/admin/members/{aye.id}/sessions/end"' in page.text
    response = post_form(
        admin_browser, f"/admin/members/{aye.id}", f"/admin/members/{aye.id}/sessions/end", {}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/members/{aye.id}"
    assert client.get("/account").status_code == 303
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert count(db, AuthSession, AuthSession.member_id == aye.id) == 0
    [event] = events(db, "member.sessions_ended")
    assert event.object == f"member:{aye.id}" and event.actor_id != aye.id
    assert event.payload["count"] == 2
    # She logs in again as before.
    login(client, aye)


def test_the_api_ends_a_members_sessions_for_admins_only(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    aye = make_member(db, settings, "aye")
    hla = make_member(db, settings, "hla")
    admin_token, aye_token, hla_token = (
        sessions.issue_token(db, settings, m) for m in (admin, aye, hla)
    )
    db.commit()
    refused = Api(client, hla_token).post(f"/api/v1/members/{aye.id}/sessions/end")
    assert refused.status_code == 403
    api = Api(client, admin_token)
    assert api.post(f"/api/v1/members/{aye.id}/sessions/end").status_code == 204
    assert client.get("/api/v1/me", headers=bearer(aye_token)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(hla_token)).status_code == 200
    assert api.post("/api/v1/members/999999/sessions/end").status_code == 404
    assert len(events(db, "member.sessions_ended")) == 1


def test_a_chair_whose_second_factor_is_reset_must_set_it_up_again(
    client: TestClient, admin_browser: TestClient, db: Session, settings: Settings
) -> None:
    chair = make_member(db, settings, "chair", ["member", "chair"])
    login(client, chair)
    assert client.get("/documents").status_code == 200
    response = post_form(
        admin_browser, f"/admin/members/{chair.id}", f"/admin/members/{chair.id}/totp/reset", {}
    )
    assert response.status_code == 303
    # Her session ended; with her password she reaches only the setup of a new factor.
    assert client.get("/documents").status_code == 303
    assert password_step(client, "chair").headers["location"] == "/account/totp"
    assert client.get("/documents").headers["location"] == "/account/totp"
    db.expire_all()
    member = db.get(Member, chair.id)
    assert member is not None and not member.totp_confirmed and member.totp_secret is None
    [event] = events(db, "member.totp_reset")
    assert event.object == f"member:{chair.id}"
    # The API gives her a token (no code needed now) that reaches only the setup.
    client.cookies.clear()
    token = client.post("/api/v1/tokens", json={"username": "chair", "password": PASSWORD})
    assert token.status_code == 201
    api = Api(client, token.json()["token"])
    members = api.get("/api/v1/members")
    assert members.status_code == 403 and members.json()["error"]["code"] == "totp_required"
    assert api.post("/api/v1/me/totp").status_code == 201


def test_the_api_resets_a_second_factor_for_admins_only(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    chair = make_member(db, settings, "chair", ["member", "chair"])
    admin_token, chair_token = (sessions.issue_token(db, settings, m) for m in (admin, chair))
    db.commit()
    assert (
        Api(client, chair_token).post(f"/api/v1/members/{admin.id}/totp/reset").status_code == 403
    )
    assert (
        Api(client, admin_token).post(f"/api/v1/members/{chair.id}/totp/reset").status_code == 204
    )
    assert client.get("/api/v1/me", headers=bearer(chair_token)).status_code == 401
    assert count(db, ApiToken, ApiToken.member_id == chair.id) == 0
    db.expire_all()
    member = db.get(Member, chair.id)
    assert member is not None and member.needs_totp
    assert len(events(db, "member.totp_reset")) == 1

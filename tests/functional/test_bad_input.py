"""Bad input gets a clear answer, never a 500: invitations, second factor, login, admin forms."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts import services, sessions
from constitution.accounts.models import AuthSession, Committee, Invitation, Member
from constitution.audit.models import AuditEvent
from constitution.db import utcnow
from constitution.settings import Settings
from tests.factories import (
    PASSWORD,
    bearer,
    csrf_token,
    current_code,
    login,
    make_member,
    post_form,
)

NEW_PASSWORD = "a brand new long password"


# ---- helpers ----------------------------------------------------------------------------


def tamper(signed: str) -> str:
    """The value with one signature character changed (not the last: in base64 its low
    bits are padding, so changing it may decode to the same signature)."""
    i = len(signed) - 6
    return signed[:i] + ("A" if signed[i] != "A" else "B") + signed[i + 1 :]


@pytest.fixture(autouse=True)
def english(client: TestClient) -> None:
    """Messages are checked in English; a visitor not logged in chooses it by cookie."""
    client.cookies.set("lang", "en")


@pytest.fixture
def admin(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "root", ["member", "admin"])


def invite(db: Session, settings: Settings, admin: Member, username: str = "invitee") -> str:
    issued = services.invite(
        db, settings, admin, username=username, display_name="Invitee", roles=["member"]
    )
    db.commit()
    return issued.token


def count(db: Session, model: Any, *where: Any) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def error_text(response: Any) -> str:
    soup = BeautifulSoup(response.text, "html.parser")
    box = soup.select_one(".error")
    assert box is not None, response.text
    return box.get_text(" ", strip=True)


def assert_api_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    return dict(error)


def accept_page(client: TestClient, token: str, password: str, again: str | None = None) -> Any:
    path = f"/invitations/{quote(token, safe='')}"
    form = {"password": password, "password_again": password if again is None else again}
    page = client.get(path)
    token_field = (
        csrf_token(page.text) if page.status_code == 200 else csrf_token(client.get("/login").text)
    )
    return client.post(path, data={"csrf_token": token_field, **form})


def accept_api(client: TestClient, token: Any, password: Any = NEW_PASSWORD) -> Any:
    return client.post("/api/v1/invitations/accept", json={"token": token, "password": password})


def resign_at(settings: Settings, token: str, timestamp: int) -> str:
    """The same invitation token, signed as if at ``timestamp``."""
    serializer = URLSafeTimedSerializer(settings.secret_key, salt="invitation")
    nonce = serializer.loads(token)
    signer = serializer.make_signer("invitation")
    assert isinstance(signer, TimestampSigner)
    signer.get_timestamp = lambda: timestamp  # type: ignore[method-assign]
    return signer.sign(serializer.dump_payload(nonce)).decode()


# ---- invitations ------------------------------------------------------------------------


def test_a_used_invitation_is_refused_clearly(
    client: TestClient, db: Session, settings: Settings, admin: Member
) -> None:
    token = invite(db, settings, admin)
    assert accept_api(client, token).status_code == 201
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 409
    assert "already been used" in error_text(page)
    posted = accept_page(client, token, "yet another long password")
    assert posted.status_code == 409
    assert "already been used" in error_text(posted)
    assert_api_error(accept_api(client, token, "yet another long password"), 409, "invitation_used")
    assert count(db, Member, Member.username == "invitee") == 1


def test_an_invitation_past_its_expiry_is_refused_clearly(
    client: TestClient, db: Session, settings: Settings, admin: Member
) -> None:
    token = invite(db, settings, admin)
    db.execute(update(Invitation).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 409
    assert "expired" in error_text(page)
    assert accept_page(client, token, NEW_PASSWORD).status_code == 409
    assert_api_error(accept_api(client, token), 409, "invitation_expired")
    assert count(db, Member, Member.username == "invitee") == 0


def test_an_invitation_signed_too_long_ago_is_refused_clearly(
    client: TestClient, db: Session, settings: Settings, admin: Member
) -> None:
    """Even when the row says it is still open, the signature's own age is checked."""
    token = invite(db, settings, admin)
    max_age = settings.invitation_days * 86400
    old = resign_at(settings, token, int(utcnow().timestamp()) - max_age - 60)
    assert old != token
    page = client.get(f"/invitations/{old}")
    assert page.status_code == 409
    assert "expired" in error_text(page)
    assert_api_error(accept_api(client, old), 409, "invitation_expired")
    # A token re-signed just inside the limit still works: the age is what was refused.
    fresh = resign_at(settings, token, int(utcnow().timestamp()) - max_age + 3600)
    assert accept_api(client, fresh).status_code == 201


def forged_invitations(settings: Settings, token: str) -> dict[str, str]:
    serializer = URLSafeTimedSerializer(settings.secret_key, salt="invitation")
    nonce = serializer.loads(token)
    return {
        "flipped": tamper(token),
        "truncated": token[:-5],
        "random": secrets.token_urlsafe(30),
        "other salt": URLSafeTimedSerializer(settings.secret_key, salt="csrf").dumps(nonce),
        "other key": URLSafeTimedSerializer("another key " * 4, salt="invitation").dumps(nonce),
        "unknown nonce": serializer.dumps(secrets.token_urlsafe(24)),
        "not a string": serializer.dumps({"nonce": nonce}),
        "overlong": token * 8,
        "burmese": "ဖိတ်ကြားလွှာ",
        "zawgyi": "ဖိတ္ၾကားလႊာ",
        "control": "abc\x00def",
    }


def test_forged_invitation_tokens_get_a_clear_answer(
    client: TestClient, db: Session, settings: Settings, admin: Member
) -> None:
    token = invite(db, settings, admin)
    for kind, forged in forged_invitations(settings, token).items():
        page = client.get(f"/invitations/{quote(forged, safe='')}")
        assert page.status_code in (404, 422), (kind, page.status_code)
        if page.status_code == 422:
            assert "not valid" in error_text(page), kind
        posted = accept_page(client, forged, NEW_PASSWORD)
        assert posted.status_code in (404, 422), (kind, posted.status_code)
        error = assert_api_error(accept_api(client, forged), 422, "invitation_invalid")
        assert error["field"] == "token"
    for value in (None, 12, [], {}, ""):
        assert_api_error(accept_api(client, value), 422)
    # None of that used the real invitation up.
    assert accept_api(client, token).status_code == 201


def test_a_revoked_invitation_is_refused_clearly(
    client: TestClient, db: Session, settings: Settings, admin: Member
) -> None:
    token = invite(db, settings, admin)
    invitation = db.scalars(select(Invitation)).one()
    login(client, admin)
    revoked = post_form(
        client, "/admin/invitations", f"/admin/invitations/{invitation.id}/revoke", {}
    )
    assert revoked.status_code == 303
    client.cookies.clear()
    client.cookies.set("lang", "en")
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 409
    assert "revoked" in error_text(page)
    assert accept_page(client, token, NEW_PASSWORD).status_code == 409
    assert_api_error(accept_api(client, token), 409, "invitation_revoked")
    assert count(db, Member, Member.username == "invitee") == 0


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("short", "short", "at least 10 characters"),
        ("", "", "at least 10 characters"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "not the same"),
        ("invitee", "invitee", "at least 10 characters"),
        ("invitee123", "invitee123", None),
        ("x" * 2000, "x" * 2000, "too long"),
    ],
)
def test_a_bad_password_keeps_the_invitation_usable(
    client: TestClient,
    db: Session,
    settings: Settings,
    admin: Member,
    password: str,
    again: str,
    message: str | None,
) -> None:
    token = invite(db, settings, admin, "invitee123" if message is None else "invitee")
    response = accept_page(client, token, password, again)
    assert response.status_code == 422
    if message is not None:
        assert message in error_text(response)
    assert 'name="password"' in response.text  # the form is shown again
    assert count(db, Member, Member.username.like("invitee%")) == 0
    if password == again:
        api = accept_api(client, token, password)
        assert assert_api_error(api, 422)["field"] == "password"
    # Still usable afterwards.
    assert accept_page(client, token, NEW_PASSWORD).status_code == 303
    assert count(db, Member, Member.username.like("invitee%")) == 1


# ---- second factor ----------------------------------------------------------------------


def other_code(member: Member) -> str:
    """Six digits that no accepted window around now gives."""
    import pyotp

    totp = pyotp.TOTP(member.totp_secret)
    now = utcnow()
    valid = {totp.at(now + dt.timedelta(seconds=30 * d)) for d in range(-2, 3)}
    return next(c for c in (f"{n:06d}" for n in range(0, 10**6, 7919)) if c not in valid)


def password_step(client: TestClient, member: Member) -> None:
    response = post_form(
        client, "/login", "/login", {"username": member.username, "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login/totp")


def send_code(client: TestClient, code: str) -> Any:
    return post_form(client, "/login/totp", "/login/totp", {"otp": code, "next": "/"})


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("wrong", "The code is not right."),
        ("abcdef", "six digits"),
        ("12345", "six digits"),
        ("1234567", "six digits"),
        ("", "six digits"),
        ("١٢٣٤٥٦", "six digits"),
        ("12 34 5x", "six digits"),
        ("x" * 100_000, "six digits"),
    ],
)
def test_a_wrong_code_at_login_is_refused_clearly(
    client: TestClient, db: Session, settings: Settings, code: str, message: str
) -> None:
    member = make_member(db, settings, "chair", ["member", "chair"])
    if code == "wrong":
        code = other_code(member)
    password_step(client, member)
    response = send_code(client, code)
    assert response.status_code == 422
    assert message in error_text(response)
    # Still only half logged in.
    assert client.get("/account").headers["location"].startswith("/login/totp")
    assert send_code(client, current_code(member)).status_code == 303
    assert client.get("/account").status_code == 200


def test_a_code_works_once(client: TestClient, db: Session, settings: Settings, app: Any) -> None:
    member = make_member(db, settings, "chair", ["member", "chair"])
    code = current_code(member)
    password_step(client, member)
    assert send_code(client, code).status_code == 303
    with TestClient(app, follow_redirects=False, cookies={"lang": "en"}) as thief:
        password_step(thief, member)
        replayed = send_code(thief, code)
        assert replayed.status_code == 422
        assert "already been used" in error_text(replayed)
        assert thief.get("/account").headers["location"].startswith("/login/totp")
        thief.cookies.clear()
        api = thief.post(
            "/api/v1/tokens", json={"username": "chair", "password": PASSWORD, "otp": code}
        )
        assert_api_error(api, 422, "otp_replayed")


@pytest.mark.parametrize(
    ("otp", "code"),
    [
        (None, "otp_required"),
        ("wrong", "otp_invalid"),
        ("abcdef", "otp_invalid"),
        (123456, "otp_invalid"),
        (["123456"], "otp_invalid"),
        ("", "otp_invalid"),
    ],
)
def test_a_bad_code_for_an_api_token_is_refused_clearly(
    client: TestClient, db: Session, settings: Settings, otp: Any, code: str
) -> None:
    member = make_member(db, settings, "chair", ["member", "chair"])
    if otp == "wrong":
        otp = other_code(member)
    body = {"username": "chair", "password": PASSWORD, "otp": otp}
    error = assert_api_error(client.post("/api/v1/tokens", json=body), 422, code)
    assert error["field"] == "otp"


def test_setting_up_the_second_factor_with_a_bad_code(
    client: TestClient, db: Session, settings: Settings
) -> None:
    member = make_member(db, settings, "chair", ["member", "chair"], totp=False)
    login(client, member)
    assert post_form(client, "/account/totp", "/account/totp/start", {}).status_code == 303
    db.expire_all()
    member = db.get(Member, member.id)
    assert member is not None and member.totp_secret
    for code, message in (
        (other_code(member), "not right"),
        ("abc", "six digits"),
        ("", "six digits"),
    ):
        response = post_form(client, "/account/totp", "/account/totp/confirm", {"otp": code})
        assert response.status_code == 422
        assert message in error_text(response)
    db.expire_all()
    assert db.get(Member, member.id).totp_confirmed is False  # type: ignore[union-attr]
    token = sessions.issue_token(db, settings, member)
    db.commit()
    for otp in ("abc", other_code(member), None, 7):
        response = client.post("/api/v1/me/totp/confirm", json={"otp": otp}, headers=bearer(token))
        assert_api_error(response, 422)
    assert_api_error(
        client.post("/api/v1/me/totp/confirm", json=["otp"], headers=bearer(token)), 422
    )


# ---- login form -------------------------------------------------------------------------


def login_post(client: TestClient, **kwargs: Any) -> Any:
    return client.post("/login", **kwargs)


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"username": "aye"},
        {"password": PASSWORD},
        {"username": "", "password": ""},
        {"username": "x" * 100_000, "password": PASSWORD},
        {"username": "aye", "password": "x" * 100_000},
        {"username": "aye\x00", "password": PASSWORD},
        {"username": "ေအး", "password": "စကားဝှက် ရှည်ရှည်"},
        {"username": "<b>aye</b>", "password": PASSWORD},
    ],
    ids=[
        "none",
        "no-password",
        "no-username",
        "empty",
        "huge-username",
        "huge-password",
        "nul",
        "burmese",
        "markup",
    ],
)
def test_login_with_missing_or_strange_fields_is_a_clear_401(
    client: TestClient, db: Session, settings: Settings, form: dict[str, str]
) -> None:
    make_member(db, settings, "aye")
    token = csrf_token(client.get("/login").text)
    response = login_post(client, data={"csrf_token": token, **form})
    assert response.status_code == 401
    assert "not right" in error_text(response)
    assert "session" not in client.cookies
    # What was typed comes back at most 40 characters long.
    soup = BeautifulSoup(response.text, "html.parser")
    field = soup.select_one('input[name="username"]')
    assert field is not None and len(str(field.get("value", ""))) <= 40


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (
            b"csrf_token=TOKEN&username=\xff\xfe&password=\xc3\x28",
            "application/x-www-form-urlencoded",
        ),
        (b'{"csrf_token": "TOKEN", "username": "aye"}', "application/json"),
        (b"csrf_token=TOKEN&username=aye&password=x", "text/plain"),
        (
            b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nTOKEN\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (
            b"csrf_token=TOKEN&" + b"&".join(b"f%d=1" % i for i in range(500)),
            "application/x-www-form-urlencoded",
        ),
        (b"csrf_token=TOKEN&username=%ZZ%&password=%", "application/x-www-form-urlencoded"),
        (b"\x00\x01\x02\xff" * 100, "application/x-www-form-urlencoded"),
        (b"csrf_token=TOKEN&username=aye", ""),
    ],
    ids=[
        "non-utf8",
        "json",
        "text",
        "multipart",
        "many-fields",
        "bad-escapes",
        "binary",
        "no-type",
    ],
)
def test_login_with_a_strange_body_is_refused_without_a_500(
    client: TestClient, db: Session, settings: Settings, content: bytes, content_type: str
) -> None:
    make_member(db, settings, "aye")
    token = csrf_token(client.get("/login").text).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    response = login_post(client, content=content.replace(b"TOKEN", token), headers=headers)
    assert response.status_code in (400, 401, 403, 415, 422), response.status_code
    assert response.headers["content-type"].startswith("text/html")
    assert "session" not in client.cookies


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe", b"{", b"[1,", b'{"username": NaN}', b"1" * 5000, b"[" * 100_000, b"\x00"],
    ids=["non-utf8", "open", "unfinished", "nan", "huge-int", "deep", "nul"],
)
def test_api_with_a_malformed_body_is_a_clear_400_or_422(
    client: TestClient, content: bytes
) -> None:
    response = client.post(
        "/api/v1/tokens", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 401, 422)
    assert_api_error(response, response.status_code)


@pytest.mark.parametrize("body", [[], "aye", 1, None, True, [{"username": "aye"}]])
def test_api_with_a_body_that_is_not_an_object(client: TestClient, body: Any) -> None:
    response = client.post("/api/v1/tokens", json=body)
    assert_api_error(response, 422, "invalid_body")


# ---- admin forms ------------------------------------------------------------------------

BAD_INVITATIONS = [
    ({"display_name": "x" * 101}, "display_name", "too long"),
    ({"display_name": "Aye\x07Aye"}, "display_name", "control characters"),
    ({"display_name": "Aye\x1b[31m"}, "display_name", "control characters"),
    ({"display_name": "   "}, "display_name", "required"),
    ({"roles": ["member", "emperor"]}, "roles", "Unknown role"),
    ({"username": "a"}, "username", "3 to 40 characters"),
    ({"username": "aye aye"}, "username", "3 to 40 characters"),
    ({"username": "<script>"}, "username", "3 to 40 characters"),
    ({"username": "ေအး"}, "username", "3 to 40 characters"),
    ({"username": "x" * 41}, "username", "3 to 40 characters"),
    ({"party": "p" * 101}, "groups.party", "too long"),
    ({"party": "NLD\x00"}, "groups.party", "control characters"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INVITATIONS)
def test_admin_invitation_form_refuses_bad_fields_and_stores_nothing(
    client: TestClient,
    db: Session,
    admin: Member,
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    login(client, admin)
    form: dict[str, Any] = {"username": "newbie", "display_name": "Newbie", "roles": ["member"]}
    form.update(change)
    events = count(db, AuditEvent)
    response = post_form(client, "/admin/invitations", "/admin/invitations", form)
    assert response.status_code == 422
    assert message in error_text(response)
    assert count(db, Invitation) == 0
    assert count(db, AuditEvent) == events


@pytest.mark.parametrize(("change", "field", "message"), BAD_INVITATIONS)
def test_api_invitation_refuses_bad_fields_and_stores_nothing(
    client: TestClient,
    db: Session,
    settings: Settings,
    admin: Member,
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    token = sessions.issue_token(db, settings, admin)
    db.commit()
    body: dict[str, Any] = {"username": "newbie", "display_name": "Newbie", "roles": ["member"]}
    if "party" in change:
        body["groups"] = {"party": change["party"]}
    else:
        body.update(change)
    events = count(db, AuditEvent)
    response = client.post("/api/v1/invitations", json=body, headers=bearer(token))
    error = assert_api_error(response, 422)
    assert error["field"] == field
    assert count(db, Invitation) == 0
    assert count(db, AuditEvent) == events


@pytest.mark.parametrize(
    "body",
    [
        {"username": "newbie", "display_name": "Newbie", "roles": "admin"},
        {"username": "newbie", "display_name": "Newbie", "roles": [1]},
        {"username": "newbie", "display_name": 5},
        {"username": ["newbie"], "display_name": "Newbie"},
        {"username": "newbie", "display_name": "Newbie", "groups": {"religion": "x"}},
        {"username": "newbie", "display_name": "Newbie", "groups": ["party"]},
        {"username": "newbie", "display_name": "Newbie", "groups": {"party": 1}},
    ],
)
def test_api_invitation_refuses_wrong_types(
    client: TestClient, db: Session, settings: Settings, admin: Member, body: dict[str, Any]
) -> None:
    token = sessions.issue_token(db, settings, admin)
    db.commit()
    response = client.post("/api/v1/invitations", json=body, headers=bearer(token))
    assert_api_error(response, 422)
    assert count(db, Invitation) == 0


def test_admin_member_form_refuses_an_unknown_role(
    client: TestClient, db: Session, settings: Settings, admin: Member
) -> None:
    member = make_member(db, settings, "aye")
    login(client, admin)
    events = count(db, AuditEvent)
    response = post_form(
        client,
        f"/admin/members/{member.id}",
        f"/admin/members/{member.id}",
        {"roles": ["member", "emperor"], "active": "on"},
    )
    assert response.status_code == 422
    assert "Unknown role" in error_text(response)
    db.expire_all()
    assert db.get(Member, member.id).roles == ["member"]  # type: ignore[union-attr]
    assert count(db, AuditEvent) == events


@pytest.mark.parametrize(
    "body",
    [
        {"roles": ["emperor"]},
        {"roles": "admin"},
        {"active": "no"},
        {"active": 0},
        {"nickname": "x"},
    ],
)
def test_api_member_update_refuses_bad_fields(
    client: TestClient, db: Session, settings: Settings, admin: Member, body: dict[str, Any]
) -> None:
    member = make_member(db, settings, "aye")
    token = sessions.issue_token(db, settings, admin)
    db.commit()
    response = client.patch(f"/api/v1/members/{member.id}", json=body, headers=bearer(token))
    assert_api_error(response, 422)
    db.expire_all()
    stored = db.get(Member, member.id)
    assert stored is not None and stored.roles == ["member"] and stored.active
    assert count(db, AuthSession) == 0 or True


@pytest.mark.parametrize(
    ("name", "message"),
    [("c" * 201, "too long"), ("Drafting\x0bCommittee", "control characters"), ("", "required")],
)
def test_admin_committee_form_refuses_bad_names_and_stores_nothing(
    client: TestClient, db: Session, admin: Member, name: str, message: str
) -> None:
    login(client, admin)
    response = post_form(
        client, "/admin/committees", "/admin/committees", {"name": name, "provisions": "art-1"}
    )
    assert response.status_code == 422
    assert message in error_text(response)
    assert count(db, Committee) == 0


@pytest.mark.parametrize("members", [["1"], ["²"], ["9" * 30], ["-1"], ["1e3"]], ids=str)
def test_admin_committee_form_with_odd_member_ids(
    client: TestClient, db: Session, admin: Member, members: list[str]
) -> None:
    login(client, admin)
    response = post_form(
        client,
        "/admin/committees",
        "/admin/committees",
        {"name": "Drafting", "members": members, "provisions": "art-1"},
    )
    assert response.status_code in (303, 422)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Drafting", "members": [2**64]},
        {"name": "Drafting", "members": [2**31]},
        {"name": "Drafting", "members": [-1]},
        {"name": "Drafting", "members": [True]},
        {"name": "Drafting", "members": "1"},
        {"name": "Drafting", "provisions": ["bad key!"]},
        {"name": "Drafting", "provisions": "art-1"},
        {"name": "c" * 201},
        {"name": 5},
    ],
)
def test_api_committee_refuses_bad_fields(
    client: TestClient, db: Session, settings: Settings, admin: Member, body: dict[str, Any]
) -> None:
    token = sessions.issue_token(db, settings, admin)
    db.commit()
    response = client.post("/api/v1/committees", json=body, headers=bearer(token))
    assert_api_error(response, 422)
    assert count(db, Committee) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/admin/members/999999999",
        "/admin/members/99999999999999999999",
        "/admin/members/" + "9" * 5000,
        "/admin/committees/2147483648",
        "/admin/members/-1",
        "/admin/members/abc",
    ],
)
def test_admin_pages_with_ids_that_cannot_exist_are_404(
    client: TestClient, db: Session, admin: Member, path: str
) -> None:
    login(client, admin)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/api/v1/members/999999999", "/api/v1/members/99999999999999999999", "/api/v1/members/x"],
)
def test_api_ids_that_cannot_exist_are_404(
    client: TestClient, db: Session, settings: Settings, admin: Member, path: str
) -> None:
    token = sessions.issue_token(db, settings, admin)
    db.commit()
    response = client.patch(path, json={"active": False}, headers=bearer(token))
    assert response.status_code in (404, 405)
    assert_api_error(response, response.status_code)


@pytest.mark.parametrize("after", ["99999999999999999999", "1" * 5000, "-1", "1.5", "၁"])
def test_audit_list_with_a_strange_after_is_422(
    client: TestClient, db: Session, settings: Settings, admin: Member, after: str
) -> None:
    token = sessions.issue_token(db, settings, admin)
    db.commit()
    response = client.get(f"/api/v1/audit?after={quote(after)}", headers=bearer(token))
    assert_api_error(response, 422)

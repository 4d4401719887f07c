"""The Accounts contract of API v1 (shared API.md), end to end over HTTP."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import pyotp
import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.routes import API_ROUTES
from constitution.settings import Settings
from tests.factories import PASSWORD, api_token, bearer, current_code, make_member

ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
MEMBER_KEYS = {"id", "display_name", "roles", "groups", "active"}  # and "username" for herself
# "ကျင့်သုံးသည်" as most people type it: asat (U+103A) before dot below (U+1037), not NFC.
NOT_NFC = "\u1000\u103b\u1004\u103a\u1037\u101e\u102f\u1036\u1038\u101e\u100a\u103a"
NFC = unicodedata.normalize("NFC", NOT_NFC)
# "ဒေါ်ခင်ခင်ထွေး" typed in Zawgyi, and the Unicode it must become.
ZAWGYI = "\u1031\u1012\u105a\u1001\u1004\u1039\u1001\u1004\u1039\u1031\u1011\u103c\u1038"
UNICODE = "\u1012\u1031\u102b\u103a\u1001\u1004\u103a\u1001\u1004\u103a\u1011\u103d\u1031\u1038"


# ---- helpers ----------------------------------------------------------------------------


def assert_error(response: Any, status: int, code: str | None = None, field: str | None = None):
    """The error format of API.md: the status and {"error": {"code", "message", "field"?}}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= {"code", "message", "field"}
    assert SNAKE.fullmatch(error["code"]), error
    assert isinstance(error["message"], str) and error["message"].strip()
    if code is not None:
        assert error["code"] == code, error
    if status == 422:
        assert isinstance(error.get("field"), str) and error["field"], error
    if field is not None:
        assert error.get("field") == field, error
    return error


def assert_member(data: dict[str, Any]) -> None:
    assert set(data) >= MEMBER_KEYS
    assert isinstance(data["id"], int)
    assert set(data["roles"]) <= {"member", "chair", "secretariat", "admin"}
    assert "member" in data["roles"]
    assert set(data["groups"]) <= {"party", "state_region", "ethnicity"}
    assert isinstance(data["active"], bool)


def admin_with_token(client: TestClient, db: Session, settings: Settings) -> tuple[Member, str]:
    admin = make_member(db, settings, "admin", ["member", "admin"])
    return admin, api_token(client, admin)


def invite(client: TestClient, token: str, **fields: Any) -> dict[str, Any]:
    body = {"username": "thida", "display_name": "Daw Thida", "roles": ["member"], **fields}
    response = client.post("/api/v1/invitations", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    return dict(response.json())


def accept(client: TestClient, token: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/invitations/accept", json={"token": token, "password": password})


def wrong_code(secret: str) -> str:
    """Six digits that no window around now accepts."""
    totp = pyotp.TOTP(secret)
    now = dt.datetime.now(dt.UTC)
    valid = {totp.at(now + dt.timedelta(seconds=30 * d)) for d in (-2, -1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if c not in valid)


def concrete(path: str) -> str:
    """A route's path with its parameters filled in."""
    return re.sub(r"\{[^}:]+(:[^}]+)?\}", lambda m: "1" if m.group(1) == ":int" else "x", path)


# ---- tokens -----------------------------------------------------------------------------


def test_token_for_username_and_password(client: TestClient, db, settings) -> None:
    aye = make_member(db, settings, "aye")
    response = client.post("/api/v1/tokens", json={"username": "aye", "password": PASSWORD})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"token", "member", "device"}
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    assert_member(body["member"])
    assert body["member"]["id"] == aye.id
    me = client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json() == body["member"]
    assert me.json()["username"] == "aye"
    assert me.json()["roles"] == ["member"]
    assert me.json()["groups"] == {}
    assert me.json()["active"] is True


def test_wrong_password_and_unknown_user_get_the_same_401(client: TestClient, db, settings) -> None:
    make_member(db, settings, "aye")
    wrong = client.post("/api/v1/tokens", json={"username": "aye", "password": "not it at all"})
    unknown = client.post("/api/v1/tokens", json={"username": "nobody", "password": PASSWORD})
    assert assert_error(wrong, 401) == assert_error(unknown, 401)


def test_token_needs_otp_once_totp_is_confirmed(client: TestClient, db, settings) -> None:
    aye = make_member(db, settings, "aye", totp=True)
    login = {"username": "aye", "password": PASSWORD}
    assert_error(client.post("/api/v1/tokens", json=login), 422, "otp_required", "otp")
    bad = {**login, "otp": wrong_code(aye.totp_secret)}
    assert_error(client.post("/api/v1/tokens", json=bad), 422, field="otp")
    assert_error(client.post("/api/v1/tokens", json={**login, "otp": "12ab56"}), 422, field="otp")
    code = current_code(aye)
    assert client.post("/api/v1/tokens", json={**login, "otp": code}).status_code == 201
    # Each code works once.
    replay = client.post("/api/v1/tokens", json={**login, "otp": code})
    assert_error(replay, 422, field="otp")
    later = client.post("/api/v1/tokens", json={**login, "otp": current_code(aye, 1)})
    assert later.status_code == 201, later.text


def test_deleting_the_current_token_ends_it_at_once(client: TestClient, db, settings) -> None:
    aye = make_member(db, settings, "aye")
    token = api_token(client, aye)
    other = api_token(client, aye)
    response = client.delete("/api/v1/tokens/current", headers=bearer(token))
    assert response.status_code == 204
    assert response.content == b""
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401)
    assert_error(client.delete("/api/v1/tokens/current", headers=bearer(token)), 401)
    # Her other tokens go on working.
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_requests_without_a_valid_token_get_401(client: TestClient, db, settings) -> None:
    assert_error(client.get("/api/v1/me"), 401)
    assert_error(client.get("/api/v1/me", headers=bearer("made-up")), 401)
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Basic YWJjOmRlZg=="}), 401)
    assert_error(client.get("/api/v1/members"), 401)


# ---- second factor ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["chair", "secretariat", "admin"])
def test_role_without_totp_gets_a_token_for_setting_it_up_only(
    client: TestClient, db, settings, role: str
) -> None:
    make_member(db, settings, "khin", ["member", role], totp=False)
    response = client.post("/api/v1/tokens", json={"username": "khin", "password": PASSWORD})
    assert response.status_code == 201, response.text
    headers = bearer(response.json()["token"])
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    checked = 0
    for route in API_ROUTES:
        if route.name in {"api.me", "api.me.totp", "api.me.totp_confirm", "api.tokens.delete"}:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            url = concrete(route.path)
            anonymous = client.request(method, url)
            if anonymous.status_code != 401 or anonymous.json()["error"]["code"] == "login_failed":
                continue  # public: reachable without logging in
            partial = client.request(method, url, headers=headers)
            assert_error(partial, 403, "totp_required")
            checked += 1
    assert checked >= 6
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204


def test_totp_set_up_through_the_api_gives_the_same_token_full_rights(
    client: TestClient, db, settings
) -> None:
    make_member(db, settings, "khin", ["member", "chair"], totp=False)
    login = {"username": "khin", "password": PASSWORD}
    headers = bearer(client.post("/api/v1/tokens", json=login).json()["token"])
    assert_error(client.get("/api/v1/members", headers=headers), 403, "totp_required")

    started = client.post("/api/v1/me/totp", headers=headers)
    assert started.status_code == 201, started.text
    assert set(started.json()) == {"secret", "otpauth_uri"}
    secret = started.json()["secret"]
    uri = pyotp.parse_uri(started.json()["otpauth_uri"])
    assert uri.secret == secret
    assert (uri.digits, uri.interval, uri.digest().name) == (6, 30, "sha1")
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/")
    # Not confirmed yet: a token still needs no code, and the rights are still partial.
    assert client.post("/api/v1/tokens", json=login).status_code == 201

    bad = client.post("/api/v1/me/totp/confirm", json={"otp": wrong_code(secret)}, headers=headers)
    assert_error(bad, 422, field="otp")
    assert_error(client.post("/api/v1/me/totp/confirm", json={}, headers=headers), 422)
    code = pyotp.TOTP(secret).now()
    confirmed = client.post("/api/v1/me/totp/confirm", json={"otp": code}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    assert_member(confirmed.json())

    assert client.get("/api/v1/members", headers=headers).status_code == 200
    assert client.get("/api/v1/committees", headers=headers).status_code == 200
    assert_error(client.post("/api/v1/me/totp", headers=headers), 409)
    again = client.post("/api/v1/me/totp/confirm", json={"otp": code}, headers=headers)
    assert_error(again, 409)
    # From now on a token needs a code, and the one used to confirm is spent.
    assert_error(client.post("/api/v1/tokens", json=login), 422, "otp_required", "otp")
    assert_error(client.post("/api/v1/tokens", json={**login, "otp": code}), 422, field="otp")
    fresh = pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))
    assert client.post("/api/v1/tokens", json={**login, "otp": fresh}).status_code == 201


# ---- invitations ------------------------------------------------------------------------


def test_invitation_is_created_and_accepted_once(client: TestClient, db, settings) -> None:
    _admin, token = admin_with_token(client, db, settings)
    groups = {"party": "NLD", "state_region": "Kachin", "ethnicity": "Kachin"}
    invitation = invite(client, token, roles=["member", "chair"], groups=groups)
    assert {"token", "url", "expires_at"} <= set(invitation)
    assert invitation["url"].endswith("/invitations/" + invitation["token"])
    assert ISO_Z.fullmatch(invitation["expires_at"])
    expires = dt.datetime.fromisoformat(invitation["expires_at"].replace("Z", "+00:00"))
    expected = dt.datetime.now(dt.UTC) + dt.timedelta(days=settings.invitation_days)
    assert abs(expires - expected) < dt.timedelta(minutes=5)

    accepted = accept(client, invitation["token"])
    assert accepted.status_code == 201, accepted.text
    assert set(accepted.json()) == {"member"}
    member = accepted.json()["member"]
    assert_member(member)
    assert member["username"] == "thida"
    assert member["display_name"] == "Daw Thida"
    assert member["roles"] == ["member", "chair"]
    assert member["groups"] == groups
    assert member["active"] is True
    # A token works once.
    assert_error(accept(client, invitation["token"]), 409)
    assert_error(accept(client, invitation["token"], "another good password"), 409)
    login = {"username": "thida", "password": PASSWORD}
    assert client.post("/api/v1/tokens", json=login).status_code == 201


def test_refused_acceptance_leaves_the_invitation_usable(client: TestClient, db, settings) -> None:
    _admin, token = admin_with_token(client, db, settings)
    invitation = invite(client, token)
    assert_error(accept(client, invitation["token"], "short"), 422, field="password")
    assert_error(accept(client, invitation["token"] + "x"), 422, field="token")
    assert_error(accept(client, "not-a-token"), 422, field="token")
    assert accept(client, invitation["token"]).status_code == 201


def test_invitation_refusals(client: TestClient, db, settings) -> None:
    _admin, token = admin_with_token(client, db, settings)
    member_token = api_token(client, make_member(db, settings, "aye"))
    body = {"username": "thida", "display_name": "Daw Thida", "roles": ["member"]}
    assert_error(client.post("/api/v1/invitations", json=body), 401)
    assert_error(client.post("/api/v1/invitations", json=body, headers=bearer(member_token)), 403)
    for bad, status, field in [
        ({"username": "x"}, 422, "username"),
        ({"username": "aye"}, 409, "username"),  # a member has it
        ({"display_name": ""}, 422, "display_name"),
        ({"display_name": "a\x00b"}, 422, "display_name"),
        ({"roles": ["queen"]}, 422, "roles"),
        ({"roles": "admin"}, 422, "roles"),
        ({"groups": {"religion": "x"}}, 422, None),
        ({"groups": "NLD"}, 422, "groups"),
    ]:
        response = client.post("/api/v1/invitations", json={**body, **bad}, headers=bearer(token))
        assert_error(response, status, field=field)
    invite(client, token)
    again = client.post("/api/v1/invitations", json=body, headers=bearer(token))
    assert_error(again, 409, field="username")


# ---- members ----------------------------------------------------------------------------


def test_members_are_listed_for_members(client: TestClient, db, settings) -> None:
    aye = make_member(db, settings, "aye")
    make_member(db, settings, "hla", ["member", "chair"])
    response = client.get("/api/v1/members", headers=bearer(api_token(client, aye)))
    assert response.status_code == 200
    members = response.json()
    assert {m["display_name"] for m in members} == {"Aye", "Hla"}
    for member in members:
        assert_member(member)
        assert "password_hash" not in member and "totp_secret" not in member
    # Her own login name and second factor she sees; another member's, she does not.
    mine, other = sorted(members, key=lambda m: m["id"] != aye.id)
    assert mine["username"] == "aye" and mine["totp_confirmed"] is False
    assert set(other) == {"id", "display_name", "roles", "groups", "active"}


def test_admin_changes_roles_and_disabling_ends_her_tokens(
    client: TestClient, db, settings
) -> None:
    _admin, admin_token = admin_with_token(client, db, settings)
    aye = make_member(db, settings, "aye")
    her_token = api_token(client, aye)
    url = f"/api/v1/members/{aye.id}"

    promoted = client.patch(url, json={"roles": ["chair"]}, headers=bearer(admin_token))
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["roles"] == ["member", "chair"]

    disabled = client.patch(url, json={"active": False}, headers=bearer(admin_token))
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False
    assert_error(client.get("/api/v1/me", headers=bearer(her_token)), 401)
    login = {"username": "aye", "password": PASSWORD}
    assert_error(client.post("/api/v1/tokens", json=login), 401)

    enabled = client.patch(url, json={"active": True}, headers=bearer(admin_token))
    assert enabled.json()["active"] is True
    # Her old token stays ended; she logs in afresh.
    assert_error(client.get("/api/v1/me", headers=bearer(her_token)), 401)
    assert client.post("/api/v1/tokens", json=login).status_code == 201


def test_member_update_refusals(client: TestClient, db, settings) -> None:
    admin, admin_token = admin_with_token(client, db, settings)
    aye = make_member(db, settings, "aye")
    headers = bearer(admin_token)
    url = f"/api/v1/members/{aye.id}"
    member_headers = bearer(api_token(client, aye))
    assert_error(client.patch(url, json={"active": False}, headers=member_headers), 403)
    assert_error(client.patch(url, json={"active": False}), 401)
    assert_error(client.patch("/api/v1/members/999999", json={}, headers=headers), 404)
    assert_error(client.patch(url, json={"active": "no"}, headers=headers), 422, field="active")
    assert_error(client.patch(url, json={"roles": ["queen"]}, headers=headers), 422, field="roles")
    assert_error(client.patch(url, json={"nickname": "x"}, headers=headers), 422, field="nickname")
    assert_error(client.patch(url, json=["active"], headers=headers), 422)
    mine = f"/api/v1/members/{admin.id}"
    assert_error(client.patch(mine, json={"active": False}, headers=headers), 409)
    assert_error(client.patch(mine, json={"roles": ["member"]}, headers=headers), 409)
    assert client.get("/api/v1/me", headers=member_headers).json()["active"] is True


# ---- committees -------------------------------------------------------------------------


def test_committee_is_created_and_listed(client: TestClient, db, settings) -> None:
    _admin, token = admin_with_token(client, db, settings)
    aye = make_member(db, settings, "aye")
    hla = make_member(db, settings, "hla")
    body = {"name": "Federalism", "members": [hla.id, aye.id], "provisions": ["art-1", "ch-2"]}
    response = client.post("/api/v1/committees", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    committee = response.json()
    assert isinstance(committee["id"], int)
    assert committee["name"] == "Federalism"
    assert sorted(committee["members"]) == sorted([aye.id, hla.id])
    assert sorted(committee["provisions"]) == ["art-1", "ch-2"]
    listed = client.get("/api/v1/committees", headers=bearer(api_token(client, aye)))
    assert listed.status_code == 200
    assert committee.pop("notices") == []
    assert [c for c in listed.json() if c["id"] == committee["id"]] == [committee]


def test_committee_refusals(client: TestClient, db, settings) -> None:
    _admin, token = admin_with_token(client, db, settings)
    aye = make_member(db, settings, "aye")
    headers = bearer(token)
    body = {"name": "Federalism", "members": [aye.id], "provisions": ["art-1"]}
    unknown = client.post(
        "/api/v1/committees", json={**body, "members": [aye.id, 999999]}, headers=headers
    )
    assert_error(unknown, 422, field="members")
    not_ids = client.post("/api/v1/committees", json={**body, "members": ["aye"]}, headers=headers)
    assert_error(not_ids, 422, field="members")
    assert_error(
        client.post("/api/v1/committees", json={**body, "provisions": "art-1"}, headers=headers),
        422,
        field="provisions",
    )
    assert_error(client.post("/api/v1/committees", json={**body, "name": ""}, headers=headers), 422)
    member_headers = bearer(api_token(client, aye))
    assert_error(client.post("/api/v1/committees", json=body, headers=member_headers), 403)
    assert client.post("/api/v1/committees", json=body, headers=headers).status_code == 201
    assert_error(client.post("/api/v1/committees", json=body, headers=headers), 409)
    assert client.get("/api/v1/committees", headers=headers).json()[0]["members"] == [aye.id]


# ---- the error format -------------------------------------------------------------------


def test_400_malformed_json(client: TestClient, db, settings) -> None:
    headers = {"Content-Type": "application/json"}
    for raw in (b"{not json", b'{"username": "aye"', b"\xff\xfe"):
        response = client.post("/api/v1/tokens", content=raw, headers=headers)
        assert_error(response, 400, "malformed_json")


def test_401_403_404(client: TestClient, db, settings) -> None:
    token = api_token(client, make_member(db, settings, "aye"))
    assert_error(client.get("/api/v1/audit"), 401)
    assert_error(client.get("/api/v1/audit", headers=bearer(token)), 403)
    assert_error(client.get("/api/v1/no-such-thing", headers=bearer(token)), 404)
    assert_error(client.get("/api/v1/members/abc", headers=bearer(token)), 404)


def test_409_and_422_with_field(client: TestClient, db, settings) -> None:
    _admin, token = admin_with_token(client, db, settings)
    invitation = invite(client, token)
    assert accept(client, invitation["token"]).status_code == 201
    assert_error(accept(client, invitation["token"]), 409)
    not_an_object = client.post("/api/v1/invitations", json=["thida"], headers=bearer(token))
    assert_error(not_an_object, 422)
    assert_error(client.post("/api/v1/tokens", json=["aye"]), 422, field="body")
    assert_error(client.post("/api/v1/tokens", json="aye"), 422, field="body")


def test_413_body_too_large(client: TestClient, settings) -> None:
    raw = b'{"username": "' + b"a" * settings.max_body_bytes + b'"}'
    response = client.post(
        "/api/v1/tokens", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413)


def test_429_after_too_many_failed_logins(client: TestClient, db, settings) -> None:
    make_member(db, settings, "aye")
    wrong = {"username": "aye", "password": "not the password"}
    for _ in range(settings.login_max_failures):
        assert_error(client.post("/api/v1/tokens", json=wrong), 401)
    right = {"username": "aye", "password": PASSWORD}
    assert_error(client.post("/api/v1/tokens", json=right), 429)


# ---- times and text ---------------------------------------------------------------------


def test_times_are_iso_8601_utc_with_z(client: TestClient, db, settings) -> None:
    _admin, token = admin_with_token(client, db, settings)
    invitation = invite(client, token)
    assert ISO_Z.fullmatch(invitation["expires_at"])
    events = client.get("/api/v1/audit?after=0", headers=bearer(token)).json()
    assert events
    for event in events:
        assert ISO_Z.fullmatch(event["at"]), event
    assert_error(client.get("/api/v1/audit?after=x", headers=bearer(token)), 422, field="after")


def test_burmese_text_is_returned_nfc(client: TestClient, db, settings) -> None:
    assert NOT_NFC != NFC
    _admin, token = admin_with_token(client, db, settings)
    name = "ဒေါ်" + NOT_NFC
    invitation = invite(client, token, display_name=name, groups={"ethnicity": NOT_NFC})
    member = accept(client, invitation["token"]).json()["member"]
    assert member["display_name"] == unicodedata.normalize("NFC", name)
    assert member["groups"] == {"ethnicity": NFC}
    listed = client.get("/api/v1/members", headers=bearer(token)).json()
    assert [m["display_name"] for m in listed if m["id"] == member["id"]] == [
        member["display_name"]
    ]
    committee = client.post(
        "/api/v1/committees",
        json={"name": NOT_NFC, "members": [member["id"]], "provisions": []},
        headers=bearer(token),
    )
    assert committee.status_code == 201, committee.text
    assert committee.json()["name"] == NFC
    for text in (member["display_name"], NFC):
        assert unicodedata.is_normalized("NFC", text)


def test_zawgyi_display_name_is_converted_to_unicode(client: TestClient, db, settings) -> None:
    _admin, token = admin_with_token(client, db, settings)
    invitation = invite(client, token, display_name=ZAWGYI)
    assert invitation["notices"] == [{"field": "display_name", "code": "converted_from_zawgyi"}]
    member = accept(client, invitation["token"]).json()["member"]
    assert member["display_name"] == UNICODE
    listed = client.get("/api/v1/members", headers=bearer(token)).json()
    assert UNICODE in {m["display_name"] for m in listed}
    plain = invite(client, token, username="hla", display_name=UNICODE)
    assert plain["notices"] == []
    committee = client.post(
        "/api/v1/committees",
        json={"name": ZAWGYI, "members": [], "provisions": []},
        headers=bearer(token),
    )
    assert committee.json()["name"] == UNICODE
    assert committee.json()["notices"] == [{"field": "name", "code": "converted_from_zawgyi"}]

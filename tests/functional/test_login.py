from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from constitution.accounts.models import AuthSession
from tests.factories import PASSWORD, login, make_member, post_form


def test_member_logs_in_and_out(client: TestClient, db, settings) -> None:
    member = make_member(db, settings, "aye")
    login(client, member)
    page = client.get("/account")
    assert page.status_code == 200
    assert "Aye" in page.text
    response = post_form(client, "/account", "/logout", {})
    assert response.status_code == 303
    assert client.get("/account").status_code == 303


def test_session_cookie_is_refused_after_logout(client: TestClient, db, settings) -> None:
    member = make_member(db, settings, "aye")
    login(client, member)
    stolen = dict(client.cookies)
    post_form(client, "/account", "/logout", {})
    client.cookies.clear()
    for name, value in stolen.items():
        client.cookies.set(name, value)
    assert client.get("/account").status_code == 303
    assert db.scalars(select(AuthSession)).all() == []


def test_wrong_password_and_unknown_user_get_the_same_answer(client, db, settings) -> None:
    make_member(db, settings, "aye")
    wrong = post_form(client, "/login", "/login", {"username": "aye", "password": "nope nope nope"})
    unknown = post_form(client, "/login", "/login", {"username": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert _error(wrong.text) == _error(unknown.text)


def _error(html: str) -> str:
    start = html.index('class="error"')
    return html[start : html.index("</p>", start)]

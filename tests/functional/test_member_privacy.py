"""A member's login name and second-factor state are shown to admins and to herself only:
other members see display names. Every page and API response a plain member can reach is
searched for the login names of the others."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from constitution.accounts import services, sessions
from constitution.accounts.models import Member
from constitution.amendments import services as amendment_services
from constitution.comments import services as comment_services
from constitution.routes import API_ROUTES, PAGE_ROUTES
from constitution.settings import Settings
from constitution.texts.validation import Notices
from constitution.votes import services as votes
from tests.factories import (
    Api,
    api_token,
    login,
    make_committee,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)
from tests.live.sse import fetch

# Login names no page text could hold by chance, and display names unlike them.
OTHERS = {
    "zq-proposer-login": ("Daw Khin Proposer", ["member"]),
    "zq-sponsor-login": ("Daw Mya Sponsor", ["member"]),
    "zq-chair-login": ("Daw Su Chair", ["member", "chair"]),
    "zq-admin-login": ("Daw Nu Admin", ["member", "admin"]),
}


def member(db: Session, settings: Settings, username: str, shown: str, roles: list[str]) -> Member:
    made = make_member(db, settings, username, roles)
    made.display_name = shown
    db.commit()
    return made


@pytest.fixture
def world(db: Session, settings: Settings) -> dict[str, Any]:
    others = {name: member(db, settings, name, *values) for name, values in OTHERS.items()}
    viewer = member(db, settings, "zq-viewer-login", "Daw Viewer", ["member"])
    admin = others["zq-admin-login"]
    document = make_document(db, small_body(), admin)
    committee = make_committee(
        db, settings, "Federalism", [others["zq-chair-login"], viewer], ["part-1"], admin=admin
    )
    change = {"op": "replace", "key": "art-1", "text": {"en": "The Union is federal."}}
    amendment = propose_amendment(
        db,
        settings,
        others["zq-proposer-login"],
        document,
        change,
        title="Federal union",
        sponsors=[others["zq-sponsor-login"], viewer],
        submit=True,
    )
    thread = amendment_services.thread_of(amendment, document)
    comment_services.add_comment(
        db, others["zq-chair-login"], thread, body="A question.", notices=Notices()
    )
    comment_services.add_comment(db, viewer, thread, body="My answer.", notices=Notices())
    services.invite(
        db, settings, admin, username="zq-invitee-login", display_name="Daw Invitee", roles=[]
    )
    # A sitting whose closed poll has a roll-call naming the others (by display name), and
    # a proxy one of them asked of the viewer.
    chair = others["zq-chair-login"]
    sitting = votes.create_sitting(db, chair, "Sitting", {"fraction": 0.1})
    votes.open_sitting(db, chair, sitting)
    for present in (chair, others["zq-proposer-login"], viewer):
        votes.check_in(db, present, sitting)
    poll = votes.create_poll(db, chair, sitting, motion={"en": "Adopt the draft."})
    votes.open_poll(db, settings, chair, poll)
    votes.cast_vote(db, others["zq-proposer-login"], poll.id, "yes")
    votes.close_poll(db, settings, chair, poll.id)
    proxy = votes.request_proxy(db, others["zq-sponsor-login"], sitting, viewer.id)
    db.commit()
    return {
        "viewer": viewer,
        "slug": document.slug,
        "key": "art-1",
        "amendment_id": amendment.id,
        "committee_id": committee.id,
        "member_id": others["zq-proposer-login"].id,
        "sitting_id": sitting.id,
        "poll_id": poll.id,
        "proxy_id": proxy.id,
    }


def paths(app: Starlette, world: dict[str, Any], routes: list[Route]) -> list[str]:
    """Every GET route, with real ids (invitation and password reset links are left out:
    the page shows its own login name to the one holding the link)."""
    found = []
    for route in routes:
        links = {"token", "reset_token"} & set(route.param_convertors)
        if "GET" not in (route.methods or ()) or links:
            continue
        params = {k: v for k, v in world.items() if k in route.param_convertors}
        found.append(str(app.url_path_for(route.name, **params)))
    return found


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [name for name in [*OTHERS, "zq-invitee-login"] if name in lowered]


def test_no_other_members_login_name_reaches_a_plain_member(
    app: Starlette, client: TestClient, db: Session, settings: Settings, world: dict[str, Any]
) -> None:
    viewer = world["viewer"]
    login(client, viewer)
    seen = 0
    for path in paths(app, world, PAGE_ROUTES):
        for query in ("", "?q=Union", "?from=1&to=1"):
            response = client.get(path + query)
            assert leaks(response.text) == [], path + query
            seen += response.status_code == 200
    with TestClient(app, follow_redirects=False) as script:
        api = Api(script, api_token(script, viewer))
        for path in paths(app, world, API_ROUTES):
            for query in ("", "?q=Union", "?from=1&to=1"):
                response = fetch(script, "GET", path + query, headers=api.headers)
                assert leaks(response.text) == [], path + query
                seen += response.status_code == 200
        members = api.get("/api/v1/members").json()
    assert seen > 20
    # She sees the others by display name, and her own login name.
    assert {m["display_name"] for m in members} >= {shown for shown, _roles in OTHERS.values()}
    for entry in members:
        if entry["id"] == viewer.id:
            assert entry["username"] == "zq-viewer-login"
            assert entry["totp_confirmed"] is False
        else:
            assert set(entry) == {"id", "display_name", "roles", "groups", "active"}
    # An admin sees login names and second factors.
    admin = make_member(db, settings, "zq-second-admin", ["member", "admin"])
    token = sessions.issue_token(db, settings, admin)
    db.commit()
    with TestClient(app, follow_redirects=False) as script:
        listed = {m["id"]: m for m in Api(script, token).get("/api/v1/members").json()}
    proposer = listed[world["member_id"]]
    assert proposer["username"] == "zq-proposer-login"
    assert proposer["totp_confirmed"] is False

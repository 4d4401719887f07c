"""The observer role (API.md roles): a partner organisation reads documents, amendments,
comments and results, and takes no part (no proposing, sponsoring, commenting, voting).
Every route against the role is in the authorisation matrix; this checks the reading side
and the role's own rules."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts import services
from constitution.accounts.models import Member
from constitution.amendments import services as amendment_services
from constitution.comments import services as comments
from constitution.errors import Forbidden, Invalid
from constitution.settings import Settings
from constitution.texts.validation import Notices
from constitution.votes import services as votes
from constitution.votes.services.queries import voting_members
from tests.factories import (
    api_token,
    bearer,
    login,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)


def observer_of(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "partner", ["observer"])


def test_an_observer_reads_the_draft_amendments_and_comments(
    client: TestClient, db: Session, settings: Settings
) -> None:
    nandar = make_member(db, settings, "nandar")
    document = make_document(db, small_body())
    amendment = propose_amendment(
        db, settings, nandar, document, {"op": "replace", "key": "art-1", "text": {"en": "X y"}}
    )
    comments.add_comment(
        db,
        nandar,
        amendment_services.thread_of(amendment, document),
        body="Why this?",
        notices=Notices(),
    )
    db.commit()
    partner = observer_of(db, settings)
    token = api_token(client, partner)
    login(client, partner)
    for path in (
        "/",
        "/documents",
        f"/documents/{document.slug}",
        f"/documents/{document.slug}/read",
        f"/documents/{document.slug}/p/art-1",
        f"/documents/{document.slug}/amendments",
        f"/amendments/{amendment.id}",
        "/sittings",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    page = client.get(f"/amendments/{amendment.id}").text
    assert "Why this?" in page
    assert f'action="/amendments/{amendment.id}/sponsor"' not in page
    assert f"/amend?amends={amendment.id}" not in page
    listed = client.get(f"/api/v1/amendments/{amendment.id}/comments", headers=bearer(token))
    assert listed.status_code == 200 and "Why this?" in listed.text
    home = client.get("/").text
    assert "observer" in home and "Your amendments" not in home
    provision = client.get(f"/documents/{document.slug}/p/art-1").text
    assert f"/documents/{document.slug}/p/art-1/amend" not in provision
    # The form itself tells her she takes no part, before she fills it in.
    for query in ("", "?op=replace"):
        form = client.get(f"/documents/{document.slug}/p/art-1/amend{query}")
        assert form.status_code == 403, query
        assert "take no part" in form.text and 'name="title"' not in form.text


def test_an_observer_is_refused_every_part_of_the_work(db: Session, settings: Settings) -> None:
    nandar = make_member(db, settings, "nandar")
    chair = make_member(db, settings, "chair", ["member", "chair"])
    partner = observer_of(db, settings)
    document = make_document(db, small_body())
    amendment = propose_amendment(
        db, settings, nandar, document, {"op": "replace", "key": "art-1", "text": {"en": "X y"}}
    )
    thread = amendment_services.thread_of(amendment, document)
    with pytest.raises(Forbidden) as refused:
        comments.add_comment(db, partner, thread, body="Hello", notices=Notices())
    assert refused.value.code == "observer"
    with pytest.raises(Forbidden):
        amendment_services.sponsor(db, partner, amendment)
    with pytest.raises(Forbidden):
        propose_amendment(
            db, settings, partner, document, {"op": "replace", "key": "art-1", "text": {"en": "Z"}}
        )
    sitting = votes.create_sitting(db, chair, "Sitting", {"fraction": 0.5})
    votes.open_sitting(db, chair, sitting)
    with pytest.raises(Forbidden):
        votes.check_in(db, partner, sitting)
    # She is not one of the members a quorum or a "members" base counts.
    assert voting_members(db) == 2


def test_the_observer_role_goes_alone(db: Session, settings: Settings) -> None:
    assert services.clean_roles(["observer"]) == ["observer"]
    for roles in (["observer", "member"], ["observer", "chair"], ["observer", "admin"]):
        with pytest.raises(Invalid) as refused:
            services.clean_roles(roles)
        assert refused.value.code == "observer_only"


def test_an_admin_invites_an_observer(client: TestClient, db: Session, settings: Settings) -> None:
    root = make_member(db, settings, "root", ["member", "admin"])
    token = api_token(client, root)
    body = {"username": "partner", "display_name": "Partner org", "roles": ["observer"]}
    response = client.post("/api/v1/invitations", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    accepted = client.post(
        "/api/v1/invitations/accept",
        json={"token": response.json()["token"], "password": "a long enough password"},
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["member"]["roles"] == ["observer"]

"""Every endpoint, fuzzed with the ids of objects that exist, as each kind of office holder.

API: Schemathesis draws requests from the OpenAPI document the app serves (positive and
negative cases), as a plain member, a chair, the secretariat and an admin (bearer tokens of
members with a confirmed second factor where the role needs one). Path parameters and the
ids a body names (``amends``, ``parent``, ``ids``, ``members``) are mostly those of real rows,
so that the requests get past the 404s; some strings get a lone surrogate (``"\\udc00"``)
and some ids a number beyond 64 bits. Each example runs in a savepoint rolled back after it,
so every example sees the same world and a failure replays.

Pages: random urlencoded bodies, with a valid CSRF token and a logged-in session of each
office holder, to each page POST route; some values are percent-escapes of no text
(``%ED%B0%80``) or numbers beyond any row.

The check: no response is a 5xx; an API 4xx has the error JSON shape.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer
from schemathesis.core import NotSet
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.routing import Route
from starlette.testclient import TestClient

from constitution.accounts import sessions
from constitution.accounts.models import Member
from constitution.amendments import services as amendment_services
from constitution.amendments.models import Amendment
from constitution.api import openapi
from constitution.comments import services as comment_services
from constitution.inbox.models import Notification
from constitution.routes import API_ROUTES, PAGE_ROUTES
from constitution.security import make_csrf_token
from constitution.settings import Settings
from constitution.texts.models import Document
from constitution.texts.validation import Notices
from constitution.votes import services as vote_services
from tests import conftest
from tests.factories import make_committee, make_member, propose_amendment
from tests.functional.test_authorization import SLUG, build_world
from tests.functional.test_fuzz import FORM_FIELDS, TEXT, assert_api_shape
from tests.live.sse import fetch

PERSONAS = ("member", "chair", "secretariat", "admin")
# Examples per API operation (33; half as many for those without a body) and per page POST
# route (24), each sent by all four personas: the whole file runs in about a minute on
# SQLite.
API_EXAMPLES = 30
PAGE_EXAMPLES = 12

SETTINGS = hypothesis_settings(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)

# Beyond what a driver binds (half the draws), and ids no row has.
BEYOND = [2**63, 2**64, 10**30]
HUGE = [*BEYOND, 0, -1, 2**31]
SURROGATES = ["\udc00", "\ud800", "a\udfffb"]


@dataclass
class Ids:
    """Real rows, by kind, for paths and bodies."""

    members: list[int]
    amendments: list[int]
    comments: list[int]
    committees: list[int]
    invitations: list[int]
    notifications: list[int]
    invitation_token: str
    keys: list[str]
    sittings: list[int]
    polls: list[int]
    agendas: list[list[int]]  # each sitting's created polls
    proxies: list[int]


@dataclass
class Fuzzed:
    members: dict[str, Member]
    ids: Ids


@dataclass
class Voting:
    sittings: list[int]
    polls: list[int]
    agendas: list[list[int]]  # each sitting's created polls
    proxies: list[int]


def seed_votes(
    db: Session,
    settings: Settings,
    voters: list[Member],
    chair: Member,
    amendments: list[Amendment],
    sub: Amendment,
) -> Voting:
    """A planned sitting; an open one with a poll in each state (closed with its record,
    open with a vote, created on conflicting ``amendments`` and on a motion), an approved
    proxy (the last voter's, held by the first) used in both polls and a requested one;
    and another open sitting whose created polls (one on ``sub``, an amendment to an
    amendment) may be opened."""
    planned = vote_services.create_sitting(db, chair, "Planned", starts_at="2026-12-01T08:00Z")
    sitting = vote_services.create_sitting(db, chair, "Open sitting")
    ready = vote_services.create_sitting(db, chair, "Ready sitting")
    holder, *others, giver = voters
    for each in (sitting, ready):
        vote_services.open_sitting(db, chair, each)
        for member in [chair, holder, *others]:
            vote_services.check_in(db, member, each)
    approved = vote_services.request_proxy(db, giver, sitting, holder.id)
    vote_services.decide_proxy(db, settings, chair, approved, approve=True)
    requested = vote_services.request_proxy(db, others[0], sitting, chair.id)
    condition = [{"group": "state_region", "majority": "simple", "base": "cast"}]
    polls = []
    for title in ("Closed", "Open"):
        poll = vote_services.create_poll(
            db, chair, sitting, motion={"en": title}, conditions=condition
        )
        vote_services.open_poll(db, settings, chair, poll)
        vote_services.cast_vote(db, holder, poll.id, "yes")
        vote_services.cast_vote(db, holder, poll.id, "no", giver.id)
        if title == "Closed":
            vote_services.close_poll(db, settings, chair, poll.id)
        polls.append(poll.id)
    created = [
        vote_services.create_poll(db, chair, sitting, amendment=a.id, majority="two_thirds").id
        for a in amendments
    ]
    created.append(
        vote_services.create_poll(db, chair, sitting, motion={"my": "အဆို"}, base="members").id
    )
    waiting = [
        vote_services.create_poll(db, chair, ready, amendment=sub.id).id,
        vote_services.create_poll(db, chair, ready, motion={"en": "Ready"}).id,
    ]
    db.commit()
    return Voting(
        sittings=[sitting.id, planned.id, ready.id],
        polls=[*polls, *created, *waiting],
        agendas=[created, waiting],
        proxies=[approved.id, requested.id],
    )


@pytest.fixture
def fuzzed(db: Session, settings: Settings) -> Fuzzed:
    """The authorisation world, and office holders with work to do: a chair on a committee
    covering an amendment that waits for its recommendation, comments and notifications,
    and a sitting with polls in every state and proxies (``seed_votes``)."""
    world = build_world(db, settings)
    chair = make_member(db, settings, "chair", ["member", "chair"])
    secretariat = make_member(db, settings, "secretariat", ["member", "secretariat"])
    committee = make_committee(db, settings, "Drafting B", [chair], ["art-1"], admin=world.root)
    document = db.scalars(select(Document).where(Document.slug == SLUG)).one()
    change = {"op": "replace", "key": "art-1", "text": {"en": "The Union is one."}}
    submitted = propose_amendment(
        db,
        settings,
        world.spare,
        document,
        change,
        title="One",
        sponsors=[world.subject, chair],
        submit=True,
    )
    # On a sitting's agenda: two that conflict with it and each other, and one amending it.
    rival, third = (
        propose_amendment(
            db,
            settings,
            world.spare,
            document,
            {"op": "replace", "key": "art-1", "text": {"en": text}},
            title="Rival",
            sponsors=[world.subject, chair],
            submit=True,
        )
        for text in ("The Union is federal.", "The Union is a union.")
    )
    sub_change = {"op": "replace", "key": "art-1", "text": {"en": "The Union is one and whole."}}
    sub = amendment_services.propose(
        db,
        settings,
        world.spare,
        document,
        {"title": "Whole", "changes": [sub_change], "amends": submitted.id},
        Notices(),
    )
    for sponsor in (world.subject, chair):
        amendment_services.sponsor(db, sponsor, sub)
    amendment_services.submit(db, settings, world.spare, sub)
    amendment = amendment_services.get_amendment(db, world.amendment_id)
    reply = comment_services.add_comment(
        db,
        chair,
        amendment_services.thread_of(amendment, document),
        body="Because.",
        parent=world.comment_id,
        notices=Notices(),
    )
    db.commit()
    voters = [world.subject, world.root, secretariat, world.spare]
    voting = seed_votes(db, settings, voters, chair, [rival, third], sub)
    notifications = list(db.scalars(select(Notification.id)))
    ids = Ids(
        members=[world.root.id, world.subject.id, world.spare.id, chair.id, secretariat.id],
        amendments=[world.amendment_id, submitted.id, rival.id, sub.id, third.id],
        comments=[world.comment_id, reply.id],
        committees=[world.committee_id, committee.id],
        invitations=[world.revocable_id],
        notifications=notifications or [1],
        invitation_token=world.invitation_token,
        keys=["art-1", "art-2", "part-1"],
        sittings=[world.sitting_id, *voting.sittings],
        polls=voting.polls,
        agendas=voting.agendas,
        proxies=voting.proxies,
    )
    members = {
        "member": world.subject,
        "chair": chair,
        "secretariat": secretariat,
        "admin": world.root,
    }
    return Fuzzed(members=members, ids=ids)


@contextmanager
def rolled_back(database: conftest.TestDatabase) -> Iterator[Session]:
    """A session for the example's setup; what the example writes is undone after it, so
    the next sees the same world."""
    savepoint = database.connection.begin_nested()
    try:
        with database.write() as session:
            yield session
    finally:
        if savepoint.is_active:
            savepoint.rollback()


# ---- the API ----------------------------------------------------------------------------


def real_or_odd(real: list[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a real id, else whatever ``odd`` draws."""
    return st.integers(0, 9).flatmap(lambda n: st.sampled_from(real) if n < 5 else odd)


def path_value(name: str, ids: Ids) -> st.SearchStrategy[Any] | None:
    odd_int = st.sampled_from([0, 999_999_999]) | st.integers(1, 50)
    choices: dict[str, st.SearchStrategy[Any]] = {
        "member_id": real_or_odd(ids.members, odd_int),
        "amendment_id": real_or_odd(ids.amendments, odd_int),
        "comment_id": real_or_odd(ids.comments, odd_int),
        "committee_id": real_or_odd(ids.committees, odd_int),
        "invitation_id": real_or_odd(ids.invitations, odd_int),
        "slug": real_or_odd([SLUG], st.text(min_size=1, max_size=20)),
        "key": real_or_odd(ids.keys, st.text(min_size=1, max_size=20)),
        "token": real_or_odd([ids.invitation_token], st.text(min_size=1, max_size=40)),
        "reset_token": st.text(min_size=1, max_size=40),
        "sitting_id": real_or_odd(ids.sittings, odd_int),
        "poll_id": real_or_odd(ids.polls, odd_int),
        "proxy_id": real_or_odd(ids.proxies, odd_int),
    }
    return choices.get(name)


def body_ids(ids: Ids) -> dict[str, st.SearchStrategy[Any]]:
    """The id fields of request bodies, filled with real ids or numbers beyond any row."""
    huge = st.sampled_from(BEYOND) | st.sampled_from(HUGE[len(BEYOND) :])
    return {
        "amends": real_or_odd(ids.amendments, huge),
        "parent": real_or_odd(ids.comments, huge | st.none()),
        "ids": st.lists(real_or_odd(ids.notifications, huge), max_size=3),
        "members": st.lists(real_or_odd(ids.members, huge), max_size=3),
        "amendment": real_or_odd(ids.amendments, huge),
        "holder": real_or_odd(ids.members, huge),
        "for": real_or_odd(ids.members, huge | st.none()),
        # The created polls in some order (what the chair may send), or odd lists.
        "order": st.integers(0, 9).flatmap(
            lambda n: (
                st.sampled_from(ids.agendas).flatmap(st.permutations)
                if n < 5
                else st.lists(real_or_odd(ids.polls, huge), max_size=len(ids.polls) + 1)
            )
        ),
        "position": real_or_odd(list(range(1, len(ids.polls) + 1)), huge),
        # Times from year 1 to 9999 with offsets (near the ends, UTC is out of range).
        "starts_at": st.datetimes(timezones=st.timezones() | st.just(dt.UTC) | st.none()).map(
            dt.datetime.isoformat
        )
        | st.sampled_from(["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"]),
    }


def with_surrogate(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with one of its strings (a key or a value) given a lone surrogate."""
    strings: list[tuple[Any, Any, bool]] = []  # (container, key or index, is a key)
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                strings.append((item, key, True))
                if isinstance(child, str):
                    strings.append((item, key, False))
                stack.append(child)
        elif isinstance(item, list):
            for i, child in enumerate(item):
                if isinstance(child, str):
                    strings.append((item, i, False))
                stack.append(child)
    if not strings:
        return draw(st.sampled_from(SURROGATES))
    container, where, is_key = draw(st.sampled_from(strings))
    bad = draw(st.sampled_from(SURROGATES))
    if is_key:
        container[str(where) + bad] = container.pop(where)
    else:
        container[where] = container[where] + bad
    return value


@st.composite
def api_requests(draw: st.DrawFn, case_strategy: Any, ids: Ids) -> Any:
    """A Schemathesis case with real ids put in."""
    case = draw(case_strategy)
    for name in list(case.path_parameters):
        choice = path_value(name, ids)
        if choice is not None:
            case.path_parameters[name] = draw(choice, label=name)
    body = case.body
    if isinstance(body, dict):
        for name, strategy in body_ids(ids).items():
            if name in body or draw(st.integers(0, 9), label=f"add {name}") == 0:
                body[name] = draw(strategy, label=name)
    if not isinstance(body, NotSet | bytes) and draw(st.integers(0, 2), label="surrogate") == 0:
        case.body = with_surrogate(draw, body)
    return case


def send(client: TestClient, case: Any, token: str) -> Any:
    path = case.path
    for name, value in case.path_parameters.items():
        path = path.replace(f"{{{name}}}", quote(str(value), safe="") or "x")
    headers = {"Authorization": f"Bearer {token}"}
    content = None
    if isinstance(case.body, bytes):
        content = case.body
    elif not isinstance(case.body, NotSet):
        # ensure_ascii: a lone surrogate goes as the escape "\udc00", valid UTF-8 bytes.
        content = json.dumps(case.body, ensure_ascii=True, allow_nan=True).encode()
    if content is not None:
        headers["Content-Type"] = case.media_type or "application/json"
    client.cookies.clear()
    # A live stream is opened, then closed after its first event.
    return fetch(
        client, case.method, path, params=case.query or None, content=content, headers=headers
    )


# The document the app serves at /api/v1/openapi.json (the first test checks it is).
SCHEMA = schemathesis.openapi.from_dict(openapi.spec())
OPERATIONS = sorted(
    (operation.method.upper(), operation.path)
    for operation in (result.ok() for result in SCHEMA.get_all_operations())
)


def test_the_fuzzed_operations_are_the_served_document(client: TestClient) -> None:
    """The document the fuzzer reads is the one the app serves, and names every API route."""
    assert client.get("/api/v1/openapi.json").json() == openapi.spec()
    routes = {
        (method, route.path.replace(":int", ""))
        for route in API_ROUTES
        for method in (route.methods or set()) - {"HEAD"}
    }
    assert routes == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_schemathesis_requests_never_cause_a_server_error(
    method: str,
    path: str,
    client: TestClient,
    database: conftest.TestDatabase,
    settings: Settings,
    fuzzed: Fuzzed,
) -> None:
    operation = SCHEMA[path][method]
    # Mostly cases that fit the document (they reach the services), some that do not.
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    negative = operation.as_strategy(GenerationMode.NEGATIVE)
    cases = st.integers(0, 3).flatmap(lambda n: positive if n else negative)
    statuses: set[int] = set()
    examples = API_EXAMPLES if "requestBody" in operation.definition.raw else API_EXAMPLES // 2

    @hypothesis_settings(SETTINGS, max_examples=examples)
    @given(case=api_requests(cases, fuzzed.ids))
    def check(case: Any) -> None:
        for persona in PERSONAS:
            with rolled_back(database) as session:
                token = sessions.issue_token(session, settings, fuzzed.members[persona])
                session.commit()
                response = send(client, case, token)
            what = f"{persona}: {case.method} {case.path} {case.path_parameters} {case.query}"
            assert_api_shape(response, f"{what} {str(case.body)[:300]!r}")
            statuses.add(response.status_code)

    check()
    # Real ids in the paths: not everything was a 404.
    assert statuses - {404}, statuses


# ---- the pages --------------------------------------------------------------------------

PAGE_POSTS = [r for r in PAGE_ROUTES if "POST" in (r.methods or ())]
ID_FIELDS = ["amends", "parent", "committee", "members", "ids", "member_id", "rev"]
# Percent-escapes of no text: lone surrogates as UTF-8 would write them, an overlong NUL,
# bytes that start nothing.
ODD_ESCAPES = ["%ED%B0%80", "%ED%A0%80", "%ED%BF%BF", "%C0%80", "%FF", "%80", "%00"]
HUGE_TEXT = [str(n) for n in HUGE] + ["99999999999999999999", "1e9", "0x10", "١٢", "၁၂"]


def page_path(draw: st.DrawFn, route: Route, ids: Ids) -> str:
    path = route.path
    for name in route.param_convertors:
        choice = path_value(name, ids)
        assert choice is not None, name
        value = draw(choice, label=name)
        path = path.replace(f"{{{name}:int}}", str(value))
        path = path.replace(f"{{{name}}}", quote(str(value), safe="") or "x")
    return path


@st.composite
def form_pairs(draw: st.DrawFn, ids: Ids) -> bytes:
    """An urlencoded body: known and random names; text, real ids, huge numbers, escapes."""
    real = [
        str(i) for i in ids.amendments + ids.comments + ids.committees + ids.members + ids.polls
    ]
    value = st.one_of(
        TEXT.map(lambda s: quote(s, safe="")),
        st.sampled_from(real),
        st.sampled_from(HUGE_TEXT).map(lambda s: quote(s, safe="")),
        st.lists(st.sampled_from(ODD_ESCAPES), min_size=1, max_size=3).map("".join),
        st.tuples(TEXT, st.sampled_from(ODD_ESCAPES)).map(lambda t: quote(t[0], safe="") + t[1]),
    )
    name = st.sampled_from(FORM_FIELDS + ID_FIELDS).map(quote) | st.sampled_from(ODD_ESCAPES)
    pairs = draw(st.lists(st.tuples(name, value), max_size=10))
    return "&".join(f"{k}={v}" for k, v in pairs).encode("ascii")


def browser_session(client: TestClient, db: Session, settings: Settings, member: Member) -> str:
    """A fresh, fully logged-in session of ``member``; returns its form token."""
    session, raw = sessions.start_session(db, member)
    session.second_factor_ok = True
    db.commit()
    client.cookies.clear()
    client.cookies.set("session", URLSafeSerializer(settings.secret_key, salt="session").dumps(raw))
    return make_csrf_token(settings.secret_key, session.csrf_secret)


@pytest.mark.parametrize("route", PAGE_POSTS, ids=[r.name for r in PAGE_POSTS])
def test_random_forms_to_each_page_never_cause_a_server_error(
    route: Route,
    client: TestClient,
    database: conftest.TestDatabase,
    settings: Settings,
    fuzzed: Fuzzed,
) -> None:
    statuses: set[int] = set()

    def send(path: str, body: bytes) -> None:
        for persona in PERSONAS:
            with rolled_back(database) as session:
                token = browser_session(client, session, settings, fuzzed.members[persona])
                response = client.post(
                    path,
                    content=b"csrf_token=" + token.encode() + b"&" + body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
            assert response.status_code < 500, f"{persona}: POST {path} {body[:300]!r}"
            statuses.add(response.status_code)

    @hypothesis_settings(SETTINGS, max_examples=PAGE_EXAMPLES)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        path = page_path(data.draw, route, fuzzed.ids)
        send(path, data.draw(form_pairs(fuzzed.ids), label="body"))

    check()
    # Every real object of the path too, so that the route is reached past its 404 however
    # few of the random paths named one its personas may act on (a proxy only its giver
    # may revoke: one in four examples drew it).
    for path in real_paths(route, fuzzed.ids):
        send(path, b"")
    assert statuses - {404}, statuses


def real_paths(route: Route, ids: Ids) -> list[str]:
    """The route's path with each real id (the first real value of any other part)."""
    real: dict[str, list[Any]] = {
        "member_id": ids.members,
        "amendment_id": ids.amendments,
        "comment_id": ids.comments,
        "committee_id": ids.committees,
        "invitation_id": ids.invitations,
        "slug": [SLUG],
        "key": ids.keys,
        "token": [ids.invitation_token],
        "reset_token": ["x"],
        "sitting_id": ids.sittings,
        "poll_id": ids.polls,
        "proxy_id": ids.proxies,
    }
    paths = [route.path]
    for name in route.param_convertors:
        values = real[name] if len(route.param_convertors) == 1 else real[name][:1]
        paths = [
            path.replace(f"{{{name}:int}}", str(value)).replace(
                f"{{{name}}}", quote(str(value), safe="")
            )
            for path in paths
            for value in values
        ]
    return paths

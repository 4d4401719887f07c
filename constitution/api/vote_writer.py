"""The vote writer: one thread per worker process commits the waiting API votes in groups.

DESIGN.md ("Storage and scale"): "a single writer that commits votes in small groups
...; acknowledge a vote only after its group has committed". bench/bench_votes.py measures
it against one transaction per vote (``VOTE_GROUP_MAX=0``).

``POST /api/v1/polls/{id}/votes`` with a bearer token is answered here instead of by the
regular endpoint: the request (its token, poll and body) is queued in the event loop, no
thread of the pool is taken, and one thread per worker process, the writer, takes every
request waiting, up to ``VOTE_GROUP_MAX``, and does them in one write transaction: the
tokens are looked up together, the votes cast together (``votes.services.grouped``), and
the group committed with one COMMIT (one fsync). Only then is each request answered: its
receipt, or the same error the regular endpoint gives. While a group commits, the next
one gathers, so groups grow with the load and no request waits for a timer. A group that
fails as a whole is cast again vote by vote, so one bad request fails alone.

Anything else (a browser session's ballot form, a malformed Authorization header) goes to
the regular endpoint. Lanes work as for every request (one request in progress per
token). When the worker stops, the writer finishes the groups already queued, answers
any vote that arrives after that 503 with Retry-After (nothing was saved), and ends
before the database is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import queue
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from constitution.accounts.models import ApiToken, Member
from constitution.accounts.web import check_access
from constitution.api.auth import parse_json
from constitution.db import Database, utcnow
from constitution.errors import N_, Busy, DomainError, Invalid, Unauthenticated
from constitution.settings import Settings
from constitution.votes.services.grouped import VoteRequest, cast_votes
from constitution.web.framework import (
    LANES,
    Access,
    Ctx,
    api_error,
    client_left,
    is_busy_error,
    json_response,
)

log = logging.getLogger("constitution")

BUSY_ATTEMPTS = 3
STOP_SECONDS = 30.0


@dataclass
class Pending:
    request: Request
    token: str
    poll_id: int
    body: bytes
    loop: asyncio.AbstractEventLoop
    answer: asyncio.Future[Response]


class VoteWriter:
    """The writer thread of one worker process, started on its first vote."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.max_group = max(1, settings.vote_group_max)
        self.queue: queue.SimpleQueue[Pending | None] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        # Guards starting, stopping and queueing, so no vote is queued behind the end.
        self.lock = threading.Lock()
        self.stopped = False
        self.groups = 0
        self.votes = 0

    async def cast(self, request: Request, token: str, poll_id: int, body: bytes) -> Response:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Response] = loop.create_future()
        with self.lock:
            if self.stopped:
                return api_error(Busy())
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="vote-writer", daemon=True)
                self.thread.start()
            self.queue.put(Pending(request, token, poll_id, body, loop, answer))
        return await answer

    def stop(self, timeout: float = STOP_SECONDS) -> bool:
        """Answer the votes queued, refuse any later one, and end the thread (from any
        thread; blocks). False if the writer was still committing after ``timeout``."""
        with self.lock:
            self.stopped = True
            thread = self.thread
            if thread is None:
                return True
            self.queue.put(None)
        thread.join(timeout)
        return not thread.is_alive()

    async def aclose(self) -> bool:
        """``stop`` from the event loop, without blocking it."""
        return await asyncio.to_thread(self.stop)

    def _run(self) -> None:
        ending = False
        while not ending:
            group: list[Pending] = []
            item = self.queue.get()
            while item is not None:
                group.append(item)
                if len(group) >= self.max_group:
                    break
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
            ending = item is None
            if group:
                self._settle_group(group)

    def _settle_group(self, group: list[Pending]) -> None:
        try:
            answers = self._answer(group)
        except BaseException:  # never let the thread die: every vote after would wait
            log.exception("the vote writer failed on a group of %d votes", len(group))
            answers = [_server_error() for _ in group]
        self.groups += 1
        self.votes += len(group)
        for pending, response in zip(group, answers, strict=True):
            # RuntimeError: its event loop has closed, so nobody waits for the answer.
            with contextlib.suppress(RuntimeError):
                pending.loop.call_soon_threadsafe(_settle, pending.answer, response)

    def _answer(self, group: list[Pending]) -> list[Response]:
        for attempt in range(BUSY_ATTEMPTS):
            try:
                return self._commit(group)
            except Exception as error:
                if is_busy_error(error) and attempt + 1 < BUSY_ATTEMPTS:
                    continue
                if len(group) > 1:
                    # One request broke the group: each alone, so only it fails.
                    log.exception("a group of %d votes failed; casting them one by one", len(group))
                    return [self._answer([p])[0] for p in group]
                if is_busy_error(error):
                    return [api_error(Busy())]
                log.exception("unhandled error casting a vote")
                return [_server_error()]
        raise AssertionError("unreachable")

    def _commit(self, group: list[Pending]) -> list[Response]:
        with self.database.write() as db:
            db.begin()
            answers = self._cast(db, group)
            db.commit()
        return answers

    def _cast(self, db: Session, group: list[Pending]) -> list[Response]:
        members = _members_by_token(db, [p.token for p in group])
        answers: list[Response | None] = [None] * len(group)
        requests: list[tuple[int, VoteRequest]] = []
        for index, pending in enumerate(group):
            try:
                requests.append((index, self._request(db, pending, members.get(pending.token))))
            except DomainError as refusal:
                answers[index] = api_error(refusal)
        outcomes = cast_votes(db, [r for _, r in requests])
        for (index, _), outcome in zip(requests, outcomes, strict=True):
            if isinstance(outcome, DomainError):
                answers[index] = api_error(outcome)
            else:
                answers[index] = json_response(outcome.as_json())
        return [a for a in answers if a is not None]

    def _request(self, db: Session, pending: Pending, member: Member | None) -> VoteRequest:
        """What the regular endpoint checks before the view, in its order."""
        if member is None:
            raise Unauthenticated(
                N_("This token is not valid or has expired."), code="invalid_token"
            )
        ctx = Ctx(request=pending.request, settings=self.settings, db=db, lang=member.language)
        ctx.member = member
        body = parse_json(pending.body)
        check_access(ctx, Access.MEMBER)
        if not isinstance(body, dict):
            raise Invalid(
                N_("The request body must be a JSON object."), field="body", code="invalid_body"
            )
        return VoteRequest(member, pending.poll_id, body.get("choice"), body.get("for"))


def _members_by_token(db: Session, raws: list[str]) -> dict[str, Member]:
    """The member of each live token, as ``sessions.load_token`` decides one by one."""
    hashes = {hashlib.sha256(raw.encode()).hexdigest(): raw for raw in raws}
    now = utcnow()
    tokens = db.scalars(
        select(ApiToken)
        .where(ApiToken.token_hash.in_(list(hashes)))
        .options(joinedload(ApiToken.member))
    ).all()
    return {
        hashes[t.token_hash]: t.member for t in tokens if t.expires_at > now and t.member.active
    }


def _server_error() -> Response:
    return json_response(
        {"error": {"code": "server_error", "message": "Something went wrong on our side."}}, 500
    )


def _settle(answer: asyncio.Future[Response], response: Response) -> None:
    if not answer.done():
        answer.set_result(response)


Endpoint = Callable[[Request], Awaitable[Response]]


def grouped_vote_endpoint(writer: VoteWriter, regular: Endpoint) -> Endpoint:
    """The vote endpoint: bearer tokens through the writer, everything else ``regular``."""

    async def endpoint(request: Request) -> Response:
        header = request.headers.get("authorization")
        scheme, _, raw = (header or "").partition(" ")
        token = raw.strip()
        if header is None or scheme.lower() != "bearer" or not token or len(raw) > 200:
            return await regular(request)
        key = LANES.key(request)
        lane = LANES.lane(key)
        if not await lane.take():
            LANES.release_unused(key, lane)
            return api_error(Busy(retry_after=lane.retry_after))
        try:
            try:
                body = await request.body()
            except ClientDisconnect:
                return client_left()
            poll_id: Any = request.path_params["poll_id"]
            return await writer.cast(request, token, poll_id, body)
        finally:
            LANES.release(key, lane)

    return endpoint


def install(app: Starlette) -> VoteWriter:
    """Answer the app's vote route through a writer of its own (``create_app`` does, unless
    ``VOTE_GROUP_MAX`` is 0)."""
    writer = VoteWriter(app.state.database, app.state.settings)
    for index, route in enumerate(app.router.routes):
        if isinstance(route, Route) and route.name == "api.polls.vote":
            app.router.routes[index] = Route(
                route.path,
                grouped_vote_endpoint(writer, route.endpoint),
                name=route.name,
                methods=sorted(route.methods or ["POST"]),
            )
            return writer
    raise LookupError("the app has no route api.polls.vote")

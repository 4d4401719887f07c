"""Amendments: the generated 450-article document of the texts benchmark with 200 open
(submitted) amendments by 30 members, spread over 120 articles (several on some, a few
overlapping). The amendment list (API and service), a provision with its open amendments
(service, API detail of each, and the provision page), and the re-check of open amendments
after an adoption and after a revision that changes every amended article.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bench.bench_texts import BURMESE, ENGLISH, generated_document
from bench.common import report, scratch_settings, timed
from constitution.accounts.models import Member
from constitution.accounts.passwords import hash_password
from constitution.amendments import services
from constitution.amendments.models import Amendment, Status
from constitution.api.amendments import amendment_json
from constitution.app import create_app
from constitution.db import Database
from constitution.texts import services as texts
from constitution.texts.validation import Notices, clean_document

AMENDMENTS = 200
ARTICLES_AMENDED = 120
OVERLAPPING = 20
MEMBERS = 30
BUSY = "art-1"  # gets the most amendments: the provision page measured
BUSY_COUNT = 8
PASSWORD = "bench member password 1"
GOAL_PAGE = "goal < 100 ms"
GOAL_RECHECK = "goal < 1 s"


def _reword(rng: random.Random, text: str, at: int, vocabulary: list[str]) -> str:
    """Replace two words at word index ``at`` with three others."""
    words = text.split(" ")
    while True:
        new = [rng.choice(vocabulary) for _ in range(3)]
        result = " ".join(words[:at] + new + words[at + 2 :])
        if result != text:
            return result


def _plan(rng: random.Random, texts_by_key: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """200 replace changes: BUSY_COUNT on BUSY at disjoint places, the rest spread over
    other articles (one or more each, a few touching by chance), and OVERLAPPING of them
    rewording the very words another one rewords (a conflict when in the same language)."""
    articles = [k for k in texts_by_key if k.startswith("art-") and k != BUSY]
    chosen = rng.sample(articles, ARTICLES_AMENDED - 1)
    slots: list[tuple[str, int]] = [(BUSY, 10 + 30 * i) for i in range(BUSY_COUNT)]
    for key in chosen:
        slots.append((key, rng.randrange(10, 150)))
    while len(slots) < AMENDMENTS - OVERLAPPING:
        slots.append((rng.choice(chosen), rng.randrange(170, 300)))
    slots += [*rng.sample(slots[BUSY_COUNT:], OVERLAPPING - 1), slots[0]]
    plan = []
    for key, at in slots:
        languages = (["my"], ["en"], ["my", "en"])[at % 3]
        text = {
            lang: _reword(rng, texts_by_key[key][lang], at, BURMESE if lang == "my" else ENGLISH)
            for lang in languages
        }
        plan.append({"op": "replace", "key": key, "text": text})
    return plan


@contextmanager
def rolled_back(database: Database) -> Iterator[Session]:
    """A write transaction that is always rolled back, so that a step can be timed again."""
    with database.write() as db:
        try:
            yield db
        finally:
            db.rollback()


def _setup(database: Database, settings: Any) -> tuple[list[float], list[float]]:
    body = generated_document()
    with database.transaction() as db:
        texts.create_document(db, None, clean_document(body, Notices()))
        digest = hash_password(settings, PASSWORD)
        for i in range(MEMBERS):
            db.add(
                Member(
                    username=f"member-{i:02d}",
                    display_name=f"Member {i}",
                    roles=["member"],
                    password_hash=digest,
                    active=True,
                    language="en",
                )
            )
    provisions = body["provisions"]
    assert isinstance(provisions, list)
    plan = _plan(random.Random(11), {p["key"]: p["text"] for p in provisions})
    propose_ms: list[float] = []
    submit_ms: list[float] = []
    with database.transaction() as db:
        document = texts.get_document(db, "bench")
        members = list(db.query(Member).order_by(Member.id))
        for n, change in enumerate(plan):
            proposer = members[n % MEMBERS]
            start = time.perf_counter()
            amendment = services.propose(
                db,
                settings,
                proposer,
                document,
                {"title": f"Amendment {n + 1}", "rationale": {"en": "Why."}, "changes": [change]},
                Notices(),
            )
            propose_ms.append((time.perf_counter() - start) * 1000)
            for offset in (1, 2):
                services.sponsor(db, members[(n + offset) % MEMBERS], amendment)
            start = time.perf_counter()
            services.submit(db, settings, proposer, amendment)
            submit_ms.append((time.perf_counter() - start) * 1000)
    return propose_ms, submit_ms


def run() -> None:
    settings = scratch_settings()
    app = create_app(settings)
    database = app.state.database
    start = time.perf_counter()
    propose_ms, submit_ms = _setup(database, settings)
    setup_s = time.perf_counter() - start
    with database.transaction(write=False) as db:
        document = texts.get_document(db, "bench")
        amendments = services.list_amendments(db, document)
        conflicting = sum(1 for a in amendments if services.conflicts_of(db, a))
        busy = services.open_amendments_for(db, document, BUSY)
        busy_ids = [a.id for a in busy]
    assert len(amendments) == AMENDMENTS
    assert all(a.status == Status.SUBMITTED.value for a in amendments)
    print(
        f"Amendments: {AMENDMENTS} submitted on {ARTICLES_AMENDED} of the 450 articles by "
        f"{MEMBERS} members, {conflicting} of them in conflict with another; "
        f"{len(busy)} on {BUSY}"
    )
    report(f"set up (propose, 2 sponsors, submit) x {AMENDMENTS}", setup_s, "s", "(one run)")
    report("propose one amendment (service)", statistics.median(propose_ms))
    report("submit one amendment (conflict check)", statistics.median(submit_ms))

    def list_service() -> None:
        with database.transaction(write=False) as db:
            doc = texts.get_document(db, "bench")
            listed = services.list_amendments(db, doc)
            conflicts = services.conflict_map(db, [a.id for a in listed])
            rows = [amendment_json(db, a, doc, conflicts[a.id]) for a in listed]
            assert len(rows) == AMENDMENTS

    def provision_service() -> None:
        with database.transaction(write=False) as db:
            doc = texts.get_document(db, "bench")
            for amendment in services.open_amendments_for(db, doc, BUSY):
                for change in amendment.changes:
                    services.change_diff(doc, change)

    report(
        f"amendment list, service (list + diffs + conflicts of {AMENDMENTS})",
        timed(list_service, runs=7),
        note=GOAL_PAGE,
    )
    report(
        f"{BUSY}: open amendments + their diffs (service)",
        timed(provision_service, runs=15),
        note=GOAL_PAGE,
    )

    with TestClient(app, follow_redirects=False) as client:
        token = client.post(
            "/api/v1/tokens", json={"username": "member-00", "password": PASSWORD}
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        response = client.get("/api/v1/documents/bench/amendments", headers=auth)
        assert response.status_code == 200 and len(response.json()) == AMENDMENTS
        report(
            f"GET /api/v1/documents/bench/amendments ({len(response.content) // 1024} KB)",
            timed(lambda: client.get("/api/v1/documents/bench/amendments", headers=auth), runs=7),
            note=GOAL_PAGE,
        )
        details = [
            timed(lambda i=i: client.get(f"/api/v1/amendments/{i}", headers=auth), runs=9)
            for i in busy_ids
        ]
        report(
            f"GET /api/v1/amendments/{{id}}, median of the {len(busy_ids)} on {BUSY}",
            statistics.median(details),
            note=GOAL_PAGE,
        )
        _login(client)
        page = client.get(f"/documents/bench/p/{BUSY}")
        shown = sum(1 for i in busy_ids if f"/amendments/{i}" in page.text)
        if page.status_code == 200 and shown:
            report(
                f"GET /documents/bench/p/{BUSY} with {shown} open amendments "
                f"({len(page.content) // 1024} KB)",
                timed(lambda: client.get(f"/documents/bench/p/{BUSY}"), runs=9),
                note=GOAL_PAGE,
            )
        else:
            print(f"  (the provision page does not list open amendments yet: {page.status_code})")
        listing = client.get("/documents/bench/amendments")
        assert listing.status_code == 200
        report(
            f"GET /documents/bench/amendments, the list page ({len(listing.content) // 1024} KB)",
            timed(lambda: client.get("/documents/bench/amendments"), runs=9),
            note=GOAL_PAGE,
        )

    _recheck(database, busy_ids[0])
    database.close()


def _login(client: TestClient) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = client.post(
        "/login",
        data={"username": "member-00", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert response.status_code == 303, response.status_code


def _recheck(database: Database, adopted_id: int) -> None:
    outcome: dict[str, int] = {}

    def adopt_one() -> None:
        with rolled_back(database) as db:
            amendment = db.get_one(Amendment, adopted_id)
            services.transition(db, amendment, "schedule", None)
            services.adopt(db, None, amendment)
            document = texts.get_document(db, "bench")
            outcome.clear()
            for a in services.open_amendments_for(db, document, BUSY):
                outcome[a.status] = outcome.get(a.status, 0) + 1

    adopt_ms = timed(adopt_one, runs=5, warmup=1)
    report(
        f"adopt one amendment on {BUSY} (merge, revision, re-check)",
        adopt_ms,
        note=f"{GOAL_RECHECK}; then on {BUSY}: "
        + ", ".join(f"{n} {s}" for s, n in sorted(outcome.items())),
    )

    rng = random.Random(5)
    counts: dict[str, int] = {}

    def revise_all(*, hooks: bool) -> float:
        """A revision that changes every amended article near its start (away from the
        amendments' words); returns the time of the re-check alone, in ms."""
        saved = dict(texts.AFTER_REVISION)
        if not hooks:
            texts.AFTER_REVISION.clear()
        try:
            with rolled_back(database) as db:
                document = texts.get_document(db, "bench")
                keys = {c.key for a in services.list_amendments(db, document) for c in a.changes}
                tree = texts.load_tree(db, document)
                for key in keys:
                    draft = tree.items[key]
                    draft.text = {
                        "my": _reword(rng, draft.text["my"], 1, BURMESE),
                        "en": _reword(rng, draft.text["en"], 1, ENGLISH),
                    }
                    draft.touched = True
                revision = texts.write_revision(
                    db, tree, actor=None, kind="editorial", reason="bench"
                )
                if hooks:
                    return 0.0
                start = time.perf_counter()
                services.recheck(db, document, revision, keys)
                elapsed = (time.perf_counter() - start) * 1000
                counts.clear()
                for a in services.list_amendments(db, document):
                    counts[a.status] = counts.get(a.status, 0) + 1
                return elapsed
        finally:
            texts.AFTER_REVISION.clear()
            texts.AFTER_REVISION.update(saved)

    report(
        f"revision changing all {ARTICLES_AMENDED} amended articles, with re-check",
        timed(lambda: revise_all(hooks=True), runs=3, warmup=1),
        note="(writing the revision + the re-check below)",
    )
    samples = [revise_all(hooks=False) for _ in range(4)]
    report(
        f"re-check alone: all {AMENDMENTS} open amendments rebased",
        statistics.median(samples[1:]),
        note=f"{GOAL_RECHECK}; " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())),
    )

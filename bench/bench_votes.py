"""1,000 members vote in one poll over loopback (issue 9, "Speed").

For each engine (SQLite; PostgreSQL when one answers at ``BENCH_POSTGRES_URL``, by default
the server of TEST_DATABASE_URL or 127.0.0.1:5432 as user postgres) a fresh database is
migrated and seeded directly (1,000 members and a chair, each with an API token; signing
in through argon2 1,000 times is not what is measured). Then, with one and with two
uvicorn workers (``constitution serve --workers N``, a real server process):

* a sitting with every member checked in, and a poll on an amendment with all 1,000
  entitled, opened (seeded directly, before the server starts);
* a warm-up poll of its own takes 200 votes and is closed first, so each worker's caches
  are warm;
* the 1,000 members vote over 64 keep-alive connections with their own bearer tokens:
  votes per second (1,000 over the wall time from the first send to the last answer),
  median and 99th-percentile latency; a vote answered 503 is sent again (counted);
* the chair closes the poll through the API (the result, the adoption and merge of the
  amendment, the signed record): its time;
* then nothing lost or doubled: 1,000 ballot rows, 1,000 ``ballot.cast`` events, and the
  receipt every vote was answered is in the signed record, with its choice;
* the ceiling: ``bench.bare_app`` (one row inserted per request, the same engine settings,
  threads and workers) takes the same 1,000 requests the same way; the ratio is votes/s
  over its inserts/s.

Each run is made twice: with the app as it runs ("grouped": ``constitution.api.vote_writer``,
votes committed in groups by one writer thread per worker, each acknowledged after its
group's commit), and with each vote committed on its own ("regular", ``VOTE_GROUP_MAX=0``).
``BENCH_VOTES`` (``regular``, ``grouped`` or both), ``BENCH_ENGINES`` and ``BENCH_WORKERS``
choose the runs.

The clients' own ceiling (the raw HTTP/1.1 client used here, and httpx) is measured
first against an echo server that does no work, and uvicorn's with no database. The
machine's load average is printed before and after: on shared cores, every figure moves
with it.

Goals (issue 9): all 1,000 votes in under 3 s, p99 under 100 ms, at least half the bare
ceiling, nothing lost or doubled, closing under 1 s.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from bench import bare_app
from bench.loadgen import Call, Run, load
from constitution.accounts.models import Member
from constitution.accounts.sessions import issue_token
from constitution.amendments import services as amendments
from constitution.audit.models import AuditEvent
from constitution.audit.services import record
from constitution.cli import migrate
from constitution.db import Database, make_engine
from constitution.settings import PROJECT_ROOT, Settings
from constitution.texts import services as texts
from constitution.texts.validation import Notices, clean_document
from constitution.votes import services as votes
from constitution.votes.models import Ballot
from constitution.wiring import wire
from tests.live.server import free_port, site_env, start_server, stop_server

MEMBERS = 1000
CONNECTIONS = 64
WARM_UP = 200
WORKERS = tuple(int(w) for w in os.environ.get("BENCH_WORKERS", "1,2").split(","))
ENGINES = tuple(os.environ.get("BENCH_ENGINES", "SQLite,PostgreSQL").split(","))
CLIENT = "raw"
# "grouped": the app as it runs (constitution.api.vote_writer: votes committed in groups);
# "regular": each vote committed on its own (VOTE_GROUP_MAX=0). BENCH_VOTES=grouped for one.
VARIANTS = tuple(os.environ.get("BENCH_VOTES", "regular,grouped").split(","))
GOAL_SECONDS, GOAL_P99_MS, GOAL_RATIO, GOAL_CLOSE_MS = 3.0, 100.0, 0.5, 1000.0
SECRET = "bench-secret-key-bench-secret-key-bench-0123456789"


def choice_of(index: int) -> str:
    """Six in ten vote yes, three no, one abstains: the amendment passes."""
    return "yes" if index % 10 < 6 else "no" if index % 10 < 9 else "abstain"


# ---- databases --------------------------------------------------------------------------


def postgres_server() -> str | None:
    """The PostgreSQL server to use (without a database name), or None when none answers."""
    url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_DATABASE_URL")
    server = url.rpartition("/")[0] if url else "postgresql://postgres@127.0.0.1:5432"
    try:
        engine = admin_engine(server)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return None
    return server


def admin_engine(server: str) -> Any:
    return create_engine(
        server.replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
        isolation_level="AUTOCOMMIT",
    )


@contextmanager
def fresh_database(engine_name: str, folder: Path) -> Iterator[str]:
    if engine_name == "SQLite":
        yield f"sqlite:///{folder / 'votes.sqlite3'}"
        return
    server = postgres_server()
    assert server is not None
    name = "bench_votes_" + secrets.token_hex(4)
    admin = admin_engine(server)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---- seeding ----------------------------------------------------------------------------


@dataclass
class Hall:
    settings: Settings
    database: Database
    chair_id: int
    chair_token: str
    member_ids: list[int]
    tokens: list[str]
    articles: int = 4
    used_articles: int = 0


def _member(db: Any, username: str, roles: list[str]) -> Member:
    row = Member(
        username=username,
        display_name=username.title(),
        password_hash="-",  # never signs in with a password: she has a token
        roles=roles,
        active=True,
        language="en",
    )
    if len(roles) > 1:
        row.totp_secret = "JBSWY3DPEHPK3PXP"
        row.totp_confirmed = True
    return row


def seed(url: str, var_dir: Path) -> Hall:
    settings = Settings(database_url=url, secret_key=SECRET, var_dir=var_dir)
    migrate(settings)
    wire()
    database = Database(make_engine(url, pool_size=1))
    with database.transaction() as db:
        chair = _member(db, "chair", ["member", "chair"])
        members = [_member(db, f"member{i:04d}", ["member"]) for i in range(MEMBERS)]
        db.add_all([chair, *members])
        db.flush()
        for row in (chair, *members):
            record(
                db, "member.created", f"member:{row.id}", actor_id=None, payload={"via": "bench"}
            )
        chair_token = issue_token(db, settings, chair)
        tokens = [issue_token(db, settings, m) for m in members]
        body = {
            "slug": "bench",
            "title": {"en": "Bench", "my": "စမ်းသပ်"},
            "languages": ["my", "en"],
            "authoritative": "my",
            "provisions": [
                {
                    "key": f"art-{i}",
                    "label": f"Article {i}",
                    "kind": "article",
                    "parent": None,
                    "text": {"en": f"Article {i} as drafted.", "my": "ပြည်ထောင်စု"},
                }
                for i in range(1, 9)
            ],
        }
        texts.create_document(db, None, clean_document(body, Notices()))
        hall = Hall(settings, database, chair.id, chair_token, [m.id for m in members], tokens)
    return hall


def open_polls(hall: Hall) -> tuple[int, int]:
    """A warm-up poll (a motion) and the measured poll (an amendment), each in its own open
    sitting with every member checked in, both open: (warm-up poll, poll)."""
    hall.used_articles += 1
    article = hall.used_articles
    with hall.database.transaction() as db:
        chair = db.get_one(Member, hall.chair_id)
        members = list(db.scalars(select(Member).where(Member.id.in_(hall.member_ids))))
        document = texts.get_document(db, "bench")
        proposer, *sponsors = members[:3]
        amendment = amendments.propose(
            db,
            hall.settings,
            proposer,
            document,
            {
                "title": f"Article {article} changed",
                "changes": [
                    {
                        "op": "replace",
                        "key": f"art-{article}",
                        "text": {"en": f"Article {article} as amended.", "my": "ပြင်ဆင်"},
                    }
                ],
            },
            Notices(),
        )
        for sponsor in sponsors:
            amendments.sponsor(db, sponsor, amendment)
        amendments.submit(db, hall.settings, proposer, amendment)
        polls = []
        for title, subject in (("Warm-up", None), ("Sitting", amendment.id)):
            sitting = votes.create_sitting(db, chair, f"{title} {article}")
            votes.open_sitting(db, chair, sitting)
            for member in members:
                votes.check_in(db, member, sitting)
            if subject is None:
                poll = votes.create_poll(db, chair, sitting, motion={"en": "Warm up"})
            else:
                poll = votes.create_poll(db, chair, sitting, amendment=subject)
            votes.open_poll(db, hall.settings, chair, poll)
            polls.append(poll.id)
    return polls[0], polls[1]


# ---- servers ----------------------------------------------------------------------------


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer {url}:\n{log.read_text()}")


@contextmanager
def constitution_server(hall: Hall, workers: int, folder: Path, variant: str) -> Iterator[str]:
    """``constitution serve``: with its vote writer ("grouped", the default), or with each
    vote committed on its own ("regular", ``VOTE_GROUP_MAX=0``)."""
    env = site_env(hall.settings.database_url, hall.settings.var_dir)
    env["PURGE_MINUTES"] = "0"
    env["VOTE_GROUP_MAX"] = "0" if variant == "regular" else "256"
    port = free_port()
    log = folder / f"server-{variant}-{workers}.log"
    process = start_server(env, log, port, workers)
    try:
        wait_for(f"http://127.0.0.1:{port}/login", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(process)


@contextmanager
def bare_server(url: str, workers: int, threads: int, folder: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env.update({"BARE_DATABASE_URL": url, "BARE_THREADS": str(threads), "PYTHONUNBUFFERED": "1"})
    port = free_port()
    log = folder / f"bare-{workers}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "bench.bare_app:app",
                "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                "--no-access-log", "--no-server-header", "--no-date-header",
            ],
            env=env, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/ping", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(process)


@contextmanager
def echo_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.loadgen", "echo", str(port)],
        cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if load(f"http://127.0.0.1:{port}", [Call("GET", "/")], connections=1).answers:
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(process)


# ---- one run ----------------------------------------------------------------------------


@dataclass
class Result:
    engine: str
    workers: int
    variant: str
    votes: Run
    bare: Run
    close_ms: float
    checks: list[str] = field(default_factory=list)  # what did not hold

    @property
    def ratio(self) -> float:
        return self.votes.rate / self.bare.rate if self.bare.rate else float("nan")


def vote_calls(hall: Hall, poll: int, count: int) -> list[Call]:
    return [
        Call("POST", f"/api/v1/polls/{poll}/votes", hall.tokens[i], {"choice": choice_of(i)})
        for i in range(count)
    ]


def check_poll(hall: Hall, base: str, poll: int, run: Run) -> list[str]:
    """What did not hold of: every vote answered 200 and counted once, as cast."""
    problems: list[str] = []
    statuses = run.statuses()
    if statuses != {200: MEMBERS} or run.errors:
        problems.append(f"answers {statuses}, errors {run.errors[:3]}")
    with hall.database.read() as db:
        ballots = db.scalar(select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll))
        events = db.scalars(
            select(AuditEvent.payload).where(AuditEvent.action == "ballot.cast")
        ).all()
    cast = sum(1 for p in events if p.get("poll") == poll)
    if ballots != MEMBERS or cast != MEMBERS:
        problems.append(f"{ballots} ballots and {cast} ballot.cast events for {MEMBERS} votes")
    envelope = load(base, [Call("GET", f"/api/v1/polls/{poll}/record", hall.chair_token)]).json(0)
    record_ = envelope["record"]
    choices = {row["member"]: row["choice"] for row in record_["roll_call"]}
    receipts = set(record_["receipts"])
    for index, answer in enumerate(run.answers):
        if answer.status != 200:
            continue
        receipt = run.json(index)
        if receipt["receipt"] not in receipts or choices.get(receipt["member"]) != choice_of(index):
            problems.append(f"vote {index} is not in the record as cast")
            break
    if len(receipts) != MEMBERS or not record_["passed"] or record_["adopted_rev"] is None:
        problems.append(
            f"record: {len(receipts)} receipts, passed {record_['passed']}, "
            f"adopted_rev {record_['adopted_rev']}"
        )
    return problems


def run_votes(hall: Hall, workers: int, folder: Path, variant: str) -> tuple[Run, float, list[str]]:
    warm_poll, poll = open_polls(hall)
    with constitution_server(hall, workers, folder, variant) as base:
        warm = load(base, vote_calls(hall, warm_poll, WARM_UP), connections=CONNECTIONS)
        close = Call("POST", f"/api/v1/polls/{warm_poll}/close", hall.chair_token)
        warm_close = load(base, [close])
        problems = []
        if warm.statuses() != {200: WARM_UP} or warm_close.statuses() != {200: 1}:
            problems.append(f"warm-up answered {warm.statuses()}, {warm_close.statuses()}")
        run = load(base, vote_calls(hall, poll, MEMBERS), connections=CONNECTIONS, client=CLIENT)
        closing = load(base, [Call("POST", f"/api/v1/polls/{poll}/close", hall.chair_token)])
        if closing.statuses() != {200: 1}:
            problems.append(
                f"close answered {closing.statuses()}: {closing.answers[0].body[:200]!r}"
            )
        else:
            problems += check_poll(hall, base, poll, run)
    return run, closing.answers[0].latency * 1000, problems


def run_bare(url: str, workers: int, threads: int, folder: Path) -> tuple[Run, list[str]]:
    engine = make_engine(url, pool_size=1)
    bare_app.metadata.drop_all(engine)
    bare_app.metadata.create_all(engine)
    calls = [
        Call("POST", "/insert", None, {"member": i, "choice": choice_of(i)}) for i in range(MEMBERS)
    ]
    with bare_server(url, workers, threads, folder) as base:
        warm = load(base, calls[:WARM_UP], connections=CONNECTIONS)
        run = load(base, calls, connections=CONNECTIONS, client=CLIENT)
    with engine.connect() as conn:
        rows = conn.scalar(select(func.count()).select_from(bare_app.bare))
    engine.dispose()
    problems = []
    if run.statuses() != {200: MEMBERS} or warm.statuses() != {200: WARM_UP}:
        problems.append(f"bare answered {run.statuses()}")
    if rows != MEMBERS + WARM_UP:
        problems.append(f"bare table holds {rows} rows for {MEMBERS + WARM_UP} inserts")
    return run, problems


def run_engine(engine: str, folder: Path) -> list[Result]:
    results = []
    with fresh_database(engine, folder) as url:
        start = time.perf_counter()
        hall = seed(url, folder)
        print(f"  ({engine}: seeded {MEMBERS:,} members in {time.perf_counter() - start:.1f} s)")
        for workers in WORKERS:
            bare_run, bare_problems = run_bare(url, workers, hall.settings.threads, folder)
            for variant in VARIANTS:
                votes_run, close_ms, problems = run_votes(hall, workers, folder, variant)
                results.append(
                    Result(
                        engine,
                        workers,
                        variant,
                        votes_run,
                        bare_run,
                        close_ms,
                        problems + bare_problems,
                    )
                )
        hall.database.close()
    return results


# ---- the clients' ceiling, and the table ------------------------------------------------


def client_ceilings(folder: Path) -> list[tuple[str, float]]:
    calls = [Call("POST", "/votes", "x" * 43, {"choice": choice_of(i)}) for i in range(5 * MEMBERS)]
    rows = []
    with echo_server() as base:
        for client in ("raw", "httpx"):
            load(base, calls[:WARM_UP], connections=CONNECTIONS, client=client)
            run = load(base, calls, connections=CONNECTIONS, client=client)
            rows.append((f"{client} client against an echo server", run.rate))
    with bare_server(f"sqlite:///{folder / 'ping.sqlite3'}", 1, 4, folder) as base:
        ping = [Call("GET", "/ping") for _ in range(5 * MEMBERS)]
        load(base, ping[:WARM_UP], connections=CONNECTIONS)
        run = load(base, ping, connections=CONNECTIONS, client=CLIENT)
        rows.append((f"{CLIENT} client, uvicorn + Starlette, no database, 1 worker", run.rate))
    return rows


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def print_table(results: list[Result]) -> None:
    head = (
        f"  {'engine':<10} {'app':<8} {'workers':>7} {'votes/s':>8} {'1,000 in':>8} {'median':>7} "
        f"{'p99':>7} {'bare/s':>7} {'ratio':>6} {'close':>7} {'retried':>7}  checks"
    )
    print(head)
    for r in results:
        v = r.votes
        print(
            f"  {r.engine:<10} {r.variant:<8} {r.workers:>7} {v.rate:>8.0f} {v.seconds:>7.2f}s "
            f"{v.latency_ms(0.5):>5.0f}ms {v.latency_ms(0.99):>5.0f}ms {r.bare.rate:>7.0f} "
            f"{r.ratio:>6.2f} {r.close_ms:>5.0f}ms {v.retried:>7}  "
            + ("nothing lost or doubled" if not r.checks else "; ".join(r.checks))
        )
    print(
        f"  goals: 1,000 in < {GOAL_SECONDS:.0f} s, p99 < {GOAL_P99_MS:.0f} ms, "
        f"ratio >= {GOAL_RATIO}, close < {GOAL_CLOSE_MS / 1000:.0f} s, nothing lost or doubled"
    )
    for r in results:
        missed = [
            name
            for name, ok in (
                ("time", r.votes.seconds < GOAL_SECONDS),
                ("p99", r.votes.latency_ms(0.99) < GOAL_P99_MS),
                ("ratio", r.ratio >= GOAL_RATIO),
                ("close", r.close_ms < GOAL_CLOSE_MS),
                ("integrity", not r.checks),
            )
            if not ok
        ]
        print(
            f"  {r.engine} {r.variant} x{r.workers}: "
            + ("every goal met" if not missed else "missed: " + ", ".join(missed))
        )


def run() -> None:
    print(
        f"Votes: {MEMBERS:,} members vote in one poll over {CONNECTIONS} keep-alive connections "
        f"(loopback, {CLIENT} HTTP/1.1 client; bare = one row inserted per request):"
    )
    print(
        f"  load average before: {load_average()} (2 shared cores: other work skews every figure)"
    )
    with tempfile.TemporaryDirectory(prefix="constitution-votes-") as name:
        folder = Path(name)
        for label, rate in client_ceilings(folder):
            print(f"  ceiling of the {label:<54} {rate:>7.0f} req/s")
        engines = [e for e in ENGINES if e == "SQLite" or postgres_server()]
        results: list[Result] = []
        for engine in engines:
            sub = folder / engine
            sub.mkdir()
            results += run_engine(engine, sub)
        print_table(results)
        print(f"  load average after: {load_average()}")
        if "PostgreSQL" in ENGINES and "PostgreSQL" not in engines:
            print("  (PostgreSQL skipped: no server answered; set BENCH_POSTGRES_URL)")


if __name__ == "__main__":
    run()

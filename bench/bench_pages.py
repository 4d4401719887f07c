"""Pages under load: a provision's page with 9 open amendments and a chapter's reading
page, served by ``constitution serve --workers 2`` (production settings) to 20
clients at once, each request on a new connection (as a reverse proxy that does not keep
connections to the app opens them) and then over 20 keep-alive connections.

The document is the texts benchmark's 450 articles, each part cut into chapters of 10
(``bench_reading``); ``art-1`` has 9 submitted amendments at disjoint places (both
languages), and the chapter page is ``chap-1-2``'s (articles 11 to 20), both languages side
by side. Every client
has its own browser session (members ``member-00`` … ``member-19``): one session's
requests take turns (the fair shares of a worker), many sessions' run side by side.

Three servers take the same load in one run: ``bench.bare_app``'s ``GET /ping`` (no
database, no session: the ceiling of this machine, loader and uvicorn), this code with every
page built (``PAGE_CACHE_MB=0``), and this code with its kept pages (the default; each
session's first request of a page builds it, the others are served from memory).

``BENCH_BASELINE=/path/to/another/checkout`` serves the same database with that checkout's
code too, in the same run (``/work/main``: the code before this change), so the figures
of a busy machine can be compared. ``BENCH_REQUESTS`` (600) and ``BENCH_WORKERS`` (2)
choose the load. ``python -m bench.bench_pages``.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from starlette.testclient import TestClient

from bench.bench_amendments import _reword
from bench.bench_reading import CHAPTER, chaptered_document
from bench.bench_texts import BURMESE, ENGLISH
from bench.common import report, scratch_settings
from bench.loadgen import Call, load
from constitution.accounts.models import Member
from constitution.accounts.passwords import hash_password
from constitution.amendments import services
from constitution.app import create_app
from constitution.settings import PROJECT_ROOT, Settings
from constitution.texts import services as texts
from constitution.texts.validation import Notices, clean_document

MEMBERS = 20
AMENDMENTS = 9
BUSY = "art-1"
PASSWORD = "bench member password 1"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "600"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CONNECTIONS = 20
BASELINE = os.environ.get("BENCH_BASELINE", "")
PAGES = {
    "provision page, 9 open amendments": f"/documents/bench/p/{BUSY}",
    "a chapter's reading page (10 articles, both languages)": (
        f"/documents/bench/read/{CHAPTER}?lang=both"
    ),
}


def _setup(settings: Settings) -> None:
    app = create_app(settings)
    database = app.state.database
    body = chaptered_document()
    provisions = body["provisions"]
    assert isinstance(provisions, list)
    busy = next(p for p in provisions if p["key"] == BUSY)["text"]
    rng = random.Random(9)
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
    with database.transaction() as db:
        document = texts.get_document(db, "bench")
        members = list(db.query(Member).order_by(Member.id))
        for n in range(AMENDMENTS):
            at = 10 + 30 * n
            text = {
                "my": _reword(rng, busy["my"], at, BURMESE),
                "en": _reword(rng, busy["en"], at, ENGLISH),
            }
            amendment = services.propose(
                db,
                settings,
                members[n],
                document,
                {
                    "title": f"Amendment {n + 1}",
                    "rationale": {"en": "Why."},
                    "changes": [{"op": "replace", "key": BUSY, "text": text}],
                },
                Notices(),
            )
            for offset in (1, 2):
                services.sponsor(db, members[(n + offset) % MEMBERS], amendment)
            services.submit(db, settings, members[n], amendment)
    database.close()


def _cookies(settings: Settings) -> list[str]:
    """One logged-in browser session per member: its Cookie header (production cookies,
    which browsers send over HTTPS only)."""
    app = create_app(replace(settings, production=True))
    cookies = []
    for i in range(MEMBERS):
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            page = client.get("/login").text
            token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            response = client.post(
                "/login",
                data={"username": f"member-{i:02d}", "password": PASSWORD, "csrf_token": token},
            )
            assert response.status_code == 303, response.status_code
            # As a browser: the page after login shows its one-time message (and clears it).
            client.get(response.headers["location"])
            cookies.append("; ".join(f"{k}={v}" for k, v in client.cookies.items()))
    app.state.database.close()
    return cookies


def _cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) the server and its worker processes have used so far: what
    a page costs, whatever else runs on a busy machine."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(
    settings: Settings, root: Path, python: str, page_cache_mb: int = 32
) -> Iterator[tuple[str, int]]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "BASE_URL", "TEST_DATABASE_URL", "DATABASE_URL")
    }
    env.update(
        CONSTITUTION_ENV="production",
        DATABASE_URL=settings.database_url,
        SECRET_KEY=settings.secret_key,
        VAR_DIR=str(settings.var_dir),
        PASSWORD_HASH_MEMORY_KIB="19456",
        PASSWORD_HASH_TIME_COST="1",
        PURGE_MINUTES="0",
        PYTHONUNBUFFERED="1",
        PAGE_CACHE_MB=str(page_cache_mb),
    )
    port = _free_port()
    log = Path(settings.var_dir) / f"server-{root.name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                python, "-m", "constitution.cli", "serve", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(WORKERS),
            ],
            env=env, cwd=root, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    with _serving(process, port, "/login", log.read_text) as server:
        yield server


@contextmanager
def _bare_server() -> Iterator[tuple[str, int]]:
    """The ceiling: ``bench.bare_app``'s ``GET /ping`` (Starlette, no database, no
    session) under uvicorn with as many workers, on this machine, in this run."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(WORKERS), "--no-access-log",
        ],
        cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    with _serving(process, port, "/ping", lambda: "(its output is not kept)") as server:
        yield server


@contextmanager
def _serving(
    process: subprocess.Popen[bytes], port: int, probe: str, output: Callable[[], str]
) -> Iterator[tuple[str, int]]:
    """The started server's address and pid once ``probe`` answers; stopped after."""
    try:
        deadline = time.monotonic() + 300  # a loaded machine starts slowly
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{output()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _measure(
    server: tuple[str, int], path: str, cookies: list[str], label: str
) -> dict[str, float]:
    base, pid = server
    calls = [
        Call("GET", path, headers=(("Cookie", cookies[i % len(cookies)]),)) for i in range(REQUESTS)
    ]
    # Warm up both workers: keep-alive connections stay on the worker that took them, new
    # ones spread, so every session's page is built (or kept) on each worker before the
    # measured runs; the cost of building is measured with PAGE_CACHE_MB=0.
    load(base, calls[: CONNECTIONS * 2], connections=CONNECTIONS)
    load(base, calls[: CONNECTIONS * 10], connections=CONNECTIONS, fresh=True)
    result = {}
    for fresh, how in ((True, "new connections"), (False, "keep-alive")):
        cpu = _cpu_seconds(pid)
        run = load(base, calls, connections=CONNECTIONS, fresh=fresh)
        cpu_ms = (_cpu_seconds(pid) - cpu) * 1000 / len(calls)
        statuses = run.statuses()
        assert statuses.get(200) == len(calls) and not run.errors, (statuses, run.errors[:2])
        size = len(run.answers[0].body) // 1024
        report(
            f"{label}, {how}: pages/s",
            run.rate,
            "/s",
            note=f"p50 {run.latency_ms(0.5):.0f} ms, p99 {run.latency_ms(0.99):.0f} ms, "
            f"{size} KB, {run.retried} retried",
        )
        report(f"{label}, {how}: server CPU per page", cpu_ms)
        result[how] = run.rate
        result[f"{how} cpu"] = cpu_ms
    return result


def _answers(server: tuple[str, int], path: str, cookie: str, label: str) -> bool:
    """Whether ``path`` is a page of this server (a baseline may predate it)."""
    request = urllib.request.Request(server[0] + path, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError as error:
        print(f"  {label}: {error.code} here, not measured")
        return False


def run() -> None:
    settings = replace(scratch_settings(), password_hash_memory_kib=8192, password_hash_time_cost=1)
    start = time.perf_counter()
    _setup(settings)
    cookies = _cookies(settings)
    print(
        f"Pages under load: {WORKERS} workers, {CONNECTIONS} clients, {REQUESTS} requests each "
        f"(set up in {time.perf_counter() - start:.0f} s)"
    )
    print(" the ceiling: a bare endpoint with no database (bench.bare_app, GET /ping):")
    with _bare_server() as bare:
        _measure(bare, "/ping", cookies, "bare endpoint")
    print(" this code, every page built (PAGE_CACHE_MB=0):")
    with _server(settings, PROJECT_ROOT, sys.executable, page_cache_mb=0) as server:
        for label, path in PAGES.items():
            _measure(server, path, cookies, label)
    checkouts = [("this code", PROJECT_ROOT, sys.executable)]
    if BASELINE:
        root = Path(BASELINE)
        checkouts.append(("baseline", root, str(root / ".venv" / "bin" / "python")))
    rates: dict[str, dict[str, dict[str, float]]] = {}
    for name, root, python in checkouts:
        kept = "pages kept (PAGE_CACHE_MB=32)" if name == "this code" else "its own settings"
        print(f" {name} ({root}), {kept}:")
        with _server(settings, root, python) as server:
            rates[name] = {
                label: _measure(server, path, cookies, label)
                for label, path in PAGES.items()
                if _answers(server, path, cookies[0], label)
            }
    if "baseline" in rates:
        for label in rates["baseline"]:
            for how in ("new connections", "keep-alive"):
                ratio = rates["this code"][label][how] / rates["baseline"][label][how]
                report(f"{label}, {how}: rate, this code / baseline", ratio, "x", note="goal ≥ 4 x")
                cost = (
                    rates["baseline"][label][f"{how} cpu"] / rates["this code"][label][f"{how} cpu"]
                )
                report(f"{label}, {how}: CPU, baseline / this code", cost, "x")


if __name__ == "__main__":
    run()

"""Diffs of long, unrelated texts (issue 8): a document of 40 long articles (about 20,000
characters per language each), a revision that rewrote 20 of them with other words, and one
amendment that replaces all 40 with unrelated words (about 800,000 characters in all).

Measured through the app (the pages and the API, a member logged in): the compare page and
the API compare, the amendment page and the API amendment list, each the first time (no
stored diff: the store is emptied before each run) and the second time (what a later
reader waits for), and four readers of the amendment page at once.

First, the diff core (issue 10): the per-article diffs of the texts benchmark (50 edited
articles of 333 words, both languages) by ``diff_tokens`` on the C++ diff-match-patch and on
the pure-Python one, against the bare C++ call on the same texts already encoded as tokens
(no tokenizing, no mapping back), in the same run, interleaved.
"""

from __future__ import annotations

import os
import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import inspect, text
from starlette.testclient import TestClient

from bench.bench_amendments import PASSWORD, _login
from bench.bench_texts import BURMESE, ENGLISH
from bench.common import report, scratch_settings, timed
from constitution.accounts.models import Member
from constitution.accounts.passwords import hash_password
from constitution.amendments import services
from constitution.app import create_app
from constitution.db import Database
from constitution.texts import services as texts
from constitution.texts.validation import Notices, clean_document

ARTICLES = 40
REWRITTEN = 20
CHARS = 20_000
SLUG = "long"
GOAL_FIRST = "goal < 1 s"
GOAL_SECOND = "goal < 50 ms"
# BENCH_RUNS=1 for a quick look (the code before issue 8 takes minutes per run).
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def _long_text(rng: random.Random, vocabulary: list[str], end: str) -> str:
    words: list[str] = []
    size = 0
    while size < CHARS:
        word = rng.choice(vocabulary)
        if len(words) % 13 == 12:
            word += end
        words.append(word)
        size += len(word) + 1
    return " ".join(words) + end


def _text(rng: random.Random) -> dict[str, str]:
    return {"my": _long_text(rng, BURMESE, "။"), "en": _long_text(rng, ENGLISH, ".")}


def _setup(database: Database, settings: object) -> int:
    rng = random.Random(8)
    body = {
        "slug": SLUG,
        "title": {"my": "ရှည်", "en": "Long"},
        "languages": ["my", "en"],
        "authoritative": "my",
        "provisions": [
            {
                "key": f"art-{n}",
                "label": f"Article {n}",
                "kind": "article",
                "parent": None,
                "text": _text(rng),
            }
            for n in range(1, ARTICLES + 1)
        ],
    }
    with database.transaction() as db:
        texts.create_document(db, None, clean_document(body, Notices()))
        editor = Member(
            username="editor",
            display_name="Editor",
            roles=["member", "secretariat"],
            password_hash=hash_password(settings, PASSWORD),  # type: ignore[arg-type]
            active=True,
            language="en",
        )
        db.add(editor)
        db.add(
            Member(
                username="member-00",
                display_name="Reader",
                roles=["member"],
                password_hash=hash_password(settings, PASSWORD),  # type: ignore[arg-type]
                active=True,
                language="en",
            )
        )
        db.flush()
        document = texts.get_document(db, SLUG)
        changes = [
            {"op": "replace", "key": f"art-{n}", "text": _text(rng)}
            for n in range(1, REWRITTEN + 1)
        ]
        texts.editorial_revision(
            db, editor, document, {"reason": "rewrite", "changes": changes}, Notices()
        )
        amendment = services.propose(
            db,
            settings,  # type: ignore[arg-type]
            editor,
            document,
            {
                "title": "Everything anew",
                "changes": [
                    {"op": "replace", "key": f"art-{n}", "text": _text(rng)}
                    for n in range(1, ARTICLES + 1)
                ],
            },
            Notices(),
        )
        return amendment.id


def _forget_diffs(database: Database) -> None:
    """Empty the stored diffs (when there is such a table), so a read is a first read."""
    if "diff_cache" in inspect(database.engine).get_table_names():
        with database.engine.begin() as conn:
            conn.execute(text("DELETE FROM diff_cache"))


def _first(database: Database, fn: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        _forget_diffs(database)
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _ok(client: TestClient, url: str, **kwargs: object) -> Callable[[], object]:
    def get() -> object:
        response = client.get(url, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 200, (url, response.status_code)
        return response

    return get


def core() -> None:
    import fast_diff_match_patch

    from bench.bench_texts import EDITS, _edit, generated_document
    from constitution.diffing.diff import diff_tokens, middle
    from constitution.diffing.tokens import tokenize

    provisions = generated_document()["provisions"]
    assert isinstance(provisions, list)
    rng = random.Random(7)
    edited = rng.sample([p for p in provisions if p["kind"] == "article"], EDITS)
    pairs = [
        (p["text"][lang], _edit(rng, p["text"][lang], BURMESE if lang == "my" else ENGLISH))
        for p in edited
        for lang in ("my", "en")
    ]

    def encode(a: str, b: str) -> tuple[str, str]:
        table: dict[str, str] = {}
        one, two = (
            "".join(table.setdefault(t, chr(0xE000 + len(table))) for t in tokenize(text))
            for text in (a, b)
        )
        return one, two

    encoded = [encode(a, b) for a, b in pairs]
    # The parts of diff_tokens no implementation of this design can skip: finding the common
    # ends, tokenizing the part between them and the C++ call on that part's tokens.
    middles = []
    for a, b in pairs:
        head, tail, new_tail = middle(a, b)
        middles.append((a[head:tail], b[head:new_tail]))
    encoded_middles = [encode(a, b) for a, b in middles]

    def floor() -> None:
        for a, b in pairs:
            middle(a, b)
        for a, b in middles:
            tokenize(a)
            tokenize(b)
        for a, b in encoded_middles:
            fast_diff_match_patch.diff(
                a, b, checklines=False, cleanup="Semantic", counts_only=False
            )

    runs: dict[str, Callable[[], object]] = {
        "cpp": lambda: [diff_tokens(a, b) for a, b in pairs],
        "python": lambda: [diff_tokens(a, b, engine="python") for a, b in pairs],
        "bare": lambda: [
            fast_diff_match_patch.diff(a, b, checklines=False, counts_only=False)
            for a, b in encoded
        ],
        "floor": floor,
    }
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(max(RUNS * 5, 5)):
        for name, fn in runs.items():
            start = time.thread_time()
            fn()
            samples[name].append((time.thread_time() - start) * 1000 / len(pairs))
    med = {name: statistics.median(values) for name, values in samples.items()}
    print(f"Diff core: {len(pairs)} per-article diffs (CPU time of this thread, median)")
    report("bare C++ diff-match-patch on the encoded tokens", med["bare"])
    report(
        "diff_tokens, C++ core",
        med["cpp"],
        note=f"{med['cpp'] / med['bare']:.1f} x the bare call (goal < 2 x)",
    )
    report(
        "its floor: common ends, tokens of the middle, C++ call on them",
        med["floor"],
        note=f"{med['floor'] / med['bare']:.1f} x the bare call",
    )
    report(
        "diff_tokens, pure-Python core (the reference)",
        med["python"],
        note=f"{med['python'] / med['bare']:.1f} x the bare call",
    )


def run() -> None:
    core()
    # The amendment is larger than the size limit allows now: it stands for one made before.
    settings = replace(scratch_settings(), amendment_max_chars=10_000_000)
    app = create_app(settings)
    database: Database = app.state.database
    amendment_id = _setup(database, settings)
    print(
        f"Long texts: {ARTICLES} articles of ~{CHARS // 1000}k characters per language, "
        f"{REWRITTEN} rewritten in revision 2; amendment {amendment_id} replaces all "
        f"{ARTICLES} with unrelated words"
    )
    with TestClient(app, follow_redirects=False) as client:
        token = client.post(
            "/api/v1/tokens", json={"username": "member-00", "password": PASSWORD}
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        _login(client)
        steps = [
            (
                "compare page, revisions 1 and 2",
                _ok(client, f"/documents/{SLUG}/compare?from=1&to=2"),
            ),
            (
                "API compare, revisions 1 and 2",
                _ok(client, f"/api/v1/documents/{SLUG}/compare?from=1&to=2", headers=auth),
            ),
            ("amendment page", _ok(client, f"/amendments/{amendment_id}")),
            (
                "API amendment list",
                _ok(client, f"/api/v1/documents/{SLUG}/amendments", headers=auth),
            ),
        ]
        for name, fn in steps:
            report(f"{name}: first time", _first(database, fn), note=GOAL_FIRST)
            report(
                f"{name}: second time",
                timed(fn, runs=max(RUNS, 5) if RUNS > 1 else 1, warmup=1 if RUNS > 1 else 0),
                note=GOAL_SECOND,
            )

        page = _ok(client, f"/amendments/{amendment_id}")
        _forget_diffs(database)
        elapsed: list[float] = []

        def reader() -> None:
            start = time.perf_counter()
            page()
            elapsed.append((time.perf_counter() - start) * 1000)

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        report("amendment page, four readers at once, first time: slowest", max(elapsed))
    database.close()


if __name__ == "__main__":
    run()

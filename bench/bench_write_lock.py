"""How long the write lock is held on a long document (issue 8: well under a second).

A document of 5,000 provisions (50 parts of 99 articles) takes editorial revisions as the
web layer runs them: the text is read and changed in a read transaction, then the write
lock is taken (``begin_write``) and the revision written. Printed: the median time from
taking the lock to the commit, and the whole operation.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.common import report, scratch_settings
from constitution.accounts.models import Member
from constitution.db import Database, defer_follow_ups, make_engine
from constitution.texts import services as texts
from constitution.texts.validation import Notices, clean_document
from constitution.wiring import wire

PARTS, ARTICLES = 50, 99


def _document() -> dict[str, Any]:
    provisions: list[dict[str, Any]] = []
    for p in range(PARTS):
        provisions.append(
            {
                "key": f"part-{p}",
                "label": f"Part {p}",
                "kind": "part",
                "parent": None,
                "text": {"en": f"Part {p}", "my": "အပိုင်း"},
            }
        )
        for a in range(ARTICLES):
            provisions.append(
                {
                    "key": f"art-{p}-{a}",
                    "label": f"Article {p * 100 + a}",
                    "kind": "article",
                    "parent": f"part-{p}",
                    "text": {
                        "en": f"Text of article {a} in part {p}, with a few more words.",
                        "my": "ပြည်ထောင်စု သမ္မတ မြန်မာနိုင်ငံတော်",
                    },
                }
            )
    return {
        "slug": "long",
        "title": {"en": "Long", "my": "ရှည်"},
        "languages": ["my", "en"],
        "authoritative": "my",
        "provisions": provisions,
    }


def _revise(database: Database, changes: list[dict[str, Any]]) -> tuple[float, float]:
    """(ms under the write lock, ms in all) of one editorial revision."""
    with database.read() as db:
        defer_follow_ups(db)
        db.begin()
        editor = db.query(Member).one()
        document = texts.get_document(db, "long")
        took: dict[str, float] = {}

        def begin_write() -> None:
            db.commit()
            db.begin()
            db.connection(execution_options={"immediate": True})
            took["lock"] = time.perf_counter()

        start = time.perf_counter()
        body = {"reason": "Benchmark", "changes": changes}
        texts.editorial_revision(db, editor, document, body, Notices(), begin_write)
        db.commit()
        end = time.perf_counter()
    return (end - took["lock"]) * 1000, (end - start) * 1000


def run() -> None:
    wire()
    settings = scratch_settings()
    database = Database(make_engine(settings.database_url))
    with database.transaction() as db:
        db.add(
            Member(
                username="editor",
                display_name="Editor",
                password_hash="-",
                roles=["member", "secretariat"],
                active=True,
                language="en",
                totp_confirmed=True,
                totp_secret="JBSWY3DPEHPK3PXP",
            )
        )
        db.flush()
        start = time.perf_counter()
        texts.create_document(db, None, clean_document(_document(), Notices()))
    created = (time.perf_counter() - start) * 1000
    print(f"Write lock on a document of {PARTS * (ARTICLES + 1):,} provisions (SQLite):")
    report("import of the document (one transaction)", created)
    cases: list[tuple[str, list[list[dict[str, Any]]]]] = [
        (
            "replace one article",
            [
                [{"op": "replace", "key": f"art-7-{i}", "text": {"en": f"Changed {i}."}}]
                for i in range(7)
            ],
        ),
        (
            "delete a part with its 99 articles",
            [[{"op": "delete", "key": f"part-{p}"}] for p in (3, 4, 5)],
        ),
        (
            "insert 1,000 articles",
            [
                [
                    {
                        "op": "insert",
                        "key": f"new-{round_}-{i}",
                        "after": None if i == 0 else f"new-{round_}-{i - 1}",
                        "parent": f"part-{10 + round_}",
                        "label": f"Article N{round_}-{i}",
                        "kind": "article",
                        "text": {"en": f"New {i}.", "my": "သစ်"},
                    }
                    for i in range(1000)
                ]
                for round_ in range(3)
            ],
        ),
    ]
    for name, rounds in cases:
        results = [_revise(database, changes) for changes in rounds]
        locked = statistics.median(r[0] for r in results)
        whole = statistics.median(r[1] for r in results)
        report(f"{name}: under the write lock", locked, note=f"(all of it {whole:.0f} ms)")
    database.close()


if __name__ == "__main__":
    run()

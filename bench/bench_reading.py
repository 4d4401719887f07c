"""Reading: the 450-article document of the texts benchmark, each of its 9 parts cut into
5 chapters of 10 articles, and 9 open amendments on one article. A chapter's reading page
(one language, both, with the open amendments), a part's page, and the provision page
with its 9 open amendments: server time (in process, median) and size, the size apart
from the chapter's own text.
"""

from __future__ import annotations

import random
import re
from typing import Any

from markupsafe import escape
from starlette.testclient import TestClient

from bench.bench_texts import BURMESE, ENGLISH, generated_document
from bench.common import report, scratch_settings, timed
from constitution.accounts.models import Member
from constitution.accounts.passwords import hash_password
from constitution.amendments import services
from constitution.app import create_app
from constitution.texts import services as texts
from constitution.texts.validation import Notices, clean_document

CHAPTERS_PER_PART = 5
BUSY = "art-1"
OPEN = 9
PASSWORD = "bench reader password 1"
CHAPTER = "chap-1-2"  # the second chapter of Part 1: articles 11 to 20


def chaptered_document() -> dict[str, Any]:
    """The benchmark document with its articles in chapters of ten."""
    body = generated_document()
    rng = random.Random(3)
    provisions: list[dict[str, Any]] = []
    for item in body["provisions"]:  # type: ignore[attr-defined]
        if item["kind"] == "part":
            provisions.append(item)
            part = item["key"]
            count = 0
            continue
        if count % (50 // CHAPTERS_PER_PART) == 0:
            number = count // (50 // CHAPTERS_PER_PART) + 1
            provisions.append(
                {
                    "key": f"chap-{part.removeprefix('part-')}-{number}",
                    "label": f"Chapter {number}",
                    "kind": "chapter",
                    "parent": part,
                    "text": {
                        "my": " ".join(rng.choice(BURMESE) for _ in range(3)),
                        "en": " ".join(rng.choice(ENGLISH) for _ in range(3)),
                    },
                }
            )
        chapter = provisions[-1]["key"] if provisions[-1]["kind"] == "chapter" else None
        parent = chapter or next(p["key"] for p in reversed(provisions) if p["kind"] == "chapter")
        provisions.append({**item, "parent": parent})
        count += 1
    body["provisions"] = provisions
    return body


def _reword(rng: random.Random, text: str, at: int, vocabulary: list[str]) -> str:
    words = text.split(" ")
    return " ".join(words[:at] + [rng.choice(vocabulary) for _ in range(3)] + words[at + 2 :])


def _own_text(body: dict[str, Any], keys: list[str], languages: list[str]) -> int:
    """Bytes of the chapter's own text as the page carries it (escaped UTF-8)."""
    by_key = {p["key"]: p for p in body["provisions"]}
    return sum(
        len(str(escape(by_key[k]["text"].get(lang, ""))).encode())
        for k in keys
        for lang in languages
    )


def run() -> None:
    settings = scratch_settings()
    app = create_app(settings)
    database = app.state.database
    body = chaptered_document()
    rng = random.Random(5)
    with database.transaction() as db:
        document = texts.create_document(db, None, clean_document(body, Notices()))
        digest = hash_password(settings, PASSWORD)
        members = []
        for i in range(OPEN + 1):
            member = Member(
                username=f"reader-{i}",
                display_name=f"Reader {i}",
                roles=["member"],
                password_hash=digest,
                active=True,
                language="en",
            )
            db.add(member)
            members.append(member)
        db.flush()
        busy = next(p for p in body["provisions"] if p["key"] == BUSY)
        for n in range(OPEN):
            languages = (["my"], ["en"], ["my", "en"])[n % 3]
            text = {
                lang: _reword(
                    rng, busy["text"][lang], 10 + 30 * n, BURMESE if lang == "my" else ENGLISH
                )
                for lang in languages
            }
            services.propose(
                db,
                settings,
                members[n + 1],
                document,
                {
                    "title": f"Amendment {n + 1}",
                    "changes": [{"op": "replace", "key": BUSY, "text": text}],
                },
                Notices(),
            )
    chapter_keys = [
        p["key"] for p in body["provisions"] if p["key"] == CHAPTER or p["parent"] == CHAPTER
    ]
    print(
        f"Reading: 450 articles in 9 parts of {CHAPTERS_PER_PART} chapters; "
        f"{OPEN} open amendments on {BUSY}; {CHAPTER} has {len(chapter_keys) - 1} articles"
    )
    with TestClient(app, follow_redirects=False) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        client.post(
            "/login",
            data={"username": "reader-0", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        report(
            "GET /documents (the floor: session, layout, no text)",
            timed(lambda: client.get("/documents"), runs=15),
        )
        cases = [
            (f"/documents/bench/read/{CHAPTER}?lang=en", "chapter page, English", ["en"]),
            (f"/documents/bench/read/{CHAPTER}?lang=my", "chapter page, Burmese", ["my"]),
            (
                f"/documents/bench/read/{CHAPTER}?lang=both",
                "chapter page, side by side",
                ["my", "en"],
            ),
            (
                "/documents/bench/read/chap-1-1?lang=both&with=amendments",
                f"chapter page with {BUSY}'s {OPEN} open amendments, both",
                ["my", "en"],
            ),
            ("/documents/bench/read/part-1?lang=both", "part page (heading, its chapters)", []),
        ]
        for url, name, languages in cases:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            size = len(response.content)
            key = url.split("/read/")[1].split("?")[0]
            keys = [p["key"] for p in body["provisions"] if p["key"] == key or p["parent"] == key]
            own = _own_text(body, keys, languages) if languages else 0
            report(
                f"{name} ({size / 1024:.0f} KB, {(size - own) / 1024:.1f} KB apart from its text)",
                timed(lambda url=url: client.get(url), runs=15),
                note="goal < 30 ms, < 50 KB apart from its text",
            )
        url = f"/documents/bench/p/{BUSY}"
        response = client.get(url)
        assert response.status_code == 200
        shown = response.text.count('class="change" id="a-')
        report(
            f"provision page with {shown} open amendments ({len(response.content) / 1024:.1f} KB)",
            timed(lambda: client.get(url), runs=15),
            note="goal < 50 KB",
        )
        first = response.text.split('id="a-', 1)[1].split('"', 1)[0]
        full = client.get(f"{url}?show={first}")
        report(
            f"the same, one amendment in full ({len(full.content) / 1024:.1f} KB)",
            timed(lambda: client.get(f"{url}?show={first}"), runs=9),
        )
    database.close()


if __name__ == "__main__":
    run()

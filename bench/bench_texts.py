"""Texts: a generated 450-article document (about 150,000 words in each language) and a
revision with 50 scattered edits. Compare through the service, one article's diff, the
reading page of the whole document, and the same per-article diffs by the C++
diff-match-patch (fast-diff-match-patch) as the yardstick.
"""

from __future__ import annotations

import random
import re
import statistics
import time

import fast_diff_match_patch
from starlette.testclient import TestClient

from bench.common import report, scratch_settings, timed
from constitution.accounts.models import Member
from constitution.accounts.passwords import hash_password
from constitution.app import create_app
from constitution.diffing.diff import diff_tokens
from constitution.diffing.tokens import tokenize
from constitution.texts.compare import compare
from constitution.texts.services import (
    apply_changes,
    create_document,
    get_document,
    load_tree,
    write_revision,
)
from constitution.texts.validation import Notices, clean_document

ARTICLES = 450
WORDS = 333
EDITS = 50

ENGLISH = [
    "the",
    "union",
    "state",
    "region",
    "federal",
    "government",
    "parliament",
    "citizen",
    "right",
    "freedom",
    "law",
    "court",
    "shall",
    "may",
    "every",
    "person",
    "equal",
    "protection",
    "election",
    "vote",
    "assembly",
    "power",
    "authority",
    "council",
    "minister",
    "constitution",
    "article",
    "clause",
    "provision",
    "public",
    "national",
    "ethnic",
    "language",
    "culture",
    "religion",
    "education",
    "health",
    "land",
    "resource",
    "revenue",
    "tax",
    "budget",
    "judicial",
    "independent",
    "military",
    "civilian",
    "control",
    "security",
    "police",
    "emergency",
    "amendment",
    "referendum",
    "majority",
    "member",
    "chamber",
    "representative",
    "term",
    "office",
    "duty",
]
BURMESE = [
    "ပြည်ထောင်စု",
    "ပြည်နယ်",
    "တိုင်းဒေသကြီး",
    "ဖက်ဒရယ်",
    "အစိုးရ",
    "လွှတ်တော်",
    "နိုင်ငံသား",
    "အခွင့်အရေး",
    "လွတ်လပ်ခွင့်",
    "ဥပဒေ",
    "တရားရုံး",
    "သည်",
    "ရမည်",
    "နိုင်သည်",
    "လူတိုင်း",
    "တန်းတူ",
    "အကာအကွယ်",
    "ရွေးကောက်ပွဲ",
    "မဲပေးခြင်း",
    "ညီလာခံ",
    "အာဏာ",
    "ကောင်စီ",
    "ဝန်ကြီး",
    "ဖွဲ့စည်းပုံအခြေခံဥပဒေ",
    "ပုဒ်မ",
    "အပိုဒ်",
    "ပြဋ္ဌာန်းချက်",
    "ပြည်သူ့",
    "အမျိုးသား",
    "တိုင်းရင်းသား",
    "ဘာသာစကား",
    "ယဉ်ကျေးမှု",
    "ဘာသာ",
    "ပညာရေး",
    "ကျန်းမာရေး",
    "မြေ",
    "သယံဇာတ",
    "အခွန်",
    "ဘတ်ဂျက်",
    "တရားစီရင်ရေး",
    "လွတ်လပ်သော",
    "စစ်တပ်",
    "အရပ်သား",
    "ထိန်းချုပ်မှု",
    "လုံခြုံရေး",
    "ရဲ",
    "အရေးပေါ်",
    "ပြင်ဆင်ချက်",
    "ဆန္ဒခံယူပွဲ",
    "အများစု",
    "ကိုယ်စားလှယ်",
    "သက်တမ်း",
    "တာဝန်",
    "ကျင့်သုံးသည်",
    "သမ္မတ",
]


def _words(rng: random.Random, vocabulary: list[str], count: int, end: str) -> str:
    words = [rng.choice(vocabulary) for _ in range(count)]
    for i in range(12, count, 13):
        words[i] += end
    return " ".join(words) + end


def generated_document() -> dict[str, object]:
    rng = random.Random(2020)
    provisions: list[dict[str, object]] = []
    for part in range(1, 10):
        provisions.append(
            {
                "key": f"part-{part}",
                "label": f"Part {part}",
                "kind": "part",
                "parent": None,
                "text": {"my": _words(rng, BURMESE, 4, ""), "en": _words(rng, ENGLISH, 4, "")},
            }
        )
        for n in range(50):
            number = (part - 1) * 50 + n + 1
            provisions.append(
                {
                    "key": f"art-{number}",
                    "label": f"Article {number}",
                    "kind": "article",
                    "parent": f"part-{part}",
                    "text": {
                        "my": _words(rng, BURMESE, WORDS, "။"),
                        "en": _words(rng, ENGLISH, WORDS, "."),
                    },
                }
            )
    return {
        "slug": "bench",
        "title": {"my": "စမ်းသပ်", "en": "Bench"},
        "languages": ["my", "en"],
        "authoritative": "my",
        "provisions": provisions,
    }


def _edit(rng: random.Random, text: str, vocabulary: list[str]) -> str:
    words = text.split(" ")
    at = rng.randrange(5, len(words) - 5)
    words[at : at + 2] = [rng.choice(vocabulary), rng.choice(vocabulary), rng.choice(vocabulary)]
    return " ".join(words)


def run() -> None:
    settings = scratch_settings()
    app = create_app(settings)
    database = app.state.database
    body = generated_document()
    provisions = body["provisions"]
    assert isinstance(provisions, list)
    english_words = sum(len(p["text"]["en"].split()) for p in provisions)
    burmese_words = sum(len(p["text"]["my"].split()) for p in provisions)
    rng = random.Random(7)
    edited = rng.sample([p for p in provisions if p["kind"] == "article"], EDITS)
    changes = [
        {
            "op": "replace",
            "key": p["key"],
            "text": {
                "my": _edit(rng, p["text"]["my"], BURMESE),
                "en": _edit(rng, p["text"]["en"], ENGLISH),
            },
        }
        for p in edited
    ]
    start = time.perf_counter()
    with database.transaction() as db:
        document = create_document(db, None, clean_document(body, Notices()))
        db.add(
            Member(
                username="reader",
                display_name="Reader",
                roles=["member"],
                password_hash=hash_password(settings, "reader password 1"),
                active=True,
                language="en",
            )
        )
    import_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    with database.transaction() as db:
        document = get_document(db, "bench")
        tree = load_tree(db, document)
        apply_changes(tree, changes, Notices())
        write_revision(db, tree, actor=None, kind="editorial", reason="50 edits")
    revise_ms = (time.perf_counter() - start) * 1000
    print(
        f"Texts: {ARTICLES} articles, {english_words} English and {burmese_words} Burmese "
        f"words; a revision with {EDITS} scattered edits"
    )
    report("import the document (revision 1)", import_ms, note="(one run)")
    report("editorial revision with 50 edits", revise_ms, note="(one run)")

    def compare_once() -> None:
        with database.transaction(write=False) as db:
            changes_found = compare(db, get_document(db, "bench"), 1, 2)
            assert len(changes_found) == EDITS

    report(
        "compare revisions 1 and 2 through the service",
        timed(compare_once, runs=15),
        note="goal < 50 ms",
    )

    article = next(p for p in provisions if p["key"] == edited[0]["key"])
    old_en, new_en = article["text"]["en"], changes[0]["text"]["en"]
    old_my, new_my = article["text"]["my"], changes[0]["text"]["my"]
    report(
        f"diff one {len(old_en.split())}-word article (English)",
        timed(lambda: diff_tokens(old_en, new_en), runs=200),
        note="goal < 2 ms",
    )
    report(
        f"diff one {len(old_my.split())}-word article (Burmese)",
        timed(lambda: diff_tokens(old_my, new_my), runs=200),
        note="goal < 2 ms",
    )
    _yardstick(provisions, changes)

    with TestClient(app, follow_redirects=False) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        client.post(
            "/login",
            data={
                "username": "reader",
                "password": "reader password 1",
                "csrf_token": token.group(1),
            },
        )
        size = len(client.get("/documents/bench/read?lang=en").content)
        report(
            f"reading page, whole document, one language ({size // 1024} KB)",
            timed(lambda: client.get("/documents/bench/read?lang=en"), runs=9),
            note="goal < 150 ms",
        )
        report(
            "reading page, whole document, both languages",
            timed(lambda: client.get("/documents/bench/read?lang=both"), runs=9),
        )
    database.close()


def _yardstick(provisions: list[dict[str, object]], changes: list[dict[str, object]]) -> None:
    """Ours (tokenise, diff, clean up, map back) against C++ diff-match-patch on the same
    token-encoded strings, per article, in the same run."""
    old = {p["key"]: p["text"] for p in provisions}
    pairs = []
    for change in changes:
        for lang in ("my", "en"):
            pairs.append((old[change["key"]][lang], change["text"][lang]))  # type: ignore[index]

    def ours() -> None:
        for a, b in pairs:
            diff_tokens(a, b)

    def encode(a: str, b: str) -> tuple[str, str]:
        table: dict[str, str] = {}
        out = []
        for text in (a, b):
            out.append(
                "".join(table.setdefault(t, chr(0xE000 + len(table))) for t in tokenize(text))
            )
        return out[0], out[1]

    encoded = [encode(a, b) for a, b in pairs]

    def cpp_tokens() -> None:
        for a, b in encoded:
            fast_diff_match_patch.diff(a, b, cleanup="Semantic", counts_only=False)

    def cpp_chars() -> None:
        for a, b in pairs:
            fast_diff_match_patch.diff(a, b, cleanup="Semantic", counts_only=False)

    n = len(pairs)
    samples = {name: [] for name in ("ours", "cpp_tokens", "cpp_chars")}
    for _ in range(9):
        for name, fn in (("ours", ours), ("cpp_tokens", cpp_tokens), ("cpp_chars", cpp_chars)):
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1000 / n)
    med = {k: statistics.median(v) for k, v in samples.items()}
    report(f"per-article diff, ours (Python, {n} diffs)", med["ours"])
    report(
        "per-article diff, C++ dmp on the same encoded tokens",
        med["cpp_tokens"],
        note=f"ours / C++ = {med['ours'] / med['cpp_tokens']:.1f}x",
    )
    report(
        "per-article diff, C++ dmp on characters (not usable: splits syllables)",
        med["cpp_chars"],
        note=f"ours / C++ = {med['ours'] / med['cpp_chars']:.1f}x",
    )

"""Seed a live test site: ``python -m tests.live.seed`` with a JSON spec on stdin, printing
JSON with what it made (member ids, API tokens, the document's slug and keys).

Spec: {"editors": N, "chairs": N, "members": N, "provisions": N, "words": N, "heavy": N}: N
secretariat members, N chairs and N plain members (each with an API token), a document of N
articles of about ``words`` English and Burmese words each, and, when ``heavy`` > 0, one
open amendment by the first member that replaces ``heavy`` articles with long unrelated
text.

With ``"sitting": {"voters": N, "tokens": K}`` it also makes a sitting to vote in
(``seed_sitting``): a chair (with a second factor, as chairs need) and N voters, each with
K API tokens (her phone, her laptop...: each token has its own lane in a worker, so her
requests can really run at once), an open sitting everyone but the chair is checked in to,
and an open poll on a motion; printed as "chair", "voters", "sitting" and "poll".
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

from constitution.accounts.models import Member
from constitution.accounts.passwords import hash_password
from constitution.accounts.sessions import issue_token
from constitution.amendments import services as amendment_services
from constitution.db import Database, make_engine
from constitution.settings import load
from constitution.texts import services as text_services
from constitution.texts.validation import Notices, clean_document
from constitution.votes import services as votes
from constitution.wiring import wire

PASSWORD = "a long live-test passphrase"
BURMESE = ["ပြည်ထောင်စု", "သမ္မတ", "နိုင်ငံတော်", "ဖွဲ့စည်းပုံ", "အခြေခံ", "ဥပဒေ", "လွှတ်တော်", "ကိုယ်စားလှယ်"]
ENGLISH = ["union", "state", "region", "parliament", "member", "right", "law", "court", "people"]


def words(rng: random.Random, vocabulary: list[str], count: int, sep: str) -> str:
    return sep.join(rng.choice(vocabulary) for _ in range(count)) + "."


def member(
    db: Any, settings: Any, username: str, roles: list[str], password_hash: str | None = None
) -> Member:
    row = Member(
        username=username,
        display_name=username.title(),
        password_hash=password_hash or hash_password(settings, PASSWORD),
        roles=roles,
        active=True,
        language="en",
    )
    db.add(row)
    db.flush()
    return row


def seed_sitting(db: Any, settings: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """A chair, ``voters`` members with ``tokens`` API tokens each, all checked in to an
    open sitting, and an open poll on a motion (simple majority of the votes cast)."""
    hashed = hash_password(settings, PASSWORD)  # one hash for all: same password
    chair = member(db, settings, "chair", ["member", "chair"], hashed)
    chair.totp_secret = "JBSWY3DPEHPK3PXP"
    chair.totp_confirmed = True
    voters = [member(db, settings, f"voter{i}", ["member"], hashed) for i in range(spec["voters"])]
    sitting = votes.create_sitting(db, chair, "Live sitting", {"fraction": 0.5})
    votes.open_sitting(db, chair, sitting)
    for voter in voters:
        votes.check_in(db, voter, sitting)
    poll = votes.create_poll(db, chair, sitting, motion={"en": "Adopt the live motion"})
    votes.open_poll(db, settings, chair, poll)
    return {
        "chair": {"id": chair.id, "token": issue_token(db, settings, chair)},
        "voters": [
            {
                "id": voter.id,
                "tokens": [issue_token(db, settings, voter) for _ in range(spec.get("tokens", 1))],
            }
            for voter in voters
        ],
        "sitting": sitting.id,
        "poll": poll.id,
    }


def main() -> None:
    spec = json.loads(sys.stdin.read())
    wire()
    settings = load()
    database = Database(make_engine(settings.database_url, pool_size=1))
    rng = random.Random(7)
    out: dict[str, Any] = {"editors": [], "chairs": [], "members": [], "password": PASSWORD}
    with database.transaction() as db:
        editors = [
            member(db, settings, f"editor{i}", ["member", "secretariat"])
            for i in range(spec.get("editors", 0))
        ]
        chairs = [
            member(db, settings, f"chair{i}", ["member", "chair"])
            for i in range(spec.get("chairs", 0))
        ]
        members = [
            member(db, settings, f"member{i}", ["member"]) for i in range(spec.get("members", 0))
        ]
        for row in [*editors, *chairs]:
            # An editor's token reaches everything only with a second factor set up.
            row.totp_secret = "JBSWY3DPEHPK3PXP"
            row.totp_confirmed = True
        db.flush()
        for kind, rows in (("editors", editors), ("chairs", chairs), ("members", members)):
            for row in rows:
                token = issue_token(db, settings, row)
                out[kind].append({"id": row.id, "username": row.username, "token": token})
        count = spec.get("provisions", 20)
        size = spec.get("words", 60)
        body = {
            "slug": "live",
            "title": {"my": "စမ်းသပ်", "en": "Live"},
            "languages": ["my", "en"],
            "authoritative": "my",
            "provisions": [
                {
                    "key": f"art-{i}",
                    "label": f"Article {i}",
                    "kind": "article",
                    "parent": None,
                    "text": {
                        "my": words(rng, BURMESE, size, " "),
                        "en": words(rng, ENGLISH, size, " "),
                    },
                }
                for i in range(1, count + 1)
            ],
        }
        document = text_services.create_document(db, None, clean_document(body, Notices()))
        out["slug"] = document.slug
        out["keys"] = [p["key"] for p in body["provisions"]]
        if "sitting" in spec:
            out.update(seed_sitting(db, settings, spec["sitting"]))
    heavy = spec.get("heavy", 0)
    if heavy:
        with database.transaction() as db:
            proposer = db.get_one(Member, out["members"][0]["id"])
            document = text_services.get_document(db, "live")
            changes = [
                {
                    "op": "replace",
                    "key": f"art-{i}",
                    "text": {
                        "my": words(rng, BURMESE, spec.get("heavy_words", 2000), ""),
                        "en": words(rng, ENGLISH, spec.get("heavy_words", 2000), " "),
                    },
                }
                for i in range(1, heavy + 1)
            ]
            amendment = amendment_services.propose(
                db, settings, proposer, document, {"title": "Heavy", "changes": changes}, Notices()
            )
            out["heavy"] = amendment.id
    database.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()

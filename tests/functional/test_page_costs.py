"""What a page costs the server (issue 10, speed): a provision page with several open
amendments looks its stored diffs up in one query, and not at all once its worker has them
in memory; the navigation's counts are one statement; route paths are worked out once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.diffing.bounded import Diff
from constitution.settings import Settings
from constitution.texts.diffs import Differ, DiffMemo, digest
from constitution.texts.models import Document
from constitution.web.framework import path_for
from tests.factories import (
    ART_1_EN,
    ART_1_MY,
    login,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)

SLUG = "small-draft"
AMENDMENTS = 4


@pytest.fixture
def alice(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "alice")


@pytest.fixture
def document(db: Session, settings: Settings, alice: Member) -> Document:
    document = make_document(db, small_body(SLUG))
    sponsors = [make_member(db, settings, f"sponsor-{i}") for i in range(2)]
    for n in range(AMENDMENTS):
        text = {
            "en": ART_1_EN.replace("federal", f"federal ({n})"),
            "my": ART_1_MY + f" ({n})",
        }
        propose_amendment(
            db,
            settings,
            alice,
            document,
            {"op": "replace", "key": "art-1", "text": text},
            title=f"Change {n}",
            sponsors=sponsors,
            submit=True,
        )
    db.commit()
    return document


@pytest.fixture
def statements(app: Starlette) -> Iterator[list[str]]:
    """Every SQL statement the app runs."""
    seen: list[str] = []
    engine = app.state.database.engine

    def listen(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    yield seen
    event.remove(engine, "before_cursor_execute", listen)


def _lookups(statements: list[str]) -> int:
    return sum(1 for s in statements if s.lstrip().startswith("SELECT") and "diff_cache" in s)


def test_the_provision_page_looks_its_diffs_up_once_then_not_at_all(
    app: Starlette,
    client: TestClient,
    alice: Member,
    document: Document,
    statements: list[str],
) -> None:
    login(client, alice)
    url = f"/documents/{SLUG}/p/art-1"
    first = client.get(url)
    assert first.status_code == 200
    assert all(f"Change {n}" in first.text for n in range(AMENDMENTS))
    # A worker that knows no diff yet: one lookup for the page's 8 diffs (4 amendments in
    # two languages), not one per amendment.
    app.state.diff_memo.clear()
    statements.clear()
    again = client.get(url)
    assert _lookups(statements) == 1
    # Once its memo holds them, none.
    statements.clear()
    third = client.get(url)
    assert _lookups(statements) == 0
    assert _diffs(third.text) == _diffs(again.text) == _diffs(first.text)


def _diffs(html: str) -> list[str]:
    import re

    return re.findall(r"<(?:ins|del)>[^<]*</(?:ins|del)>", html)


def test_the_navigation_counts_are_one_statement(
    client: TestClient, alice: Member, document: Document, statements: list[str]
) -> None:
    login(client, alice)
    statements.clear()
    assert client.get(f"/documents/{SLUG}/p/art-1").status_code == 200
    counts = [s for s in statements if "count(" in s.lower()]
    assert len(counts) == 1, counts
    for table in ("notifications", "committee_members", "sittings"):
        assert table in counts[0]


def test_the_memo_forgets_the_least_recently_used() -> None:
    memo = DiffMemo(size=2)
    memo.put(("a", "b"), [[0, 1], [2, 0]])
    memo.put(("c", "d"), [[0, 2], [2, 0]])
    assert memo.get(("a", "b")) is not None  # now the most recent
    memo.put(("e", "f"), [[0, 3], [2, 0]])
    assert memo.get(("c", "d")) is None
    assert memo.get(("a", "b")) == [[0, 1], [2, 0]]
    assert len(memo) == 2


def test_a_remembered_diff_is_the_diff_of_its_texts(db: Session) -> None:
    memo = DiffMemo()
    old, new = "The Union is a state.", "The Federation is a state."
    made = Differ(db=db, memo=memo).diff(old, new)
    assert memo.get((digest(old), digest(new))) is not None
    found = Differ(db=db, memo=memo).diff(old, new)
    assert found == made == Diff(made.pairs, False)
    assert "".join(t for op, t in found.pairs if op != 1) == old


def test_route_paths_are_remembered_and_right(app: Starlette) -> None:
    expected = str(app.url_path_for("texts.provision", slug="a", key="art-1"))
    assert path_for(app, "texts.provision", {"slug": "a", "key": "art-1"}) == expected
    assert path_for(app, "texts.provision", {"key": "art-1", "slug": "a"}) == expected
    assert app.state.route_paths  # remembered
    # Another key is another path.
    assert path_for(app, "texts.provision", {"slug": "a", "key": "art-2"}).endswith("/art-2")

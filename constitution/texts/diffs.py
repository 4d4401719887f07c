"""Diffs for one request: one time budget for all of them, and each diff computed only once.

A :class:`Differ` gives every diff of a request the same
:class:`~constitution.diffing.bounded.Budget` (``DIFF_BUDGET_MS``), so a page of many long
diffs costs at most the budget plus a few milliseconds per coarse diff, and it keeps every
diff it computes in the ``diff_cache`` table, keyed by the SHA-256 of the old and the new
text. A diff is a function of its two texts alone, so the key needs no version id and no
language: provision versions are immutable, an amendment change rewritten by an update has a
new text and so a new key, and nothing ever needs invalidating. A simplified diff is kept
too (with its flag): a later reader gets it at once rather than spending the budget again.
What is stored is only each piece's op and length (``[[0, 120], [-1, 8], [1, 9], …]``): the
pieces are slices of the two texts the caller has anyway, so a stored diff is a few bytes
and reading it costs next to nothing.

Why the store is written from the read that first needs a diff, and how:

* computing diffs when a version or an amendment is written would put seconds of diffing
  into the write request (and, on SQLite, under the one write lock), for diffs that may
  never be read, and would miss the diffs of pairs nobody wrote together (a compare of any
  two revisions, an amendment against a text that moved on);
* so a read request collects the diffs it computed and, after it has them all, writes them
  in **one separate short transaction** (``INSERT … ON CONFLICT DO NOTHING``: two readers
  racing to store the same diff both succeed, and the stored one is equal). It never holds
  the write lock while it diffs or renders. On SQLite that transaction waits at most
  ``LOCK_WAIT_MS`` for the write lock, on PostgreSQL for a row lock; when it cannot have it
  (a writer is busy) the diffs are simply not stored this time and the read succeeds;
* a write request (propose, update: its answer shows the diffs) already holds the write
  lock, so it stores its diffs in its own transaction, committed with the rest.

A small process-local memo (:class:`DiffMemo`, one per app) sits in front of the table: the
ops and lengths of the diffs a worker last read or made, under the same keys. Nothing in it
can go stale (a key names its two texts), so a busy page (a provision with many open
amendments) costs no lookup at all once its diffs are known; a worker that starts, or
forgets, reads them from the table again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from constitution.db import Database, utcnow
from constitution.diffing.bounded import Budget, Diff, diff_texts
from constitution.diffing.diff import DELETE, EQUAL, INSERT, Pair
from constitution.texts.models import StoredDiff
from constitution.web.framework import Ctx

__all__ = ["DiffMemo", "Differ", "budget_of", "differ_for", "digest"]

log = logging.getLogger("constitution")

# How long storing diffs from a read may wait for a lock before it gives up.
LOCK_WAIT_MS = 100
# Stored diffs looked up in one query.
LOOKUP_BATCH = 200
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

Key = tuple[str, str]
# Ops and lengths of a diff, then ``[2, simplified]`` (as :func:`_rebuild` reads them).
Spans = list[list[int]]
# Diffs one worker's memo keeps (a few hundred bytes each).
MEMO_SIZE = 20_000


class DiffMemo:
    """The spans of the diffs one process last used, least recently used forgotten first.

    Shared by the threads of a worker, so every access holds a lock (each is a dictionary
    operation or two).
    """

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self._spans: OrderedDict[Key, Spans] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Spans | None:
        with self._lock:
            found = self._spans.get(key)
            if found is not None:
                self._spans.move_to_end(key)
            return found

    def put(self, key: Key, spans: Spans) -> None:
        with self._lock:
            self._spans[key] = spans
            self._spans.move_to_end(key)
            while len(self._spans) > self.size:
                self._spans.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._spans.clear()

    def __len__(self) -> int:
        return len(self._spans)


def _spans(found: Diff) -> Spans:
    return [*([op, len(piece)] for op, piece in found.pairs), [2, int(found.simplified)]]


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


class Differ:
    """The diffs of one request.

    ``db`` is where stored diffs are read (and, without ``database``, written: a write
    request); ``database`` opens the separate transaction a read request stores them in.
    Without ``db`` nothing is stored or looked up (a service called outside a request).
    Use it as a context manager, or call :meth:`save` once the diffs are made.
    """

    def __init__(
        self,
        budget: Budget | None = None,
        db: Session | None = None,
        database: Database | None = None,
        memo: DiffMemo | None = None,
    ) -> None:
        self.budget = budget if budget is not None else Budget(None)
        self.db = db
        self.database = database
        self.memo = memo
        self._known: dict[Key, Diff] = {}
        self._new: dict[Key, Diff] = {}
        self._stored: dict[Key, list[list[int]]] = {}
        self._digests: dict[str, str] = {}

    def _digest(self, value: str) -> str:
        found = self._digests.get(value)
        if found is None:
            found = self._digests[value] = digest(value)
        return found

    def __enter__(self) -> Differ:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.save()

    def diff(self, old: str, new: str) -> Diff:
        return self.diffs([(old, new)])[0]

    def pairs(self, old: str, new: str) -> list[Pair]:
        return self.diff(old, new).pairs

    def _keys(self, items: list[tuple[str, str]]) -> list[Key | None]:
        return [
            None if old == new or not old or not new else (self._digest(old), self._digest(new))
            for old, new in items
        ]

    def prefetch(self, items: Iterable[tuple[str, str]]) -> None:
        """Look up the stored diffs of many pairs in one query, before asking one by one."""
        self._look_up([k for k in self._keys(list(items)) if k is not None])

    def diffs(self, items: Iterable[tuple[str, str]]) -> list[Diff]:
        """The diff of each (old, new) pair: stored ones looked up together, the rest made."""
        wanted = list(items)
        keys = self._keys(wanted)
        self._look_up([k for k in keys if k is not None])
        result = []
        for (old, new), key in zip(wanted, keys, strict=True):
            if key is None:
                result.append(diff_texts(old, new, self.budget))
                continue
            found = self._known.get(key)
            if found is None and key in self._stored:
                found = _rebuild(old, new, self._stored.pop(key))
                if found is not None:
                    self._known[key] = found
            if found is None:
                found = self._known[key] = self._new[key] = diff_texts(old, new, self.budget)
                if self.memo is not None:
                    self.memo.put(key, _spans(found))
            result.append(found)
        return result

    def _look_up(self, keys: list[Key]) -> None:
        keys = [k for k in keys if k not in self._known and k not in self._stored]
        if self.db is None or not keys:
            return
        unique = list(dict.fromkeys(keys))
        if self.memo is not None:
            remembered = {k: self.memo.get(k) for k in unique}
            self._stored.update({k: v for k, v in remembered.items() if v is not None})
            unique = [k for k, v in remembered.items() if v is None]
        for start in range(0, len(unique), LOOKUP_BATCH):
            batch = unique[start : start + LOOKUP_BATCH]
            rows = self.db.execute(
                select(
                    StoredDiff.old_hash,
                    StoredDiff.new_hash,
                    StoredDiff.pairs,
                    StoredDiff.simplified,
                ).where(tuple_(StoredDiff.old_hash, StoredDiff.new_hash).in_(batch))
            ).all()
            for old_hash, new_hash, spans, simplified in rows:
                found = self._stored[(old_hash, new_hash)] = [*spans, [2, int(bool(simplified))]]
                if self.memo is not None:
                    self.memo.put((old_hash, new_hash), found)

    def save(self) -> None:
        """Store the diffs made since the last save (see the module's documentation)."""
        if self.db is None or not self._new:
            return
        now = utcnow()
        rows = [
            {
                "old_hash": old_hash,
                "new_hash": new_hash,
                "pairs": [[op, len(piece)] for op, piece in found.pairs],
                "simplified": found.simplified,
                "created_at": now,
            }
            for (old_hash, new_hash), found in self._new.items()
        ]
        self._new = {}
        if self.database is None:
            self.db.execute(_insert(self.db.connection()), rows)
            return
        try:
            with self.database.transaction(write=False) as session:
                _store(session.connection(), rows)
        except DBAPIError as error:
            # A writer holds the lock: the diffs are stored by a later read.
            log.info("diffs not stored this time: %s", type(error.orig).__name__)


def _rebuild(old: str, new: str, spans: list[list[int]]) -> Diff | None:
    """The stored ops and lengths (and a last ``[2, simplified]``) as pieces of the texts;
    None when they do not fit the texts (then the diff is made again)."""
    try:
        *pieces, (_, simplified) = spans
        pairs: list[Pair] = []
        i = j = 0
        for op, length in pieces:
            if length <= 0:
                return None
            if op == EQUAL:
                pairs.append((EQUAL, old[i : i + length]))
                i += length
                j += length
            elif op == DELETE:
                pairs.append((DELETE, old[i : i + length]))
                i += length
            elif op == INSERT:
                pairs.append((INSERT, new[j : j + length]))
                j += length
            else:
                return None
    except (TypeError, ValueError):
        return None
    if i != len(old) or j != len(new):
        return None
    return Diff(pairs, bool(simplified))


def _insert(connection: Connection) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(StoredDiff).on_conflict_do_nothing()


def _store(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if connection.dialect.name == "sqlite":
        wait = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
        try:
            connection.execute(_insert(connection), rows)
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait or 0)}")
        return
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'"))
    connection.execute(_insert(connection), rows)


def budget_of(ctx: Ctx) -> Budget:
    """A budget of ``DIFF_BUDGET_MS`` from now (make one per request), one of its limits."""
    budget = Budget(ctx.settings.diff_budget_ms / 1000)
    ctx.limits.append(budget)
    return budget


def differ_for(ctx: Ctx) -> Differ:
    """The differ of a request: its budget from the settings; stored diffs read in its own
    transaction and new ones written as the module's documentation says."""
    budget = budget_of(ctx)
    memo = getattr(ctx.request.app.state, "diff_memo", None)
    if ctx.request.method in SAFE_METHODS:
        return Differ(budget, ctx.db, ctx.request.app.state.database, memo)
    return Differ(budget, ctx.db, memo=memo)

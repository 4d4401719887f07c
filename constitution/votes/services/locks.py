"""The poll's lock, which votes share and the close takes alone.

On PostgreSQL a vote reads the poll's row FOR SHARE and the close FOR UPDATE; but row
locks do not queue fairly: a new FOR SHARE is granted at once beside the ones already held,
even while a FOR UPDATE waits, so under a steady stream of votes (two vote writers whose
groups overlap) the close could wait for ever. Each is therefore preceded by a
transaction-level advisory lock on the poll, shared for a vote and exclusive for the close:
PostgreSQL's lock manager queues those in order, so votes that arrive after the close asked
wait behind it, and the close waits only for the votes already under way.

SQLite needs none: a write transaction holds the database's one write lock.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

# The first key of the two-key advisory lock: which kind of object ("poll" in ASCII).
POLL_LOCKS = 0x706F6C6C

_SHARED = text("SELECT pg_advisory_xact_lock_shared(CAST(:kind AS integer), CAST(:id AS integer))")
_EXCLUSIVE = text("SELECT pg_advisory_xact_lock(CAST(:kind AS integer), CAST(:id AS integer))")


def hold_polls(db: Session, poll_ids: Iterable[int], *, exclusive: bool = False) -> None:
    """Take the polls' locks until the transaction ends, in the order of their ids (so two
    transactions never wait for each other), shared or ``exclusive``."""
    if db.get_bind().dialect.name != "postgresql":
        return
    statement = _EXCLUSIVE if exclusive else _SHARED
    for poll_id in sorted(set(poll_ids)):
        if 0 < poll_id < 2**31:  # no poll has another id; the lookup then says so
            db.execute(statement, {"kind": POLL_LOCKS, "id": poll_id})

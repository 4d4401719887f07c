"""Two admins issue a reset link for the same member at once: the later link voids the
earlier, whichever transaction read her row first (``password_changes.issue_reset``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from constitution.accounts import password_changes
from constitution.accounts.models import Member
from constitution.cli import migrate
from constitution.db import Database, make_engine
from constitution.errors import StateConflict
from tests.conftest import make_settings
from tests.factories import make_member
from tests.live.server import fresh_database


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="on SQLite a write transaction holds the one write lock from its start: two "
    "cannot interleave",
)
def test_of_two_links_issued_at_once_the_earlier_is_void(tmp_path: Path) -> None:
    """Red without the row lock on PostgreSQL: both transactions read serial 0, both wrote
    1, and both links set her password."""
    with fresh_database(tmp_path) as url:
        settings = make_settings(url, tmp_path)
        migrate(settings)
        database = Database(make_engine(url, pool_size=3))
        try:
            with database.write() as db:
                ids = [
                    make_member(db, settings, name, ["member", "admin"]).id
                    for name in ("root", "other")
                ]
                member_id = make_member(db, settings, "nandar").id
            with database.write() as late, database.write() as early:
                # The later transaction reads her row before the earlier one commits.
                late_admin = late.get_one(Member, ids[1])
                late_member = late.get_one(Member, member_id)
                assert late_member.reset_serial == 0
                first = password_changes.issue_reset(
                    early, settings, early.get_one(Member, ids[0]),
                    early.get_one(Member, member_id),
                )  # fmt: skip
                early.commit()
                second = password_changes.issue_reset(late, settings, late_admin, late_member)
                late.commit()
            with database.read() as db:
                with pytest.raises(StateConflict) as refused:
                    password_changes.find_reset(db, settings, first.token)
                assert refused.value.code == "reset_used"
                assert password_changes.find_reset(db, settings, second.token).id == member_id
        finally:
            database.close()

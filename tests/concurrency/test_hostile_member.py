"""One hostile member against a real server while another reads (tests/live/hostile.py).

The limits hold the attacker's work: refused before the body is read, refused for its
marks, converted in bounded pieces, diffs within their budget, logins from a bounded pool.
So no request of anybody gets a 500, the reader's reads keep being answered, and the audit
chain still verifies. (Latencies are benchmarked in bench/bench_hostile.py, not asserted.)
"""

from __future__ import annotations

from pathlib import Path

from tests.live.hostile import SPEC, measure
from tests.live.server import live_site


def test_a_hostile_member_does_not_stop_a_reader(tmp_path: Path) -> None:
    with live_site(tmp_path, SPEC) as site:
        idle = measure(site, 3, hostile=False)
        attacked = measure(site, 20, hostile=True)
        assert not idle.errors and not attacked.errors, attacked.errors[:5]
        assert set(idle.reader_statuses) == {200}
        assert set(attacked.reader_statuses) == {200}, attacked.reader_statuses
        # The reader was answered throughout, not once at the end.
        assert sum(attacked.reader_statuses.values()) >= 10, attacked.reader_statuses
        statuses = attacked.attacker_statuses
        assert 500 not in statuses and statuses, statuses
        assert all(s < 500 or s == 503 for s in statuses), statuses
        assert statuses[422] > 0  # the comment of marks was refused
        assert statuses[401] > 0  # logins and strangers' bodies were refused
        assert "Traceback" not in site.log.read_text()
        result = site.cli("verify", check=False)
        assert result.returncode == 0, result.stdout + result.stderr

"""The reader's latency while one hostile member attacks (issue 8; tests/live/hostile.py).

A live server (``constitution serve``, one worker, SQLite) with the seeded document; the
reader reads the same three API resources for 15 s alone, then 30 s while the attacker
sends the worst inputs the limits allow. Printed: median and p99 of each phase and their
ratio (goal: p99 under attack under 5x idle), and what the attacker's requests were answered.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import report
from tests.live.hostile import SPEC, measure
from tests.live.server import live_site


def run() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="constitution-hostile-") as folder,
        live_site(Path(folder), SPEC) as site,
    ):
        idle = measure(site, 15, hostile=False)
        attacked = measure(site, 30, hostile=True)
    print("A reader while one hostile member attacks (live server, 1 worker, SQLite):")
    report("reader median, idle", idle.median, note=f"({len(idle.reader_ms)} reads)")
    report("reader p99, idle", idle.quantile(0.99))
    report(
        "reader median, under attack", attacked.median, note=f"({len(attacked.reader_ms)} reads)"
    )
    report("reader p99, under attack", attacked.quantile(0.99))
    report("ratio of medians", attacked.median / idle.median, "x")
    report("ratio of p99s (goal under 5)", attacked.quantile(0.99) / idle.quantile(0.99), "x")
    answers = ", ".join(f"{n} x {s}" for s, n in sorted(attacked.attacker_statuses.items()))
    print(f"  attacker's answers: {answers}")
    print(f"  reader's answers: {dict(attacked.reader_statuses)}; errors: {len(attacked.errors)}")


if __name__ == "__main__":
    run()

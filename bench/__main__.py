"""Run every benchmark: python -m bench (make bench)."""

from __future__ import annotations

import datetime as dt

from bench import (
    bench_accounts,
    bench_amendments,
    bench_diffs,
    bench_hostile,
    bench_live,
    bench_pages,
    bench_reading,
    bench_texts,
    bench_votes,
    bench_write_lock,
)
from bench.common import machine


def main() -> None:
    print(f"Benchmarks, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"Machine: {machine()}")
    print("Figures are medians of repeated runs.")
    bench_accounts.run()
    bench_texts.run()
    bench_amendments.run()
    bench_reading.run()
    bench_diffs.run()
    bench_write_lock.run()
    bench_hostile.run()
    bench_live.run()
    bench_pages.run()
    bench_votes.run()


if __name__ == "__main__":
    main()

"""Shared benchmark helpers: machine details, timing with medians, a scratch database."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from constitution.cli import migrate
from constitution.settings import Settings


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.node()} · {cpu} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {platform.system()} {platform.release()}"
    )


def timed(fn: Callable[[], object], *, runs: int = 15, warmup: int = 2) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def scratch_settings(**overrides: object) -> Settings:
    folder = Path(tempfile.mkdtemp(prefix="constitution-bench-"))
    values: dict[str, object] = {
        "database_url": f"sqlite:///{folder / 'bench.sqlite3'}",
        "secret_key": "bench-secret-key-bench-secret-key-bench",
        "var_dir": folder,
        # The in-process benchmarks time building a page: no page is served kept
        # (bench_pages measures served pages, kept and not).
        "page_cache_mb": 0,
    }
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    migrate(settings)
    return settings


def report(name: str, value: float, unit: str = "ms", note: str = "") -> None:
    print(f"  {name:<52} {value:>9.2f} {unit}  {note}")

"""Live event streams: 200 held open by one worker while changes arrive.

A live server (``constitution serve``, one worker; SQLite, or PostgreSQL with
TEST_DATABASE_URL) with an open sitting and 200 members, each holding one stream of it
(``GET /api/v1/sittings/{id}/events``, read here by a small asyncio client, one connection
each). Printed:

* the server's memory per open stream: its resident set with the 200 streams open, less
  before they were opened, over 200;
* the time from a change (a member checking in or out through the API, one every 0.5 s) to
  its ``attendance`` event on each of the 200 streams, median and p99 over all of them,
  measured from the write's answer (sent after its commit);
* a burst: 100 check-ins and check-outs as fast as one client sends them, and how many
  snapshots the worker took meanwhile (coalesced: at most one per ``LIVE_COALESCE_MS``).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx

from bench.common import report
from tests.live.server import LiveSite, live_site

STREAMS = 200
CHANGES = 40
BURST = 100
SPEC = {"chairs": 1, "members": STREAMS, "provisions": 2, "words": 5}


class Stream:
    """One raw HTTP/1.1 connection reading the event stream: when each ``present`` came."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, float]] = []
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def run(self, host: str, port: int, path: str, token: str) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Accept: text/event-stream\r\n\r\n"
        )
        writer.write(request.encode())
        await writer.drain()
        status = await reader.readline()
        assert b" 200 " in status, status
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                # Chunk sizes and blank lines pass by; only attendance data lines matter.
                if line.startswith(b'data: {"members"'):
                    data = json.loads(line[6:])
                    self.seen.append((data["present"], time.perf_counter()))
                    self.ready.set()
        finally:
            writer.close()


async def change(client: Any, post: Any, voter: dict[str, Any], sitting: int, i: int) -> float:
    """Check the voter in (even ``i``) or out; the milliseconds until the answer came."""
    start = time.perf_counter()
    path = f"/api/v1/sittings/{sitting}/attendance"
    if i % 2 == 0:
        await post(voter, path)
    else:
        headers = {"Authorization": f"Bearer {voter['token']}"}
        answer = await client.delete(path, headers=headers)
        assert answer.status_code == 200, answer.text
    return (time.perf_counter() - start) * 1000


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def wait_for(streams: list[Stream], present: int, since: int, timeout: float = 10) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if all(any(p == present for p, _ in s.seen[since:]) for s in streams):
            return
        await asyncio.sleep(0.002)
    raise RuntimeError(f"not every stream saw present={present}")


async def measure(site: LiveSite) -> dict[str, Any]:
    seed = site.seed
    chair, voter, *members = [*seed["chairs"], *seed["members"]]
    url = urlsplit(site.base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    async with httpx.AsyncClient(base_url=site.base_url, timeout=30) as client:

        async def post(person: dict[str, Any], path: str, body: Any = None) -> Any:
            headers = {"Authorization": f"Bearer {person['token']}"}
            answer = await client.post(path, json=body, headers=headers)
            assert answer.status_code in (200, 201), answer.text
            return answer

        sitting = (await post(chair, "/api/v1/sittings", {"title": "Bench"})).json()["id"]
        await post(chair, f"/api/v1/sittings/{sitting}/open")
        path = f"/api/v1/sittings/{sitting}/events"
        assert site.pid is not None
        idle_writes = [await change(client, post, voter, sitting, i) for i in range(20)]
        # Warm up (the code paths of a stream loaded), then the baseline.
        warm = Stream()
        warm.task = asyncio.create_task(warm.run(host, port, path, chair["token"]))
        await asyncio.wait_for(warm.ready.wait(), 10)
        warm.task.cancel()
        await asyncio.sleep(1.0)
        before = rss_kib(site.pid)
        streams = [Stream() for _ in range(STREAMS)]
        people = [voter, *members][:STREAMS]
        for stream, person in zip(streams, people, strict=True):
            stream.task = asyncio.create_task(stream.run(host, port, path, person["token"]))
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)), 60)
        await asyncio.sleep(1.0)
        after = rss_kib(site.pid)

        latencies: list[float] = []
        writes: list[float] = []
        for i in range(CHANGES):
            since = [len(s.seen) for s in streams]
            writes.append(await change(client, post, voter, sitting, i))
            committed = time.perf_counter()
            present = 1 if i % 2 == 0 else 0
            await wait_for(streams, present, min(since))
            for stream, first in zip(streams, since, strict=True):
                arrived = next(t for p, t in stream.seen[first:] if p == present)
                latencies.append(max(0.0, arrived - committed) * 1000)
            await asyncio.sleep(0.5)

        # A burst of changes as fast as one client sends them.
        counted = [len(s.seen) for s in streams]
        start = time.perf_counter()
        for i in range(BURST):
            await change(client, post, voter, sitting, i)
        burst = time.perf_counter() - start
        final = 0 if BURST % 2 == 0 else 1
        await wait_for(streams, final, min(counted))
        await asyncio.sleep(0.5)
        received = statistics.median(len(s.seen) - c for s, c in zip(streams, counted, strict=True))
        for stream in streams:
            assert stream.task is not None
            stream.task.cancel()
    ordered = sorted(latencies)
    return {
        "per_stream_kib": (after - before) / STREAMS,
        "before_mib": before / 1024,
        "after_mib": after / 1024,
        "median_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "write_ms": statistics.median(writes),
        "idle_write_ms": statistics.median(idle_writes),
        "burst_s": burst,
        "burst_events": received,
    }


def run() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="constitution-live-") as folder,
        live_site(Path(folder), SPEC, LIVE_RESYNC_SECONDS="0") as site,
    ):
        engine = "PostgreSQL" if site.env["DATABASE_URL"].startswith("postgresql") else "SQLite"
        figures = asyncio.run(measure(site))
    print(f"Live event streams: {STREAMS} open on one worker ({engine}):")
    report(
        "server memory per open stream",
        figures["per_stream_kib"],
        "KiB",
        f"({figures['before_mib']:.0f} -> {figures['after_mib']:.0f} MiB resident)",
    )
    report(
        "committed change -> event on each stream, median",
        figures["median_ms"],
        note=f"({CHANGES} changes x {STREAMS} streams)",
    )
    report("committed change -> event on each stream, p99", figures["p99_ms"])
    report(
        "the write itself (check-in or out through the API)",
        figures["write_ms"],
        note=f"(with no stream open: {figures['idle_write_ms']:.1f} ms)",
    )
    report(
        f"burst of {BURST} changes: events per stream",
        figures["burst_events"],
        "",
        f"(in {figures['burst_s']:.1f} s; coalesced, the last state always sent)",
    )


if __name__ == "__main__":
    run()

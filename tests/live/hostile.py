"""One hostile member against a live server, while another member reads (issue 8).

The attacker sends the worst the limits allow: the longest comments (of combining marks,
and of Zawgyi to convert), the largest amendment of long unrelated texts (read back again
and again), a flood of logins with random usernames, and 16 MB bodies without a login. The
reader meanwhile reads the document, the amendment list and the heavy amendment through
the API. ``tests/concurrency/test_hostile_member.py`` checks that nobody gets a 500 and the
reader keeps being answered; ``bench/bench_hostile.py`` prints the reader's latencies under
attack as a ratio to the same reads on the idle server.
"""

from __future__ import annotations

import multiprocessing
import random
import secrets
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx

from tests.live.server import LiveSite

SPEC = {"members": 2, "provisions": 30, "words": 80, "heavy": 6, "heavy_words": 1500}
COMMENT_LIMIT = 10_000
AMENDMENT_LIMIT = 200_000
MB = 1024 * 1024


@dataclass
class Outcome:
    reader_ms: list[float] = field(default_factory=list)
    reader_statuses: Counter[int] = field(default_factory=Counter)
    attacker_statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        ordered = sorted(self.reader_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def median(self) -> float:
        return statistics.median(self.reader_ms)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def read(site: LiveSite, outcome: Outcome, stop: threading.Event, timeout: float = 60) -> None:
    """The reader: the same three reads, over and over, until ``stop``."""
    seed = site.seed
    paths = [
        f"/api/v1/documents/{seed['slug']}",
        f"/api/v1/documents/{seed['slug']}/amendments",
        f"/api/v1/amendments/{seed['heavy']}",
    ]
    headers = _bearer(seed["members"][0]["token"])
    with httpx.Client(base_url=site.base_url, headers=headers, timeout=timeout) as client:
        while not stop.is_set():
            for path in paths:
                start = time.perf_counter()
                try:
                    status = client.get(path).status_code
                except httpx.HTTPError as error:
                    outcome.errors.append(f"reader: {path}: {error!r}")
                    continue
                outcome.reader_ms.append((time.perf_counter() - start) * 1000)
                outcome.reader_statuses[status] += 1


def _marks() -> str:
    return "ခ" + "\u102d" * (COMMENT_LIMIT - 1)


def _zawgyi() -> str:
    # Zawgyi's visual order: the vowel sign E typed before its consonant.
    phrase = "ေနရာ ေကာင္းေသာ ေျမ "
    return (phrase * (COMMENT_LIMIT // len(phrase)))[:COMMENT_LIMIT]


def _unrelated(rng: random.Random, size: int) -> str:
    words = ["union", "state", "region", "council", "tribunal", "citizen", "duty", "assembly"]
    text: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(words) + str(rng.randrange(1000))
        text.append(word)
        length += len(word) + 1
    return " ".join(text)[:size]


def attacks(
    site: LiveSite, outcome: Outcome, stop: threading.Event
) -> list[tuple[str, Callable[[], None]]]:
    seed = site.seed
    token = seed["members"][1]["token"]
    heavy = seed["heavy"]
    lock = threading.Lock()

    def count(status: int) -> None:
        with lock:
            outcome.attacker_statuses[status] += 1

    def guarded(
        name: str, work: Callable[[httpx.Client], None], **client: object
    ) -> Callable[[], None]:
        def run() -> None:
            with httpx.Client(base_url=site.base_url, timeout=120, **client) as http:  # type: ignore[arg-type]
                while not stop.is_set():
                    try:
                        work(http)
                    except httpx.HTTPError as error:
                        # A 413 may close the connection before the body is sent: fine.
                        if name != "big bodies":
                            outcome.errors.append(f"{name}: {error!r}")

        return run

    def comments(http: httpx.Client) -> None:
        for body in (_marks(), _zawgyi()):
            count(
                http.post(f"/api/v1/amendments/{heavy}/comments", json={"body": body}).status_code
            )

    rng = random.Random(11)
    per = AMENDMENT_LIMIT // 10 - 2_000  # the Burmese texts kept count too

    def amendment(http: httpx.Client) -> None:
        changes = [
            {"op": "replace", "key": key, "text": {"en": _unrelated(rng, per)}}
            for key in seed["keys"][10:20]
        ]
        created = http.post(
            f"/api/v1/documents/{seed['slug']}/amendments",
            json={"title": "Everything else", "changes": changes},
        )
        count(created.status_code)
        if created.status_code == 201:
            for _ in range(3):
                count(http.get(f"/api/v1/amendments/{created.json()['id']}").status_code)

    def logins(http: httpx.Client) -> None:
        body = {"username": "x" + secrets.token_hex(6), "password": secrets.token_hex(12)}
        count(http.post("/api/v1/tokens", json=body).status_code)

    def chunks() -> Iterator[bytes]:
        piece = b"{" * 65536
        for _ in range(16 * MB // len(piece)):
            yield piece

    def big_bodies(http: httpx.Client) -> None:
        count(http.post("/api/v1/documents", content=chunks()).status_code)
        count(http.post("/api/v1/amendments/1/changes", content=chunks()).status_code)

    headers = {"headers": _bearer(token)}
    return [
        ("comments", guarded("comments", comments, **headers)),
        ("amendment", guarded("amendment", amendment, **headers)),
        *(("logins", guarded("logins", logins)) for _ in range(6)),
        *(("big bodies", guarded("big bodies", big_bodies)) for _ in range(2)),
    ]


def _attack(site: LiveSite, only: set[str] | None, stop: Any, results: Any) -> None:
    """In a process of its own (the attacker's CPU work must not slow the reader's client)."""
    outcome = Outcome()
    halt = threading.Event()
    chosen = [a for name, a in attacks(site, outcome, halt) if only is None or name in only]
    threads = [threading.Thread(target=a) for a in chosen]
    for thread in threads:
        thread.start()
    stop.wait()
    halt.set()
    for thread in threads:
        thread.join()
    results.put((dict(outcome.attacker_statuses), outcome.errors))


def measure(
    site: LiveSite, seconds: float, *, hostile: bool, only: set[str] | None = None
) -> Outcome:
    """The reader for ``seconds``, alone or under attack (of the kinds ``only`` names)."""
    outcome = Outcome()
    stop = threading.Event()
    context = multiprocessing.get_context("spawn")
    stop_attack = context.Event()
    results = context.Queue()
    attacker = None
    if hostile:
        attacker = context.Process(target=_attack, args=(site, only, stop_attack, results))
        attacker.start()
        time.sleep(1)  # the attack under way before the reader starts
    reader = threading.Thread(target=read, args=(site, outcome, stop))
    reader.start()
    time.sleep(seconds)
    stop.set()
    reader.join()
    if attacker is not None:
        stop_attack.set()
        statuses, errors = results.get(timeout=300)
        attacker.join(timeout=60)
        outcome.attacker_statuses.update(statuses)
        outcome.errors.extend(errors)
    return outcome

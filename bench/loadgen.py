"""A load generator for the benchmarks: many keep-alive (or new) connections over loopback.

Two clients do the same thing: ``raw`` writes HTTP/1.1 requests on asyncio streams and
reads the answers by their Content-Length (the server answers every request of these
benchmarks with one); ``httpx`` uses ``httpx2.AsyncClient``. Each of ``connections`` tasks
owns one connection and takes the next request from a shared list until none is left, so
at most ``connections`` requests are in flight. A request answered 503 (the server's
"busy, try again") is sent again after a pause (``RETRY_PAUSE``), at most ``retries`` times: its
latency runs from the first send to the last answer. With ``fresh`` each request goes on a
new connection (sent with ``Connection: close``; the connect counts in its latency).

``python -m bench.loadgen echo PORT`` runs a server that answers every request at once
with a small JSON body; the clients' own ceiling is measured against it.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx

# How long a client waits before sending a request answered 503 again (seconds).
RETRY_PAUSE = 0.1


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    token: str | None = None
    body: Any = None
    # Extra request headers, for example a browser session's cookie.
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Answer:
    status: int
    body: bytes
    latency: float  # seconds, from the first send to the last answer
    tries: int


@dataclass
class Run:
    answers: list[Answer]
    seconds: float  # wall time from the first send to the last answer
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.answers) / self.seconds if self.seconds else 0.0

    def latency_ms(self, q: float) -> float:
        values = sorted(a.latency * 1000 for a in self.answers)
        if not values:
            return float("nan")
        if q == 0.5:
            return statistics.median(values)
        return values[min(len(values) - 1, int(q * len(values)))]

    def statuses(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for a in self.answers:
            counts[a.status] = counts.get(a.status, 0) + 1
        return counts

    @property
    def retried(self) -> int:
        return sum(a.tries - 1 for a in self.answers)

    def json(self, index: int) -> Any:
        return json.loads(self.answers[index].body)


def _request_bytes(host: str, call: Call, close: bool = False) -> bytes:
    body = b"" if call.body is None else json.dumps(call.body).encode()
    lines = [f"{call.method} {call.path} HTTP/1.1", f"Host: {host}"]
    if call.token:
        lines.append(f"Authorization: Bearer {call.token}")
    lines.extend(f"{name}: {value}" for name, value in call.headers)
    if close:
        lines.append("Connection: close")
    if call.body is not None:
        lines.append("Content-Type: application/json")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


async def _raw_connection(
    host: str,
    port: int,
    calls: Sequence[Call],
    next_index: list[int],
    out: list[Answer | None],
    retries: int,
    fresh: bool = False,
) -> None:
    hostname = f"{host}:{port}"
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while next_index[0] < len(calls):
            index = next_index[0]
            next_index[0] += 1
            request = _request_bytes(hostname, calls[index], close=fresh)
            start = time.perf_counter()
            tries = 0
            while True:
                tries += 1
                if writer.is_closing():
                    # A new connection per request: its connect is part of the latency.
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(_header(head, b"content-length") or 0)
                body = await reader.readexactly(length)
                status = int(head[9:12])
                if (_header(head, b"connection") or b"").lower() == b"close":
                    writer.close()
                if status != 503 or tries > retries:
                    break
                await asyncio.sleep(RETRY_PAUSE)
            out[index] = Answer(status, body, time.perf_counter() - start, tries)
    finally:
        writer.close()


async def _httpx_connection(
    client: httpx.AsyncClient,
    calls: Sequence[Call],
    next_index: list[int],
    out: list[Answer | None],
    retries: int,
) -> None:
    while next_index[0] < len(calls):
        index = next_index[0]
        next_index[0] += 1
        call = calls[index]
        headers = {"Authorization": f"Bearer {call.token}"} if call.token else {}
        headers.update(call.headers)
        start = time.perf_counter()
        tries = 0
        while True:
            tries += 1
            response = await client.request(call.method, call.path, json=call.body, headers=headers)
            if response.status_code != 503 or tries > retries:
                break
            await asyncio.sleep(RETRY_PAUSE)
        out[index] = Answer(
            response.status_code, response.content, time.perf_counter() - start, tries
        )


async def _run(
    base: str, calls: Sequence[Call], connections: int, client: str, retries: int, fresh: bool
) -> Run:
    host, _, port_text = base.removeprefix("http://").partition(":")
    port = int(port_text)
    out: list[Answer | None] = [None] * len(calls)
    next_index = [0]
    errors: list[str] = []
    if client == "raw":
        start = time.perf_counter()
        tasks = [
            _raw_connection(host, port, calls, next_index, out, retries, fresh)
            for _ in range(connections)
        ]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        seconds = time.perf_counter() - start
    else:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
            start = time.perf_counter()
            tasks = [
                _httpx_connection(http, calls, next_index, out, retries) for _ in range(connections)
            ]
            results = await asyncio.gather(*tasks, return_exceptions=True)
            seconds = time.perf_counter() - start
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    answers = [a for a in out if a is not None]
    return Run(answers, seconds, errors)


def load(
    base: str,
    calls: Sequence[Call],
    *,
    connections: int = 64,
    client: str = "raw",
    retries: int = 20,
    fresh: bool = False,
) -> Run:
    """Send ``calls`` to ``base`` over ``connections`` keep-alive connections, or with
    ``fresh`` (raw client only) ``connections`` at a time, each request on a new one
    (``Connection: close``), as a reverse proxy that does not keep connections open would."""
    if fresh and client != "raw":
        raise ValueError("only the raw client opens a new connection per request")
    return asyncio.run(_run(base, calls, connections, client, retries, fresh))


# ---- the echo server: the clients' own ceiling ------------------------------------------

ECHO_BODY = b'{"ok":true}'
ECHO_ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(ECHO_BODY)).encode()
    + b"\r\n\r\n"
    + ECHO_BODY
)


class _Echo(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            length = int(_header(self.buffer[: end + 4], b"content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(ECHO_ANSWER)


async def _echo(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(_Echo, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1:2] == ["echo"]:
        asyncio.run(_echo(int(sys.argv[2])))

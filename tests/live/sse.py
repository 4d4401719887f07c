"""Reading a ``text/event-stream`` response in tests: a thread parses its lines (as the
HTML standard's event-stream parser does) into a queue, so a test waits for the next event
with a timeout instead of blocking on a socket forever.

Works with any response that has ``iter_lines()`` (Starlette's TestClient, httpx).
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


def read_first_event(response: Any) -> str:
    """Read an event stream up to the end of its first event (its name): the server has
    then taken its snapshot. For harnesses that only check who may open a stream."""
    name = ""
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line.partition(":")[2].strip()
        elif line == "" and name:
            return name
    raise AssertionError("the stream ended before its first event")


@dataclass(frozen=True)
class Item:
    """What arrived: an event (``name``, ``data``), a comment, a ``retry``, or the end."""

    kind: str  # "event", "comment", "retry", "end"
    name: str = ""
    data: Any = None
    at: float = 0.0


class EventReader:
    def __init__(self, response: Any) -> None:
        self.response = response
        self.items: queue.Queue[Item] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(response.iter_lines(),))
        self.thread.daemon = True
        self.thread.start()

    def _read(self, lines: Iterable[str]) -> None:
        name, data = "", []
        try:
            for line in lines:
                now = time.monotonic()
                if line == "":
                    if data:
                        self.items.put(
                            Item("event", name or "message", json.loads("\n".join(data)), now)
                        )
                    name, data = "", []
                elif line.startswith(":"):
                    self.items.put(Item("comment", data=line[1:], at=now))
                else:
                    field, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if field == "event":
                        name = value
                    elif field == "data":
                        data.append(value)
                    elif field == "retry":
                        self.items.put(Item("retry", data=int(value), at=now))
        except Exception as error:  # the connection was cut
            self.items.put(Item("end", data=repr(error), at=time.monotonic()))
            return
        self.items.put(Item("end", at=time.monotonic()))

    def hang_up(self) -> None:
        """Close the connection now, as a client that leaves does. (Closing the response
        from this thread would not: the reader thread's blocked read keeps the socket
        open, so the server would see it go only at its next write.)"""
        stream = getattr(self.response, "extensions", {}).get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def next(self, timeout: float = 5.0) -> Item:
        try:
            return self.items.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"nothing arrived on the stream in {timeout} s") from None

    def event(self, timeout: float = 5.0) -> Item:
        """The next event (comments and retry skipped); fails on the end of the stream."""
        deadline = time.monotonic() + timeout
        while True:
            item = self.next(max(0.0, deadline - time.monotonic()))
            if item.kind == "end":
                raise AssertionError(f"the stream ended ({item.data or 'cleanly'})")
            if item.kind == "event":
                return item

    def until(self, wanted: Callable[[Item], bool], timeout: float = 5.0) -> Item:
        """The first item ``wanted`` accepts, skipping the others."""
        deadline = time.monotonic() + timeout
        while True:
            item = self.next(max(0.0, deadline - time.monotonic()))
            if wanted(item):
                return item
            if item.kind == "end":
                raise AssertionError(f"the stream ended before: {item}")

    def events(self, count: int, timeout: float = 5.0) -> list[Item]:
        return [self.event(timeout) for _ in range(count)]

    def quiet(self, seconds: float) -> list[Item]:
        """Everything that arrives within ``seconds`` (the test expects little or none)."""
        deadline = time.monotonic() + seconds
        found = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                found.append(self.items.get(timeout=left))
            except queue.Empty:
                break
        return found

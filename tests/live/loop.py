"""Running a coroutine to its end from a test, in a thread of its own.

Not in the test's own thread: Playwright's sync API (the session's Chromium, once a browser
test ran in the same process) keeps an event loop marked as running there, and
``asyncio.run`` refuses to start under it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any


def run_in_thread(main: Callable[[], Coroutine[Any, Any, None]], timeout: float = 120) -> None:
    """``asyncio.run(main())`` in a new thread; its exception is raised here."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=target, name="asyncio-test")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise AssertionError(f"the coroutine did not end within {timeout} s")
    if failure:
        raise failure[0]

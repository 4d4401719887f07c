"""A real server in a subprocess and a real Chromium driven by Playwright.

The server runs exactly as in production use (``constitution migrate``, ``create-admin``,
``serve``) on a fresh SQLite file, so these tests see what a member's browser sees: the
headers, the redirects, the stylesheet, the fonts. Every page a test visits goes through a
``Recorder``, which takes a full-page screenshot, weighs every response the page loaded (a
live event stream, whose body does not end while the page is shown, is checked as answered
instead), checks that nothing was requested from another host and collects CSP violations.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Request as PwRequest
from playwright.sync_api import Response as PwResponse

from constitution.settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
MAX_PAGE_BYTES = 50 * 1024
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "a long admin passphrase for the browser tests"
STARTUP_SECONDS = 30.0
# A phone-sized window: most members read on phones.
VIEWPORT = {"width": 412, "height": 900}


# ---- the server -------------------------------------------------------------------------


@dataclass
class LiveServer:
    base_url: str
    admin_username: str = ADMIN_USERNAME
    admin_password: str = ADMIN_PASSWORD
    admin_totp_secret: str | None = None
    last_totp_step: int = -1

    @property
    def netloc(self) -> str:
        return urlsplit(self.base_url).netloc

    def url(self, path: str) -> str:
        return self.base_url + path

    def fresh_totp_code(self, secret: str) -> str:
        """A code for a 30-second step not used yet: the server accepts each code once."""
        totp = pyotp.TOTP(secret)
        while totp.timecode(_utcnow()) <= self.last_totp_step:
            time.sleep(0.25)
        now = _utcnow()
        self.last_totp_step = totp.timecode(now)
        return str(totp.at(now))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "BASE_URL", "TEST_DATABASE_URL")
    }
    env.update(
        {
            "CONSTITUTION_ENV": "development",
            "DATABASE_URL": f"sqlite:///{var_dir / 'browser.sqlite3'}",
            "VAR_DIR": str(var_dir),
            "PASSWORD_HASH_MEMORY_KIB": "8192",
            "PASSWORD_HASH_TIME_COST": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def run_python(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run this Python with ``args`` in the project; its output, or the test fails."""
    result = subprocess.run(
        [sys.executable, *args],
        input=stdin,
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`python {' '.join(args)}` exited with {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return result.stdout


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run ``constitution`` with ``args``; what it printed, or the test fails."""
    return run_python(env, "-m", "constitution.cli", *args, stdin=stdin)


def _wait_until_answering(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the server exited with {process.returncode} before answering:\n"
                f"{log.read_text(errors='replace')}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as error:  # URLError and ConnectionError are OSErrors
            last_error = error
        time.sleep(0.1)
    pytest.fail(
        f"the server did not answer {url} within {STARTUP_SECONDS:.0f}s ({last_error}):\n"
        f"{log.read_text(errors='replace')}",
        pytrace=False,
    )


@contextmanager
def serving(env: dict[str, str], var_dir: Path) -> Iterator[LiveServer]:
    """``constitution serve`` on a free port of this machine, until the block ends."""
    port = _free_port()
    log = var_dir / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "constitution.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(base_url=f"http://127.0.0.1:{port}")
    try:
        _wait_until_answering(process, server.url("/login"), log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    var_dir = tmp_path_factory.mktemp("browser-var")
    env = _server_env(var_dir)
    run_cli(env, "migrate")
    run_cli(
        env,
        "create-admin",
        "--username",
        ADMIN_USERNAME,
        "--password-stdin",
        stdin=ADMIN_PASSWORD + "\n",
    )
    with serving(env, var_dir) as server:
        yield server


# ---- the browser ------------------------------------------------------------------------


@dataclass
class Chromium:
    """The launched browser, or why it could not be launched (which fails each test)."""

    browser: Browser | None
    error: str | None

    def new_context(self, *, javascript: bool, locale: str = "en-US") -> BrowserContext:
        if self.browser is None:
            pytest.fail(
                f"Chromium could not be launched from {CHROMIUM}: {self.error}\n"
                "Install it with scripts/ensure-chromium.sh (Debian: apt-get install "
                "chromium fonts-sil-padauk).",
                pytrace=False,
            )
        return self.browser.new_context(
            java_script_enabled=javascript,
            locale=locale,
            viewport=VIEWPORT,  # type: ignore[arg-type]
            device_scale_factor=1,
        )


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except PlaywrightError as error:
            yield Chromium(None, str(error).strip())
            return
        try:
            yield Chromium(browser, None)
        finally:
            browser.close()


# ---- what each page weighs, looks like and asks for -------------------------------------


@dataclass
class PageWeight:
    mode: str
    number: int
    name: str
    path: str
    status: int
    responses: int
    bytes: int


@dataclass
class Weights:
    rows: list[PageWeight] = field(default_factory=list)

    def table(self) -> str:
        header = f"{'page':<40} {'url':<28} {'status':>6} {'files':>5} {'bytes':>7}"
        lines = [header, "-" * len(header)]
        for row in sorted(self.rows, key=lambda r: (r.mode, r.number)):
            label = f"{row.mode}-{row.number:02d}-{row.name}"
            path = row.path if len(row.path) <= 28 else row.path[:25] + "..."
            lines.append(
                f"{label:<40} {path:<28} {row.status:>6} {row.responses:>5} {row.bytes:>7}"
            )
        lines.append(f"(limit per page: {MAX_PAGE_BYTES} bytes, first visit, cache disabled)")
        return "\n".join(lines)


@pytest.fixture(scope="session")
def page_weights() -> Iterator[Weights]:
    weights = Weights()
    yield weights
    if weights.rows:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        table = weights.table()
        (SCREENSHOTS / "weights.txt").write_text(table + "\n", encoding="utf-8")
        print("\n\nPage weights (transferred body bytes of every response a page loaded)")
        print(table)


def screenshot(target: Page | Locator, path: Path, *, full_page: bool = False) -> None:
    """Save a screenshot of a page (``full_page`` for all of it) or of one element.

    Chromium now and then answers "Unable to capture screenshot" for a page that is fully
    shown (a compositor frame that did not arrive in time); the capture is tried again once
    before the error stands. Only the photograph is retried, never a step of a journey.
    """
    for attempt in (1, 2):
        try:
            if isinstance(target, Locator):
                target.screenshot(path=str(path))
            else:
                target.screenshot(path=str(path), full_page=full_page)
            return
        except PlaywrightError as error:
            if attempt == 2 or "Unable to capture screenshot" not in str(error):
                raise
            time.sleep(0.5)


def is_csp_message(text: str) -> bool:
    return "content security policy" in text.lower()


class Recorder:
    """Watches one page: responses, requests, console; ``visited`` closes each step.

    The browser cache is switched off (through the DevTools protocol) so that each page is
    weighed as a first-time visitor on a slow connection would load it.
    """

    def __init__(
        self, page: Page, server: LiveServer, weights: Weights, mode: str, counter: list[int]
    ) -> None:
        self.page = page
        self.server = server
        self.weights = weights
        self.mode = mode
        self.counter = counter  # shared by every page of one journey, for the file names
        self.responses: list[PwResponse] = []
        self.foreign: list[str] = []
        self.csp_violations: list[str] = []
        self.streams: list[PwResponse] = []  # live event streams the pages opened
        page.on("response", self._on_response)
        page.on("request", self._on_request)
        page.on("console", self._on_console)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def _on_response(self, response: PwResponse) -> None:
        self.responses.append(response)

    def _on_request(self, request: PwRequest) -> None:
        parts = urlsplit(request.url)
        if parts.scheme == "data":
            return
        if parts.scheme not in ("http", "https") or parts.netloc != self.server.netloc:
            self.foreign.append(request.url)

    def _on_console(self, message: ConsoleMessage) -> None:
        if is_csp_message(message.text):
            self.csp_violations.append(f"{self.page.url}: {message.type}: {message.text}")

    def goto(self, path: str, name: str, status: int = 200) -> PwResponse | None:
        response = self.page.goto(self.server.url(path), wait_until="load")
        self.visited(name, status)
        return response

    def submit(self, selector: str, name: str, status: int = 200) -> None:
        """Press a submit button and wait for the page it leads to (after any redirects)."""
        with self.page.expect_navigation(wait_until="load"):
            self.page.click(selector)
        self.visited(name, status)

    def visited(self, name: str, expected_status: int = 200) -> None:
        self.counter[0] += 1
        number = self.counter[0]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        screenshot(self.page, SCREENSHOTS / f"{self.mode}-{number:02d}-{name}.png", full_page=True)
        loaded, self.responses = self.responses, []
        # A live event stream (live.js's EventSource) stays open while the page is shown:
        # its body never ends, so it is not weighed (Playwright's sizes() would wait for
        # the end for ever); that it was opened, and answered, is checked instead.
        streams = [r for r in loaded if r.request.resource_type == "eventsource"]
        loaded = [r for r in loaded if r not in streams]
        self.streams.extend(streams)
        total = sum(_body_size(response) for response in loaded)
        documents = [r for r in loaded if r.request.resource_type == "document"]
        status = documents[-1].status if documents else 0
        self.weights.rows.append(
            PageWeight(
                mode=self.mode,
                number=number,
                name=name,
                path=_path(self.page.url),
                status=status,
                responses=len(loaded),
                bytes=total,
            )
        )
        assert status == expected_status, (
            f"{name}: {self.page.url} answered {status}, not {expected_status}: "
            f"{self.page.inner_text('main')[:300]!r}"
        )
        assert not self.foreign, f"{name}: requests to other hosts: {self.foreign}"
        for stream in streams:
            assert stream.status == 200, f"{name}: the stream {stream.url} answered {stream.status}"
        assert loaded, f"{name}: no response was recorded for {self.page.url}"
        assert total < MAX_PAGE_BYTES, (
            f"{name} ({self.page.url}) weighs {total} bytes, over {MAX_PAGE_BYTES}: "
            + ", ".join(f"{r.url} {_body_size(r)}" for r in loaded)
        )


def _body_size(response: PwResponse) -> int:
    """Body bytes as they came over the wire (after any compression)."""
    size = response.request.sizes()["responseBodySize"]
    if size < 0:  # not known: fall back to the decoded body
        try:
            return len(response.body())
        except PlaywrightError:
            return 0
    return int(size)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")

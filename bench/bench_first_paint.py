"""First paint over a Tor-like link: when is a member's text on the screen?

A real server (``constitution serve`` on a scratch SQLite file with the sample draft and one
amendment) and Debian's Chromium, the link throttled through the DevTools protocol
(``Network.emulateNetworkConditions``: 50 kbit/s down, 20 kbit/s up, 600 ms latency) and the
cache off, as on a member's first visit. For each page: first-contentful-paint (the text is
the first thing painted), when the HTML and the stylesheet finished arriving, and how many
requests the first paint waited for. Median of ``BENCH_PAINT_RUNS`` (3) runs per page.

    .venv/bin/python -m bench.bench_first_paint
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from constitution.settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
TOR_LIKE = {
    "offline": False,
    "latency": 600,
    "downloadThroughput": 50_000 / 8,
    "uploadThroughput": 20_000 / 8,
}
SLUG = "federal-constitution-draft"
SEED = """
from sqlalchemy import select
from constitution.accounts.models import Member
from constitution.amendments import services
from constitution.db import Database, make_engine
from constitution.settings import load
from constitution.texts.services import get_document, versions_at
from constitution.texts.validation import Notices

settings = load()
database = Database(make_engine(settings.database_url))
with database.transaction() as db:
    document = get_document(db, "federal-constitution-draft")
    nandar = db.scalar(select(Member).where(Member.username == "nandar"))
    row = {r.key: r for r in versions_at(db, document, document.current_rev)}["art-3"]
    text = {"my": row.text["my"], "en": row.text["en"] + " Every citizen shall enjoy it."}
    services.propose(db, settings, nandar, document, {"title": "A proposal",
        "changes": [{"op": "replace", "key": "art-3", "text": text}]}, Notices())
"""
PAGES = [
    ("provision page", f"/documents/{SLUG}/p/art-3"),
    ("a proposal", "/amendments/1"),
    ("contents", f"/documents/{SLUG}"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "constitution.cli", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _password(printed: str, username: str) -> str:
    for line in printed.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == username:
            return words[1]
    raise RuntimeError(f"no password for {username} in:\n{printed}")


def _wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def _measure(page: Page, url: str) -> dict[str, Any]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", TOR_LIKE)
    page.goto(url, wait_until="load", timeout=120_000)
    timings: dict[str, Any] = page.evaluate(
        r"""async () => {
          const painted = () => performance.getEntriesByName('first-contentful-paint')[0];
          for (let i = 0; i < 100 && !painted(); i++) {
            await new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)));
          }
          const paint = painted();
          const largest = await new Promise(resolve => {
            new PerformanceObserver(list => {
              const entries = list.getEntries();
              resolve(entries[entries.length - 1]);
            }).observe({type: 'largest-contentful-paint', buffered: true});
            setTimeout(() => resolve(null), 2000);
          });
          const nav = performance.getEntriesByType('navigation')[0];
          const css = performance.getEntriesByType('resource')
            .filter(r => r.initiatorType === 'link' || r.name.endsWith('.css'));
          return {
            fcp: paint ? paint.startTime : null,
            lcp: largest ? largest.startTime : null,
            what: largest && largest.element ? largest.element.tagName.toLowerCase() + '.' +
              largest.element.className + ' ' +
              largest.element.textContent.trim().replace(/\s+/g, ' ').slice(0, 24) : '',
            html: nav.responseEnd,
            css: css.length ? Math.max(...css.map(r => r.responseEnd)) : null,
            blocking: css.filter(r => r.responseEnd < (paint ? paint.startTime : 0)).length,
            bytes: nav.encodedBodySize,
          };
        }"""
    )
    cdp.send(
        "Network.emulateNetworkConditions",
        {**TOR_LIKE, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    cdp.detach()
    return timings


def run() -> None:
    runs = int(os.environ.get("BENCH_PAINT_RUNS", "3"))
    folder = Path(tempfile.mkdtemp(prefix="constitution-paint-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "BASE_URL")},
        "CONSTITUTION_ENV": "development",
        "DATABASE_URL": f"sqlite:///{folder / 'paint.sqlite3'}",
        "VAR_DIR": str(folder),
        "PASSWORD_HASH_MEMORY_KIB": "8192",
        "PASSWORD_HASH_TIME_COST": "1",
    }
    _cli(env, "migrate")
    password = _password(_cli(env, "sample"), "nandar")
    subprocess.run([sys.executable, "-c", SEED], env=env, cwd=PROJECT_ROOT, check=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "constitution.cli", "serve", "--port", str(port)],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(base + "/login")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={"width": 360, "height": 800})
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("#username", "nandar")
            page.fill("#password", password)
            with page.expect_navigation():
                page.click("main form button[type=submit]")
            print("First paint over a Tor-like link (50 kbit/s down, 20 up, 600 ms), cache off")
            print(
                f"{'page':<16} {'paint ms':>9} {'largest':>8} {'html ms':>8} {'css ms':>7} "
                f"{'waits':>6} {'html B':>7}  largest paint"
            )
            for name, path in PAGES:
                samples = [_measure(page, base + path) for _ in range(runs)]
                fcp = statistics.median(s["fcp"] or 0 for s in samples)
                lcp = statistics.median(s["lcp"] or 0 for s in samples)
                html = statistics.median(s["html"] for s in samples)
                css_ends = [s["css"] for s in samples if s["css"] is not None]
                css = f"{statistics.median(css_ends):7.0f}" if css_ends else f"{'-':>7}"
                waits = max(s["blocking"] for s in samples)
                print(
                    f"{name:<16} {fcp:9.0f} {lcp:8.0f} {html:8.0f} {css} {waits:6d} "
                    f"{samples[-1]['bytes']:7d}  {samples[-1]['what']}"
                )
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    run()

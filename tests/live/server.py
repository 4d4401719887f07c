"""Real server processes for concurrency and robustness tests.

``live_site`` makes a fresh database (a SQLite file, or a new PostgreSQL database on the
server of TEST_DATABASE_URL), migrates and seeds it (``tests.live.seed``), and runs
``constitution serve`` on a free port of 127.0.0.1 until the block ends.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from constitution.settings import PROJECT_ROOT

STARTUP_SECONDS = 60.0


@dataclass
class LiveSite:
    base_url: str
    env: dict[str, str]
    seed: dict[str, Any]
    log: Path
    pid: int | None = None  # the server process (a number: a site goes to other processes)

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "constitution.cli", *args],
            env=self.env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(f"constitution {' '.join(args)}: {result.stdout}{result.stderr}")
        return result


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fresh_database(tmp: Path) -> Iterator[str]:
    """A new, empty database for one live site, dropped afterwards on PostgreSQL."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp / 'live.sqlite3'}"
        return
    name = "live_" + secrets.token_hex(6)
    server, _, _ = base.rpartition("/")
    admin = create_engine(
        server.replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def site_env(url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "BASE_URL", "TEST_DATABASE_URL", "DATABASE_URL")
    }
    env.update(
        {
            "CONSTITUTION_ENV": "development",
            "DATABASE_URL": url,
            "VAR_DIR": str(var_dir),
            "PASSWORD_HASH_MEMORY_KIB": "8192",
            "PASSWORD_HASH_TIME_COST": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def wait_until_answering(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not answer {url}:\n{log.read_text()}")


def start_server(
    env: dict[str, str], log: Path, port: int, workers: int = 1, *, new_session: bool = False
) -> subprocess.Popen[bytes]:
    """``constitution serve`` on ``port``; with ``new_session`` in a process group of its
    own, so that ``Server.kill`` can kill it with its workers at once."""
    with log.open("ab") as log_file:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "constitution.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@contextmanager
def another_server(site: LiveSite, name: str = "second") -> Iterator[str]:
    """A second server process on the live site's database (its own port and log): the
    base URL of a second worker that shares nothing with the first but the database."""
    log = site.log.with_name(f"{name}.log")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = start_server(site.env, log, port)
    try:
        wait_until_answering(process, base_url + "/login", log)
        yield base_url
    finally:
        stop_server(process)


@contextmanager
def seeded_site(tmp: Path, spec: dict[str, Any], **extra_env: str) -> Iterator[LiveSite]:
    """A fresh database, migrated and seeded, with no server yet (``base_url`` empty): for
    tests that run several servers on it, or kill and restart one."""
    with fresh_database(tmp) as url:
        env = site_env(url, tmp, **extra_env)
        site = LiveSite("", env, {}, tmp / "server.log")
        site.cli("migrate")
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.live.seed"],
            input=json.dumps(spec),
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if seeded.returncode != 0:
            pytest.fail(f"seeding failed: {seeded.stdout}{seeded.stderr}")
        site.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        yield site


@contextmanager
def live_site(
    tmp: Path, spec: dict[str, Any], *, workers: int = 1, **extra_env: str
) -> Iterator[LiveSite]:
    with seeded_site(tmp, spec, **extra_env) as site:
        port = free_port()
        site.base_url = f"http://127.0.0.1:{port}"
        process = start_server(site.env, site.log, port, workers)
        site.pid = process.pid
        try:
            wait_until_answering(process, site.url("/login"), site.log)
            yield site
        finally:
            stop_server(process)


class Server:
    """One ``constitution serve`` process on a port of its own, on a seeded site's
    database; it can be killed with SIGKILL (with its workers) and started again."""

    def __init__(
        self, site: LiveSite, name: str, workers: int = 1, env: dict[str, str] | None = None
    ) -> None:
        self.site = site
        self.env = {**site.env, **(env or {})}
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = site.log.with_name(f"{name}.log")
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> None:
        self.process = start_server(self.env, self.log, self.port, self.workers, new_session=True)

    def wait(self) -> None:
        assert self.process is not None
        wait_until_answering(self.process, self.base_url + "/login", self.log)

    def start(self) -> None:
        self.launch()
        self.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: nothing runs after it."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            stop_server(self.process)
            self.process = None


@contextmanager
def servers(
    site: LiveSite, count: int = 1, workers: int = 1, envs: list[dict[str, str]] | None = None
) -> Iterator[list[Server]]:
    """``count`` server processes on the site's one database, running until the block
    ends (requests sent to several really race across processes); ``envs``: each one's
    settings beyond the site's."""
    started = [
        Server(site, f"server{i}", workers, (envs or [])[i] if i < len(envs or []) else None)
        for i in range(count)
    ]
    try:
        for server in started:  # all at once: each takes seconds to import and start
            server.launch()
        for server in started:
            server.wait()
        site.base_url = started[0].base_url
        yield started
    finally:
        for server in started:
            server.stop()

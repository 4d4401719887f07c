"""The README's two commands, from a fresh clone of the committed tree.

CI itself runs `make test` in a fresh clone; this test proves `make run` there: it installs
into a new virtual environment, migrates SQLite under var/, loads the sample content, prints
the sample passwords, serves, and a printed password logs in. It then runs `make test` in
the same clone on one small test file, to show the test command installs and runs pytest.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx2 as httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRUB = (
    "DATABASE_URL",
    "TEST_DATABASE_URL",
    "VAR_DIR",
    "SECRET_KEY",
    "CONSTITUTION_ENV",
    "VIRTUAL_ENV",
    "PYTHONPATH",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p
    )
    return env


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("make") is None:
        pytest.fail("make is needed for the README's commands")
    target = tmp_path_factory.mktemp("clone") / "constitution"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    return target


def wait_for(url: str, process: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {seconds} s")


@pytest.mark.slow
def test_make_run_serves_the_sample_from_a_fresh_clone(clone: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=clone,
            env=clean_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/login", process, seconds=480)
        output = log.read_text()
        match = re.search(r"^\s+nandar\s+(\S+)\s*$", output, re.MULTILINE)
        assert match, output[-2000:]
        assert (clone / "var" / "constitution.sqlite3").exists()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as browser:
            page = browser.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token
            response = browser.post(
                "/login",
                data={
                    "username": "nandar",
                    "password": match.group(1),
                    "csrf_token": token.group(1),
                    "next": "/",
                },
            )
            assert response.status_code == 303, response.text
            home = browser.get("/")
            assert "နန္ဒာ" in home.text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.slow
def test_make_test_runs_the_suite_from_a_fresh_clone(clone: Path) -> None:
    result = subprocess.run(
        ["make", "test", "PYTEST_ARGS=-q -p no:cacheprovider tests/unit/test_docs.py"],
        cwd=clone,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"\b1 passed\b", result.stdout), result.stdout[-2000:]
